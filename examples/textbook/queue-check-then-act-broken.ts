// queue-check-then-act-broken.ts — two consumers look before they leap on a queue. BROKEN.
// Pattern: check-then-act (a query followed by an action that assumes the answer still holds).
//
// The queue holds one item. Each consumer asks `q.empty()` and, if it said no, calls the
// blocking `q.get()`. The answer of `empty()` is stale as soon as it is returned.
// What goes wrong: consumer-1 sees "not empty"; consumer-2 sees "not empty" too; consumer-1
// takes the only item; consumer-2 calls get() on an empty queue and blocks for ever. MainThread
// waits in join() for it: DEADLOCK (all live threads wait; nobody will ever put again).
// Interleaving: c1.empty() → c2.empty() → c1.get() → c2.get() (blocks).
// Run freely it almost always completes: one consumer usually finishes before the other starts.
// The fix is in queue-check-then-act-correct.ts.
import { Queue, Thread } from "threadlanes";

const q = new Queue<string>();

function consumer(): void {
  if (!q.empty()) {
    const item = q.get(); // the queue may have been emptied since empty() answered
    console.log(`got ${item}`);
  }
}

export function main(): void {
  q.put("the only item");
  const c1 = new Thread({ target: consumer, name: "consumer-1" });
  const c2 = new Thread({ target: consumer, name: "consumer-2" });
  c1.start();
  c2.start();
  c1.join();
  c2.join();
}
