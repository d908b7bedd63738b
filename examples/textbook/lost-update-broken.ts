// lost-update-broken.ts — two threads add 1 to a shared counter without a lock. BROKEN.
// Pattern: lost update (read-modify-write race; `x += 1` is a read followed by a write).
//
// Each thread reads the balance, then writes back what it read plus one.
// What goes wrong: both threads read 0 before either writes; both write 1; one deposit is
// lost and main's assert (balance == 2) fails (AssertionError in MainThread).
// Interleaving: A reads 0 → B reads 0 → A writes 1 → B writes 1.
// The fix is in lost-update-correct.ts.
import assert from "node:assert";
import { Thread, Value } from "threadlanes";

const balance = new Value(0);

function deposit(): void {
  const seen = balance.value; // read ...
  balance.value = seen + 1; // ... then write: another deposit may have come in between
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
