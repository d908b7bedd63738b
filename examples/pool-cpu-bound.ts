// pool-cpu-bound.ts — CPU-bound work (recursive Fibonacci) in a pool of two threads.
// From the GIL article's "CPU-Bound Tasks" comparison (fibonacci of 30…34, ThreadPoolExecutor
// vs ProcessPoolExecutor).
//
// Shows: under CPython's GIL the thread pool is no faster than one thread for this work, which
// is why the article reaches for processes. Threadlanes threads are real workers with no GIL:
// the two pool lanes compute at the same time, so on two or more cores the pool can finish
// sooner than the loop, once its threads have started.
// Expect: outcome "completed"; lanes MainThread plus two pool workers; both runs print the same
// results [832040, 1346269, 2178309, 3524578, 5702887] and their times.
import { ThreadPoolExecutor } from "threadlanes";

function fibonacci(n: number): number {
  if (n <= 1) return n;
  return fibonacci(n - 1) + fibonacci(n - 2);
}

export function main(): void {
  const numbers = [30, 31, 32, 33, 34];

  // One thread, one after the other
  let startTime = Date.now();
  let results = numbers.map((n) => fibonacci(n));
  console.log(`Sequential results: [${results.join(", ")}]`);
  console.log(`Sequential completed in ${((Date.now() - startTime) / 1000).toFixed(2)} seconds`);

  // Thread pool execution
  startTime = Date.now();
  {
    using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
    results = [...executor.map(fibonacci, numbers)];
  }
  console.log(`Thread pool results: [${results.join(", ")}]`);
  console.log(`Threads completed in ${((Date.now() - startTime) / 1000).toFixed(2)} seconds`);
}
