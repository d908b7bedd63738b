/**
 * Semaphore and BoundedSemaphore against CPython's Lib/test/lock_tests.py (BaseSemaphoreTests,
 * SemaphoreTests, BoundedSemaphoreTests) and test_threading.py (test_BoundedSemaphore_limit).
 * `semaphoreSuite(kind)` is the contract both meet.
 */
import { strict as assert } from 'node:assert';
import { assertTimeout, merged, runCompleted, valuesOf } from './helpers';

type SemaphoreKind = 'Semaphore' | 'BoundedSemaphore';

/** The phased test_acquire_contended / test_multirelease, with releases one at a time or all at once. */
function contendedSnippet(kind: SemaphoreKind, multirelease: boolean): string {
  const release = (n: string) => (multirelease ? `sem.release(${n});` : `for (let i = 0; i < ${n}; i++) sem.release();`);
  return `import { ${kind}, Queue, Value } from "threadlanes";
const SEM_VALUE = 7;
const sem = new ${kind}(SEM_VALUE);
const phase = new Value(0);
const phases = new Queue();      // the phase each acquire() got through in
const failedAcquires = new Value(0);
function func() {
  for (let i = 0; i < 2; i++) {
    const ok = sem.acquire();
    if (!ok) failedAcquires.getLock().withLock(() => { failedAcquires.value += 1; });
    phases.put(phase.value);
  }
}
/** Wait for count more acquires to get through, then give an extra one (a bug) its chance. */
function settle(count: number): void {
  waitUntil(() => phases.qsize() >= count, count + " acquires");
  waitThreadsBlocked(10);
}
export function main() {
  sem.acquire();
  const seen: number[] = [];
  const threads = bunch(func, 10);
  settle(6);
  seen.push(...drain(phases));
  const phase0 = [...seen].sort();
  phase.value = 1;
  ${release('SEM_VALUE')}
  settle(7);
  seen.push(...drain(phases));
  const phase1 = [...seen].sort();
  phase.value = 2;
  ${release('SEM_VALUE - 1')}
  settle(6);
  seen.push(...drain(phases));
  const phase2 = [...seen].sort();
  const stillLocked = !sem.acquire(false);
  sem.release();
  joinAll(threads);
  emit({ phase0, phase1, phase2, stillLocked, failedAcquires: failedAcquires.value });
}`;
}

function semaphoreSuite(kind: SemaphoreKind): void {
  describe(`${kind}: the semaphore contract (BaseSemaphoreTests)`, () => {
    it('refuses a negative initial value and release(0) with ValueError (test_constructor)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  emit({
    minusOne: errorName(() => new ${kind}(-1)),
    minusMax: errorName(() => new ${kind}(-Number.MAX_SAFE_INTEGER)),
    zero: errorName(() => new ${kind}(0)),
    releaseZero: errorName(() => new ${kind}(1).release(0)),
  });
}`);
      assert.deepEqual(merged(run), { minusOne: 'ValueError', minusMax: 'ValueError', zero: 'none', releaseZero: 'ValueError' });
    });

    it('acquires and releases with values 1 and 2 (test_acquire, test_acquire_destroy)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const one = new ${kind}(1);
  one.acquire();
  one.release();
  const two = new ${kind}(2);
  two.acquire();
  two.acquire();
  two.release();
  two.release();
  const dropped = new ${kind}();
  dropped.acquire();
  emit({ one: one.value, two: two.value });
}`);
      assert.deepEqual(merged(run), { one: 1, two: 2 });
    });

    it('value 7 with one held: exactly 6 of 20 acquires pass, then 7 more, then 6 more (test_acquire_contended)', async () => {
      const run = await runCompleted(contendedSnippet(kind, false));
      assert.deepEqual(merged(run), {
        phase0: Array(6).fill(0),
        phase1: [...Array(6).fill(0), ...Array(7).fill(1)],
        phase2: [...Array(6).fill(0), ...Array(7).fill(1), ...Array(6).fill(2)],
        stillLocked: true,
        failedAcquires: 0,
      });
    });

    it('release(n) lets exactly n waiters through (test_multirelease)', async () => {
      const run = await runCompleted(contendedSnippet(kind, true));
      assert.deepEqual(merged(run), {
        phase0: Array(6).fill(0),
        phase1: [...Array(6).fill(0), ...Array(7).fill(1)],
        phase2: [...Array(6).fill(0), ...Array(7).fill(1), ...Array(6).fill(2)],
        stillLocked: true,
        failedAcquires: 0,
      });
    });

    it('acquire(false) with value 2: true, true, false; after a release, true (test_try_acquire)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const sem = new ${kind}(2);
  const results = [sem.acquire(false), sem.acquire(false), sem.acquire(false)];
  sem.release();
  results.push(sem.acquire(false));
  emit({ results });
}`);
      assert.deepEqual(merged(run), { results: [true, true, false, true] });
    });

    it('value 4 with one held: 5 threads x 2 acquire(false) get exactly 3 (test_try_acquire_contended)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
const sem = new ${kind}(4);
function f() {
  emit({ got: [sem.acquire(false), sem.acquire(false)] });
}
export function main() {
  sem.acquire();
  joinAll(bunch(f, 5));
}`);
      const got = valuesOf(run, 'got').flat().sort();
      assert.deepEqual(got, [...Array(7).fill(false), ...Array(3).fill(true)]);
    });

    it('timed acquires: ValueError with blocking=false; true, true, false; false after ~0.5 s (test_acquire_timeout)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const sem = new ${kind}(2);
  const nonBlocking = errorName(() => sem.acquire(false, 1));
  const results = [sem.acquire(true, 0.005), sem.acquire(true, 0.005), sem.acquire(true, 0.005)];
  sem.release();
  results.push(sem.acquire(true, 0.005));
  const t0 = performance.now();
  const late = sem.acquire(true, 0.5);
  emit({ nonBlocking, results, late, dt: since(t0) });
}`);
      const { nonBlocking, results, late, dt } = merged(run);
      assert.equal(nonBlocking, 'ValueError');
      assert.deepEqual(results, [true, true, false, true]);
      assert.equal(late, false);
      assertTimeout(dt, 0.5);
    });

    it('the default value is 1: a second acquirer blocks until release (test_default_value)', async () => {
      const run = await runCompleted(`import { ${kind}, Value } from "threadlanes";
const sem = new ${kind}();
const finished = new Value(0);
function f() {
  sem.acquire();
  sem.release();
  finished.value = 1;
}
export function main() {
  sem.acquire();
  const threads = bunch(f, 1);
  waitThreadsBlocked(1);
  const finishedWhileHeld = finished.value;
  sem.release();
  joinAll(threads);
  emit({ finishedWhileHeld, finished: finished.value });
}`);
      assert.deepEqual(merged(run), { finishedWhileHeld: 0, finished: 1 });
    });

    it('nested withLock blocks take permits and give them back, also when the body throws (test_with)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
const sem = new ${kind}(2);
function withSem(fail: boolean): boolean[] {
  const seen: boolean[] = [];
  sem.withLock(() => {
    seen.push(sem.acquire(false));
    sem.release();
    sem.withLock(() => {
      seen.push(sem.acquire(false));
      if (fail) throw new TypeError("boom");
    });
  });
  return seen;
}
export function main() {
  const inside = withSem(false);
  const afterOk = sem.acquire(false);
  sem.release();
  const thrown = errorName(() => withSem(true));
  const afterThrow = sem.acquire(false);
  sem.release();
  emit({ inside, afterOk, thrown, afterThrow, value: sem.value });
}`);
      assert.deepEqual(merged(run), { inside: [true, false], afterOk: true, thrown: 'TypeError', afterThrow: true, value: 2 });
    });
  });
}

semaphoreSuite('Semaphore');
semaphoreSuite('BoundedSemaphore');

describe('Semaphore only (SemaphoreTests)', () => {
  it('may be released beyond its initial value (test_release_unacquired)', async () => {
    const run = await runCompleted(`import { Semaphore } from "threadlanes";
export function main() {
  const sem = new Semaphore(1);
  sem.release();
  const a = sem.acquire(false);
  const b = sem.acquire(false);
  sem.release();
  emit({ a, b, value: sem.value });
}`);
    assert.deepEqual(merged(run), { a: true, b: true, value: 1 });
  });

  it('shows its value in its repr (test_repr)', async () => {
    const run = await runCompleted(`import { Semaphore } from "threadlanes";
export function main() {
  const sem = new Semaphore(3);
  const reprs = [String(sem)];
  sem.acquire();
  reprs.push(String(sem));
  sem.release();
  sem.release();
  reprs.push(String(sem));
  emit({ reprs });
}`);
    const { reprs } = merged(run);
    assert.match(reprs[0], /value=3\b/);
    assert.match(reprs[1], /value=2\b/);
    assert.match(reprs[2], /value=4\b/);
  });
});

describe('BoundedSemaphore only (BoundedSemaphoreTests)', () => {
  it('raises ValueError when released above its initial value, also with release(n) (test_release_unacquired)', async () => {
    const run = await runCompleted(`import { BoundedSemaphore } from "threadlanes";
export function main() {
  const sem = new BoundedSemaphore();
  const fresh = errorName(() => sem.release());
  sem.acquire();
  sem.release();
  const afterPair = errorName(() => sem.release());
  const three = new BoundedSemaphore(3);
  three.acquire();
  const releaseTwo = errorName(() => three.release(2));
  emit({ fresh, afterPair, releaseTwo, value: sem.value, threeValue: three.value });
}`);
    assert.deepEqual(merged(run), { fresh: 'ValueError', afterPair: 'ValueError', releaseTwo: 'ValueError', value: 1, threeValue: 2 });
  });

  it('shows value/initial in its repr (test_repr)', async () => {
    const run = await runCompleted(`import { BoundedSemaphore } from "threadlanes";
export function main() {
  const sem = new BoundedSemaphore(3);
  const full = String(sem);
  sem.acquire();
  emit({ full, taken: String(sem) });
}`);
    const { full, taken } = merged(run);
    assert.match(full, /value=3\/3/);
    assert.match(taken, /value=2\/3/);
  });

  it('limit threads acquire, limit other threads release, one more release raises ValueError (test_BoundedSemaphore_limit)', async () => {
    // CPython runs limits 1..9 (90 threads); three limits keep the suite fast and cover 1 and >1.
    const run = await runCompleted(`import { BoundedSemaphore, Thread } from "threadlanes";
function acquireIt(sem: BoundedSemaphore) {
  sem.acquire();
}
function releaseIt(sem: BoundedSemaphore) {
  sem.release();
}
function runAll(target: (sem: BoundedSemaphore) => void, sem: BoundedSemaphore, n: number) {
  const threads = Array.from({ length: n }, () => new Thread({ target, args: [sem] }));
  for (const t of threads) t.start();
  for (const t of threads) t.join();
}
export function main() {
  for (const limit of [1, 2, 5]) {
    const bs = new BoundedSemaphore(limit);
    runAll(acquireIt, bs, limit);
    runAll(releaseIt, bs, limit);
    emit({ limit, extra: errorName(() => bs.release()) });
  }
}`);
    assert.deepEqual(valuesOf(run, 'extra'), ['ValueError', 'ValueError', 'ValueError']);
  });
});
