// data-fetcher.ts — creating threads by subclassing Thread and overriding run().
// From the GIL article's "Inheritance Approach" (DataFetcher); sleeps scaled 2 s/4 s → 0.5 s/1 s.
//
// Shows: a Thread subclass keeps its inputs as fields (plain data: the object is copied into
// the new thread) and does its work in run().
// Expect: outcome "completed" in about 1 s, not 1.5 (the fetches overlap); lanes MainThread, Thread-1,
// Thread-2; "Finished Data Fetch 1" before "Finished Data Fetch 2".
import { Thread, sleep } from "threadlanes";

class DataFetcher extends Thread {
  taskName: string;
  duration: number;

  constructor(taskName: string, duration: number) {
    super();
    this.taskName = taskName;
    this.duration = duration;
  }

  override run(): void {
    console.log(`Starting ${this.taskName}`);
    sleep(this.duration);
    console.log(`Finished ${this.taskName}`);
  }
}

export function main(): void {
  const thread1 = new DataFetcher("Data Fetch 1", 0.5);
  const thread2 = new DataFetcher("Data Fetch 2", 1);

  const startTime = Date.now();
  thread1.start();
  thread2.start();
  thread1.join();
  thread2.join();
  console.log(`Total execution time: ${((Date.now() - startTime) / 1000).toFixed(2)} seconds`);
}
