// thread-join.ts — the main thread does not wait for its threads unless it joins them.
// From the GIL article's "Thread Programming" example (process_task); sleeps scaled 2 s → 0.5 s.
//
// Shows: right after start() the main thread carries on (its time is ~0.00 s); join() is what
// makes it wait for both tasks, which overlap (~0.5 s in total, not 1 s).
// Expect: outcome "completed"; lanes MainThread, Thread-1, Thread-2; "Main thread execution
// time" is printed before either task finishes; "Total execution time" after both.
import { Thread, sleep } from "threadlanes";

function processTask(taskName: string, duration: number): void {
  console.log(`Starting ${taskName}`);
  sleep(duration);
  console.log(`Finished ${taskName}`);
}

export function main(): void {
  const thread1 = new Thread({ target: processTask, args: ["Task 1", 0.5] });
  const thread2 = new Thread({ target: processTask, args: ["Task 2", 0.5] });

  const startTime = Date.now();
  thread1.start();
  thread2.start();
  console.log(`Main thread execution time: ${((Date.now() - startTime) / 1000).toFixed(2)} seconds`);

  thread1.join();
  thread2.join();
  console.log(`Total execution time: ${((Date.now() - startTime) / 1000).toFixed(2)} seconds`);
}
