// abba-correct.ts — two transfers lock two accounts in one global order. CORRECT.
// Pattern: ABBA deadlock, fixed by lock ordering (always take the lower-numbered account first).
//
// As abba-broken.ts, but transfer(from, to) locks min(from, to) first, whichever way the money
// goes. A wait-for cycle would need a thread holding the higher lock while waiting for the
// lower one, which never happens.
// Expect: completed; alice 10, bob 10 (money is conserved) in every schedule.
import assert from "node:assert";
import { Lock, SharedArray, Thread } from "threadlanes";

const balances = new SharedArray([10, 10]); // alice, bob
const aliceLock = new Lock("alice");
const bobLock = new Lock("bob");
const locks = [aliceLock, bobLock];

function transfer(from: number, to: number): void {
  const first = Math.min(from, to);
  const second = Math.max(from, to);
  locks[first].withLock(() => {
    locks[second].withLock(() => {
      balances[from] = balances[from] - 1;
      balances[to] = balances[to] + 1;
    });
  });
}

export function main(): void {
  const t1 = new Thread({ target: transfer, args: [0, 1], name: "alice-pays" });
  const t2 = new Thread({ target: transfer, args: [1, 0], name: "bob-pays" });
  t1.start();
  t2.start();
  t1.join();
  t2.join();
  assert.deepStrictEqual([balances[0], balances[1]], [10, 10]);
  console.log(`alice ${balances[0]}, bob ${balances[1]}`);
}
