// flag-mutex-broken.ts — mutual exclusion with a busy flag. BROKEN.
// Pattern: a hand-made lock ("wait until the flag is down, then raise it"), the first wrong
// attempt in every course before Peterson's algorithm.
//
// Each thread spins while `flag` is 1, then sets it to 1 and enters its critical section,
// where it marks itself inside and checks that the other thread is not.
// What goes wrong: testing the flag and raising it are two separate steps. Both threads can
// see the flag down before either raises it; both raise it and both enter: the assert in the
// critical section fails (AssertionError in the second thread to check).
// Interleaving: A reads flag = 0 → B reads flag = 0 → A sets flag = 1, inside[A] = 1 →
// B sets flag = 1, inside[B] = 1, reads inside[A] = 1 (or A reads inside[B] = 1).
// The fix is a real Lock (see lost-update-correct.ts) or Peterson's algorithm.
import assert from "node:assert";
import { SharedArray, Thread, Value } from "threadlanes";

const flag = new Value(0); // 1 while someone is in the critical section
const inside = new SharedArray(2); // inside[i] = 1 while thread i is in the critical section

function worker(me: number): void {
  while (flag.value !== 0) {
    // spin until the critical section looks free
  }
  flag.value = 1; // ... and claim it (too late: the other thread may have looked too)
  inside[me] = 1;
  assert.strictEqual(inside[1 - me], 0, "both threads are in the critical section");
  inside[me] = 0;
  flag.value = 0;
}

export function main(): void {
  const a = new Thread({ target: worker, args: [0], name: "A" });
  const b = new Thread({ target: worker, args: [1], name: "B" });
  a.start();
  b.start();
  a.join();
  b.join();
  console.log("no overlap this time");
}
