// lock-reentry-correct.ts — a thread re-takes an RLock it already holds, while another pays too. CORRECT.
// Pattern: self-deadlock, fixed with a reentrant lock (Python's RLock).
//
// As lock-reentry-broken.ts, but the account's lock is an RLock: the thread that owns it may
// acquire it again (it must release it as many times). Two cashiers pay at once; the check
// of the balance and the withdrawal happen under the lock, so neither overdraws.
// Expect: completed; balance = 4 in every schedule.
import assert from "node:assert";
import { RLock, Thread, Value } from "threadlanes";

const balance = new Value(10);
const accountLock = new RLock("account");

function withdraw(amount: number): void {
  accountLock.withLock(() => {
    balance.value = balance.value - amount;
  });
}

function pay(amount: number): void {
  accountLock.withLock(() => {
    if (balance.value >= amount) withdraw(amount); // re-enters accountLock: fine for an RLock
  });
}

export function main(): void {
  const c1 = new Thread({ target: pay, args: [3], name: "cashier-1" });
  const c2 = new Thread({ target: pay, args: [3], name: "cashier-2" });
  c1.start();
  c2.start();
  c1.join();
  c2.join();
  assert.strictEqual(balance.value, 4);
  console.log(`balance = ${balance.value}`);
}
