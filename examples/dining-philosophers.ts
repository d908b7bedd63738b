// dining-philosophers.ts — five philosophers, five forks, and a deadlock.
// Dijkstra's classic, written for Threadlanes.
//
// Five philosophers sit at a round table with a fork between each pair. To eat, each one picks
// up the fork on the left, then the fork on the right. The pause between the two (0.5 s, while
// the philosopher looks around) gives every philosopher time to pick up a left fork, and then
// each one waits for a right fork that a neighbour holds: a cycle, so nobody ever eats.
// Expect: outcome "deadlock" (exit code 2). The report names the cycle: Plato holds fork 1 and
// waits for fork 2 (held by Kant), Kant holds fork 2 and waits for fork 3, … Confucius holds
// fork 5 and waits for fork 1 (held by Plato); each one blocked at the `right.acquire()` line.
// The fix is in dining-philosophers-fixed.ts.
import { Lock, Thread, currentThread, sleep } from "threadlanes";

const MEALS = 3;

const fork1 = new Lock("fork 1");
const fork2 = new Lock("fork 2");
const fork3 = new Lock("fork 3");
const fork4 = new Lock("fork 4");
const fork5 = new Lock("fork 5");
const forks = [fork1, fork2, fork3, fork4, fork5];

const names = ["Plato", "Kant", "Descartes", "Hume", "Confucius"];

function philosopher(left: Lock, right: Lock): void {
  const me = currentThread().name;
  for (let meal = 1; meal <= MEALS; meal++) {
    left.acquire();
    console.log(`${me} picked up the left fork`);
    sleep(0.5); // looks around the table before reaching for the other fork
    right.acquire();
    console.log(`${me} is eating (meal ${meal})`);
    sleep(0.01);
    right.release();
    left.release();
  }
  console.log(`${me} is full`);
}

export function main(): void {
  const philosophers = names.map(
    (name, i) => new Thread({ target: philosopher, args: [forks[i], forks[(i + 1) % forks.length]], name }),
  );
  for (const p of philosophers) p.start();
  for (const p of philosophers) p.join();
  console.log("everyone has eaten");
}
