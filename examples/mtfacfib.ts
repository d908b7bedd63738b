// mtfacfib.ts — Fibonacci, factorial and summation, first one after the other in one thread,
// then each in its own thread. In the style of Chun's mtfacfib.py ("Comparing Single vs.
// Multithreaded Execution"), with the MyThread class of mtsleep5.ts. The sleeps that slow each
// step down are shorter than Chun's (fib's 10×, fac's and sum's 5×).
//
// Shows: the three functions are independent, so in threads the total time is that of the
// slowest (fib), not the sum. Results come back through shared memory: each thread works on a
// copy of its MyThread object, so a result stored on `this` would never reach the main thread;
// it goes into a SharedArray slot instead, and getResult() reads it from there.
// Expect: outcome "completed"; lanes MainThread, fib, fac, sum; both runs print 233, 479001600
// and 78; the threaded run takes less time than the single-threaded one.
import { SharedArray, Thread, sleep } from "threadlanes";

/** Python's time.ctime(), e.g. "Sun Aug 13 05:03:34 2006". */
function ctime(): string {
  const now = new Date();
  return `${now.toDateString().slice(0, 10)} ${now.toTimeString().slice(0, 8)} ${now.getFullYear()}`;
}

function fib(x: number): number {
  sleep(0.0005);
  if (x < 2) return 1;
  return fib(x - 2) + fib(x - 1);
}

function fac(x: number): number {
  sleep(0.02);
  if (x < 2) return 1;
  return x * fac(x - 1);
}

function sum(x: number): number {
  sleep(0.02);
  if (x < 2) return 1;
  return x + sum(x - 1);
}

const funcs = [fib, fac, sum];
const n = 12;

/** One result slot per function; shared by every thread. */
const results = new SharedArray(funcs.length);

class MyThread extends Thread {
  func: (...args: any[]) => number;
  args: unknown[];
  slot: number;

  constructor(func: (...args: any[]) => number, args: unknown[], name: string, slot: number) {
    super({ name });
    this.func = func;
    this.args = args;
    this.slot = slot;
  }

  getResult(): number {
    return results[this.slot];
  }

  override run(): void {
    console.log("starting", this.name, "at:", ctime());
    results[this.slot] = this.func(...this.args);
    console.log(this.name, "finished at:", ctime());
  }
}

export function main(): void {
  console.log("*** SINGLE THREAD");
  let startTime = Date.now();
  for (const func of funcs) {
    console.log("starting", func.name, "at:", ctime());
    console.log(func(n));
    console.log(func.name, "finished at:", ctime());
  }
  const singleSeconds = (Date.now() - startTime) / 1000;

  console.log("*** MULTIPLE THREADS");
  startTime = Date.now();
  const threads: MyThread[] = [];
  for (const [i, func] of funcs.entries()) {
    const t = new MyThread(func, [n], func.name, i);
    threads.push(t);
  }
  for (const t of threads) t.start();
  for (const t of threads) {
    t.join();
    console.log(t.getResult());
  }
  const multiSeconds = (Date.now() - startTime) / 1000;

  console.log(`single thread: ${singleSeconds.toFixed(2)} s, multiple threads: ${multiSeconds.toFixed(2)} s`);
  console.log("all DONE");
}
