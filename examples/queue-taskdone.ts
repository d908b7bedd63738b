// queue-taskdone.ts — one producer, three consumers, a Queue between them; join() waits until
// every item has been processed.
// From the GIL article's "Queue-Based Communication" example; sleeps scaled 2 s → 0.2 s and
// 0.5 s → 0.05 s.
//
// Shows: get() blocks while the queue is empty; each consumer calls taskDone() per item, and
// dataQueue.join() returns once every item put has been marked done.
// One change from the article: its consumers loop for ever and are not daemon threads, so the
// program would never exit after "All tasks completed". Here they are daemon threads, which
// end with the program.
// Expect: outcome "completed"; lanes MainThread, Thread-1 (producer), Thread-2 … Thread-4
// (consumers); "Processing: Item-0" … "Item-9", each once; "All tasks completed" last.
import { Queue, Thread, sleep } from "threadlanes";

function processData(queue: Queue<string>): void {
  while (true) {
    const item = queue.get(); // blocks if the queue is empty
    console.log(`Processing: ${item}`);
    sleep(0.05);
    queue.taskDone();
  }
}

function generateData(queue: Queue<string>): void {
  console.log("Generating data...");
  sleep(0.2);
  for (let i = 0; i < 10; i++) {
    queue.put(`Item-${i}`);
  }
  console.log("Data generation complete");
}

export function main(): void {
  const dataQueue = new Queue<string>(20);
  const producer = new Thread({ target: generateData, args: [dataQueue] });
  producer.start();

  for (let i = 0; i < 3; i++) {
    const consumer = new Thread({ target: processData, args: [dataQueue], daemon: true });
    consumer.start();
  }

  producer.join();
  dataQueue.join(); // wait for all items to be processed
  console.log("All tasks completed");
}
