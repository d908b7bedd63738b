// bounded-queue-broken.ts — a consumer stops early, and the producer blocks on a full queue. BROKEN.
// Pattern: producer/consumer over a bounded buffer with an end-of-stream marker (sentinel),
// where the consumer mistakes a real item for the marker.
//
// The producer puts 3, 0, 4 and then the end marker `null` into a Queue(1). The consumer stops
// when an item is falsy, meaning to stop at `null`, but 0 is falsy too.
// What goes wrong: the consumer takes 3, then 0, and stops. The producer puts 4 (the queue
// now holds one item, its maximum) and blocks in put(null) for ever, since nobody takes from
// the queue again. MainThread waits in join(): DEADLOCK, in every interleaving.
// The correct test is `item === null`.
import { Queue, Thread, Value } from "threadlanes";

const q = new Queue<number | null>(1);
const total = new Value(0);

function producer(): void {
  for (const item of [3, 0, 4]) q.put(item);
  q.put(null); // end of stream
}

function consumer(): void {
  for (;;) {
    const item = q.get();
    if (!item) break; // BUG: 0 is falsy too; should be `item === null`
    total.value = total.value + item;
  }
}

export function main(): void {
  const p = new Thread({ target: producer, name: "producer" });
  const c = new Thread({ target: consumer, name: "consumer" });
  p.start();
  c.start();
  p.join();
  c.join();
  console.log(`total = ${total.value}`);
}
