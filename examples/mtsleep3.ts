// mtsleep3.ts — the same two sleeping loops, each in its own Thread (target function + args).
// From Chun's "Longer Threading Example" (mtsleep3.py).
//
// Shows: the loops now overlap, so the run takes as long as the longest loop, not the sum.
// Expect: outcome "completed" after about 4 s (not 6); lanes MainThread, loop0, loop1;
// both loops start at once and "loop 1 done" comes before "loop 0 done".
import { Thread, sleep } from "threadlanes";

const loops = [4, 2];

/** Python's time.ctime(), e.g. "Sun Aug 13 05:03:34 2006". */
function ctime(): string {
  const now = new Date();
  return `${now.toDateString().slice(0, 10)} ${now.toTimeString().slice(0, 8)} ${now.getFullYear()}`;
}

function loop(nloop: number, nsec: number): void {
  console.log("start loop", nloop, "at:", ctime());
  sleep(nsec);
  console.log("loop", nloop, "done at:", ctime());
}

export function main(): void {
  console.log("starting threads...");
  const threads: Thread[] = [];
  const nloops = loops.keys();

  for (const i of nloops) {
    // Python: threading.Thread(target=loop, args=(i, loops[i])). Named here so the lanes read well.
    const t = new Thread({ target: loop, args: [i, loops[i]], name: `loop${i}` });
    threads.push(t);
  }
  for (const t of threads) t.start(); // start threads
  for (const t of threads) t.join(); // wait for all threads to finish
  console.log("all DONE at:", ctime());
}
