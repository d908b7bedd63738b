// counter-racy.ts — two threads update one shared counter without a lock: a race.
// From the GIL article's first example (increment/decrement of a global counter), with its
// 1,000,000 iterations per thread (with fewer, the first thread may be done before the second
// one starts, and nothing overlaps).
//
// Shows: `counter.value += 1` is a read followed by a write. When the other thread writes in
// between, one of the two updates is lost. (In Python the GIL does not prevent this either; here
// the threads really run in parallel, so it happens even more.)
// Expect: outcome "completed"; lanes MainThread, Thread-1, Thread-2. The last line prints the
// counter, which should be 0 and usually is not; the value changes from run to run.
import { Thread, Value } from "threadlanes";

const counter = new Value(0); // shared by every thread (a plain `let counter = 0` would not be)

function increment(): void {
  for (let i = 0; i < 1_000_000; i++) {
    counter.value += 1;
  }
}

function decrement(): void {
  for (let i = 0; i < 1_000_000; i++) {
    counter.value -= 1;
  }
}

export function main(): void {
  const thread1 = new Thread({ target: increment });
  const thread2 = new Thread({ target: decrement });
  thread1.start();
  thread2.start();
  thread1.join();
  thread2.join();
  console.log(`counter = ${counter.value} (expected 0)`);
}
