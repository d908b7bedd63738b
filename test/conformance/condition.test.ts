/**
 * Condition against CPython's Lib/test/lock_tests.py (ConditionTests). Its acquire/release
 * contract (ConditionAsRLockTests) runs in locks.test.ts.
 */
import { strict as assert } from 'node:assert';
import { assertTimeout, merged, runCompleted, valuesOf } from './helpers';

describe('Condition (ConditionTests)', () => {
  it('has a re-entrant lock by default; Condition(lock) holds that very lock; withLock takes it (test_acquire)', async () => {
    const run = await runCompleted(`import { Condition, Lock } from "threadlanes";
export function main() {
  const reentrant = new Condition();
  reentrant.acquire();
  reentrant.acquire();
  reentrant.release();
  reentrant.release();

  const lock = new Lock();
  const cond = new Condition(lock);
  const sameLock = cond.lock === lock;
  cond.acquire();
  const lockFreeWhileCondHeld = lock.acquire(false);
  cond.release();
  const lockFreeAfter = lock.acquire(false);
  const condFreeWhileLockHeld = cond.acquire(false);
  lock.release();
  const lockFreeInWith = cond.withLock(() => lock.acquire(false));
  emit({ sameLock, lockFreeWhileCondHeld, lockFreeAfter, condFreeWhileLockHeld, lockFreeInWith });
}`);
    assert.deepEqual(merged(run), {
      sameLock: true,
      lockFreeWhileCondHeld: false,
      lockFreeAfter: true,
      condFreeWhileLockHeld: false,
      lockFreeInWith: false,
    });
  });

  it('wait() and notify() without holding the lock raise RuntimeError (test_unacquired_wait, test_unacquired_notify)', async () => {
    const run = await runCompleted(`import { Condition } from "threadlanes";
export function main() {
  const cond = new Condition();
  emit({ wait: errorName(() => cond.wait()), notify: errorName(() => cond.notify()), notifyAll: errorName(() => cond.notifyAll()) });
}`);
    assert.deepEqual(merged(run), { wait: 'RuntimeError', notify: 'RuntimeError', notifyAll: 'RuntimeError' });
  });

  // The heart of it: notify(n) wakes exactly n waiters, first come first served, no more.
  it('notify(3) wakes exactly 3, notify(5) the other 2 and the 3 re-waiters, notifyAll() the rest; twice (test_notify)', async () => {
    const run = await runCompleted(`import { Condition, Queue, Value } from "threadlanes";
const cond = new Condition();
const ready = new Value(0);
const phase = new Value(0);
const results1 = new Queue();
const results2 = new Queue();
function f() {
  cond.acquire();
  ready.value += 1;
  let result = cond.wait();
  cond.release();
  results1.put([result, phase.value]);
  cond.acquire();
  ready.value += 1;
  result = cond.wait();
  cond.release();
  results2.put([result, phase.value]);
}
/** Wait until n threads counted themselves ready (under the condition's lock, so they are queued in wait()). */
function readyAtLeast(n: number) {
  waitUntil(() => cond.withLock(() => ready.value >= n), n + " ready");
}
function checkNotify(round: number) {
  const N = 5;
  ready.value = 0;
  phase.value = 0;
  const r1: unknown[] = [];
  const r2: unknown[] = [];
  const threads = bunch(f, N);
  readyAtLeast(N);
  cond.withLock(() => { ready.value = 0; });
  const beforeAnyNotify = results1.qsize();

  // Phase 1: notify 3.
  cond.acquire();
  cond.notify(3);
  waitThreadsBlocked(3);
  phase.value = 1;
  cond.release();
  waitUntil(() => results1.qsize() >= 3, "3 results1");
  waitThreadsBlocked(N); // give a 4th or 5th waiter the chance to (wrongly) wake
  r1.push(...drain(results1));
  r2.push(...drain(results2));
  const phase1 = { results1: [...r1], results2: [...r2] };

  // Phase 2: the 3 woken are back in wait(); notify 5 (2 first waits + 3 second waits).
  readyAtLeast(3);
  cond.acquire();
  cond.notify(5);
  waitThreadsBlocked(N);
  phase.value = 2;
  cond.release();
  waitUntil(() => r1.length + results1.qsize() + r2.length + results2.qsize() >= N + 3, "8 results");
  waitThreadsBlocked(N);
  r1.push(...drain(results1));
  r2.push(...drain(results2));
  const phase2 = { results1: [...r1], results2: [...r2] };

  // Phase 3: everyone is in the second wait; notifyAll.
  readyAtLeast(N);
  cond.acquire();
  cond.notifyAll();
  waitThreadsBlocked(N);
  phase.value = 3;
  cond.release();
  joinAll(threads);
  r1.push(...drain(results1));
  r2.push(...drain(results2));
  emit({ round, beforeAnyNotify, phase1, phase2, phase3: { results1: r1, results2: r2 } });
}
export function main() {
  checkNotify(1);
  checkNotify(2);
}`);
    assert.equal(run.json.length, 2, 'two rounds');
    for (const round of run.json) {
      const where = `round ${round.round}`;
      assert.equal(round.beforeAnyNotify, 0, `${where}: a wait() returned before any notify`);
      assert.deepEqual(round.phase1, { results1: Array(3).fill([true, 1]), results2: [] }, `${where}, after notify(3)`);
      assert.deepEqual(
        round.phase2,
        {
          results1: [...Array(3).fill([true, 1]), ...Array(2).fill([true, 2])],
          results2: Array(3).fill([true, 2]),
        },
        `${where}, after notify(5)`,
      );
      assert.deepEqual(
        round.phase3,
        {
          results1: [...Array(3).fill([true, 1]), ...Array(2).fill([true, 2])],
          results2: [...Array(3).fill([true, 2]), ...Array(2).fill([true, 3])],
        },
        `${where}, after notifyAll()`,
      );
    }
  });

  it('notify() with no waiters is lost: a later wait() is not woken by it', async () => {
    const run = await runCompleted(`import { Condition } from "threadlanes";
export function main() {
  const cond = new Condition();
  cond.withLock(() => cond.notify());
  const result = cond.withLock(() => cond.wait(0.05));
  emit({ result });
}`);
    assert.deepEqual(merged(run), { result: false });
  });

  it('5 threads in wait(0.5) all return false after ~0.5 s (test_timeout)', async () => {
    const run = await runCompleted(`import { Condition } from "threadlanes";
const cond = new Condition();
function f() {
  cond.acquire();
  const t0 = performance.now();
  const result = cond.wait(0.5);
  const dt = since(t0);
  cond.release();
  emit({ result, dt });
}
export function main() {
  joinAll(bunch(f, 5));
}`);
    const results = valuesOf(run, 'result');
    assert.deepEqual(results, [false, false, false, false, false]);
    for (const dt of valuesOf(run, 'dt')) assertTimeout(dt, 0.5);
  });

  it('waitFor(pred) returns true once the state reaches 4 after 4 notify() calls (test_waitfor)', async () => {
    const run = await runCompleted(`import { Condition, Value, sleep } from "threadlanes";
const cond = new Condition();
const state = new Value(0);
function f() {
  cond.withLock(() => {
    const result = cond.waitFor(() => state.value === 4);
    emit({ result, state: state.value });
  });
}
export function main() {
  const threads = bunch(f, 1);
  for (let i = 0; i < 4; i++) {
    sleep(0.01);
    cond.withLock(() => {
      state.value += 1;
      cond.notify();
    });
  }
  joinAll(threads);
}`);
    assert.deepEqual(merged(run), { result: true, state: 4 });
  });

  it('waitFor(pred, 0.1) returns false after ~0.1 s when the state never gets there (test_waitfor_timeout)', async () => {
    const run = await runCompleted(`import { Condition, Value, sleep } from "threadlanes";
const cond = new Condition();
const state = new Value(0);
function f() {
  cond.withLock(() => {
    const t0 = performance.now();
    const result = cond.waitFor(() => state.value === 4, 0.1);
    emit({ result, dt: since(t0) });
  });
}
export function main() {
  const threads = bunch(f, 1);
  for (let i = 0; i < 3; i++) {
    sleep(0.01);
    cond.withLock(() => {
      state.value += 1;
      cond.notify();
    });
  }
  joinAll(threads);
}`);
    const { result, dt } = merged(run);
    assert.equal(result, false);
    assertTimeout(dt, 0.1);
  });

  it('wait() on a Condition over an RLock held twice restores the depth after waking', async () => {
    const run = await runCompleted(`import { Condition, RLock, Thread } from "threadlanes";
const lock = new RLock();
const cond = new Condition(lock);
function notifier() {
  cond.withLock(() => cond.notify());
}
export function main() {
  lock.acquire();
  lock.acquire();
  const t = new Thread({ target: notifier });
  t.start();
  const woken = cond.wait(5);
  const depth = lock.recursionCount();
  lock.release();
  lock.release();
  t.join();
  emit({ woken, depth, locked: lock.locked() });
}`);
    assert.deepEqual(merged(run), { woken: true, depth: 2, locked: false });
  });
});
