// gil-io-bound.ts — I/O-bound threads overlap, with or without a GIL.
//
// Four "downloads" each wait 0.5 s twice (sleep stands for waiting on the network). A thread
// gives the GIL up while it sleeps, so the waits overlap in gil mode exactly as in free mode:
//   threadlanes run examples/gil-io-bound.ts --mode gil
// Expect: outcome "completed" after about 1 s (not 4 s) in both modes; the lanes show the four
// threads sleeping side by side, and the GIL lane is empty most of the time.
import { Thread, currentThread, sleep } from "threadlanes";

function download(parts: number): void {
  for (let part = 1; part <= parts; part++) {
    sleep(0.5); // waiting for the network: the GIL is free meanwhile
    console.log(`${currentThread().name} got part ${part}`);
  }
}

export function main(): void {
  const started = performance.now();
  const threads = [1, 2, 3, 4].map((i) => new Thread({ target: download, args: [2], name: `download-${i}` }));
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  console.log(`all downloads done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
