// rlock.ts — a re-entrant lock: the thread that holds it may take it again.
// From the GIL article's RLock example (nested_function takes the lock its caller already
// holds); 1,000,000 iterations scaled to 10,000.
//
// Shows: increment() holds `lock` and calls nestedFunction(), which takes `lock` again. With an
// RLock that is fine (the depth goes 1 → 2 → 1 → 0); with a plain Lock the thread would wait
// for itself forever.
// Expect: outcome "completed"; lanes MainThread, Thread-1, Thread-2; prints "counter = 0
// (expected 0)"; `lock` is an RLock held 20,000 times (one hold per increment and per
// decrement: the inner, re-entrant acquire deepens the hold rather than starting a new one).
import { RLock, Thread, Value } from "threadlanes";

const counter = new Value(0);
const lock = new RLock();

function nestedFunction(): void {
  lock.withLock(() => {
    counter.value += 1;
  });
}

function increment(): void {
  for (let i = 0; i < 10_000; i++) {
    lock.withLock(() => {
      nestedFunction();
    });
  }
}

function decrement(): void {
  for (let i = 0; i < 10_000; i++) {
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
