/** The snippet rewrite: sites for API calls, names for primitives, registration of targets — without moving any line. */
import { strict as assert } from 'node:assert';
import { instrument } from '../src/harness/bundle';
import { BundleError } from '../src/harness/bundle';

const SOURCE = `import { Thread, Lock, Value, sleep } from "threadlanes";
const forkA = new Lock();
const counter = new Value(0);
class Philosopher extends Thread {
  fork = new Lock("named");
  override run() { this.fork.acquire(); counter.value += 1; sleep(0.1); }
}
const helper = (n: number) => n * 2;
function work(lock: Lock) {
  lock.acquire();
  lock.release();
}
export function main() {
  const t = new Thread({ target: work, args: [forkA] }) as Thread;
  t.start();
}
`;

describe('bundle: the snippet rewrite', () => {
  const out = instrument(SOURCE, 'snippet.ts', 'ts');

  it('keeps every line where it was', () => {
    assert.equal(out.code.split('\n').length, SOURCE.split('\n').length + 2); // the appended import
    const lines = out.code.split('\n');
    assert.match(lines[9], /lock\)\.acquire\(\)/);
  });

  it('gives each API call its site at the method name', () => {
    const acquire = out.sites.find((s) => s.line === 10)!;
    assert.deepEqual({ line: acquire.line, col: acquire.col }, { line: 10, col: 8 });
    assert.ok(
      out.sites.some((s) => s.line === 6 && s.col === 30),
      'this.fork.acquire() is a site',
    );
    assert.ok(
      out.sites.some((s) => s.line === 6 && s.col === 49),
      'counter.value is a site',
    );
    assert.ok(
      out.sites.some((s) => s.line === 6 && s.col === 61),
      'sleep() is a site',
    );
  });

  it('records the variable or property a primitive is assigned to', () => {
    const declared = out.sites.filter((s) => s.declaredAs).map((s) => [s.line, s.declaredAs]);
    assert.deepEqual(declared, [
      [2, 'forkA'],
      [3, 'counter'],
      [5, 'fork'],
      [14, 't'],
    ]);
  });

  it('registers module-level functions and classes, not nested ones', () => {
    assert.deepEqual(out.registered.sort(), ['Philosopher', 'helper', 'main', 'work']);
    assert.ok(out.code.startsWith('const __tl=__tlRuntime;__tl.register('), out.code.slice(0, 80));
    assert.ok(out.code.includes('__tl.register("Philosopher",()=>Philosopher);'));
  });

  it('gives a SharedArray index access its own site, and a write its own site back after the right-hand side read', () => {
    const source = [
      'import { SharedArray, Value } from "threadlanes";',
      'const slots = new SharedArray(4);',
      'const total = new Value(0);',
      'function f(arr: SharedArray, i: number) {',
      '  slots[i] = arr[i + 1];',
      '  total.value = total.value + 1;',
      '}',
      'const plain = [1, 2]; plain[0] = 3;',
    ].join('\n');
    const { code, sites } = instrument(source, 'x.ts', 'ts');
    const siteAt = (line: number, col: number) => sites.findIndex((s) => s.line === line && s.col === col);
    const slotsSite = siteAt(5, 9);
    const arrSite = siteAt(5, 18);
    assert.ok(slotsSite > 0 && arrSite > 0, JSON.stringify(sites));
    assert.ok(
      code.includes(`(__tl.site=${slotsSite},slots)[i] = (__tl.t=(__tl.site=${arrSite},arr)[i + 1],__tl.site=${slotsSite},__tl.t);`),
      code,
    );
    const write = siteAt(6, 9);
    assert.ok(code.includes(`,__tl.site=${write},__tl.t);`), 'the write to total.value gets its site back after the read');
    assert.ok(code.includes('plain[0] = 3'), 'a plain array is left alone');
  });

  it('reports a parse error with its line and column', () => {
    assert.throws(
      () => instrument('const x = ;\n', 'bad.ts', 'ts'),
      (error: unknown) => {
        assert.ok(error instanceof BundleError);
        assert.equal(error.snippetError.line, 1);
        assert.equal(error.snippetError.site, 'bad.ts:1:11');
        return true;
      },
    );
  });

  it('refuses a main that is not exported and never called, at its line', () => {
    assert.throws(
      () => instrument('import { Thread } from "threadlanes";\nfunction main() {}\n', 'm.ts', 'ts'),
      (error: unknown) => {
        assert.ok(error instanceof BundleError);
        assert.equal(error.snippetError.kind, 'usage');
        assert.equal(error.snippetError.site, 'm.ts:2:10');
        assert.match(error.snippetError.message, /main\(\) is not exported, so it never runs/);
        return true;
      },
    );
    for (const ok of [
      'export function main() {}',
      'function main() {}\nexport { main };',
      'function run() {}\nexport { run as main };',
      'export default function main() {}',
      'function main() {}\nif (isMainThread) main();',
      'const main = () => {};\nmodule.exports = { main };',
    ]) {
      assert.doesNotThrow(() => instrument(`import { isMainThread } from "threadlanes";\n${ok}\n`, 'm.ts', 'ts'), ok);
    }
  });

  it('warns about a snippet with nothing to run, and only then', () => {
    const idle = instrument(
      'import { Lock } from "threadlanes";\nconst lock = new Lock();\nfunction work() { lock.acquire(); }\ntype T = number;\n',
      'i.ts',
      'ts',
    );
    assert.equal(idle.warnings.length, 1);
    assert.match(idle.warnings[0], /^nothing ran: i\.ts has no `export function main\(\)`/);
    for (const busy of [
      'export function main() {}',
      'console.log("top level");',
      'if (isMainThread) {}',
      'const answer = compute();\nfunction compute() { return 42; }',
      'for (const x of [1]) {}',
    ]) {
      assert.deepEqual(instrument(`import { isMainThread } from "threadlanes";\n${busy}\n`, 'b.ts', 'ts').warnings, [], busy);
    }
  });

  it('checks a thread target that is a method where it is written, and registers static methods', () => {
    const source = `import { Thread, Timer as After } from "threadlanes";
import * as helpers from "./helpers";
class Worker { static go() {} static field = () => {}; run() {} }
export function main() {
  const w = new Worker();
  new Thread({ target: w.run });
  new Thread({ target: w.run.bind(w), args: [] });
  new After(1, this.run);
  new Thread({ target: Worker.go });
  new Thread({ target: helpers.work });
}
`;
    const { code, registered, sites } = instrument(source, 'w.ts', 'ts');
    assert.ok(registered.includes('Worker.go') && registered.includes('Worker.field'), registered.join());
    const checks = [...code.matchAll(/__tl_target\((.*?),"(the [^"]*)",(\d+)\)/g)];
    assert.deepEqual(
      checks.map((m) => m[1]),
      ['w.run', 'w.run.bind(w)', 'this.run'],
    );
    assert.match(checks[0][2], /^the thread target w\.run at w\.ts:6:24 is a method of an object/);
    assert.match(checks[1][2], /is a bound function/);
    assert.match(checks[2][2], /^the timer function this\.run at w\.ts:8:16 .*new Timer\(interval, work, \[this\]\)/);
    assert.deepEqual({ line: sites[Number(checks[0][3])].line, col: sites[Number(checks[0][3])].col }, { line: 6, col: 24 });
    assert.ok(code.includes('__internals as __tlInternals'), "the check throws the runtime's usage error");
    assert.equal(code.split('\n').length, source.split('\n').length + 2, 'no line moved');
    const plain = instrument(
      'import { Thread } from "threadlanes";\nfunction work() {}\nexport function main() { new Thread({ target: work }); }\n',
      'p.ts',
      'ts',
    );
    assert.ok(!plain.code.includes('__tl_target'), 'a plain target is left alone');
  });

  it('gives the snippet its own __filename and __dirname, unless it declares them', () => {
    const uses = instrument('export function main() { console.log(__filename, __dirname); }\n', 'f.ts', 'ts', {
      absoluteFile: '/home/me/snippets/f.ts',
    });
    assert.ok(uses.code.startsWith('const __tl=__tlRuntime;var __filename="/home/me/snippets/f.ts",__dirname="/home/me/snippets";'));
    const own = instrument(
      'import { fileURLToPath } from "node:url";\nconst __filename = fileURLToPath("file:///x.ts");\nexport function main() { console.log(__filename, __dirname); }\n',
      'f.ts',
      'ts',
      { absoluteFile: '/home/me/f.ts' },
    );
    assert.ok(own.code.startsWith('const __tl=__tlRuntime;var __dirname="/home/me";'), own.code.slice(0, 80));
  });
});
