// barrier-correct.ts — a reusable barrier with two preloaded turnstiles, used for two rounds. CORRECT.
// Pattern: reusable barrier (two-phase barrier), as in The Little Book of Semaphores, rewritten.
//
// Three threads each do two rounds. In round r a thread records `round[me] = r`, then passes the
// barrier. Phase 1: count in under `mutex`; the last to arrive releases turnstile1 N times;
// everyone takes one permit. Phase 2: count out under `mutex`; the last to leave releases
// turnstile2 N times; everyone takes one permit. The critical point lies between the phases.
// Why it is correct: turnstile1 gets exactly N permits per round and only after all N arrived;
// a fast thread cannot start round r + 1 (and take a round-(r + 1) permit) until it has passed
// turnstile2, which opens only after all N have left the critical point of round r.
// Expect: completed; at every critical point every thread is in the same round (the asserts).
import assert from "node:assert";
import { Semaphore, SharedArray, Thread, Value } from "threadlanes";

const N = 3;
const ROUNDS = 2;
const count = new Value(0); // guarded by mutex
const mutex = new Semaphore(1);
const turnstile1 = new Semaphore(0);
const turnstile2 = new Semaphore(0);
const round = new SharedArray(N); // the round each thread is in

function worker(me: number): void {
  for (let r = 1; r <= ROUNDS; r++) {
    round[me] = r;
    // phase 1: wait until all N have arrived
    mutex.acquire();
    count.value = count.value + 1;
    if (count.value === N) turnstile1.release(N);
    mutex.release();
    turnstile1.acquire();
    // critical point: all N are here, none has gone on to the next round
    for (let j = 0; j < N; j++) assert.strictEqual(round[j], r, `thread ${j} is not in round ${r}`);
    // phase 2: wait until all N have left the critical point
    mutex.acquire();
    count.value = count.value - 1;
    if (count.value === 0) turnstile2.release(N);
    mutex.release();
    turnstile2.acquire();
  }
}

export function main(): void {
  const threads = [0, 1, 2].map((i) => new Thread({ target: worker, args: [i], name: `worker ${i}` }));
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  console.log(`${ROUNDS} rounds, nobody ran ahead`);
}
