/** The CLI contract: exit codes, the single JSON object, the files it writes. */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeTrace } from '../src/trace/file';

const root = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-cli-'));

const CLI = path.join(root, 'dist', 'cli.js');

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', timeout: 60000, maxBuffer: 64 << 20 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Any control character but newline and tab: none may reach the terminal raw. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * Starts the CLI, waits until the snippet has made `marker` (so the run is under way), sends
 * SIGINT, and resolves with the exit code and output.
 */
function interruptOnce(marker: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const poll = setInterval(() => {
      if (!fs.existsSync(marker)) return;
      clearInterval(poll);
      child.kill('SIGINT');
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
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
      [['--strategy', 'greedy'], /--strategy takes random, pct, rr or dfs, not "greedy"/],
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

  it('prints the output in the order it happened: a line after join() comes after every line of the joined thread', () => {
    const file = snippet(
      'order.ts',
      `import { Thread } from "threadlanes";
function chatty() { for (let i = 0; i < 2000; i++) console.log("thread line", i); }
export function main() { const t = new Thread({ target: chatty }); t.start(); t.join(); console.log("main after join"); }
`,
    );
    // Three runs per mode: lines of different threads arrive in an order that varies, and printing them as they arrived got it wrong in about half the runs.
    for (const mode of ['free', 'gil', 'free', 'gil', 'free', 'gil']) {
      const { code, stdout } = cli('run', file, '--no-color', '--mode', mode);
      assert.equal(code, 0, mode);
      const lines = stdout.split('\n');
      const last = lines.lastIndexOf('thread line 1999');
      const after = lines.indexOf('main after join');
      assert.ok(last >= 0 && after > last, `${mode}: main's line at ${after}, the thread's last at ${last}`);
      assert.equal(lines.filter((line) => line.startsWith('thread line')).length, 2000, mode);
    }
  });

  it('--timeout: a huge value is clamped (no overflow, no instant timeout), "none" means no limit', () => {
    const file = snippet(
      'quick.ts',
      'import { sleep } from "threadlanes";\nexport function main() { sleep(0.05); console.log("done"); }\n',
    );
    for (const timeout of ['1e7', '1e300', 'none']) {
      const { code, stdout, stderr } = cli('run', file, '--timeout', timeout, '--json');
      assert.equal(code, 0, `${timeout}: ${stderr}`);
      assert.equal(JSON.parse(stdout).outcome, 'completed', timeout);
      assert.doesNotMatch(stderr, /TimeoutOverflowWarning|Warning/, timeout);
    }
    const bad = cli('run', file, '--timeout', 'never');
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /--timeout takes a positive number of seconds, or none/);
    assert.match(cli('--help').stdout, /--timeout <seconds>.*"none": no limit/s);
  });

  it('checks output paths before the run: a missing directory or a directory as the file is a usage error in one line', () => {
    const marker = path.join(dir, 'ran.marker');
    const file = snippet(
      'marks.ts',
      `import * as fs from "node:fs";\nexport function main() { fs.writeFileSync(${JSON.stringify(marker)}, "x"); }\n`,
    );
    const cases: [string[], RegExp][] = [
      [['--html', path.join(dir, 'no-such-dir', 'r.html')], /--html .*r\.html: the directory .*no-such-dir does not exist/],
      [['--trace', path.join(dir, 'dir.tltrace')], /--trace .*dir\.tltrace is a directory: give a file name/],
      [['--chrome-trace', path.join(file, 'x.json')], /--chrome-trace .*x\.json: /],
      [['--html', file], /would overwrite the snippet/],
      [['--html', path.join(dir, 'same.html'), '--chrome-trace', path.join(dir, 'same.html')], /both write/],
    ];
    fs.mkdirSync(path.join(dir, 'dir.tltrace'), { recursive: true });
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = cli('run', file, '--json', ...args);
      assert.equal(code, 64, args.join(' '));
      assert.match(stderr.split('\n')[0], message, args.join(' '));
      assert.equal(stdout, '', 'nothing ran');
      assert.doesNotMatch(stderr, /internal error|\n\s+at /);
    }
    assert.ok(!fs.existsSync(marker), 'the snippet never ran');
  });

  it('a file that cannot be written after the run: the JSON report comes first, then one line, exit 73', () => {
    const out = path.join(dir, 'vanishing');
    fs.mkdirSync(out, { recursive: true });
    // The snippet removes the directory the report was to go to (it was there when checked).
    const file = snippet(
      'vanish.ts',
      `import * as fs from "node:fs";\nexport function main() { fs.rmSync(${JSON.stringify(out)}, { recursive: true, force: true }); console.log("gone"); }\n`,
    );
    const { code, stdout, stderr } = cli('run', file, '--json', '--html', path.join(out, 'r.html'), '--trace', path.join(out, 'r.tltrace'));
    assert.equal(code, 73);
    const report = JSON.parse(stdout);
    assert.equal(report.outcome, 'completed');
    assert.deepEqual(
      report.output.map((o: { text: string }) => o.text),
      ['gone'],
    );
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 2, stderr);
    assert.match(lines[0], /^threadlanes: could not write --trace .*r\.tltrace: no such file or directory$/);
    assert.match(lines[1], /^threadlanes: could not write --html .*r\.html: no such file or directory$/);
  });

  it('a directory or a missing file as the snippet: a clear message, exit 64', () => {
    const folder = cli('run', dir);
    assert.equal(folder.code, 64);
    assert.match(folder.stderr, /is a directory, not a snippet file/);
    assert.doesNotMatch(folder.stderr, /EISDIR|internal error/);
    assert.equal(folder.stderr.split('\n')[0], `threadlanes: ${dir} is a directory, not a snippet file`);
    const missing = cli('run', path.join(dir, 'missing.ts'));
    assert.equal(missing.code, 64);
    assert.match(missing.stderr, /^threadlanes: no such file: .*missing\.ts$/m);
  });

  it('| head -1: the reader going away is no error (no EPIPE, no stack trace)', () => {
    const file = snippet('loud.ts', 'export function main() { for (let i = 0; i < 50000; i++) console.log("line", i); }\n');
    const shell = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${CLI}" run "${file}" --no-color | head -1; echo "status=\${PIPESTATUS[0]}" >&2`],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60000,
      },
    );
    assert.equal(shell.stdout, 'line 0\n');
    assert.match(shell.stderr, /status=0/);
    assert.doesNotMatch(shell.stderr, /EPIPE|Error|\n\s+at /);
  });

  it('the help lists every exit code, 70 (internal error) included', () => {
    const { code, stdout } = cli('--help');
    assert.equal(code, 0);
    for (const [exit, words] of [
      ['0', 'completed'],
      ['1', 'error in the snippet'],
      ['2', 'deadlock'],
      ['3', 'timeout'],
      ['4', 'event limit'],
      ['5', 'livelock'],
      ['64', 'bad usage'],
      ['70', 'internal error'],
      ['73', 'could not be written'],
      ['130', 'cancelled'],
    ]) {
      assert.match(stdout, new RegExp(`^  ${exit}\\s+.*${words}`, 'm'), exit);
    }
  });

  it('a snippet whose file name has a space keeps the exception site and traceback', () => {
    const file = snippet('with space (1).ts', 'export function main() {\n  throw new Error("boom");\n}\n');
    const { code, stdout } = cli('run', file, '--json');
    assert.equal(code, 1);
    const report = JSON.parse(stdout);
    assert.equal(report.error.site, `${file}:2:9`);
    assert.equal(report.threads[0].exception.site, `${file}:2:9`);
    assert.match(
      report.output[0].text,
      new RegExp(`Traceback \\(most recent call last\\):\\n  at main \\(${file.replace(/[()]/g, '\\$&')}:2:9\\)`),
    );
  });

  it('a main that is not exported is an error at its line; a snippet with nothing to run says so', () => {
    const hidden = snippet('hidden-main.ts', 'import { Thread } from "threadlanes";\nfunction main() { console.log("never"); }\n');
    const { code, stdout } = cli('run', hidden, '--no-color');
    assert.equal(code, 1);
    assert.match(stdout, new RegExp(`${hidden}:2:10: main\\(\\) is not exported, so it never runs`));
    // Called under isMainThread, it runs: no error.
    const called = snippet(
      'called-main.ts',
      'import { isMainThread } from "threadlanes";\nfunction main() { console.log("ran"); }\nif (isMainThread) main();\n',
    );
    assert.deepEqual(JSON.parse(cli('run', called, '--json').stdout).output, [{ thread: 'MainThread', stream: 'stdout', text: 'ran' }]);
    const idle = snippet('idle.ts', 'import { Lock } from "threadlanes";\nconst lock = new Lock();\nfunction work() { lock.acquire(); }\n');
    const text = cli('run', idle, '--no-color');
    assert.equal(text.code, 0);
    assert.match(text.stdout, /warning: nothing ran: .*idle\.ts has no `export function main\(\)`/);
    assert.match(JSON.parse(cli('run', idle, '--json').stdout).warnings[0], /^nothing ran/);
  });

  it('names and messages reach the terminal escaped, on one line, and cut to 80 characters (also with --no-color)', () => {
    const evil = '\x1b[2J\x1b]0;pwned\x07\x9b31m';
    const file = snippet(
      'hostile-names.ts',
      `import { Thread, Lock } from "threadlanes";
const lock = new Lock(${JSON.stringify(`lock${evil}\nrow`)});
const long = new Lock(${JSON.stringify('L'.repeat(10000))});
function work() { lock.withLock(() => {}); long.withLock(() => {}); throw new Error(${JSON.stringify(`bad${evil}\nline`)}); }
export function main() {
  const t = new Thread({ target: work, name: ${JSON.stringify(`T${evil}\nsplit${'x'.repeat(10000)}`)} });
  t.start();
  t.join();
  console.log(${JSON.stringify(`out${evil}put`)});
}
`,
    );
    for (const flags of [['--no-color'], []]) {
      const { code, stdout, stderr } = cli('run', file, ...flags);
      assert.equal(code, 0);
      assert.doesNotMatch(stdout, RAW_CONTROL, 'stdout');
      assert.doesNotMatch(stderr, RAW_CONTROL, 'stderr');
      assert.ok(stdout.includes('out\\x1b[2J\\x1b]0;pwned\\x07\\x9b31mput'), 'output escaped visibly');
      const report = stdout.slice(stdout.indexOf('completed ·'));
      assert.ok(
        report.split('\n').every((line) => line.length < 400),
        'no name is printed in full',
      );
      assert.match(report, /^T\\x1b\[2J\\x1b\]0;pwned\\x07\\x9b31m\\nsplitx+…: Error: bad\\x1b\[2J.*\\nline \(at /m);
      assert.match(report, /^lock\\x1b\[2J\\x1b\]0;p… Lock /m, 'the lock row is one line');
      assert.match(report, /^L{19}… Lock /m);
      assert.doesNotMatch(report, /^split|^row|^line/m, 'no newline splits a row');
    }
  });

  it('a method as a thread target is an error at its line that says what to write; a static method works', () => {
    const method = snippet(
      'method-target.ts',
      `import { Thread } from "threadlanes";
class Worker { n = 1; run() { console.log(this.n); } }
export function main() {
  const w = new Worker();
  const t = new Thread({ target: w.run });
  t.start();
  t.join();
}
`,
    );
    const { code, stdout } = cli('run', method, '--json');
    assert.equal(code, 1);
    const report = JSON.parse(stdout);
    assert.equal(report.error.site, `${method}:5:34`);
    assert.match(report.error.message, /the thread target w\.run at .*:5:34 is a method of an object/);
    assert.match(report.error.message, /Use a top-level function .*new Thread\(\{ target: work, args: \[w\] \}\)/);
    const bound = snippet(
      'bound-target.ts',
      `import { Thread } from "threadlanes";
class Worker { run() {} }
export function main() { const w = new Worker(); new Thread({ target: w.run.bind(w) }).start(); }
`,
    );
    assert.match(JSON.parse(cli('run', bound, '--json').stdout).error.message, /w\.run\.bind\(w\) at .*:3:71 is a bound function/);
    const statics = snippet(
      'static-target.ts',
      `import { Thread } from "threadlanes";
class Worker { static go(n: number) { console.log("static", n); } }
export function main() { const t = new Thread({ target: Worker.go, args: [5] }); t.start(); t.join(); }
`,
    );
    const ran = cli('run', statics, '--json');
    assert.equal(ran.code, 0, ran.stdout);
    assert.deepEqual(JSON.parse(ran.stdout).output, [{ thread: 'Thread-1', stream: 'stdout', text: 'static 5' }]);
  });

  it('the output cap says how many lines it dropped, and no event was lost', () => {
    const file = snippet('flood.ts', 'export function main() { for (let i = 0; i < 60000; i++) console.log("x".repeat(40), i); }\n');
    const json = JSON.parse(cli('run', file, '--json').stdout);
    assert.equal(json.outcome, 'completed');
    assert.equal(json.truncated, 'output');
    assert.ok(json.outputDropped > 0);
    assert.equal(json.output.length + json.outputDropped, 60000);
    const { code, stdout } = cli('run', file, '--no-color');
    assert.equal(code, 0);
    assert.ok(stdout.includes(`${json.outputDropped.toLocaleString('en-US')} lines of output past the output cap (1 MiB) were dropped`));
    assert.doesNotMatch(stdout, /recording was cut short/);
  });

  it('--max-events: its own verdict and exit code 4', () => {
    const file = snippet(
      'busy.ts',
      'import { Lock } from "threadlanes";\nconst l = new Lock();\nexport function main() { for (let i = 0; i < 200000; i++) { l.acquire(); l.release(); } }\n',
    );
    const { code, stdout } = cli('run', file, '--no-color', '--max-events', '1000');
    assert.equal(code, 4);
    assert.match(stdout, /^stopped at the event limit · /m);
    assert.match(stdout, /more than 1000 events \(the --max-events limit\)/);
    const json = cli('run', file, '--json', '--max-events', '1000');
    assert.equal(json.code, 4);
    assert.equal(JSON.parse(json.stdout).error.kind, 'limit');
  });

  it('the lock table shows at most 20 rows and counts the rest', () => {
    const file = snippet(
      'many-locks.ts',
      'import { Lock } from "threadlanes";\nexport function main() { for (let i = 0; i < 35; i++) { const l = new Lock("L" + i); l.acquire(); l.release(); } }\n',
    );
    const { code, stdout } = cli('run', file, '--no-color');
    assert.equal(code, 0);
    assert.equal(stdout.split('\n').filter((line) => /^L\d+ +Lock /.test(line)).length, 20);
    assert.match(stdout, /^… and 15 more locks \(shown: the 20 waited on longest; --json has them all\)$/m);
    assert.equal(JSON.parse(cli('run', file, '--json').stdout).locks.length, 35);
  });

  it('a hunt that times out exits 3; a hunt or a run stopped with Ctrl-C exits 130', async () => {
    const spin = snippet('spin-hunt.ts', 'export function main() { for (;;) {} }\n');
    const timedOut = cli('run', spin, '--explore', '3', '--timeout', '0.3', '--no-color');
    assert.equal(timedOut.code, 3, timedOut.stdout);
    assert.match(timedOut.stdout, /did not finish within the timeout/);
    // The snippet says it is running by making a file, then spins until stopped.
    const marker = path.join(dir, 'spinning.marker');
    const spinning = snippet(
      'spin-marked.ts',
      `import * as fs from "node:fs";\nexport function main() { fs.writeFileSync(${JSON.stringify(marker)}, ""); for (;;) {} }\n`,
    );
    const hunt = await interruptOnce(marker, 'run', spinning, '--explore', '3', '--timeout', 'none', '--no-color');
    assert.equal(hunt.code, 130, hunt.stdout + hunt.stderr);
    assert.match(hunt.stdout, /the hunt stopped after 1 schedule: seed 0 was cancelled/);
    fs.rmSync(marker);
    const single = await interruptOnce(marker, 'run', spinning, '--timeout', 'none', '--json');
    assert.equal(single.code, 130, single.stderr);
    assert.equal(JSON.parse(single.stdout).error.kind, 'cancelled');
  });

  it('process.exit(3) in main: the report says so and keeps the code', () => {
    const file = snippet('exits.ts', 'export function main() { console.log("bye"); process.exit(3); }\n');
    const { code, stdout } = cli('run', file, '--no-color');
    assert.equal(code, 1);
    assert.match(stdout, /exits\.ts:1:\d+: MainThread called process\.exit\(3\)/);
    const json = JSON.parse(cli('run', file, '--json').stdout);
    assert.equal(json.error.exitCode, 3);
    assert.equal(json.error.message, 'MainThread called process.exit(3)');
  });

  it("__filename and __dirname are the snippet's own", () => {
    const file = snippet('where.ts', 'export function main() { console.log(__filename); console.log(__dirname); }\n');
    const json = JSON.parse(cli('run', file, '--json').stdout);
    assert.deepEqual(
      json.output.map((o: { text: string }) => o.text),
      [file, path.dirname(file)],
    );
  });

  it('with --json, writes straight to fd 1 and 2 are captured into the report, not printed', () => {
    const file = snippet(
      'fd-writes.ts',
      `import * as fs from "node:fs";
export function main() {
  process.stdout.write("via stream\\n");
  fs.writeSync(1, "fd 1 direct\\n");
  fs.writeSync(2, Buffer.from("fd 2 direct\\n"));
  fs.writeFileSync("/dev/stdout", "dev stdout\\n");
  console.log("done");
}
`,
    );
    const { code, stdout, stderr } = cli('run', file, '--json');
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim().split('\n').length, 1, stdout);
    const report = JSON.parse(stdout);
    assert.deepEqual(
      report.output.map((o: { stream: string; text: string }) => `${o.stream}: ${o.text}`),
      ['stdout: via stream', 'stdout: fd 1 direct', 'stderr: fd 2 direct', 'stdout: dev stdout', 'stdout: done'],
    );
    assert.equal(stderr, '');
  });

  describe('the exhaustive hunt: --strategy dfs', () => {
    /** Two threads each bump a Value once without a lock; main asserts both bumps are there. */
    const lostUpdate = `import assert from "node:assert";
import { Thread, Value } from "threadlanes";
const count = new Value(0);
function bump(): void { const seen = count.value; count.value = seen + 1; }
export function main(): void {
  const a = new Thread({ target: bump, name: "A" });
  const b = new Thread({ target: bump, name: "B" });
  a.start(); b.start(); a.join(); b.join();
  assert.strictEqual(count.value, 2, "an update was lost");
}
`;

    /** The command a hunt printed after "replay it: ", run through the shell as the user would paste it. */
    function replayLine(stdout: string, ...extra: string[]) {
      const line = /^replay it: threadlanes (.*)$/m.exec(stdout)?.[1];
      assert.ok(line, `no replay line in\n${stdout}`);
      const shell = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" ${line} ${extra.join(' ')}`], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60000,
      });
      return { line, code: shell.status, stdout: shell.stdout, stderr: shell.stderr };
    }

    it('finds the ABBA deadlock (kind deadlock, its path), and the replay line it prints deadlocks again', () => {
      const file = 'examples/textbook/abba-broken.ts';
      const json = cli('run', file, '--strategy', 'dfs', '--explore', '500', '--json');
      assert.equal(json.code, 2, json.stderr);
      const report = JSON.parse(json.stdout);
      assert.equal(report.found.kind, 'deadlock');
      assert.equal(report.found.outcome, 'deadlock');
      assert.equal(report.found.strategy, 'dfs');
      assert.match(report.found.pathText, /^\d+:\d+(,\d+:\d+)*$/);
      assert.deepEqual(report.found.path, report.schedule.path);
      assert.equal(report.coverage.complete, false);
      assert.match(report.coverage.incomplete, /first failing schedule/);
      const text = cli('run', file, '--strategy', 'dfs', '--explore', '500', '--no-color');
      assert.equal(text.code, 2);
      assert.match(
        text.stdout,
        new RegExp(`^found a deadlock after ${report.explored} schedules .*: DFS, path ${report.found.pathText}$`, 'm'),
      );
      const replay = replayLine(text.stdout, '--json');
      assert.equal(replay.line, `run ${file} --replay ${report.found.pathText} --strategy dfs`);
      assert.equal(replay.code, 2, replay.stderr);
      const again = JSON.parse(replay.stdout);
      assert.equal(again.outcome, 'deadlock');
      assert.deepEqual(again.schedule.path, report.found.path);
      assert.deepEqual(
        again.deadlock.cycle.map((entry: { thread: string }) => entry.thread).sort(),
        report.deadlock.cycle.map((entry: { thread: string }) => entry.thread).sort(),
      );
    });

    it('proves abba-correct within the bound: complete coverage in JSON, the coverage sentence in text, exit 0', () => {
      const file = 'examples/textbook/abba-correct.ts';
      const json = cli('run', file, '--strategy', 'dfs', '--explore', '20000', '--json');
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout);
      assert.equal(report.found, undefined);
      assert.equal(report.coverage.complete, true);
      assert.equal(report.coverage.preemptionBound, 2);
      assert.equal(report.coverage.incomplete, undefined);
      assert.ok(report.coverage.schedules > 1 && report.coverage.schedules <= report.explored, JSON.stringify(report.coverage));
      assert.equal(typeof report.coverage.pruned, 'number');
      assert.equal(report.racesChecked, true, 'controlled mode checks races');
      const text = cli('run', file, '--strategy', 'dfs', '--explore', '20000', '--preemptions', '1', '--no-color');
      assert.equal(text.code, 0);
      assert.match(
        text.stdout,
        /^Explored all [\d,]+ schedules with ≤ 1 preemption: no deadlock, livelock, uncaught exception or failed assert\.$/m,
      );
    });

    it('says when it did not explore everything, why, and that it is not a proof', () => {
      const file = 'examples/textbook/abba-correct.ts';
      const text = cli('run', file, '--strategy', 'dfs', '--explore', '12', '--no-color');
      assert.equal(text.code, 0);
      assert.match(
        text.stdout,
        /^Explored 12 schedules with ≤ 2 preemptions without finding a bug, but not all of them: stopped at the budget of 12 schedules\. This is not a proof: a larger --explore n may cover them all\.$/m,
      );
      const report = JSON.parse(cli('run', file, '--strategy', 'dfs', '--explore', '12', '--json').stdout);
      assert.equal(report.coverage.complete, false);
      assert.match(report.coverage.incomplete, /budget/);
    });

    it('--preemptions all: no bound, which JSON says as null', () => {
      const file = snippet(
        'two-locks.ts',
        `import { Lock, Thread } from "threadlanes";
const lock = new Lock("L");
function work(): void { lock.withLock(() => {}); }
export function main(): void { const t = new Thread({ target: work }); t.start(); work(); t.join(); }
`,
      );
      const json = cli('run', file, '--strategy', 'dfs', '--explore', '5000', '--preemptions', 'all', '--json');
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout);
      assert.equal(report.coverage.complete, true);
      assert.equal(report.coverage.preemptionBound, null);
      const text = cli('run', file, '--strategy', 'dfs', '--explore', '5000', '--preemptions', 'all', '--no-color');
      assert.match(text.stdout, /^Explored every schedule \(no preemption bound\), [\d,]+ schedules in all: no deadlock, livelock/m);
    });

    it('a failed assert is kind assert, and its replay line (a file name with a space, quoted) fails the same way', () => {
      const file = snippet('lost update.ts', lostUpdate);
      const json = cli('run', file, '--strategy', 'dfs', '--explore', '500', '--json');
      assert.equal(json.code, 1, json.stderr);
      const report = JSON.parse(json.stdout);
      assert.equal(report.found.kind, 'assert');
      assert.equal(report.found.outcome, 'exception');
      assert.match(report.found.summary, /^AssertionError: an update was lost/);
      const text = cli('run', file, '--strategy', 'dfs', '--explore', '500', '--no-color');
      assert.equal(text.code, 1);
      assert.match(text.stdout, /^found a failed assert after \d+ schedules? .*: DFS, path [\d:,]+$/m);
      const replay = replayLine(text.stdout, '--json');
      assert.match(replay.line, /^run '.*lost update\.ts' --replay [\d:,]+ --strategy dfs$/);
      assert.equal(replay.code, 1, replay.stderr);
      assert.match(JSON.parse(replay.stdout).error.message, /^AssertionError: an update was lost/);
    });

    it('a livelock exits 5 and says which thread spins at which line', () => {
      const file = snippet(
        'spin-forever.ts',
        `import { Thread, Value } from "threadlanes";
const ready = new Value(0);
function waiter(): void {
  while (ready.value === 0) {}
}
export function main(): void { const t = new Thread({ target: waiter, name: "waiter" }); t.start(); t.join(); ready.value = 1; }
`,
      );
      const text = cli('run', file, '--strategy', 'dfs', '--explore', '50', '--no-color');
      assert.equal(text.code, 5, text.stdout + text.stderr);
      assert.match(text.stdout, /^found a livelock after 1 schedule .*: DFS, default schedule$/m);
      assert.match(text.stdout, /^LIVELOCK · /m);
      assert.match(
        text.stdout,
        /spin-forever\.ts:4: livelock: waiter spun 10,000 steps at .*spin-forever\.ts:4 without any thread making progress/,
      );
      assert.match(text.stdout, /^replay it: threadlanes run .*spin-forever\.ts --replay default --strategy dfs$/m);
      const hunt = JSON.parse(cli('run', file, '--strategy', 'dfs', '--explore', '50', '--json').stdout);
      assert.equal(hunt.found.kind, 'livelock');
      assert.deepEqual(hunt.found.path, []);
      assert.equal(hunt.found.pathText, '');
    });

    it('the empty path (the default schedule) replays as default or as ""; a path alone implies --strategy dfs', () => {
      for (const replay of ['default', '']) {
        const { code, stdout, stderr } = cli('run', 'examples/textbook/abba-broken.ts', '--replay', replay, '--strategy', 'dfs', '--json');
        assert.equal(code, 0, stderr);
        const report = JSON.parse(stdout);
        assert.deepEqual(report.schedule, { ...report.schedule, strategy: 'dfs', path: [] });
      }
      const implied = JSON.parse(cli('run', 'examples/textbook/abba-broken.ts', '--replay', '1:1', '--json').stdout);
      assert.deepEqual(implied.schedule, { ...implied.schedule, strategy: 'dfs', path: [[1, 1]] });
    });

    /** Each case exits 64 with its message on stderr, and runs nothing. */
    function usageErrors(cases: [string[], RegExp][]): void {
      for (const [args, message] of cases) {
        const { code, stdout, stderr } = cli('run', 'examples/hello-thread.ts', ...args);
        assert.equal(code, 64, args.join(' '));
        assert.match(stderr, message, args.join(' '));
        assert.equal(stdout, '', args.join(' '));
      }
    }

    it('--preemptions: a whole number or all, with --strategy dfs and --explore; anything else is a usage error', () => {
      usageErrors([
        [
          ['--strategy', 'dfs', '--explore', '5', '--preemptions=-1'],
          /--preemptions takes a whole number \(0 or more\) or all \(no bound\), not "-1"/,
        ],
        [['--strategy', 'dfs', '--explore', '5', '--preemptions', '1.5'], /--preemptions takes a whole number .* not "1\.5"/],
        [['--strategy', 'dfs', '--explore', '5', '--preemptions', 'some'], /--preemptions takes a whole number .* not "some"/],
        [['--strategy', 'dfs', '--explore', '5', '--preemptions', ''], /--preemptions takes a whole number .* not ""/],
        [['--explore', '5', '--preemptions', '2'], /--preemptions bounds the DFS hunt: add --strategy dfs/],
        [['--strategy', 'pct', '--explore', '5', '--preemptions', '2'], /--preemptions bounds the DFS hunt: add --strategy dfs/],
        [['--strategy', 'dfs', '--preemptions', '2'], /--preemptions bounds the DFS hunt: add --explore n/],
      ]);
    });

    it('--replay with --strategy dfs takes a path; bad text is a usage error that names what is wrong', () => {
      usageErrors([
        [['--strategy', 'dfs', '--seed', '3'], /--strategy dfs takes no seed: drop --seed/],
        [['--strategy', 'dfs', '--replay', '3:x'], /--replay 3:x: "3:x" is not a decision:thread pair such as 3:1/],
        [['--strategy', 'dfs', '--replay', '7'], /--replay 7: "7" is not a decision:thread pair/],
        [['--strategy', 'dfs', '--replay', '7:0,3:1'], /decision 3 comes after decision 7: the decisions go in increasing order/],
        [['--strategy', 'dfs', '--replay', '3:1,3:0'], /decision 3 is given twice/],
        [['--strategy', 'dfs', '--replay', '3:1,'], /a pair is empty/],
        [['--strategy', 'dfs', '--replay', '3:99999999999'], /has a number larger than 2147483647/],
        [['--replay', '3:1', '--strategy', 'pct'], /--replay 3:1 is a DFS path: it replays with --strategy dfs, not --strategy pct/],
        [['--replay', 'default'], /--replay takes a whole number .* or with --strategy dfs the path it printed .*, not "default"/],
        [['--replay', ''], /--replay takes a whole number .*, not ""/],
        [['--strategy', 'dfs', '--explore', '5', '--replay', '1:1'], /--replay and --explore do not go together/],
      ]);
    });

    it('a seeded hunt that finds nothing says it looked for livelocks too, and that a sample is not a proof', () => {
      const { code, stdout } = cli('run', 'examples/hello-thread.ts', '--explore', '3', '--no-color');
      assert.equal(code, 0);
      assert.match(
        stdout,
        /^explored 3 schedules in .*: no deadlock, livelock, uncaught exception or failed assert \(strategy random, seeds 0–2\)$/m,
      );
      assert.match(stdout, /not a proof: --strategy dfs explores every schedule within a preemption bound/);
    });

    it('the help lists dfs, --preemptions and the --replay path', () => {
      const { stdout } = cli('--help');
      assert.match(stdout, /--strategy <s> .*random \(default\), pct, rr \(round-robin\),\s+or dfs/s);
      assert.match(stdout, /--preemptions <k\|all> +dfs: most preemptions per schedule \(default 2\); all: no bound/);
      assert.match(stdout, /--replay <seed\|path>/);
    });

    it('free mode says when it did not check for data races; controlled mode checks', () => {
      const file = snippet('lost-update-free.ts', lostUpdate);
      const free = cli('run', file, '--no-color', '--mode', 'free');
      assert.match(free.stdout, /not checked for data races on Value \/ SharedArray: run with --record-shared/);
      const controlled = cli('run', file, '--no-color', '--seed', '1');
      assert.doesNotMatch(controlled.stdout, /not checked for data races/);
      assert.match(controlled.stdout, /^Data races \(\d+\)$/m);
    });
  });
});
