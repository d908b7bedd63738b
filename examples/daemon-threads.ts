// daemon-threads.ts — daemon threads are stopped when the main program ends.
// From the GIL article ("thread1.daemon = True"); sleeps scaled 2 s → 1 s.
//
// Shows: the program does not wait for daemon threads. The main thread works for 0.3 s and
// returns without joining; the two tasks still have 0.7 s to sleep, so they never finish.
// Expect: outcome "completed" well before the tasks' 1 s; "Starting Task 1" and "Starting Task 2"
// are printed (as soon as each worker is up), "Finished ..." never is; the last line is the main
// thread's.
import { Thread, sleep } from "threadlanes";

function processTask(taskName: string, duration: number): void {
  console.log(`Starting ${taskName}`);
  sleep(duration);
  console.log(`Finished ${taskName}`);
}

export function main(): void {
  const thread1 = new Thread({ target: processTask, args: ["Task 1", 1] });
  const thread2 = new Thread({ target: processTask, args: ["Task 2", 1] });
  thread1.daemon = true;
  thread2.daemon = true;

  thread1.start();
  thread2.start();
  sleep(0.3); // a little work of its own, long enough for both tasks to start
  console.log("Main thread done; daemon threads are not waited for");
}
