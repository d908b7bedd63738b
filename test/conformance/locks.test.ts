/**
 * Lock and RLock against CPython's Lib/test/lock_tests.py (BaseLockTests, LockTests, RLockTests).
 *
 * `lockSuite(kind)` is the contract every lock-like primitive meets (BaseLockTests): Lock, RLock
 * and — as CPython's ConditionAsRLockTests do — Condition, whose acquire and release are those of
 * its re-entrant lock. `reentrantSuite(kind)` is what RLock and Condition add (RLockTests). The
 * tests only one kind has follow.
 */
import { strict as assert } from 'node:assert';
import { assertTimeout, merged, runCompleted } from './helpers';

type LockKind = 'Lock' | 'RLock' | 'Condition';

interface LockFeatures {
  /** locked() and a repr that says locked/unlocked (Lock, RLock; not Condition). */
  hasLocked: boolean;
}

function lockSuite(kind: LockKind, features: LockFeatures): void {
  describe(`${kind}: the lock contract (BaseLockTests)`, () => {
    it('constructs, with and without a name, and acquires and releases (test_constructor, test_acquire_release)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const plain = new ${kind}();
  const named = new ${kind}(${kind === 'Condition' ? 'undefined, ' : ''}"my-lock");
  plain.acquire();
  plain.release();
  const destroyed = new ${kind}();
  destroyed.acquire(); // test_acquire_destroy: dropped while held, no error
  emit({ name: named.name });
}`);
      assert.deepEqual(merged(run), { name: 'my-lock' });
    });

    if (features.hasLocked) {
      it('says locked / unlocked in its repr (test_repr, test_locked_repr)', async () => {
        const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const lock = new ${kind}();
  const before = String(lock);
  lock.acquire();
  const during = String(lock);
  lock.release();
  emit({ before, during, after: String(lock) });
}`);
        const { before, during, after } = merged(run);
        assert.match(before, /^<unlocked /);
        assert.match(during, /^<locked /);
        assert.match(after, /^<unlocked /);
      });
    }

    it('acquire(false) on a free lock returns true (test_try_acquire)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const lock = new ${kind}();
  const ok = lock.acquire(false);
  lock.release();
  emit({ ok });
}`);
      assert.deepEqual(merged(run), { ok: true });
    });

    it('acquire(false) from another thread while held returns false (test_try_acquire_contended)', async () => {
      const run = await runCompleted(`import { ${kind}, Thread } from "threadlanes";
const lock = new ${kind}();
function other() {
  emit({ otherGot: lock.acquire(false) });
}
export function main() {
  lock.acquire();
  const t = new Thread({ target: other });
  t.start();
  t.join();
  lock.release();
}`);
      assert.deepEqual(merged(run), { otherGot: false });
    });

    it('5 threads block on a held lock; none gets through before release, all 5 after (test_acquire_contended)', async () => {
      const run = await runCompleted(`import { ${kind}, Thread, Value } from "threadlanes";
const lock = new ${kind}();
const started = new Value(0);
const finished = new Value(0);
function worker() {
  started.getLock().withLock(() => { started.value += 1; });
  lock.acquire();
  lock.release();
  finished.getLock().withLock(() => { finished.value += 1; });
}
export function main() {
  lock.acquire();
  const threads = Array.from({ length: 5 }, () => new Thread({ target: worker }));
  for (const t of threads) t.start();
  waitUntil(() => started.value === 5, "5 started");
  waitThreadsBlocked(5);
  const whileHeld = finished.value;
  lock.release();
  for (const t of threads) t.join();
  emit({ whileHeld, after: finished.value });
}`);
      assert.deepEqual(merged(run), { whileHeld: 0, after: 5 });
    });

    it('withLock and using-hold() release on normal exit and when the body throws (test_with)', async () => {
      const run = await runCompleted(`import { ${kind}, Thread } from "threadlanes";
const lock = new ${kind}();
function probe(label: string) {
  // From another thread: is the lock free?
  const free = lock.acquire(false);
  if (free) lock.release();
  emit({ [label]: free });
}
function check(label: string) {
  const t = new Thread({ target: probe, args: [label] });
  t.start();
  t.join();
}
export function main() {
  const value = lock.withLock(() => 42);
  check("afterWithLock");
  let caught = "";
  try {
    lock.withLock(() => { throw new TypeError("boom"); });
  } catch (error) {
    caught = (error as Error).name;
  }
  check("afterThrow");
  {
    using _held = lock.hold();
    check("insideHold");
  }
  check("afterHold");
  try {
    using _held = lock.hold();
    throw new TypeError("boom");
  } catch {
    // expected
  }
  check("afterHoldThrow");
  emit({ value, caught });
}`);
      assert.deepEqual(merged(run), {
        value: 42,
        caught: 'TypeError',
        afterWithLock: true,
        afterThrow: true,
        insideHold: false,
        afterHold: true,
        afterHoldThrow: true,
      });
    });

    it('15 threads that used the lock leave no thread behind in enumerate() (test_thread_leak)', async () => {
      const run = await runCompleted(`import { ${kind}, Thread, enumerate } from "threadlanes";
const lock = new ${kind}();
function worker() {
  lock.withLock(() => undefined);
}
export function main() {
  const threads = Array.from({ length: 15 }, () => new Thread({ target: worker }));
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  emit({ alive: enumerate().map((t) => t.name) });
}`);
      assert.deepEqual(merged(run), { alive: ['MainThread'] });
    });

    it('rejects bad timeout arguments with ValueError and accepts TIMEOUT_MAX (test_timeout, argument checks)', async () => {
      const run = await runCompleted(`import { ${kind}, TIMEOUT_MAX } from "threadlanes";
export function main() {
  const lock = new ${kind}();
  const nonBlockingWithTimeout = errorName(() => lock.acquire(false, 1));
  const negative = errorName(() => lock.acquire(true, -100));
  const max = lock.acquire(true, TIMEOUT_MAX);
  lock.release();
  emit({ nonBlockingWithTimeout, negative, max });
}`);
      assert.deepEqual(merged(run), { nonBlockingWithTimeout: 'ValueError', negative: 'ValueError', max: true });
    });

    // CPython: acquire(timeout=1e100) and acquire(timeout=TIMEOUT_MAX + 1) raise OverflowError.
    it('rejects a timeout above TIMEOUT_MAX (test_timeout, OverflowError)', async () => {
      const run = await runCompleted(`import { ${kind}, TIMEOUT_MAX } from "threadlanes";
export function main() {
  const lock = new ${kind}();
  // Release if it was (wrongly) accepted, so the next call does not wait on a Lock held by itself.
  const huge = errorName(() => { if (lock.acquire(true, 1e100)) lock.release(); });
  const aboveMax = errorName(() => { if (lock.acquire(true, TIMEOUT_MAX + 1)) lock.release(); });
  emit({ huge, aboveMax });
}`);
      assert.deepEqual(merged(run), { huge: 'OverflowError', aboveMax: 'OverflowError' });
    });

    it('a timed acquire of a free lock returns at once; of a held lock, false after the timeout (test_timeout)', async () => {
      const run = await runCompleted(`import { ${kind}, Thread } from "threadlanes";
const lock = new ${kind}();
function contender() {
  const t0 = performance.now();
  const got = lock.acquire(true, 0.5);
  emit({ got, elapsed: since(t0) });
}
export function main() {
  let t0 = performance.now();
  const free = lock.acquire(true, 5);
  const freeElapsed = since(t0);
  const t = new Thread({ target: contender });
  t.start();
  t.join();
  lock.release();
  emit({ free, freeElapsed });
}`);
      const { free, freeElapsed, got, elapsed } = merged(run);
      assert.equal(free, true);
      assert.ok(freeElapsed < 5, `acquire(true, 5) of a free lock took ${freeElapsed} s`);
      assert.equal(got, false);
      assertTimeout(elapsed, 0.5);
    });
  });
}

lockSuite('Lock', { hasLocked: true });
lockSuite('RLock', { hasLocked: true });
lockSuite('Condition', { hasLocked: false });

describe('Lock only (LockTests)', () => {
  it('a second acquire by the same thread blocks until another thread releases (test_reacquire)', async () => {
    const run = await runCompleted(`import { Lock, Thread, Value } from "threadlanes";
const lock = new Lock();
const phase = new Value(0);
function f() {
  lock.acquire();
  phase.value = 1;
  lock.acquire();
  phase.value = 2;
}
export function main() {
  const t = new Thread({ target: f });
  t.start();
  waitUntil(() => phase.value >= 1, "phase 1");
  waitThreadsBlocked(1);
  const stuck = phase.value;
  lock.release();
  waitUntil(() => phase.value >= 2, "phase 2");
  t.join();
  emit({ stuck, after: phase.value });
}`);
    assert.deepEqual(merged(run), { stuck: 1, after: 2 });
  });

  it('may be released by a thread other than the one that acquired it (test_different_thread)', async () => {
    const run = await runCompleted(`import { Lock, Thread } from "threadlanes";
const lock = new Lock();
function f() {
  lock.acquire();
}
export function main() {
  const t = new Thread({ target: f });
  t.start();
  t.join();
  const heldAfterThread = lock.locked();
  lock.release();
  emit({ heldAfterThread, lockedAfterRelease: lock.locked(), again: lock.acquire(false) });
}`);
    assert.deepEqual(merged(run), { heldAfterThread: true, lockedAfterRelease: false, again: true });
  });

  it('after a timed-out acquire it still releases, is unlocked, and can be taken (test_state_after_timeout)', async () => {
    const run = await runCompleted(`import { Lock } from "threadlanes";
export function main() {
  const lock = new Lock();
  lock.acquire();
  const timedOut = lock.acquire(true, 0.01);
  lock.release();
  const locked = lock.locked();
  const again = lock.acquire(false);
  emit({ timedOut, locked, again });
}`);
    assert.deepEqual(merged(run), { timedOut: false, locked: false, again: true });
  });

  it('release() of an unlocked Lock raises RuntimeError (test_releasing_unacquired_lock)', async () => {
    const run = await runCompleted(`import { Lock } from "threadlanes";
export function main() {
  const lock = new Lock();
  emit({ error: errorName(() => lock.release()) });
}`);
    assert.deepEqual(merged(run), { error: 'RuntimeError' });
  });
});

/** RLockTests that hold for every re-entrant lock: RLock, and Condition (ConditionAsRLockTests). */
function reentrantSuite(kind: 'RLock' | 'Condition'): void {
  describe(`${kind}: re-entrant (RLockTests${kind === 'Condition' ? ', as ConditionAsRLockTests' : ''})`, () => {
    it('nests: acquire, acquire, release, acquire, release, release (test_reacquire)', async () => {
      const run = await runCompleted(`import { ${kind}, Thread } from "threadlanes";
const lock = new ${kind}();
function probe(label: string) {
  const free = lock.acquire(false);
  if (free) lock.release();
  emit({ [label]: free });
}
function probeFromOtherThread(label: string) {
  const t = new Thread({ target: probe, args: [label] });
  t.start();
  t.join();
}
export function main() {
  lock.acquire();
  lock.acquire();
  lock.release();
  lock.acquire();
  lock.release();
  probeFromOtherThread("freeBeforeLastRelease");
  lock.release();
  probeFromOtherThread("freeAtEnd");
}`);
      assert.deepEqual(merged(run), { freeBeforeLastRelease: false, freeAtEnd: true });
    });

    it('release() when not held raises RuntimeError, also after balanced pairs (test_release_unacquired)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const lock = new ${kind}();
  const fresh = errorName(() => lock.release());
  lock.acquire();
  lock.acquire();
  lock.release();
  lock.acquire();
  lock.release();
  lock.release();
  emit({ fresh, afterPairs: errorName(() => lock.release()) });
}`);
      assert.deepEqual(merged(run), { fresh: 'RuntimeError', afterPairs: 'RuntimeError' });
    });

    it('release() by a thread that does not own it raises RuntimeError (test_different_thread)', async () => {
      const run = await runCompleted(`import { ${kind}, Thread, Event } from "threadlanes";
const lock = new ${kind}();
const acquired = new Event();
const finish = new Event();
function owner() {
  lock.acquire();
  acquired.set();
  finish.wait();
  lock.release();
}
export function main() {
  const t = new Thread({ target: owner });
  t.start();
  acquired.wait();
  const error = errorName(() => lock.release());
  finish.set();
  t.join();
  emit({ error });
}`);
      assert.deepEqual(merged(run), { error: 'RuntimeError' });
    });
  });
}

reentrantSuite('RLock');
reentrantSuite('Condition');

describe('RLock only (RLockTests)', () => {
  it('locked() is true while held, also seen from MainThread when another thread holds it (test_locked, test_locked_with_2threads)', async () => {
    const run = await runCompleted(`import { RLock, Thread, Event } from "threadlanes";
const lock = new RLock();
const acquired = new Event();
const finish = new Event();
function owner() {
  lock.acquire();
  acquired.set();
  finish.wait();
  lock.release();
}
export function main() {
  const initially = lock.locked();
  lock.acquire();
  const once = lock.locked();
  lock.acquire();
  const twice = lock.locked();
  lock.release();
  const afterOneRelease = lock.locked();
  lock.release();
  const released = lock.locked();
  const t = new Thread({ target: owner });
  t.start();
  acquired.wait();
  const heldByOther = lock.locked();
  finish.set();
  t.join();
  emit({ initially, once, twice, afterOneRelease, released, heldByOther, end: lock.locked() });
}`);
    assert.deepEqual(merged(run), {
      initially: false,
      once: true,
      twice: true,
      afterOneRelease: true,
      released: false,
      heldByOther: true,
      end: false,
    });
  });

  it('recursionCount() goes 0, 1, 3, 2, 0 and reads 0 in a thread that does not hold it (test_recursion_count)', async () => {
    const run = await runCompleted(`import { RLock, Thread, Event } from "threadlanes";
const lock = new RLock();
const acquired = new Event();
const finish = new Event();
function owner() {
  lock.acquire();
  emit({ ownerCount: lock.recursionCount() });
  acquired.set();
  finish.wait();
  lock.release();
}
export function main() {
  const counts = [lock.recursionCount()];
  lock.acquire();
  counts.push(lock.recursionCount());
  lock.acquire();
  lock.acquire();
  counts.push(lock.recursionCount());
  lock.release();
  counts.push(lock.recursionCount());
  lock.release();
  lock.release();
  counts.push(lock.recursionCount());
  const t = new Thread({ target: owner });
  t.start();
  acquired.wait();
  const fromNonOwner = lock.recursionCount();
  finish.set();
  t.join();
  emit({ counts, fromNonOwner });
}`);
    assert.deepEqual(merged(run), { counts: [0, 1, 3, 2, 0], ownerCount: 1, fromNonOwner: 0 });
  });

  it('isOwned() is true only in the owner thread and follows nesting (test__is_owned)', async () => {
    const run = await runCompleted(`import { RLock, Thread, Event } from "threadlanes";
const lock = new RLock();
const done = new Event();
function other() {
  emit({ ownedInOther: lock.isOwned() });
}
export function main() {
  const before = lock.isOwned();
  lock.acquire();
  const once = lock.isOwned();
  lock.acquire();
  const twice = lock.isOwned();
  const t = new Thread({ target: other });
  t.start();
  t.join();
  lock.release();
  const afterOne = lock.isOwned();
  lock.release();
  emit({ before, once, twice, afterOne, after: lock.isOwned() });
}`);
    assert.deepEqual(merged(run), { before: false, once: true, twice: true, ownedInOther: false, afterOne: true, after: false });
  });

  it('shows the count and the state in its repr, also when read from another thread (test_repr_count)', async () => {
    const run = await runCompleted(`import { RLock, Thread, Event } from "threadlanes";
const lock = new RLock();
const acquired = new Event();
const finish = new Event();
function owner() {
  lock.acquire();
  lock.acquire();
  acquired.set();
  finish.wait();
  lock.release();
  lock.release();
}
export function main() {
  const free = String(lock);
  lock.acquire();
  lock.acquire();
  const mine = String(lock);
  lock.release();
  lock.release();
  const t = new Thread({ target: owner });
  t.start();
  acquired.wait();
  const others = String(lock);
  finish.set();
  t.join();
  emit({ free, mine, others });
}`);
    const { free, mine, others } = merged(run);
    assert.match(free, /^<unlocked .*count=0/);
    assert.match(mine, /^<locked .*count=2/);
    // CPython shows the owner's count (2) from any thread.
    assert.match(others, /^<locked .*count=2/, `repr read from a non-owner thread: ${others}`);
  });
});
