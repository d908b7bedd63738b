/** Timer against CPython's Lib/test/test_threading.py (TimerTests) and the threading docs. */
import { strict as assert } from 'node:assert';
import { merged, runCompleted } from './helpers';

describe('Timer (TimerTests)', () => {
  it('calls the function with its args', async () => {
    const run = await runCompleted(`import { Timer } from "threadlanes";
function fired(label: string, n: number) {
  emit({ fired: label, n });
}
export function main() {
  const timer = new Timer(0.05, fired, ["hello", 2]);
  timer.start();
  timer.join();
}`);
    assert.deepEqual(merged(run), { fired: 'hello', n: 2 });
  });

  it('waits at least the interval before firing (measured in MainThread)', async () => {
    const run = await runCompleted(`import { Timer, Value } from "threadlanes";
const firedFlag = new Value(0);
function fire() {
  firedFlag.value = 1;
}
export function main() {
  const t0 = performance.now();
  const timer = new Timer(0.2, fire);
  timer.start();
  waitUntil(() => firedFlag.value === 1, "the timer to fire");
  emit({ dt: since(t0) });
  timer.join();
}`);
    const { dt } = merged(run);
    assert.ok(dt >= 0.2 * 0.6, `fired after ${dt} s`);
    assert.ok(dt < 0.2 * 10, `fired after ${dt} s`);
  });

  it('cancel() before the interval prevents the call', async () => {
    const run = await runCompleted(`import { Timer, Value } from "threadlanes";
const firedFlag = new Value(0);
function fire() {
  firedFlag.value = 1;
}
export function main() {
  const t0 = performance.now();
  const timer = new Timer(0.5, fire);
  timer.start();
  timer.cancel();
  timer.join();
  emit({ fired: firedFlag.value, joinedAfter: since(t0) });
}`);
    const { fired, joinedAfter } = merged(run);
    assert.equal(fired, 0);
    assert.ok(joinedAfter < 0.5 * 10, `join after cancel took ${joinedAfter} s`);
  });

  it('each Timer has its own args (test_init_immutable_default_args)', async () => {
    const run = await runCompleted(`import { Timer } from "threadlanes";
function noop(..._args: unknown[]) {}
export function main() {
  const first = new Timer(0.01, noop);
  const second = new Timer(0.01, noop);
  first.args.push("changed");
  emit({ separate: first.args !== second.args, second: second.args });
}`);
    assert.deepEqual(merged(run), { separate: true, second: [] });
  });
});
