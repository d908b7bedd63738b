// barrier-broken.ts — a barrier from a counter and a semaphore that is signalled only once. BROKEN.
// Pattern: barrier (rendezvous of n threads); this is the first non-solution of the barrier
// problem in The Little Book of Semaphores, rewritten.
//
// Each of three threads counts itself in under `mutex`, then, outside the mutex, checks
// whether it was the last to arrive; the last one releases `gate` once. Everyone waits on
// `gate`.
// What goes wrong: `gate` is released once but waited on three times. The first thread through
// does not pass the signal on, so the other two wait for ever: DEADLOCK (MainThread in join(),
// two workers in gate.acquire()). It completes only in the rare schedule where all three
// threads read count == 3 (each then releases once).
// Interleaving: t0 counts 1, reads 1 → t1 counts 2, reads 2 → t2 counts 3, reads 3, releases
// → t2 passes → t0 and t1 wait for ever.
// The fix ("turnstile": acquire, then release again) and a reusable version are in
// barrier-correct.ts.
import { Semaphore, Thread, Value } from "threadlanes";

const N = 3;
const count = new Value(0);
const mutex = new Semaphore(1);
const gate = new Semaphore(0);

function worker(): void {
  mutex.acquire();
  count.value = count.value + 1;
  mutex.release();
  if (count.value === N) gate.release(); // BUG: one signal for N waiters
  gate.acquire();
  // critical point: everybody has arrived
}

export function main(): void {
  const threads = [0, 1, 2].map((i) => new Thread({ target: worker, name: `worker ${i}` }));
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  console.log("all through the barrier");
}
