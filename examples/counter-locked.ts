// counter-locked.ts — the racy counter again, each update made under a Lock.
// From the GIL article's Lock example (`with lock: counter += 1`); 1,000,000 iterations scaled
// to 100,000.
//
// Shows: with the read-and-write inside the lock no update is lost. `lock.withLock(fn)` is
// Python's `with lock:` — it always releases, even if fn throws.
// Expect: outcome "completed"; lanes MainThread, Thread-1, Thread-2; prints "counter = 0
// (expected 0)" every time; the lock `lock` shows 200,000 acquisitions, some contended.
import { Lock, Thread, Value } from "threadlanes";

const counter = new Value(0);
const lock = new Lock();

function increment(): void {
  for (let i = 0; i < 100_000; i++) {
    lock.withLock(() => {
      counter.value += 1;
    });
  }
}

function decrement(): void {
  for (let i = 0; i < 100_000; i++) {
    lock.withLock(() => {
      counter.value -= 1;
    });
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
