// mtsleep5.ts — the sleeping loops with a Thread subclass, MyThread(func, args, name).
// From Chun's "Thread Subclass Example" (mtsleep5.py); the same MyThread comes back in
// mtfacfib.ts and prodcons.ts.
//
// The new thread receives a copy of the MyThread object. Its fields must be able to cross:
// plain data, primitives, or module-level functions such as loop (each thread re-evaluates
// this module, so a module-level function is found there by its name; a closure would not be).
// Expect: outcome "completed" after about 4 s; lanes MainThread, loop0, loop1; "loop 1 done"
// before "loop 0 done".
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

class MyThread extends Thread {
  func: (...args: any[]) => void;
  args: unknown[];

  constructor(func: (...args: any[]) => void, args: unknown[], name = "") {
    super({ name });
    this.func = func;
    this.args = args;
  }

  override run(): void {
    this.func(...this.args);
  }
}

export function main(): void {
  console.log("starting threads...");
  const threads: MyThread[] = [];
  for (const i of loops.keys()) {
    const t = new MyThread(loop, [i, loops[i]], `loop${i}`);
    threads.push(t);
  }
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  console.log("all DONE at:", ctime());
}
