/** Barrier against CPython's Lib/test/lock_tests.py (BarrierTests: N = 5, default timeout 2.0). */
import { strict as assert } from 'node:assert';
import { merged, runCompleted, valuesOf } from './helpers';

/** Imports and the barrier every BarrierTests snippet starts from. */
const PRELUDE = `import { Barrier, BrokenBarrierError, Value, sleep } from "threadlanes";
const N = 5;
const barrier = new Barrier(N, null, 2.0);
function increment(counter: Value) {
  counter.getLock().withLock(() => { counter.value += 1; });
}`;

describe('Barrier (BarrierTests)', () => {
  it('refuses 0 and -1 parties with ValueError (test_constructor)', async () => {
    const run = await runCompleted(`import { Barrier } from "threadlanes";
export function main() {
  emit({ zero: errorName(() => new Barrier(0)), minusOne: errorName(() => new Barrier(-1)), one: errorName(() => new Barrier(1)) });
}`);
    assert.deepEqual(merged(run), { zero: 'ValueError', minusOne: 'ValueError', one: 'none' });
  });

  for (const passes of [1, 10]) {
    it(`5 threads pass in lockstep ${passes} time(s); afterwards nWaiting is 0 and it is not broken (test_barrier${passes === 10 ? '_10' : ''})`, async () => {
      const run = await runCompleted(`${PRELUDE}
const before = new Value(0);
const after = new Value(0);
const violations = new Value(0);
function multipass(passes: number) {
  for (let i = 0; i < passes; i++) {
    increment(before);
    if (after.value !== i * N) increment(violations);
    barrier.wait();
    increment(after);
    if (before.value !== (i + 1) * N) increment(violations);
    barrier.wait();
  }
}
export function main() {
  joinAll(bunch(multipass, N, [${passes}]));
  emit({ parties: barrier.parties, violations: violations.value, nWaiting: barrier.nWaiting, broken: barrier.broken, before: before.value });
}`);
      assert.deepEqual(merged(run), { parties: 5, violations: 0, nWaiting: 0, broken: false, before: 5 * passes });
    });
  }

  it('wait() returns a permutation of 0..N-1 (test_wait_return)', async () => {
    const run = await runCompleted(`${PRELUDE}
function f() {
  emit({ index: barrier.wait() });
}
export function main() {
  joinAll(bunch(f, N));
  emit({ nWaiting: barrier.nWaiting, broken: barrier.broken });
}`);
    assert.deepEqual(valuesOf(run, 'index').sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual({ nWaiting: merged(run).nWaiting, broken: merged(run).broken }, { nWaiting: 0, broken: false });
  });

  it('runs the action exactly once, before any thread leaves wait() (test_action)', async () => {
    const run = await runCompleted(`import { Barrier, Value } from "threadlanes";
const N = 5;
const actions = new Value(0);
function action() {
  actions.value += 1;
}
const barrier = new Barrier(N, action, 2.0);
function f() {
  barrier.wait();
  emit({ actionsSeen: actions.value });
}
export function main() {
  joinAll(bunch(f, N));
  emit({ actions: actions.value });
}`);
    assert.deepEqual(valuesOf(run, 'actionsSeen'), [1, 1, 1, 1, 1]);
    assert.equal(merged(run).actions, 1);
  });

  it('abort() by one thread gives the other N-1 BrokenBarrierError and leaves it broken (test_abort)', async () => {
    const run = await runCompleted(`${PRELUDE}
const passed = new Value(0);
const brokenErrors = new Value(0);
function f() {
  try {
    const i = barrier.wait();
    if (i === Math.floor(N / 2)) throw new RangeError("abort here");
    barrier.wait();
    increment(passed);
  } catch (error) {
    if (error instanceof BrokenBarrierError) increment(brokenErrors);
    else if (error instanceof RangeError) barrier.abort();
    else throw error;
  }
}
export function main() {
  joinAll(bunch(f, N));
  emit({ passed: passed.value, brokenErrors: brokenErrors.value, broken: barrier.broken });
}`);
    assert.deepEqual(merged(run), { passed: 0, brokenErrors: 4, broken: true });
  });

  it('reset() while N-1 wait gives them BrokenBarrierError; then all N pass it again (test_reset)', async () => {
    const run = await runCompleted(`${PRELUDE}
const passed = new Value(0);
const brokenErrors = new Value(0);
const passedAgain = new Value(0);
function f() {
  const i = barrier.wait();
  if (i === Math.floor(N / 2)) {
    waitUntil(() => barrier.nWaiting >= N - 1, "N-1 waiting");
    barrier.reset();
  } else {
    try {
      barrier.wait();
      increment(passed);
    } catch (error) {
      if (!(error instanceof BrokenBarrierError)) throw error;
      increment(brokenErrors);
    }
  }
  barrier.wait();
  increment(passedAgain);
}
export function main() {
  joinAll(bunch(f, N));
  emit({ passed: passed.value, brokenErrors: brokenErrors.value, passedAgain: passedAgain.value });
}`);
    assert.deepEqual(merged(run), { passed: 0, brokenErrors: 4, passedAgain: 5 });
  });

  it('a broken barrier is usable again after reset() (test_abort_and_reset)', async () => {
    const run = await runCompleted(`${PRELUDE}
const barrier2 = new Barrier(N);
const passed = new Value(0);
const brokenErrors = new Value(0);
const passedAgain = new Value(0);
function f() {
  try {
    const i = barrier.wait();
    if (i === Math.floor(N / 2)) throw new RangeError("abort here");
    barrier.wait();
    increment(passed);
  } catch (error) {
    if (error instanceof BrokenBarrierError) increment(brokenErrors);
    else if (error instanceof RangeError) barrier.abort();
    else throw error;
  }
  // Everyone has left the barrier before the reset, and no one enters it before.
  if (barrier2.wait() === Math.floor(N / 2)) barrier.reset();
  barrier2.wait();
  barrier.wait();
  increment(passedAgain);
}
export function main() {
  joinAll(bunch(f, N));
  emit({ passed: passed.value, brokenErrors: brokenErrors.value, passedAgain: passedAgain.value, broken: barrier.broken });
}`);
    assert.deepEqual(merged(run), { passed: 0, brokenErrors: 4, passedAgain: 5, broken: false });
  });

  it('wait(0.1) breaks the barrier with BrokenBarrierError when one party is late (test_timeout)', async () => {
    const run = await runCompleted(`${PRELUDE}
function f() {
  const i = barrier.wait();
  if (i === Math.floor(N / 2)) sleep(0.5); // one thread is late
  emit({ error: errorName(() => barrier.wait(0.1)) });
}
export function main() {
  joinAll(bunch(f, N));
  emit({ broken: barrier.broken });
}`);
    assert.deepEqual(valuesOf(run, 'error'), Array(5).fill('BrokenBarrierError'));
    assert.equal(merged(run).broken, true);
  });

  it('the constructor timeout applies to wait() with no timeout (test_default_timeout)', async () => {
    const run = await runCompleted(`import { Barrier } from "threadlanes";
const barrier = new Barrier(2, null, 0.1);
function f() {
  emit({ error: errorName(() => barrier.wait()) });
}
export function main() {
  const t0 = performance.now();
  joinAll(bunch(f, 1));
  emit({ dt: since(t0) });
}`);
    const { error, dt } = merged(run);
    assert.equal(error, 'BrokenBarrierError');
    assert.ok(dt >= 0.1, `the run took ${dt} s, less than the 0.1 s timeout`);
  });

  it('with one party, wait() never blocks (test_single_thread)', async () => {
    const run = await runCompleted(`import { Barrier } from "threadlanes";
export function main() {
  const b = new Barrier(1);
  emit({ first: b.wait(), second: b.wait() });
}`);
    assert.deepEqual(merged(run), { first: 0, second: 0 });
  });

  it('shows waiters and broken in its repr (test_repr)', async () => {
    const run = await runCompleted(`import { Barrier } from "threadlanes";
const barrier = new Barrier(3);
function f() {
  try {
    barrier.wait();
  } catch {
    // broken by abort()
  }
}
export function main() {
  const empty = String(barrier);
  const threads = bunch(f, 2);
  waitUntil(() => barrier.nWaiting === 2, "2 waiting");
  const two = String(barrier);
  barrier.abort();
  joinAll(threads);
  emit({ empty, two, broken: String(barrier) });
}`);
    const { empty, two, broken } = merged(run);
    assert.match(empty, /waiters=0\/3/);
    assert.match(two, /waiters=2\/3/);
    assert.match(broken, /broken/);
  });
});
