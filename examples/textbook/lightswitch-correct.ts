// lightswitch-correct.ts — readers-writers with a lightswitch. CORRECT.
// Pattern: readers-writers with a lightswitch, as in The Little Book of Semaphores, rewritten.
//
// Two readers and one writer share a room guarded by `roomEmpty` (a Semaphore). A reader
// entering counts itself in under `mutex` and, if it is the first, takes `roomEmpty`; leaving,
// it counts itself out under `mutex` and, if it is the last, gives `roomEmpty` back. The writer
// takes `roomEmpty`, writes, gives it back. Both check the other side is not in the room.
// Why it is correct: the count changes only under `mutex`, so it is exact; the room is taken
// while the count goes 0 → 1 and given back when it goes 1 → 0 (by whichever reader is last),
// so readers together hold `roomEmpty` exactly while any is inside. A reader that finds the
// writer inside waits for the room while holding `mutex`; the other reader then waits for
// `mutex`, and the writer, which needs neither, leaves and lets them in.
// Expect: completed; no assert fails in any schedule; the count ends at 0.
import assert from "node:assert";
import { Semaphore, SharedArray, Thread, Value } from "threadlanes";

const readers = new Value(0); // readers in the room, guarded by mutex
const mutex = new Semaphore(1);
const roomEmpty = new Semaphore(1);
const readerInside = new SharedArray(2);
const writerInside = new Value(0);

function reader(me: number): void {
  mutex.acquire();
  readers.value = readers.value + 1;
  if (readers.value === 1) roomEmpty.acquire(); // first in locks the room
  mutex.release();

  readerInside[me] = 1;
  assert.strictEqual(writerInside.value, 0, "a reader is in the room with the writer");
  readerInside[me] = 0;

  mutex.acquire();
  readers.value = readers.value - 1;
  if (readers.value === 0) roomEmpty.release(); // last out unlocks the room
  mutex.release();
}

function writer(): void {
  roomEmpty.acquire();
  writerInside.value = 1;
  assert.strictEqual(readerInside[0] + readerInside[1], 0, "the writer is in the room with a reader");
  writerInside.value = 0;
  roomEmpty.release();
}

export function main(): void {
  const threads = [
    new Thread({ target: reader, args: [0], name: "reader-1" }),
    new Thread({ target: reader, args: [1], name: "reader-2" }),
    new Thread({ target: writer, name: "writer" }),
  ];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  assert.strictEqual(readers.value, 0);
}
