/** The CLI contract: exit codes, the single JSON object, the files it writes. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeTrace } from '../src/trace/file';

const root = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-cli-'));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function snippet(name: string, source: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return file;
}

describe('cli', () => {
  it('--json prints exactly one JSON object with the snippet output captured in it', () => {
    const file = snippet(
      'hello.ts',
      `import { Thread } from "threadlanes";
function hi(who: string) { console.log("hello", who); }
export function main() { const t = new Thread({ target: hi, args: ["you"], name: "greeter" }); t.start(); t.join(); }
`,
    );
    const { code, stdout } = cli('run', file, '--json');
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const report = JSON.parse(lines[0]);
    assert.equal(report.outcome, 'completed');
    assert.deepEqual(report.output, [{ thread: 'greeter', stream: 'stdout', text: 'hello you' }]);
    assert.deepEqual(
      report.threads.map((t: { name: string }) => t.name),
      ['MainThread', 'greeter'],
    );
    assert.equal(typeof report.durationMs, 'number');
    assert.ok(report.events > 0);
  });

  it('exits 2 on a deadlock and explains it in words with the line', () => {
    const { code, stdout } = cli('run', 'examples/dining-philosophers.ts', '--no-color');
    assert.equal(code, 2);
    assert.match(stdout, /DEADLOCK/);
    assert.match(stdout, /Plato holds fork 1 and waits for fork 2/);
    assert.match(stdout, /examples\/dining-philosophers\.ts:\d+/);
    assert.match(stdout, /Plato\s+│/, 'the text swimlane has a lane per thread');
  });

  it('exits 3 at the timeout and 1 on an error in the snippet', () => {
    const spin = snippet('spin.ts', 'export function main() { for (;;) {} }\n');
    assert.equal(cli('run', spin, '--timeout', '0.5', '--json').code, 3);
    const bad = snippet('bad.ts', 'export function main() { throw new Error("no"); }\n');
    const { code, stdout } = cli('run', bad, '--json');
    assert.equal(code, 1);
    assert.equal(JSON.parse(stdout).error.site, `${bad}:1:32`);
  });

  it('exits 64 on bad usage, saying what is wrong', () => {
    assert.equal(cli('run').code, 64);
    const missing = cli('run', 'no-such-file.ts');
    assert.equal(missing.code, 64);
    assert.match(missing.stderr, /no such file/);
    const badTimeout = cli('run', 'examples/hello-thread.ts', '--timeout', 'soon');
    assert.equal(badTimeout.code, 64);
    assert.match(badTimeout.stderr, /--timeout takes a positive number/);
    assert.equal(cli('frobnicate').code, 64);
  });

  it('the schedule flags: bad values and combinations are usage errors that say what is wrong', () => {
    const cases: [string[], RegExp][] = [
      [['--mode', 'turbo'], /--mode takes free, controlled or gil, not "turbo"/],
      [['--strategy', 'greedy'], /--strategy takes random, pct or rr, not "greedy"/],
      [['--seed=-3'], /--seed takes a whole number from 0 to 2147483647, not "-3"/],
      [['--replay', '1.5'], /--replay takes a whole number/],
      [['--depth', '2'], /--depth is PCT's: add --strategy pct/],
      [['--explore', '10', '--replay', '3'], /--replay and --explore do not go together/],
      [['--mode', 'free', '--explore', '10'], /--explore runs in controlled mode; drop --mode free/],
      [['--mode', 'gil', '--seed', '1'], /drop --mode gil/],
      [['--explore', '0'], /--explore takes a positive integer/],
      [['--compare', '--mode', 'gil'], /--compare runs the snippet in free mode and in gil mode/],
      [['--compare', '--html', 'x.html'], /--compare writes no files/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = cli('run', 'examples/hello-thread.ts', ...args);
      assert.equal(code, 64, args.join(' '));
      assert.match(stderr, message, args.join(' '));
    }
  });

  it('--seed alone means controlled mode, and the same seed prints the same report', () => {
    const once = JSON.parse(cli('run', 'examples/prodcons.ts', '--seed', '9', '--json').stdout);
    const again = JSON.parse(cli('run', 'examples/prodcons.ts', '--seed', '9', '--json').stdout);
    assert.equal(once.mode, 'controlled');
    assert.deepEqual(once.schedule, again.schedule);
    assert.deepEqual(once.output, again.output);
    assert.equal(once.durationMs, again.durationMs);
  });

  it('--compare runs free and gil and shows both, one above the other', () => {
    const { code, stdout } = cli('run', 'examples/gil-io-bound.ts', '--compare', '--no-color');
    assert.equal(code, 0);
    const free = stdout.indexOf('── free mode');
    const gil = stdout.indexOf('── gil mode');
    assert.ok(free >= 0 && gil > free, stdout);
    assert.match(stdout.slice(gil), /GIL: \d+ switches/);
    assert.match(stdout, /free \d+ ms, gil \d+ ms of wall time \(gil \/ free \d+\.\d\d×\)/);
    const json = JSON.parse(cli('run', 'examples/gil-io-bound.ts', '--compare', '--json').stdout);
    assert.equal(json.compare.free.mode, 'free');
    assert.equal(json.compare.gil.mode, 'gil');
    assert.ok(json.compare.gil.gil.switches > 0);
  });

  it('writes the native trace and a Chrome trace that read back', () => {
    // Deadlocks for certain: both threads hold their first lock before either takes the second.
    const abba = snippet(
      'abba.ts',
      `import { Thread, Lock, Barrier } from "threadlanes";
const a = new Lock("A");
const b = new Lock("B");
const both = new Barrier(2);
function ab() { a.withLock(() => { both.wait(); b.withLock(() => {}); }); }
function ba() { b.withLock(() => { both.wait(); a.withLock(() => {}); }); }
export function main() {
  const ts = [new Thread({ target: ab }), new Thread({ target: ba })];
  ts.forEach((t) => t.start());
  ts.forEach((t) => t.join());
}
`,
    );
    const tracePath = path.join(dir, 'run.tltrace');
    const jsonTracePath = path.join(dir, 'run.threadlanes.json');
    const chromePath = path.join(dir, 'run.chrome.json');
    const { code } = cli('run', abba, '--json', '--trace', tracePath, '--chrome-trace', chromePath);
    assert.equal(code, 2);
    const trace = decodeTrace(fs.readFileSync(tracePath), tracePath);
    assert.equal(trace.header.outcome, 'deadlock');
    assert.ok(trace.header.threads.length >= 3);
    assert.equal(cli('run', abba, '--json', '--trace', jsonTracePath).code, 2);
    assert.equal(decodeTrace(fs.readFileSync(jsonTracePath), jsonTracePath).header.outcome, 'deadlock');
    const chrome = JSON.parse(fs.readFileSync(chromePath, 'utf8'));
    const names = chrome.traceEvents
      .filter((e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'thread_name')
      .map((e: { args: { name: string } }) => e.args.name);
    assert.ok(names.includes('MainThread'));
    assert.ok(chrome.traceEvents.some((e: { ph: string; cat?: string }) => e.ph === 'b' && e.cat === 'lock'));
  });
});
