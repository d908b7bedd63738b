// dining-philosophers-correct.ts — five philosophers and a footman who seats at most four. CORRECT.
// Pattern: dining philosophers (Dijkstra), the footman solution (The Little Book of Semaphores).
//
// Five philosophers, five forks (Locks) between them; each eats two meals. Every philosopher
// takes the left fork, then the right one, as in the deadlocking version, but must first get a
// seat from the footman, a Semaphore(4).
// Why it is correct: a deadlock needs all five to hold their left fork at once. With at most
// four at the table, some seated philosopher's right neighbour is not seated, so that fork is
// free or soon released: at least one philosopher can always eat, and everyone gets up again
// after each meal, so everyone eventually finishes.
// Expect: completed; every philosopher eats 2 meals in every schedule.
import assert from "node:assert";
import { Lock, Semaphore, SharedArray, Thread } from "threadlanes";

const N = 5;
const MEALS = 2;
const footman = new Semaphore(N - 1);
const fork0 = new Lock("fork 0");
const fork1 = new Lock("fork 1");
const fork2 = new Lock("fork 2");
const fork3 = new Lock("fork 3");
const fork4 = new Lock("fork 4");
const forks = [fork0, fork1, fork2, fork3, fork4];
const meals = new SharedArray(N); // meals eaten by each philosopher

function philosopher(i: number): void {
  const left = forks[i];
  const right = forks[(i + 1) % N];
  for (let m = 0; m < MEALS; m++) {
    footman.acquire(); // sit down
    left.acquire();
    right.acquire();
    meals[i] = meals[i] + 1; // eat
    right.release();
    left.release();
    footman.release(); // get up
  }
}

export function main(): void {
  const names = ["Plato", "Kant", "Descartes", "Hume", "Confucius"];
  const threads = names.map((name, i) => new Thread({ target: philosopher, args: [i], name }));
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  for (let i = 0; i < N; i++) assert.strictEqual(meals[i], MEALS, `${names[i]} went hungry`);
  console.log("everyone has eaten");
}
