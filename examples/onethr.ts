// onethr.ts — two sleeping loops run one after the other, in one thread.
// From Chun, Core Python Applications Programming, Example 4-1 (onethr.py).
//
// Shows: without threads, the loops' times add up: loop0 sleeps 4 s, then loop1 sleeps 2 s.
// Expect: outcome "completed" after about 6 s; a single lane (MainThread); "start loop 1"
// comes only after "loop 0 done".
import { sleep } from "threadlanes";

/** Python's time.ctime(), e.g. "Sun Aug 13 05:03:34 2006". */
function ctime(): string {
  const now = new Date();
  return `${now.toDateString().slice(0, 10)} ${now.toTimeString().slice(0, 8)} ${now.getFullYear()}`;
}

function loop0(): void {
  console.log("start loop 0 at:", ctime());
  sleep(4);
  console.log("loop 0 done at:", ctime());
}

function loop1(): void {
  console.log("start loop 1 at:", ctime());
  sleep(2);
  console.log("loop 1 done at:", ctime());
}

export function main(): void {
  console.log("starting at:", ctime());
  loop0();
  loop1();
  console.log("all DONE at:", ctime());
}
