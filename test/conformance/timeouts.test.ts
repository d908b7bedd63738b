/**
 * Negative (and other hostile) timeouts, against CPython 3.12's Lib/threading.py, Lib/queue.py,
 * Lib/concurrent/futures/_base.py and Modules/_threadmodule.c (issue 12, "Hostile input"):
 *
 * - `_thread.lock.acquire(True, -1)` waits forever; any other negative timeout is
 *   ValueError("timeout value must be a non-negative number"); a timeout with blocking=False is
 *   ValueError("can't specify a timeout for a non-blocking call") unless it is -1.
 * - `Condition.wait(t)` acquires its waiter with `acquire(False)` when `t <= 0`: a negative
 *   timeout returns False at once (the lock is released and taken back). `wait_for` computes
 *   `endtime - now <= 0` and returns the predicate's value at once. Event.wait is Condition.wait.
 * - `Semaphore.acquire(True, t<0)`: `endtime = now + t`, `cond.wait(t)` returns at once, then
 *   `endtime - now <= 0` breaks: it returns False (no ValueError).
 * - `Barrier.wait(t<0)`: `cond.wait_for(..., t)` is False at once, so the barrier breaks:
 *   BrokenBarrierError.
 * - `Thread.join(t)` waits `max(t, 0)`: a negative timeout returns at once.
 * - `Queue.get(True, t<0)` and, on a bounded queue, `put(x, True, t<0)` raise
 *   ValueError("'timeout' must be a non-negative number"); an unbounded queue's put ignores it.
 *   `Queue.join()` has no timeout.
 * - `Future.result(t<0)` / `exception(t<0)`: `condition.wait(t)` returns at once, then
 *   TimeoutError unless done. `wait(fs, t<0)` returns at once; `as_completed(fs, t<0)` yields the
 *   finished ones, then TimeoutError("n (of m) futures unfinished"); `Executor.map(..., timeout<0)`
 *   raises TimeoutError at the first unfinished result.
 * - `Timer(t<0, fn)` waits `finished.wait(t)`, which returns at once: fn runs at once.
 */
import { strict as assert } from 'node:assert';
import { describeRun, merged, runSnippet } from './helpers';

interface Case {
  title: string;
  /** The body of main(); it must set `r` (a value) or throw. */
  body: string;
  /** What `r` must be, or the error it must throw (name, and message if given). */
  expect: { value: unknown } | { error: string; message?: string };
  /** Module-level code (helpers the case needs). */
  prelude?: string;
  /** Must not take this long (seconds); default 0.5. */
  atMost?: number;
  /** Must take at least this long (seconds): it really waited. */
  atLeast?: number;
}

const CASES: Case[] = [
  // Lock and RLock (Modules/_threadmodule.c, lock_acquire_parse_args)
  {
    title: 'Lock.acquire(true, -1) waits forever (until another thread releases it)',
    prelude: 'function releaseIt(l: any) { l.release(); }',
    body: 'const l = new Lock(); l.acquire(); new Timer(0.2, releaseIt, [l]).start(); r = l.acquire(true, -1);',
    expect: { value: true },
    atLeast: 0.1,
    atMost: 5,
  },
  {
    title: 'Lock.acquire(true, -2) raises ValueError',
    body: 'r = new Lock().acquire(true, -2);',
    expect: { error: 'ValueError', message: 'timeout value must be a non-negative number' },
  },
  {
    title: 'Lock.acquire(true, -0.5) raises ValueError',
    body: 'r = new Lock().acquire(true, -0.5);',
    expect: { error: 'ValueError', message: 'timeout value must be a non-negative number' },
  },
  {
    title: 'Lock.acquire(false, -1) is a plain non-blocking try',
    body: 'const l = new Lock(); l.acquire(); r = l.acquire(false, -1);',
    expect: { value: false },
  },
  {
    title: 'Lock.acquire(false, 0.1) raises ValueError',
    body: 'r = new Lock().acquire(false, 0.1);',
    expect: { error: 'ValueError', message: "can't specify a timeout for a non-blocking call" },
  },
  { title: 'RLock.acquire(true, -1) on a free RLock is true', body: 'r = new RLock().acquire(true, -1);', expect: { value: true } },
  {
    title: 'RLock.acquire(true, -3) raises ValueError',
    body: 'r = new RLock().acquire(true, -3);',
    expect: { error: 'ValueError', message: 'timeout value must be a non-negative number' },
  },
  // Condition (Lib/threading.py Condition.wait / wait_for)
  {
    title: 'Condition.wait(-1) returns false at once and still holds the lock',
    body: 'const c = new Condition(); c.acquire(); const w = c.wait(-1); r = [w, c.lock.isOwned()]; c.release();',
    expect: { value: [false, true] },
  },
  {
    title: 'Condition.waitFor(pred, -1) returns the predicate value at once',
    body: 'const c = new Condition(); c.acquire(); r = c.waitFor(() => 0, -1); c.release();',
    expect: { value: 0 },
  },
  {
    title: 'Condition.acquire(true, -2) raises ValueError (its lock does)',
    body: 'r = new Condition().acquire(true, -2);',
    expect: { error: 'ValueError', message: 'timeout value must be a non-negative number' },
  },
  // Semaphore and BoundedSemaphore (Lib/threading.py Semaphore.acquire)
  {
    title: 'Semaphore(0).acquire(true, -1) returns false at once',
    body: 'r = new Semaphore(0).acquire(true, -1);',
    expect: { value: false },
  },
  {
    title: 'Semaphore(1).acquire(true, -1) takes the free permit',
    body: 'r = new Semaphore(1).acquire(true, -1);',
    expect: { value: true },
  },
  {
    title: 'BoundedSemaphore(1) drained: acquire(true, -5) returns false at once',
    body: 'const s = new BoundedSemaphore(1); s.acquire(); r = s.acquire(true, -5);',
    expect: { value: false },
  },
  {
    title: 'Semaphore.acquire(false, -1) raises ValueError',
    body: 'r = new Semaphore(1).acquire(false, -1);',
    expect: { error: 'ValueError', message: "can't specify timeout for non-blocking acquire" },
  },
  // Event
  { title: 'Event.wait(-1) on an unset event returns false at once', body: 'r = new Event().wait(-1);', expect: { value: false } },
  { title: 'Event.wait(-1) on a set event returns true', body: 'const e = new Event(); e.set(); r = e.wait(-1);', expect: { value: true } },
  // Barrier (Lib/threading.py Barrier._wait)
  {
    title: 'Barrier(2).wait(-1) breaks the barrier at once',
    body: 'const b = new Barrier(2); r = errorName(() => b.wait(-1)) + " " + b.broken;',
    expect: { value: 'BrokenBarrierError true' },
  },
  {
    title: 'Barrier(2, null, -1).wait() breaks the barrier at once (the default timeout)',
    body: 'const b = new Barrier(2, null, -1); r = errorName(() => b.wait()) + " " + b.broken;',
    expect: { value: 'BrokenBarrierError true' },
  },
  { title: 'Barrier(1).wait(-1) passes (the last party never waits)', body: 'r = new Barrier(1).wait(-1);', expect: { value: 0 } },
  // Queues (Lib/queue.py)
  {
    title: 'Queue.get(true, -1) raises ValueError even with items',
    body: 'const q = new Queue(); q.put(1); r = q.get(true, -1);',
    expect: { error: 'ValueError', message: "'timeout' must be a non-negative number" },
  },
  {
    title: 'LifoQueue.get(true, -1) raises ValueError',
    body: 'r = new LifoQueue().get(true, -1);',
    expect: { error: 'ValueError', message: "'timeout' must be a non-negative number" },
  },
  {
    title: 'PriorityQueue.get(true, -1) raises ValueError',
    body: 'r = new PriorityQueue().get(true, -1);',
    expect: { error: 'ValueError', message: "'timeout' must be a non-negative number" },
  },
  { title: 'Queue.get(false, -1) ignores the timeout: Empty', body: 'r = new Queue().get(false, -1);', expect: { error: 'Empty' } },
  {
    title: 'bounded Queue.put(x, true, -1) raises ValueError even with room',
    body: 'r = new Queue(2).put(1, true, -1);',
    expect: { error: 'ValueError', message: "'timeout' must be a non-negative number" },
  },
  {
    title: 'unbounded Queue.put(x, true, -1) ignores the timeout',
    body: 'const q = new Queue(); q.put(1, true, -1); r = q.qsize();',
    expect: { value: 1 },
  },
  // Thread.join and Timer
  {
    title: 'Thread.join(-1) returns at once while the thread runs',
    prelude: 'function nap() { sleep(1); }',
    body: 'const t = new Thread({ target: nap, daemon: true }); t.start(); t.join(-1); r = t.isAlive();',
    expect: { value: true },
  },
  {
    title: 'Timer(-1, fn) fires at once',
    prelude: 'function fire(e: any) { e.set(); }',
    body: 'const e = new Event(); const t = new Timer(-1, fire, [e]); t.start(); t.join(); r = e.isSet();',
    expect: { value: true },
  },
  // concurrent.futures (Lib/concurrent/futures/_base.py)
  {
    title: 'Future.result(-1) on a pending future raises TimeoutError at once',
    body: 'r = new Future().result(-1);',
    expect: { error: 'TimeoutError' },
  },
  {
    title: 'Future.exception(-1) on a pending future raises TimeoutError at once',
    body: 'r = new Future().exception(-1);',
    expect: { error: 'TimeoutError' },
  },
  {
    title: 'Future.result(-1) on a finished future is its result',
    body: 'const f = new Future(); f.setResult(7); r = f.result(-1);',
    expect: { value: 7 },
  },
  {
    title: 'wait(fs, {timeout: -1}) returns at once',
    body: 'const d = wait([new Future()], { timeout: -1 }); r = [d.done.size, d.notDone.size];',
    expect: { value: [0, 1] },
  },
  {
    title: 'asCompleted(fs, -1) yields the finished ones, then TimeoutError',
    body: 'const a = new Future(); a.setResult(1); const seen: unknown[] = []; try { for (const f of asCompleted([a, new Future()], -1)) seen.push(f.result()); } catch (e) { seen.push((e as Error).name + ": " + (e as Error).message); } r = seen;',
    expect: { value: [1, 'TimeoutError: 1 (of 2) futures unfinished'] },
  },
  {
    title: 'ThreadPoolExecutor.map(fn, xs, {timeout: -1}) raises TimeoutError at the first unfinished result',
    prelude: 'function slow(x: number) { sleep(0.5); return x; }',
    body: 'const ex = new ThreadPoolExecutor({ maxWorkers: 1 }); try { r = [...ex.map(slow, [1], { timeout: -1 })]; } finally { ex.shutdown(false, { cancelFutures: true }); }',
    expect: { error: 'TimeoutError' },
  },
];

const IMPORTS = `import { Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier, Queue, LifoQueue, PriorityQueue, Thread, Timer, Future, ThreadPoolExecutor, wait, asCompleted, sleep } from "threadlanes";`;

describe('negative timeouts behave as in CPython (issue 12)', () => {
  for (const c of CASES) {
    it(c.title, async () => {
      const source = `${IMPORTS}
${c.prelude ?? ''}
export function main() {
  let r: unknown = "unset";
  const t0 = performance.now();
  try {
    ${c.body}
    emit({ value: r === undefined ? null : r, dt: since(t0) });
  } catch (e) {
    emit({ error: (e as Error).name, message: (e as Error).message, dt: since(t0) });
  }
}`;
      const run = await runSnippet(source, { timeoutSeconds: 8 });
      assert.equal(run.result.outcome, 'completed', describeRun(run));
      const got = merged(run);
      if ('value' in c.expect) {
        assert.deepEqual({ value: got.value, error: got.error }, { value: c.expect.value, error: undefined }, describeRun(run));
      } else {
        assert.equal(got.error, c.expect.error, describeRun(run));
        if (c.expect.message !== undefined) assert.equal(got.message, c.expect.message, describeRun(run));
      }
      assert.ok(got.dt < (c.atMost ?? 0.5), `took ${got.dt} s: ${describeRun(run)}`);
      if (c.atLeast !== undefined) assert.ok(got.dt >= c.atLeast, `took only ${got.dt} s: ${describeRun(run)}`);
    });
  }
});
