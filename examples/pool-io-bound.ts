// pool-io-bound.ts — ten simulated I/O waits in a pool of four threads.
// From the GIL article's "I/O-Bound Tasks" comparison; each 1 s I/O operation is a 0.1 s sleep.
//
// Shows: while a thread waits (sleeps, blocks on I/O) the others proceed, so ten 0.1 s waits
// on four workers take three rounds, about 0.3 s instead of 1 s.
// Expect: outcome "completed"; lanes MainThread plus four pool workers; "10 results" and
// "Threads completed in 0.3… seconds" (well under 1 s).
import { ThreadPoolExecutor, sleep } from "threadlanes";

function simulateIo(duration: number): number {
  sleep(duration);
  return duration;
}

export function main(): void {
  const durations = Array<number>(10).fill(0.1); // simulate 10 I/O operations

  // Thread pool execution
  const startTime = Date.now();
  let results: number[];
  {
    using executor = new ThreadPoolExecutor({ maxWorkers: 4 });
    results = [...executor.map(simulateIo, durations)];
  }
  console.log(`${results.length} results`);
  console.log(`Threads completed in ${((Date.now() - startTime) / 1000).toFixed(2)} seconds`);
}
