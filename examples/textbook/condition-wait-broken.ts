// condition-wait-broken.ts — consumers wait on a Condition with `if` instead of `while`. BROKEN.
// Pattern: guarded wait (Mesa monitors: a woken waiter must re-check its condition).
//
// A producer makes two items, one at a time, each time calling notifyAll(). Two consumers each
// take one item; a consumer that finds the buffer empty waits, but only once (`if`).
// What goes wrong: a woken waiter is not guaranteed to find what it waited for. Both consumers
// find the buffer empty and wait; the producer adds item 1 and wakes both; consumer-1 gets the
// lock first and takes the item; consumer-2 gets the lock next, does not re-check, and finds
// the buffer empty: its assert fails (AssertionError in consumer-2).
// Interleaving: c1 wait → c2 wait → producer +1, notifyAll, release → c1 takes it → c2 wakes
// (before the producer's second item). Another: c1 waits; the producer adds an item and
// notifies; c2, arriving fresh, barges in and takes it before the woken c1 re-acquires the lock.
// The fix is in condition-wait-correct.ts.
import assert from "node:assert";
import { Condition, Thread, Value, currentThread } from "threadlanes";

const items = new Value(0); // items in the buffer, guarded by `cond`
const cond = new Condition();

function consumer(): void {
  cond.withLock(() => {
    if (items.value === 0) cond.wait(); // BUG: `if`, should be `while`
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
  console.log(`items left: ${items.value}`);
}
