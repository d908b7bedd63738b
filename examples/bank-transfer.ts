// bank-transfer.ts — a deadlock waiting to happen: two transfers lock the same two accounts in
// opposite orders.
//
// transfer() locks the account it takes money from, then the account it pays into. Alice paying
// Bob takes alice's lock then bob's; Bob paying Alice takes bob's then alice's. In this run the
// second transfer starts only after the first has finished, so nothing goes wrong. Run them at the
// same time and each can hold one account while it waits for the other: a deadlock.
// Shows: the report's "Potential deadlocks" section (JSON "lockOrder") names both orders and their
// lines although this run completed. The fix: lock the two accounts in one order everywhere
// (for example by name), whichever way the money goes.
// Expect: outcome "completed"; prints "alice 70, bob 130" then "alice 90, bob 110"; one potential
// deadlock between the locks `alice` and `bob`: pay-bob takes bob while holding alice, pay-alice
// takes alice while holding bob, each holding from transfer()'s outer withLock line and taking at
// its inner one. With --record-shared, no data race (the balances change under both locks).
import { Lock, Thread, Value } from "threadlanes";

const aliceLock = new Lock("alice");
const bobLock = new Lock("bob");
const aliceBalance = new Value(100, "alice balance");
const bobBalance = new Value(100, "bob balance");

function transfer(fromLock: Lock, from: Value, toLock: Lock, to: Value, amount: number): void {
  fromLock.withLock(() => {
    toLock.withLock(() => {
      from.value -= amount;
      to.value += amount;
    });
  });
}

function report(): void {
  console.log(`alice ${aliceBalance.value}, bob ${bobBalance.value}`);
}

export function main(): void {
  const payBob = new Thread({ target: transfer, args: [aliceLock, aliceBalance, bobLock, bobBalance, 30], name: "pay-bob" });
  payBob.start();
  payBob.join();
  report();
  const payAlice = new Thread({ target: transfer, args: [bobLock, bobBalance, aliceLock, aliceBalance, 20], name: "pay-alice" });
  payAlice.start();
  payAlice.join();
  report();
}
