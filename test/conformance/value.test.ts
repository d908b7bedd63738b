/**
 * Value and SharedArray (multiprocessing.Value / multiprocessing.Array): shared numbers, with a
 * lock that makes read-modify-write exact.
 */
import { strict as assert } from 'node:assert';
import { merged, runCompleted } from './helpers';

describe('Value and SharedArray', () => {
  it('a counter incremented under getLock() by 4 threads x 1000 is exact', async () => {
    const run = await runCompleted(`import { Thread, Value } from "threadlanes";
const counter = new Value(0);
function increment(times: number) {
  for (let i = 0; i < times; i++) {
    counter.getLock().withLock(() => { counter.value += 1; });
  }
}
export function main() {
  const threads = Array.from({ length: 4 }, () => new Thread({ target: increment, args: [1000] }));
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  emit({ counter: counter.value });
}`);
    assert.deepEqual(merged(run), { counter: 4000 });
  });

  it('a Value made in main() and passed as an argument is the same value in the thread', async () => {
    const run = await runCompleted(`import { Thread, Value } from "threadlanes";
function set(v: Value, to: number) {
  v.value = to;
}
export function main() {
  const v = new Value(1.5);
  const t = new Thread({ target: set, args: [v, 2.25] });
  t.start();
  t.join();
  emit({ value: v.value, fromBoolean: new Value(true as unknown as number).value, byDefault: new Value().value });
}`);
    assert.deepEqual(merged(run), { value: 2.25, fromBoolean: 1, byDefault: 0 });
  });

  it('getLock() is re-entrant (an RLock, as in multiprocessing)', async () => {
    const run = await runCompleted(`import { Value } from "threadlanes";
export function main() {
  const v = new Value(0);
  const nested = v.getLock().withLock(() => v.getLock().withLock(() => "nested"));
  emit({ nested });
}`);
    assert.deepEqual(merged(run), { nested: 'nested' });
  });

  it('a SharedArray is shared by index; each thread writes its own slot', async () => {
    const run = await runCompleted(`import { Thread, SharedArray } from "threadlanes";
const slots = new SharedArray(4);
function fill(i: number) {
  slots[i] = (i + 1) * 10;
}
export function main() {
  const threads = [0, 1, 2, 3].map((i) => new Thread({ target: fill, args: [i] }));
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  emit({ values: slots.toArray(), length: slots.length, iterated: [...slots], fromValues: new SharedArray([1, 2]).toArray() });
}`);
    assert.deepEqual(merged(run), { values: [10, 20, 30, 40], length: 4, iterated: [10, 20, 30, 40], fromValues: [1, 2] });
  });
});
