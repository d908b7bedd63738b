/**
 * The CLI against hostile input (fast-check, a fixed seed so every run tries the same cases):
 * snippets made from a small grammar of the API and of what goes wrong in it (odd thread and
 * lock names with control characters, throws of values that are not Errors, misuse, exits,
 * deadlocks, writes to fd 1), odd file names, and odd or wrong arguments. Whatever comes in:
 *   - the exit code is one of the documented ones (the help lists them);
 *   - no "internal error" and no stack trace of threadlanes itself;
 *   - with --json, stdout is one JSON object (or nothing, for bad usage);
 *   - without --json, no raw control character but newline and tab reaches stdout or stderr.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';

const root = path.resolve(__dirname, '..');
const CLI = path.join(root, 'dist', 'cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-fuzz-'));

/** The exit codes `threadlanes --help` documents. */
const DOCUMENTED = [0, 1, 2, 3, 4, 5, 64, 73, 130];
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** A stack trace of Node's own making (the snippet's tracebacks are indented by two spaces and name the snippet). */
const STACK = /\n {4}at |node:internal|dist\/(cli|worker|runtime)\.js/;

/** Pieces of hostile text: terminal escapes, other controls, bidi overrides, quotes, astral characters. */
const ATOMS = [
  '\x1b',
  '[2J',
  ']0;',
  '\x07',
  '\x9b',
  '\x00',
  '\r',
  '\n',
  '\t',
  '\u202e',
  '\u2028',
  '"',
  '\\',
  '`',
  '${x}',
  'a',
  'é',
  '😀',
  ' ',
];
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...ATOMS), maxLength: 10 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 81, max: 3000 }).map((n) => `${'n'.repeat(n)}\x1b]0;t`) },
);
const literal = (value: string) => JSON.stringify(value);

/** What a thread (or main) does: a statement of the grammar, with hostile text in it. */
const action = fc.oneof(
  text.map((t) => `console.log(${literal(t)});`),
  text.map((t) => `console.error(${literal(t)});`),
  text.map((t) => `process.stdout.write(${literal(t)});`),
  text.map((t) => `fs.writeSync(1, ${literal(t)});`),
  fc.constant('lock.acquire(); lock.release();'),
  fc.constant('lock.release();'),
  text.map((t) => `throw new Error(${literal(t)});`),
  text.map((t) => `throw new RangeError(${literal(t)});`),
  text.map((t) => `throw ${literal(t)};`),
  text.map((t) => `throw { code: 42, text: ${literal(t)} };`),
  fc.constantFrom('throw undefined;', 'throw null;', 'throw 42;', 'throw Symbol("s");', 'throw [1, 2];'),
  text.map((t) => `void Promise.reject(new Error(${literal(t)}));`),
  fc.constantFrom('sleep(0.01);', 'sleep(-1);', 'sleep(Number.NaN);'),
  fc.constantFrom('process.exit(3);', 'process.exit(0);'),
  fc.constantFrom('new Semaphore(-1);', 'new Thread({ target: () => 1 }).start();', 'currentThread().join();'),
  fc.constant('lock.acquire(); lock.acquire();'),
);

const threadSpec = fc.record({ name: fc.option(text, { nil: undefined }), body: fc.array(action, { maxLength: 3 }), join: fc.boolean() });

interface SnippetSpec {
  lockName: string;
  threads: { name: string | undefined; body: string[]; join: boolean }[];
  main: string[];
  entry: 'export' | 'hidden' | 'none';
}

const snippetSpec: fc.Arbitrary<SnippetSpec> = fc.record({
  lockName: text,
  threads: fc.array(threadSpec, { maxLength: 3 }),
  main: fc.array(action, { maxLength: 2 }),
  entry: fc.constantFrom('export', 'export', 'export', 'hidden', 'none'),
});

function snippetSource(spec: SnippetSpec): string {
  const lines = [
    'import * as fs from "node:fs";',
    'import { Thread, Lock, Semaphore, sleep, currentThread } from "threadlanes";',
    `const lock = new Lock(${literal(spec.lockName)});`,
    'void fs; void Semaphore; void sleep; void currentThread; void lock;',
  ];
  spec.threads.forEach((thread, i) => lines.push(`function work${i}() { ${thread.body.join(' ')} }`));
  const body = [
    ...spec.threads.map(
      (thread, i) =>
        `const t${i} = new Thread({ target: work${i}${thread.name === undefined ? '' : `, name: ${literal(thread.name)}`} }); t${i}.start();`,
    ),
    ...spec.threads.flatMap((thread, i) => (thread.join ? [`t${i}.join();`] : [])),
    ...spec.main,
  ].join(' ');
  if (spec.entry === 'export') lines.push(`export function main() { ${body} }`);
  else if (spec.entry === 'hidden') lines.push(`function main() { ${body} }`);
  return `${lines.join('\n')}\n`;
}

const FILE_NAMES = ['snippet.ts', 'with space.ts', 'ctl\x1b[31m.ts', 'new\nline.ts', 'ünï😀.ts', '(paren) [1].ts'];

/** Arguments: mostly sensible (most cases run the snippet), some wrong in the ways people get them wrong, some hostile. */
const argsSpec = fc.record({
  json: fc.boolean(),
  timeout: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('3', '1e7', 'none') },
    { weight: 1, arbitrary: fc.constantFrom('0', '-1', 'NaN', 'soon', '', '\x1b[2J') },
  ),
  mode: fc.constantFrom<string[]>([], [], ['--mode', 'controlled'], ['--mode', 'gil'], ['--seed', '3'], ['--explore', '3'], ['--compare']),
  extra: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<string[]>([], ['--max-threads', '2'], ['--record-shared'], ['--chrome-trace', 'out.json']) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ['--frobnicate'],
        ['--mode', 'turbo\x1b[2J'],
        ['--seed=-1'],
        ['--depth', '3'],
        ['--width', '0'],
        ['--max-events', '0'],
        ['--html', '.'],
        ['--trace', path.join('missing', 'x.tltrace')],
        ['\x1b]0;title\x07'],
      ),
    },
  ),
  fileName: fc.constantFrom(...FILE_NAMES),
});

let counter = 0;

describe('cli fuzz: hostile snippets, names and arguments', function () {
  this.timeout(300_000);

  it('exits with a documented code, never crashes, keeps --json parseable and the terminal free of raw control characters', () => {
    fc.assert(
      fc.property(snippetSpec, argsSpec, (spec, args) => {
        const folder = path.join(dir, String(++counter));
        fs.mkdirSync(folder);
        const file = path.join(folder, args.fileName);
        const source = snippetSource(spec);
        fs.writeFileSync(file, source);
        const argv = ['run', file, ...(args.json ? ['--json'] : ['--no-color']), '--timeout', args.timeout, ...args.mode, ...args.extra];
        const result = spawnSync(process.execPath, [CLI, ...argv], { cwd: folder, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
        const context = `argv: ${JSON.stringify(argv)}\nsnippet:\n${source}\nexit: ${result.status} ${result.signal ?? ''}\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`;
        assert.ok(result.status !== null && DOCUMENTED.includes(result.status), `undocumented exit\n${context}`);
        for (const [name, out] of [
          ['stdout', result.stdout],
          ['stderr', result.stderr],
        ]) {
          assert.doesNotMatch(out, /internal error/, `${name}: internal error\n${context}`);
          assert.doesNotMatch(out, STACK, `${name}: a stack trace\n${context}`);
        }
        if (args.json) {
          if (result.status === 64) assert.equal(result.stdout, '', context);
          else {
            assert.equal(result.stdout.trim().split('\n').length, 1, `one line of JSON\n${context}`);
            assert.doesNotThrow(() => JSON.parse(result.stdout), context);
          }
        } else {
          assert.doesNotMatch(result.stdout, RAW_CONTROL, `stdout: a raw control character\n${context}`);
          assert.doesNotMatch(result.stderr, RAW_CONTROL, `stderr: a raw control character\n${context}`);
        }
        fs.rmSync(folder, { recursive: true, force: true });
      }),
      // A fixed seed: the same cases every time (a failure prints its seed, path and case).
      { seed: 20251206, numRuns: 40, endOnFailure: true },
    );
  });
});
