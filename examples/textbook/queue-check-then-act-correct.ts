// queue-check-then-act-correct.ts — two consumers take from a queue without looking first. CORRECT.
// Pattern: check-then-act, fixed by making the check and the action one operation.
//
// The queue holds one item. Instead of `if (!q.empty()) q.get()`, each consumer calls
// `q.getNowait()`, which takes an item or raises `Empty` atomically, and treats `Empty` as
// "somebody was quicker". Whatever the interleaving, exactly one consumer gets the item, the
// other gets `Empty`, and neither blocks.
// Expect: completed; main's assert (exactly one item taken) holds in every schedule.
import assert from "node:assert";
import { Empty, Queue, SharedArray, Thread } from "threadlanes";

const q = new Queue<string>();
const took = new SharedArray(2); // took[i] = 1 if consumer i got the item

function consumer(me: number): void {
  try {
    const item = q.getNowait(); // check and take in one step
    took[me] = 1;
    console.log(`consumer-${me + 1} got ${item}`);
  } catch (e) {
    if (!(e instanceof Empty)) throw e;
    console.log(`consumer-${me + 1}: nothing left`);
  }
}

export function main(): void {
  q.put("the only item");
  const c1 = new Thread({ target: consumer, args: [0], name: "consumer-1" });
  const c2 = new Thread({ target: consumer, args: [1], name: "consumer-2" });
  c1.start();
  c2.start();
  c1.join();
  c2.join();
  assert.strictEqual(took[0] + took[1], 1, "exactly one consumer must get the item");
}
