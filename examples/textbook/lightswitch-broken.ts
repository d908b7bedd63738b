// lightswitch-broken.ts — readers-writers whose readers enter the "lightswitch" without its mutex. BROKEN.
// Pattern: readers-writers with a lightswitch (the first reader in locks the room against
// writers, the last one out unlocks it), The Little Book of Semaphores, with one mutex missing.
//
// Two readers and one writer share a room guarded by `roomEmpty` (a Semaphore). A reader
// entering adds itself to `readers` and, if it was the first, takes `roomEmpty`; leaving, it
// removes itself under `mutex` and, if it was the last, gives `roomEmpty` back. The writer
// takes `roomEmpty` (giving up after 1 s: it says so with an assert rather than hang), checks
// that no reader is inside, and leaves. Readers check that the writer is not inside.
// What goes wrong: the entering reader's read-then-write of `readers` is not under `mutex`.
// reader-2 reads readers = 1 (reader-1 is inside), so it will not take the room; reader-1 leaves,
// counts 1 → 0 and gives the room back; reader-2 now writes its stale 1 + 1 = 2 and reads with the
// room unlocked; the writer takes the room and finds reader-2 inside: assert fails (in writer
// or reader-2). Other schedules lose an increment: both readers count themselves as first,
// and the count ends at -1 with the room left locked (the writer's assert or main's).
// Interleaving: r1 enters (0 → 1, takes room) → r2 reads 1 → r1 leaves (1 → 0, gives room) →
// r2 writes 2, enters without the room → writer takes the room → reader-2 is inside.
// The fix is in lightswitch-correct.ts.
import assert from "node:assert";
import { Semaphore, SharedArray, Thread, Value } from "threadlanes";

const readers = new Value(0); // readers in the room (should be guarded by mutex)
const mutex = new Semaphore(1);
const roomEmpty = new Semaphore(1);
const readerInside = new SharedArray(2);
const writerInside = new Value(0);

function reader(me: number): void {
  const before = readers.value; // BUG: entering without mutex
  readers.value = before + 1;
  if (before === 0) roomEmpty.acquire(); // first in locks the room
  try {
    readerInside[me] = 1;
    assert.strictEqual(writerInside.value, 0, "a reader is in the room with the writer");
    readerInside[me] = 0;
  } finally {
    mutex.acquire();
    const left = readers.value - 1;
    readers.value = left;
    if (left === 0) roomEmpty.release(); // last out unlocks the room
    mutex.release();
  }
}

function writer(): void {
  assert.ok(roomEmpty.acquire(true, 1), "the room was left locked: the writer cannot get in");
  try {
    writerInside.value = 1;
    assert.strictEqual(readerInside[0] + readerInside[1], 0, "the writer is in the room with a reader");
    writerInside.value = 0;
  } finally {
    roomEmpty.release();
  }
}

export function main(): void {
  const threads = [
    new Thread({ target: reader, args: [0], name: "reader-1" }),
    new Thread({ target: reader, args: [1], name: "reader-2" }),
    new Thread({ target: writer, name: "writer" }),
  ];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  assert.strictEqual(readers.value, 0, "the readers' count is wrong");
}
