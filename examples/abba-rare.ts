// abba-rare.ts — the ABBA deadlock without the pause: it happens only once in a while.
//
// worker-1 takes lockA then lockB; worker-2 takes lockB then lockA, as in abba-deadlock.ts, but
// nothing holds a thread between its two acquisitions. Run freely it almost always completes:
// one worker usually has both locks before the other starts. It deadlocks only if a switch
// falls exactly between a worker's two acquire() calls while the other takes its first lock.
// Expect (free mode): outcome "completed" nearly every time, with both "has both locks" lines.
// Hunt it: `threadlanes run examples/abba-rare.ts --explore 100` finds a deadlocking schedule
// and prints the seed; `--replay <seed>` plays it again, identically, every time.
import { Lock, Thread } from "threadlanes";

const lockA = new Lock();
const lockB = new Lock();

function takeAThenB(): void {
  lockA.withLock(() => {
    lockB.withLock(() => {
      console.log("worker-1 has both locks");
    });
  });
}

function takeBThenA(): void {
  lockB.withLock(() => {
    lockA.withLock(() => {
      console.log("worker-2 has both locks");
    });
  });
}

export function main(): void {
  const worker1 = new Thread({ target: takeAThenB, name: "worker-1" });
  const worker2 = new Thread({ target: takeBThenA, name: "worker-2" });
  worker1.start();
  worker2.start();
  worker1.join();
  worker2.join();
  console.log("both workers finished");
}
