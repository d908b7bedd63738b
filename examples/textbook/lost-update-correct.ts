// lost-update-correct.ts — two threads add 1 to a shared counter under a Lock. CORRECT.
// Pattern: lost update, fixed with a lock around the whole read-modify-write.
//
// As lost-update-broken.ts, but each deposit reads and writes the balance while holding
// `balanceLock`, so the other deposit cannot come in between its read and its write.
// Expect: completed; balance = 2 in every schedule.
import assert from "node:assert";
import { Lock, Thread, Value } from "threadlanes";

const balance = new Value(0);
const balanceLock = new Lock();

function deposit(): void {
  balanceLock.withLock(() => {
    const seen = balance.value;
    balance.value = seen + 1;
  });
}

export function main(): void {
  const a = new Thread({ target: deposit, name: "A" });
  const b = new Thread({ target: deposit, name: "B" });
  a.start();
  b.start();
  a.join();
  b.join();
  assert.strictEqual(balance.value, 2, "a deposit was lost");
  console.log(`balance = ${balance.value}`);
}
