/** Event against CPython's Lib/test/lock_tests.py (EventTests). */
import { strict as assert } from 'node:assert';
import { assertTimeout, merged, runCompleted, valuesOf } from './helpers';

describe('Event (EventTests)', () => {
  it('set() and clear() are idempotent (test_is_set)', async () => {
    const run = await runCompleted(`import { Event } from "threadlanes";
export function main() {
  const evt = new Event();
  const seen = [evt.isSet()];
  evt.set();
  seen.push(evt.isSet());
  evt.set();
  seen.push(evt.isSet());
  evt.clear();
  seen.push(evt.isSet());
  evt.clear();
  seen.push(evt.isSet());
  emit({ seen });
}`);
    assert.deepEqual(merged(run), { seen: [false, true, true, false, false] });
  });

  it('set() wakes all 5 blocked waiters, both waits return true; again after clear() (test_notify)', async () => {
    const run = await runCompleted(`import { Event, Queue, Value } from "threadlanes";
const evt = new Event();
const firstReturns = new Value(0);
const results = new Queue();
function f(round: number) {
  const r1 = evt.wait();
  firstReturns.getLock().withLock(() => { firstReturns.value += 1; });
  const r2 = evt.wait();
  results.put([round, r1, r2]);
}
function checkNotify(round: number) {
  firstReturns.value = 0;
  const threads = bunch(f, 5, [round]);
  waitThreadsBlocked(5);
  const returnedEarly = firstReturns.value;
  evt.set();
  joinAll(threads);
  emit({ round, returnedEarly, results: drain(results) });
}
export function main() {
  checkNotify(1);
  evt.set();
  evt.clear();
  checkNotify(2);
}`);
    const rounds = run.json;
    assert.equal(rounds.length, 2);
    for (const [i, round] of rounds.entries()) {
      assert.equal(round.returnedEarly, 0, `round ${i + 1}: a wait() returned before set()`);
      assert.deepEqual(round.results, Array(5).fill([i + 1, true, true]));
    }
  });

  it('wait(0) is false; wait(0.5) is false after ~0.5 s; after set() both are true (test_timeout)', async () => {
    const run = await runCompleted(`import { Event } from "threadlanes";
const evt = new Event();
function f(phase: string) {
  const r1 = evt.wait(0);
  const t0 = performance.now();
  const r2 = evt.wait(0.5);
  emit({ phase, r1, r2, dt: since(t0) });
}
export function main() {
  joinAll(bunch(f, 5, ["unset"]));
  evt.set();
  joinAll(bunch(f, 5, ["set"]));
}`);
    const unset = run.json.filter((j) => j.phase === 'unset');
    const set = run.json.filter((j) => j.phase === 'set');
    assert.equal(unset.length, 5);
    assert.equal(set.length, 5);
    for (const r of unset) {
      assert.equal(r.r1, false);
      assert.equal(r.r2, false);
      assertTimeout(r.dt, 0.5);
    }
    for (const r of set) {
      assert.equal(r.r1, true);
      assert.equal(r.r2, true);
    }
  });

  it('set() immediately followed by clear() still wakes every waiter with true (test_set_and_clear, gh-57711)', async () => {
    const run = await runCompleted(`import { Event } from "threadlanes";
const event = new Event();
function f() {
  emit({ result: event.wait(10) });
}
export function main() {
  const threads = bunch(f, 5);
  waitThreadsBlocked(5);
  event.set();
  event.clear();
  joinAll(threads);
}`);
    assert.deepEqual(valuesOf(run, 'result'), [true, true, true, true, true]);
  });

  it('its repr says unset / set (test_repr)', async () => {
    const run = await runCompleted(`import { Event } from "threadlanes";
export function main() {
  const evt = new Event();
  const before = String(evt);
  evt.set();
  emit({ before, after: String(evt) });
}`);
    const { before, after } = merged(run);
    assert.match(before, /: unset>$/);
    assert.match(after, /: set>$/);
  });
});
