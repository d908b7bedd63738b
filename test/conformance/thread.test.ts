/**
 * Thread against CPython's Lib/test/test_threading.py (ThreadTests, ThreadingExceptionTests,
 * ExceptHookTests, MiscTestCase), translated to the snippet model: targets are module-level
 * functions, and each thread re-evaluates the module.
 */
import { strict as assert } from 'node:assert';
import { describeRun, merged, runCompleted, runSnippet, valuesOf } from './helpers';

describe('Thread (test_threading)', () => {
  it('names: given, numeric made a string, default "Thread-N" counting up (test_name)', async () => {
    const run = await runCompleted(`import { Thread } from "threadlanes";
function noop() {}
export function main() {
  const given = new Thread({ target: noop, name: "myname1" });
  const numeric = new Thread({ target: noop, name: 123 });
  const first = new Thread({ target: noop });
  const second = new Thread({ target: noop });
  const noTarget = new Thread();
  emit({ given: given.name, numeric: numeric.name, first: first.name, second: second.name, noTarget: noTarget.name });
}`);
    const names = merged(run);
    assert.equal(names.given, 'myname1');
    assert.equal(names.numeric, '123');
    for (const key of ['first', 'second', 'noTarget']) assert.match(names[key], /^Thread-\d+/, `${key}: ${names[key]}`);
    const number = (name: string) => Number(/^Thread-(\d+)/.exec(name)![1]);
    assert.equal(number(names.second), number(names.first) + 1);
    assert.equal(number(names.noTarget), number(names.second) + 1);
  });

  it('passes args to the target (test_args_argument)', async () => {
    const run = await runCompleted(`import { Thread } from "threadlanes";
function f(a: number, b: string, c: { x: number[] }) {
  emit({ a, b, c });
}
export function main() {
  const t = new Thread({ target: f, args: [1, "two", { x: [3] }] });
  t.start();
  t.join();
}`);
    assert.deepEqual(merged(run), { a: 1, b: 'two', c: { x: [3] } });
  });

  it('10 threads under BoundedSemaphore(3) and an RLock never run more than 3 at once; ident null before start, distinct after (test_various_ops)', async () => {
    const run = await runCompleted(`import { BoundedSemaphore, RLock, Thread, Value, getIdent, sleep } from "threadlanes";
class TestThread extends Thread {
  constructor(name: string, private sema: BoundedSemaphore, private mutex: RLock, private running: Value, private maxRunning: Value) {
    super({ name });
  }
  override run() {
    this.sema.withLock(() => {
      this.mutex.withLock(() => {
        this.running.value += 1;
        this.maxRunning.value = Math.max(this.maxRunning.value, this.running.value);
      });
      sleep(0.01);
      this.mutex.withLock(() => {
        this.running.value -= 1;
      });
    });
  }
}
export function main() {
  const sema = new BoundedSemaphore(3);
  const mutex = new RLock();
  const running = new Value(0);
  const maxRunning = new Value(0);
  const threads: TestThread[] = [];
  const identsBefore: (number | null)[] = [];
  const reprsBefore: string[] = [];
  for (let i = 0; i < 10; i++) {
    const t = new TestThread("<thread " + i + ">", sema, mutex, running, maxRunning);
    identsBefore.push(t.ident);
    reprsBefore.push(String(t));
    t.start();
    threads.push(t);
  }
  const nativeIds = new Set([...threads.map((t) => t.nativeId), getIdent()]);
  for (const t of threads) t.join();
  emit({
    identsBefore, reprsBefore,
    identsAfter: threads.map((t) => t.ident),
    alive: threads.map((t) => t.isAlive()),
    reprsAfter: threads.map((t) => String(t)),
    distinctNativeIds: nativeIds.size,
    maxRunning: maxRunning.value,
    running: running.value,
  });
}`);
    const r = merged(run);
    assert.deepEqual(r.identsBefore, Array(10).fill(null));
    for (const repr of r.reprsBefore) assert.match(repr, /initial/);
    for (const ident of r.identsAfter) assert.ok(typeof ident === 'number' && ident !== 0, `ident ${ident}`);
    assert.deepEqual(r.alive, Array(10).fill(false));
    for (const repr of r.reprsAfter) assert.match(repr, /stopped/);
    assert.equal(r.distinctNativeIds, 11);
    assert.ok(r.maxRunning >= 1 && r.maxRunning <= 3, `maxRunning ${r.maxRunning}`);
    assert.equal(r.running, 0);
  });

  it('currentThread().ident is getIdent() in MainThread and in a thread, and they differ (test_ident_of_no_threading_threads)', async () => {
    const run = await runCompleted(`import { Thread, currentThread, getIdent } from "threadlanes";
function f() {
  emit({ threadIdent: currentThread().ident, threadGetIdent: getIdent(), threadName: currentThread().name });
}
export function main() {
  const t = new Thread({ target: f, name: "worker" });
  t.start();
  t.join();
  emit({ mainIdent: currentThread().ident, mainGetIdent: getIdent(), startedIdent: t.ident });
}`);
    const r = merged(run);
    assert.equal(r.mainIdent, r.mainGetIdent);
    assert.equal(r.threadIdent, r.threadGetIdent);
    assert.equal(r.threadIdent, r.startedIdent);
    assert.notEqual(r.threadIdent, r.mainIdent);
    assert.equal(r.threadName, 'worker');
  });

  it('many threads may join the same thread at once (test_join_from_multiple_threads)', async () => {
    const run = await runCompleted(`import { Thread, Event, Value } from "threadlanes";
const go = new Event();
const joined = new Value(0);
function sleeper() {
  go.wait();
}
function joiner(t: Thread) {
  t.join();
  joined.getLock().withLock(() => { joined.value += 1; });
}
export function main() {
  const target = new Thread({ target: sleeper });
  target.start();
  const joiners = bunch(joiner, 5, [target]);
  waitThreadsBlocked(5);
  const joinedEarly = joined.value;
  go.set();
  joinAll(joiners);
  emit({ joinedEarly, joined: joined.value });
}`);
    assert.deepEqual(merged(run), { joinedEarly: 0, joined: 5 });
  });

  it('join(0.01) returns while the thread is alive; a later join() waits for it (test_join_with_timeout)', async () => {
    const run = await runCompleted(`import { Thread, Event } from "threadlanes";
const go = new Event();
function f() {
  go.wait();
}
export function main() {
  const t = new Thread({ target: f });
  t.start();
  const t0 = performance.now();
  t.join(0.01);
  const dt = since(t0);
  const aliveAfterTimedJoin = t.isAlive();
  go.set();
  t.join();
  emit({ dt, aliveAfterTimedJoin, aliveAfterJoin: t.isAlive() });
}`);
    const r = merged(run);
    assert.equal(r.aliveAfterTimedJoin, true);
    assert.equal(r.aliveAfterJoin, false);
    assert.ok(r.dt < 0.01 * 10, `join(0.01) took ${r.dt} s`);
  });

  it('a joined thread is never in enumerate(); a running one is (test_enumerate_after_join)', async () => {
    const run = await runCompleted(`import { Thread, Event, enumerate, activeCount } from "threadlanes";
const go = new Event();
function f() {
  go.wait();
}
function quick() {}
export function main() {
  const finished: string[] = [];
  for (let i = 0; i < 5; i++) {
    const t = new Thread({ target: quick, name: "quick-" + i });
    t.start();
    t.join();
    if (enumerate().some((e) => e.name === t.name)) finished.push(t.name);
  }
  const running = new Thread({ target: f, name: "running" });
  running.start();
  const whileRunning = enumerate().map((t) => t.name);
  const countWhileRunning = activeCount();
  go.set();
  running.join();
  emit({ finished, whileRunning, countWhileRunning, atEnd: enumerate().map((t) => t.name) });
}`);
    assert.deepEqual(merged(run), { finished: [], whileRunning: ['MainThread', 'running'], countWhileRunning: 2, atEnd: ['MainThread'] });
  });

  it('the daemon flag: default false, daemon: true shows in the Thread and its repr (test_daemon_param, test_repr_daemon)', async () => {
    const run = await runCompleted(`import { Thread } from "threadlanes";
function noop() {}
export function main() {
  const plain = new Thread({ target: noop });
  const daemon = new Thread({ target: noop, daemon: true });
  const set = new Thread({ target: noop });
  set.daemon = true;
  emit({ plain: plain.daemon, daemon: daemon.daemon, set: set.daemon, repr: String(daemon), plainRepr: String(plain) });
}`);
    const r = merged(run);
    assert.equal(r.plain, false);
    assert.equal(r.daemon, true);
    assert.equal(r.set, true);
    assert.match(r.repr, /daemon/);
    assert.doesNotMatch(r.plainRepr, /daemon/);
  });

  it('mainThread().name is "MainThread" and its ident is getIdent() in MainThread; in a thread they differ (test_main_thread)', async () => {
    const run = await runCompleted(`import { Thread, mainThread, currentThread, getIdent } from "threadlanes";
function f() {
  emit({ inThreadMainName: mainThread().name, inThreadMainIdent: mainThread().ident, inThreadIdent: getIdent(), currentIsMain: currentThread().name === "MainThread" });
}
export function main() {
  const t = new Thread({ target: f });
  t.start();
  t.join();
  emit({ name: mainThread().name, ident: mainThread().ident, getIdent: getIdent(), current: currentThread().name });
}`);
    const r = merged(run);
    assert.equal(r.name, 'MainThread');
    assert.equal(r.current, 'MainThread');
    assert.equal(r.ident, r.getIdent);
    assert.equal(r.inThreadMainName, 'MainThread');
    assert.equal(r.inThreadMainIdent, r.ident);
    assert.notEqual(r.inThreadIdent, r.ident);
    assert.equal(r.currentIsMain, false);
  });

  it('the repr says "stopped" once the thread has ended, without a join (test_repr_stopped)', async () => {
    const run = await runCompleted(`import { Thread } from "threadlanes";
function noop() {}
export function main() {
  const t = new Thread({ target: noop });
  t.start();
  waitUntil(() => !t.isAlive(), "the thread to end");
  emit({ repr: String(t) });
  t.join();
}`);
    assert.match(merged(run).repr, /stopped/);
  });

  it('a Thread subclass runs its run() with its fields (subclassing Thread)', async () => {
    const run = await runCompleted(`import { Thread, currentThread } from "threadlanes";
class Greeter extends Thread {
  constructor(private greeting: string, private times: number) {
    super({ name: "greeter" });
  }
  override run() {
    for (let i = 0; i < this.times; i++) emit({ said: this.greeting, by: currentThread().name });
  }
}
export function main() {
  const g = new Greeter("hello", 2);
  g.start();
  g.join();
}`);
    assert.deepEqual(run.json, [
      { said: 'hello', by: 'greeter' },
      { said: 'hello', by: 'greeter' },
    ]);
  });

  it('the program waits for non-daemon threads after main() returns (test_join_nondaemon_on_shutdown, test_thread_from_thread)', async () => {
    const run = await runCompleted(`import { Thread, sleep } from "threadlanes";
function grandchild() {
  sleep(0.1);
  emit({ grandchild: "done" });
}
function child() {
  const t = new Thread({ target: grandchild });
  t.start();
  sleep(0.05);
  emit({ child: "done" });
}
export function main() {
  new Thread({ target: child }).start();
  emit({ main: "returns" });
}`);
    assert.deepEqual(merged(run), { main: 'returns', child: 'done', grandchild: 'done' });
  });

  it('the program does not wait for daemon threads', async () => {
    const run = await runCompleted(`import { Thread, sleep } from "threadlanes";
function forever() {
  sleep(30);
  emit({ daemon: "finished" });
}
export function main() {
  new Thread({ target: forever, daemon: true }).start();
  emit({ main: "returns" });
}`);
    assert.deepEqual(merged(run), { main: 'returns' });
    assert.ok(run.result.durationMs < 15_000, `the run took ${run.result.durationMs} ms`);
  });

  it('renaming a thread is visible to the thread itself and to the run (test_change_name)', async () => {
    const run = await runCompleted(`import { Thread, currentThread } from "threadlanes";
function f() {
  currentThread().name = "renamed";
  emit({ inside: currentThread().name });
}
export function main() {
  const t = new Thread({ target: f, name: "original" });
  t.start();
  t.join();
}`);
    assert.deepEqual(merged(run), { inside: 'renamed' });
    assert.ok(
      run.result.trace.header.threads.some((t) => t.name === 'renamed'),
      describeRun(run),
    );
  });

  it("a rename by the thread itself is seen by MainThread's Thread object (one object in CPython)", async () => {
    const run = await runCompleted(`import { Thread, currentThread } from "threadlanes";
function f() {
  currentThread().name = "renamed";
}
export function main() {
  const t = new Thread({ target: f, name: "original" });
  t.start();
  t.join();
  emit({ seenByMain: t.name });
}`);
    assert.deepEqual(merged(run), { seenByMain: 'renamed' });
  });

  it('a rename by MainThread of a running thread is seen inside that thread', async () => {
    const run = await runCompleted(`import { Thread, Event, currentThread } from "threadlanes";
const renamed = new Event();
function f() {
  renamed.wait();
  emit({ inside: currentThread().name });
}
export function main() {
  const t = new Thread({ target: f, name: "original" });
  t.start();
  t.name = "renamed";
  renamed.set();
  t.join();
}`);
    assert.deepEqual(merged(run), { inside: 'renamed' });
  });
});

describe('Thread misuse raises RuntimeError (ThreadingExceptionTests)', () => {
  it('start() twice (test_start_thread_again)', async () => {
    const run = await runCompleted(`import { Thread } from "threadlanes";
function noop() {}
export function main() {
  const t = new Thread({ target: noop });
  t.start();
  const again = errorName(() => t.start());
  t.join();
  emit({ again, afterJoin: errorName(() => t.start()) });
}`);
    assert.deepEqual(merged(run), { again: 'RuntimeError', afterJoin: 'RuntimeError' });
  });

  it('join() of the current thread (test_joining_current_thread)', async () => {
    const run = await runCompleted(`import { Thread, currentThread } from "threadlanes";
function f() {
  emit({ inThread: errorName(() => currentThread().join()) });
}
export function main() {
  const t = new Thread({ target: f });
  t.start();
  t.join();
  emit({ inMain: errorName(() => currentThread().join()) });
}`);
    assert.deepEqual(merged(run), { inThread: 'RuntimeError', inMain: 'RuntimeError' });
  });

  it('join() before start() (test_joining_inactive_thread)', async () => {
    const run = await runCompleted(`import { Thread } from "threadlanes";
function noop() {}
export function main() {
  const t = new Thread({ target: noop });
  emit({ error: errorName(() => t.join()) });
}`);
    assert.deepEqual(merged(run), { error: 'RuntimeError' });
  });

  it('setting daemon after start() (test_daemonize_active_thread)', async () => {
    const run = await runCompleted(`import { Thread, Event } from "threadlanes";
const go = new Event();
function f() {
  go.wait();
}
export function main() {
  const t = new Thread({ target: f });
  t.start();
  const error = errorName(() => { t.daemon = true; });
  go.set();
  t.join();
  emit({ error, daemon: t.daemon });
}`);
    assert.deepEqual(merged(run), { error: 'RuntimeError', daemon: false });
  });
});

describe('an exception in a thread (test_print_exception, ExceptHookTests.test_excepthook)', () => {
  it("is that thread's exception, printed with its name, and does not end the run", async () => {
    const run = await runSnippet(`import { Thread, ValueError } from "threadlanes";
function fails() {
  throw new ValueError("bad value in the thread");
}
export function main() {
  const t = new Thread({ target: fails, name: "failing" });
  t.start();
  t.join();
  emit({ mainContinues: true, alive: t.isAlive() });
}`);
    assert.equal(run.result.outcome, 'completed', describeRun(run));
    assert.equal(run.result.error, undefined, describeRun(run));
    assert.deepEqual(merged(run), { mainContinues: true, alive: false });
    const failing = run.result.trace.header.threads.find((t) => t.name === 'failing');
    assert.ok(failing, describeRun(run));
    assert.equal(failing.finalState, 'failed');
    assert.equal(run.exceptions.length, 1, describeRun(run));
    const [exception] = run.exceptions;
    assert.equal(exception.tid, failing.tid);
    assert.equal(exception.name, 'ValueError');
    assert.match(exception.message, /bad value in the thread/);
    assert.ok(
      run.stderr.some((line) => /Exception in thread failing/.test(line) && /ValueError: bad value in the thread/.test(line)),
      describeRun(run),
    );
    assert.ok(valuesOf(run, 'mainContinues').length === 1);
  });

  it("names the line it was thrown at in the exception's stack", async () => {
    const source = `import { Thread } from "threadlanes";
function fails() {
  throw new RangeError("out of range"); // THROW
}
export function main() {
  const t = new Thread({ target: fails });
  t.start();
  t.join();
}`;
    const run = await runSnippet(source);
    assert.equal(run.result.outcome, 'completed', describeRun(run));
    assert.equal(run.exceptions.length, 1, describeRun(run));
    assert.match(run.exceptions[0].stack, /:3:\d+\)/, `stack: ${run.exceptions[0].stack}`);
  });
});
