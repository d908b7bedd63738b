/**
 * Every string a snippet controls (thread and lock names, exception messages, its output, file
 * paths) passes through here before it reaches the terminal. Control characters never reach it
 * raw: C0 and C1 controls, DEL and the bidirectional overrides are shown escaped (`\x1b`,
 * `\u202e`), so an ANSI or OSC sequence in a name cannot clear the screen or retitle the
 * window, with or without --no-color. Names are cut to NAME_CHARS with an ellipsis; one-line
 * text keeps its newlines as a visible `\n`, so a message cannot split a table row.
 */

/** Longest name shown in full; longer ones are cut to this many characters, "…" included. */
const NAME_CHARS = 80;
/** Longest one-line text (a message, an explanation) shown in full. */
const LINE_CHARS = 2000;

/** C0 controls (but \t and \n, handled per use), DEL, C1 controls, and the bidi embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 0x0d) return '\\r';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Output of the snippet: its text as is, newlines and tabs included; every other control character escaped. */
export function outputText(text: string): string {
  return text.replace(CONTROL, visible);
}

/** Text that must stay on one line: control characters escaped, newlines and tabs too. */
export function oneLine(text: string, max = LINE_CHARS): string {
  return cut(outputText(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t'), max);
}

/** A name (thread, lock, file): on one line, cut to NAME_CHARS. */
export function nameText(text: string): string {
  return oneLine(text, NAME_CHARS);
}

/** `text` cut to `max` characters, the last one an ellipsis (a surrogate pair is never split). */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * One-line text that may quote names (an explanation, an error message): each name longer than
 * NAME_CHARS is shortened where it appears, then the whole is made one line. `names` are the
 * run's thread and object names.
 */
export function withShortNames(text: string, longNames: readonly string[]): string {
  let out = text;
  for (const name of longNames) if (out.includes(name)) out = out.split(name).join(cut(name, NAME_CHARS));
  return oneLine(out);
}

/** The names in `names` that nameText would cut, longest first (so a name inside another is replaced last). */
export function longNamesOf(names: Iterable<string>): string[] {
  const long = new Set<string>();
  for (const name of names) if (name.length > NAME_CHARS) long.add(name);
  return [...long].sort((a, b) => b.length - a.length);
}
