// mtsleep4.ts — the sleeping loops, each thread an object that carries its own work.
// From Chun's "Thread Class Example" (mtsleep4.py), which passes a callable ThreadFunc
// instance as the target.
//
// JavaScript has no callable objects (no __call__), and a target must be a module-level
// function, so the nearest spelling is a small Thread subclass: the object holds the data
// (which loop, how long) and run() plays the part of __call__. The object is copied into the
// new thread, so its fields are plain numbers.
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

/** Python's ThreadFunc: remembers the arguments and, when the thread runs, calls loop with them. */
class ThreadFunc extends Thread {
  nloop: number;
  nsec: number;

  constructor(nloop: number, nsec: number, name: string) {
    super({ name });
    this.nloop = nloop;
    this.nsec = nsec;
  }

  override run(): void {
    loop(this.nloop, this.nsec);
  }
}

export function main(): void {
  console.log("starting threads...");
  const threads: Thread[] = [];
  for (const i of loops.keys()) {
    const t = new ThreadFunc(i, loops[i], `loop${i}`);
    threads.push(t);
  }
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  console.log("all DONE at:", ctime());
}
