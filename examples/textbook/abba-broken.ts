// abba-broken.ts — two transfers lock two accounts in opposite orders. BROKEN.
// Pattern: ABBA deadlock (lock-order inversion), no sleeps to make it likely.
//
// transfer(from, to) locks `from`'s account, then `to`'s, and moves 1 unit. One thread pays
// alice → bob, the other bob → alice, at the same time.
// What goes wrong: alice-pays takes alice's lock, bob-pays takes bob's lock; each then waits
// for the lock the other holds: DEADLOCK (a wait-for cycle of two).
// Interleaving: t1 acquires alice → t2 acquires bob → t1 waits for bob → t2 waits for alice.
// Run freely it nearly always completes. The fix is in abba-correct.ts.
import { Lock, SharedArray, Thread } from "threadlanes";

const balances = new SharedArray([10, 10]); // alice, bob
const aliceLock = new Lock("alice");
const bobLock = new Lock("bob");
const locks = [aliceLock, bobLock];

function transfer(from: number, to: number): void {
  locks[from].withLock(() => {
    locks[to].withLock(() => {
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
  console.log(`alice ${balances[0]}, bob ${balances[1]}`);
}
