// gil-cpu-bound.ts — CPU-bound work does not get faster with threads under a GIL.
//
// The same amount of arithmetic is done twice: first by one thread alone, then split over two
// threads that run at the same time. Run it in both modes and compare:
//   threadlanes run examples/gil-cpu-bound.ts               (free: real parallel threads)
//   threadlanes run examples/gil-cpu-bound.ts --mode gil    (one thread executes at a time)
// Expect: outcome "completed" in both. In free mode on a machine with two or more cores the two
// threads take about as long as one thread did half the work — "2 threads / 1 thread" ≈ 0.5–0.6.
// In gil mode they take about as long as one thread doing all of it (≈ 1.0): only one thread
// holds the GIL at a time, and the lanes show them taking turns every switch interval (5 ms),
// each "waiting for the GIL" while the other runs.
import { Thread } from "threadlanes";

const WORK = 30_000_000;

/** Busy arithmetic: nothing to wait for, only the CPU. */
function crunch(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) {
    x = (x + i * 7) % 1_000_003;
  }
  return x;
}

export function main(): void {
  let started = performance.now();
  crunch(WORK);
  const alone = performance.now() - started;
  console.log(`1 thread, all the work:   ${alone.toFixed(0)} ms`);

  const halves = [
    new Thread({ target: crunch, args: [WORK / 2], name: "cruncher-1" }),
    new Thread({ target: crunch, args: [WORK / 2], name: "cruncher-2" }),
  ];
  started = performance.now();
  for (const t of halves) t.start();
  for (const t of halves) t.join();
  const split = performance.now() - started;
  console.log(`2 threads, half each:     ${split.toFixed(0)} ms`);
  console.log(`2 threads / 1 thread:     ${(split / alone).toFixed(2)}`);
}
