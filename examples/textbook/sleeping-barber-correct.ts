// sleeping-barber-correct.ts — the sleeping barber with semaphores and a waiting room of one. CORRECT.
// Pattern: the sleeping barber (Dijkstra), the semaphore solution of The Little Book of
// Semaphores, rewritten; customers who find the shop full leave (balk).
//
// The shop holds at most CAPACITY customers (the one in the chair included); `customers` counts
// them under `mutex`. A customer who finds it full leaves. Otherwise: signal `customer` (wakes
// the barber), wait for `barber`, get the haircut, then `customerDone` / `barberDone` close
// the haircut on both sides. The barber loops: wait for `customer`, signal `barber`, cut, wait
// for `customerDone`, signal `barberDone`. When both customers are done, MainThread closes the
// shop: it sets `closed` and signals `customer` once more, and the barber goes home.
// Why it is correct: semaphores remember signals, so no wake-up is lost; each haircut is a
// rendezvous on both sides, so at most one customer is in the chair (the assert).
// Expect: completed; one or two haircuts (the second customer may find the shop full).
import assert from "node:assert";
import { Semaphore, Thread, Value } from "threadlanes";

const CAPACITY = 1;
const customers = new Value(0); // customers in the shop, guarded by mutex
const mutex = new Semaphore(1);
const customer = new Semaphore(0); // "a customer is here"
const barber = new Semaphore(0); // "the barber is ready"
const customerDone = new Semaphore(0);
const barberDone = new Semaphore(0);
const inChair = new Value(0);
const haircuts = new Value(0); // guarded by the chair (one customer at a time)
const closed = new Value(0);

function barberLoop(): void {
  for (;;) {
    customer.acquire(); // sleep until a customer arrives (or the shop closes)
    if (closed.value === 1) return;
    barber.release();
    // cut hair
    customerDone.acquire();
    barberDone.release();
  }
}

function visit(): void {
  mutex.acquire();
  if (customers.value === CAPACITY) {
    mutex.release();
    return; // the shop is full: leave
  }
  customers.value = customers.value + 1;
  mutex.release();

  customer.release();
  barber.acquire();
  inChair.value = inChair.value + 1; // get a haircut
  assert.strictEqual(inChair.value, 1, "two customers in the chair");
  haircuts.value = haircuts.value + 1;
  inChair.value = inChair.value - 1;
  customerDone.release();
  barberDone.acquire();

  mutex.acquire();
  customers.value = customers.value - 1;
  mutex.release();
}

export function main(): void {
  const b = new Thread({ target: barberLoop, name: "barber" });
  b.start();
  const c1 = new Thread({ target: visit, name: "customer 1" });
  const c2 = new Thread({ target: visit, name: "customer 2" });
  c1.start();
  c2.start();
  c1.join();
  c2.join();
  closed.value = 1; // close the shop: every customer's signal has been taken already
  customer.release();
  b.join();
  assert.ok(haircuts.value >= 1 && haircuts.value <= 2);
  console.log(`${haircuts.value} haircut(s)`);
}
