/**
 * The hover provider: over an identifier that names a lock (or any primitive with an owner) in
 * a snippet that ran, says who owned it and who waited for it when the run ended, with a link
 * that shows the primitive in the panel. The identifier is resolved through the language
 * server (its declaration, an array's elements, or what its calls used), never by its text.
 */
import * as vscode from 'vscode';
import type { Session } from './session';
import { snippetPath } from './snippetDocuments';
import { arrayElementColumns, describeAtEnd, primitivesDeclaredAt, primitivesUsedAt, type PrimitiveAtEnd } from './summary';

/** The most primitives one hover describes. */
const MOST_IN_HOVER = 8;

export function registerHoverProvider(session: Session, languages: string[]): vscode.Disposable {
  return vscode.languages.registerHoverProvider(
    languages.map((language) => ({ language })),
    {
      provideHover: (document, position, token) => hover(session, document, position, token),
    },
  );
}

async function hover(
  session: Session,
  document: vscode.TextDocument,
  position: vscode.Position,
  token: vscode.CancellationToken,
): Promise<vscode.Hover | undefined> {
  const summary = session.summaryFor(document);
  const wordRange = document.getWordRangeAtPosition(position, /[A-Za-z_$][\w$]*/);
  if (!summary || !wordRange) return undefined;
  const file = snippetPath(document);
  const found = new Map<number, PrimitiveAtEnd>();
  const add = (list: PrimitiveAtEnd[]) => list.forEach((p) => found.set(p.id, p));
  // 1. Through the declaration (the language server's answer), never by the text of the name:
  //    `const fork1 = new Lock()`, `lock = new Lock()` in a class.
  const declarations = await definitionsAt(document, position);
  if (declarations.length === 0) declarations.push(wordRange.start);
  if (token.isCancellationRequested) return undefined;
  for (const d of declarations) add(primitivesDeclaredAt(summary, file, { line: d.line + 1, col: d.character + 1 }));
  let how = '';
  // 2. An array of primitives made at top level (`const forks = [fork1, fork2]`): its elements.
  if (found.size === 0) {
    for (const d of declarations) {
      for (const col of arrayElementColumns(document.lineAt(d.line).text, d.character)) {
        for (const e of await definitionsAt(document, new vscode.Position(d.line, col)))
          add(primitivesDeclaredAt(summary, file, { line: e.line + 1, col: e.character + 1 }));
      }
    }
    if (found.size) how = 'the primitives the array holds';
  }
  // 3. Not a construction (a parameter, `this.lock` assigned in a constructor): what the run's
  //    calls through this identifier used — this call, or else every call through the symbol.
  if (found.size === 0) {
    add(primitivesUsedAt(summary, file, wordRange.start.line + 1, document.lineAt(wordRange.start.line).text, wordRange.end.character));
    if (found.size === 0) {
      for (const reference of await referencesAt(document, position)) {
        if (reference.uri.toString() !== document.uri.toString()) continue;
        const { end } = reference.range;
        add(primitivesUsedAt(summary, file, end.line + 1, document.lineAt(end.line).text, end.character));
      }
    }
    if (found.size) how = `what \`${document.getText(wordRange)}\` referred to at its calls during the run`;
  }
  if (token.isCancellationRequested) return undefined;
  const primitives = [...found.values()];
  if (primitives.length === 0) return undefined;
  const markdown = new vscode.MarkdownString(undefined, true);
  markdown.isTrusted = { enabledCommands: ['threadlanes.showPrimitive'] };
  if (how) markdown.appendMarkdown(`*Threadlanes: ${how}.*\n\n`);
  for (const primitive of primitives.slice(0, MOST_IN_HOVER)) {
    markdown.appendMarkdown(describeAtEnd(summary, primitive).map(escapeForHover).join('\n') + '\n\n');
    const args = encodeURIComponent(JSON.stringify([file, primitive.name]));
    markdown.appendMarkdown(`[Show in the Threadlanes panel](command:threadlanes.showPrimitive?${args})\n\n`);
  }
  if (primitives.length > MOST_IN_HOVER) markdown.appendMarkdown(`…and ${primitives.length - MOST_IN_HOVER} more.\n`);
  return new vscode.Hover(markdown, wordRange);
}

/** Where the symbol at `position` is declared, in this document (the language server's answer). */
async function definitionsAt(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Position[]> {
  const declarations: vscode.Position[] = [];
  try {
    const found = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[] | undefined>(
      'vscode.executeDefinitionProvider',
      document.uri,
      position,
    );
    for (const location of found ?? []) {
      const uri = 'targetUri' in location ? location.targetUri : location.uri;
      if (uri.toString() !== document.uri.toString()) continue;
      declarations.push('targetUri' in location ? (location.targetSelectionRange ?? location.targetRange).start : location.range.start);
    }
  } catch {
    // no definition provider: only the declaration itself can be hovered
  }
  return declarations;
}

/** Every reference to the symbol at `position` (the language server's answer). */
async function referencesAt(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Location[]> {
  try {
    return (
      (await vscode.commands.executeCommand<vscode.Location[] | undefined>('vscode.executeReferenceProvider', document.uri, position)) ?? []
    );
  } catch {
    return []; // no reference provider
  }
}

/** Markdown in a hover is trusted for one command: escape the names and messages that come from the run. */
function escapeForHover(line: string): string {
  return line.replace(/[\\`[\]<>]/g, (c) => `\\${c}`);
}
