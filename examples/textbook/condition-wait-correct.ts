// condition-wait-correct.ts — consumers wait on a Condition in a `while` loop. CORRECT.
// Pattern: guarded wait (Mesa monitors: re-check the condition after every wake-up).
//
// As condition-wait-broken.ts: a producer makes two items one at a time, each followed by
// notifyAll(); two consumers take one item each. Here a woken consumer re-checks
// `items.value === 0` and waits again if another consumer was quicker.
// Why it is correct: the check and the wait happen under the condition's lock, so no notify is
// lost; a consumer only takes an item it has just seen; and a consumer can only be waiting
// while fewer than two items were made (each consumer takes at most one), so the producer's
// later notifyAll() reaches it.
// Expect: completed; every consumer's assert holds; 0 items left.
import assert from "node:assert";
import { Condition, Thread, Value, currentThread } from "threadlanes";

const items = new Value(0); // items in the buffer, guarded by `cond`
const cond = new Condition();

function consumer(): void {
  cond.withLock(() => {
    while (items.value === 0) cond.wait(); // re-check after every wake-up
    assert.ok(items.value > 0, `${currentThread().name} woke up to an empty buffer`);
    items.value -= 1;
  });
}

function producer(): void {
  for (let i = 0; i < 2; i++) {
    cond.withLock(() => {
      items.value += 1;
      cond.notifyAll();
    });
  }
}

export function main(): void {
  const threads = [
    new Thread({ target: consumer, name: "consumer-1" }),
    new Thread({ target: consumer, name: "consumer-2" }),
    new Thread({ target: producer, name: "producer" }),
  ];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  assert.strictEqual(items.value, 0);
  console.log(`items left: ${items.value}`);
}
