// queue-sentinel.ts — a producer and a consumer; the consumer stops at a sentinel value.
// From the GIL article's multiprocessing Queue example (producer / consumer, `None` as the
// sentinel), with threads in place of processes; sleeps scaled 0.5 s → 0.05 s.
//
// Shows: the usual way to tell a consumer there is no more work: after the producer is done the
// main thread puts `null` (Python's None), and the consumer leaves its loop when it gets it.
// Items cross threads by copy (structured clone), like multiprocessing's pickling.
// Expect: outcome "completed"; lanes MainThread, Thread-1 (producer), Thread-2 (consumer);
// "Consumed: Item-0" … "Item-4" in order, "Producer finished", then "Consumer finished".
import { Queue, Thread, sleep } from "threadlanes";

function producer(queue: Queue<string | null>): void {
  for (let i = 0; i < 5; i++) {
    queue.put(`Item-${i}`);
    sleep(0.05);
  }
  console.log("Producer finished");
}

function consumer(queue: Queue<string | null>): void {
  while (true) {
    const item = queue.get();
    if (item === null) break; // sentinel value to stop
    console.log(`Consumed: ${item}`);
  }
  console.log("Consumer finished");
}

export function main(): void {
  const queue = new Queue<string | null>();
  const prod = new Thread({ target: producer, args: [queue] });
  const cons = new Thread({ target: consumer, args: [queue] });
  prod.start();
  cons.start();
  prod.join();
  queue.put(null); // send the sentinel value
  cons.join();
}
