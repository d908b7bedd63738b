// sleeping-barber-broken.ts — the barber checks the waiting room, then dozes off: a lost wake-up. BROKEN.
// Pattern: the sleeping barber (Dijkstra), in its original race: "check, then sleep" with a
// wake-up that is not remembered.
//
// The barber serves two customers. Before each haircut he looks into the waiting room (a Queue
// of chairs); if it is empty he naps on the `bell` Condition. A customer sits down in the
// waiting room, rings the bell (notify) and waits for the haircut to be done.
// What goes wrong: looking and dozing off are two steps, and notify() wakes only a thread that
// is already waiting. The barber finds the room empty; before he starts waiting, the customer
// sits down and rings; nobody was waiting, so the ring is lost; the barber sleeps, the customer
// waits for a haircut: DEADLOCK (barber in bell.wait(), customer in done.acquire(), MainThread
// in join()).
// Interleaving: barber finishes customer 1, sees chairs.empty() → customer 2 sits and rings →
// barber waits on the bell for ever. (Also possible before the first customer.)
import { Condition, Queue, Semaphore, Thread } from "threadlanes";

const CUSTOMERS = 2;
const chairs = new Queue<number>(); // the waiting room: one entry per seated customer
const bell = new Condition(); // the barber naps here
const done = new Semaphore(0); // "your haircut is done"

function barber(): void {
  for (let served = 0; served < CUSTOMERS; served++) {
    if (chairs.empty()) {
      // the waiting room looked empty: doze off (a ring right now is lost)
      bell.withLock(() => bell.wait());
    }
    chairs.get(); // call the next customer
    done.release(); // cut, and tell the customer
  }
}

function customer(me: number): void {
  chairs.put(me); // sit down in the waiting room
  bell.withLock(() => bell.notify()); // ring, in case the barber is asleep
  done.acquire(); // wait for the haircut
}

export function main(): void {
  const threads = [
    new Thread({ target: barber, name: "barber" }),
    new Thread({ target: customer, args: [1], name: "customer 1" }),
    new Thread({ target: customer, args: [2], name: "customer 2" }),
  ];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  console.log("everyone has had a haircut");
}
