// dining-philosophers-fixed.ts — the five philosophers again, without the deadlock.
// Dijkstra's fix: number the forks and always pick up the lower-numbered one first.
//
// Everything is as in dining-philosophers.ts except the order in which a philosopher takes
// its two forks. Four philosophers take their left fork first; Confucius, whose left fork is
// fork 5 and right fork is fork 1, takes fork 1 first. A cycle of waits would need someone to
// hold a higher-numbered fork while waiting for a lower one, which no one ever does.
// Expect: outcome "completed"; lanes MainThread, Plato, Kant, Descartes, Hume, Confucius;
// each philosopher eats 3 meals and says "is full"; "everyone has eaten" last; each fork is
// acquired 6 times (3 meals × 2 neighbours).
import { Lock, Thread, currentThread, sleep } from "threadlanes";

const MEALS = 3;

const fork1 = new Lock("fork 1");
const fork2 = new Lock("fork 2");
const fork3 = new Lock("fork 3");
const fork4 = new Lock("fork 4");
const fork5 = new Lock("fork 5");
const forks = [fork1, fork2, fork3, fork4, fork5];

const names = ["Plato", "Kant", "Descartes", "Hume", "Confucius"];

/** `first` is always the lower-numbered of the philosopher's two forks. */
function philosopher(first: Lock, second: Lock): void {
  const me = currentThread().name;
  for (let meal = 1; meal <= MEALS; meal++) {
    first.acquire();
    console.log(`${me} picked up one fork`);
    sleep(0.05); // looks around the table before reaching for the other fork
    second.acquire();
    console.log(`${me} is eating (meal ${meal})`);
    sleep(0.01);
    second.release();
    first.release();
  }
  console.log(`${me} is full`);
}

export function main(): void {
  const philosophers = names.map((name, i) => {
    const left = i;
    const right = (i + 1) % forks.length;
    const [first, second] = left < right ? [left, right] : [right, left];
    return new Thread({ target: philosopher, args: [forks[first], forks[second]], name });
  });
  for (const p of philosophers) p.start();
  for (const p of philosophers) p.join();
  console.log("everyone has eaten");
}
