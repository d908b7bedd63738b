// abba-deadlock.ts — the smallest deadlock: two locks taken in opposite orders.
//
// worker-1 takes lockA then lockB; worker-2 takes lockB then lockA. Each pauses 0.5 s while
// holding its first lock, so both hold one and wait for the other: A→B against B→A ("ABBA").
// `lock.withLock(fn)` is Python's `with lock:`.
// Expect: outcome "deadlock" (exit code 2). The cycle: worker-1 holds lockA and waits for lockB
// (held by worker-2); worker-2 holds lockB and waits for lockA (held by worker-1); each is
// blocked at its inner withLock line. MainThread waits in join() but is not part of the cycle.
// The fix: make both threads take the locks in the same order.
import { Lock, Thread, sleep } from "threadlanes";

const lockA = new Lock();
const lockB = new Lock();

function takeAThenB(): void {
  lockA.withLock(() => {
    sleep(0.5);
    lockB.withLock(() => {
      console.log("worker-1 has both locks");
    });
  });
}

function takeBThenA(): void {
  lockB.withLock(() => {
    sleep(0.5);
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
