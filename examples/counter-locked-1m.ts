// counter-locked-1m.ts — the locked counter at benchmark size: 2 threads × 1,000,000
// `withLock` increments (the shape `npm run bench` measures).
//
// Shows: the cost of a lock taken millions of times, and that the recorder keeps every one of
// the ~4,000,000 lock events (acquire + release per increment per thread).
// Expect: outcome "completed"; lanes MainThread, Thread-1, Thread-2; prints
// "counter = 2000000 (expected 2000000)"; the lock `lock` shows 2,000,000 acquisitions.
import { Lock, Thread, Value } from "threadlanes";

const ITERATIONS = 1_000_000; // per thread
const THREADS = 2;

const counter = new Value(0);
const lock = new Lock();

function increment(iterations: number): void {
  for (let i = 0; i < iterations; i++) {
    lock.withLock(() => {
      counter.value += 1;
    });
  }
}

export function main(): void {
  const threads: Thread[] = [];
  for (let i = 0; i < THREADS; i++) {
    threads.push(new Thread({ target: increment, args: [ITERATIONS] }));
  }
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  console.log(`counter = ${counter.value} (expected ${THREADS * ITERATIONS})`);
}
