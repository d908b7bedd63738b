// lock-reentry-broken.ts — a thread takes a plain Lock it already holds. BROKEN.
// Pattern: self-deadlock (a non-reentrant lock acquired twice by the same thread).
//
// An account guards its balance with a Lock. pay() takes the lock and, inside, calls
// withdraw(), which takes the same lock again.
// What goes wrong: a Lock is not reentrant: the second acquire() waits for the lock to be
// released, and the only thread that could release it is the one waiting. DEADLOCK in every
// interleaving (the cashier waits for itself; MainThread waits in join()).
// The fix is in lock-reentry-correct.ts (an RLock).
import { Lock, Thread, Value } from "threadlanes";

const balance = new Value(10);
const accountLock = new Lock("account");

function withdraw(amount: number): void {
  accountLock.withLock(() => {
    balance.value = balance.value - amount;
  });
}

function pay(amount: number): void {
  accountLock.withLock(() => {
    if (balance.value >= amount) withdraw(amount); // takes accountLock again: waits for itself
  });
}

export function main(): void {
  const cashier = new Thread({ target: pay, args: [3], name: "cashier" });
  cashier.start();
  cashier.join();
  console.log(`balance = ${balance.value}`);
}
