// no-starve-mutex-correct.ts — Morris's starvation-free mutex built from three semaphores. CORRECT.
// Pattern: no-starve mutex (J. M. Morris, 1979; The Little Book of Semaphores), rewritten.
//
// Threads pass through two waiting rooms. Room 1 fills up behind turnstile t1; whoever finds
// room 1 empty after moving to room 2 closes t1 and opens t2; then the threads in room 2 go
// through the critical section one by one; the last to leave room 2 opens t1 again. A thread
// that arrives later waits for the next batch, so nobody can be overtaken for ever.
// Why it is correct: t1 and t2 together hold at most one permit (a baton passed between them),
// so `room2` is only changed by the baton holder, and the critical section (entered holding
// t2's baton) has one thread at a time; `room1` is changed under `mutex`. Each batch ends by
// handing the baton back to t1, so every arrival gets through.
// Expect: completed; the occupancy assert holds; three passes through the critical section.
import assert from "node:assert";
import { Semaphore, Thread, Value } from "threadlanes";

const room1 = new Value(0); // guarded by mutex
const room2 = new Value(0); // guarded by the t1/t2 baton
const mutex = new Semaphore(1);
const t1 = new Semaphore(1);
const t2 = new Semaphore(0);
const inside = new Value(0);
const passes = new Value(0);

function worker(): void {
  mutex.acquire();
  room1.value = room1.value + 1;
  mutex.release();

  t1.acquire();
  room2.value = room2.value + 1;
  mutex.acquire();
  room1.value = room1.value - 1;
  if (room1.value === 0) {
    mutex.release();
    t2.release(); // room 1 is empty: close t1, open t2
  } else {
    mutex.release();
    t1.release(); // let the next one from room 1 through
  }

  t2.acquire();
  room2.value = room2.value - 1;
  // critical section
  inside.value = inside.value + 1;
  assert.strictEqual(inside.value, 1, "two threads in the critical section");
  passes.value = passes.value + 1;
  inside.value = inside.value - 1;
  if (room2.value === 0) {
    t1.release(); // last one out of room 2: open t1 for the next batch
  } else {
    t2.release(); // let the next one from room 2 in
  }
}

export function main(): void {
  const threads = [1, 2, 3].map((i) => new Thread({ target: worker, name: `worker ${i}` }));
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  assert.strictEqual(passes.value, 3);
  console.log(`${passes.value} passes, one at a time`);
}
