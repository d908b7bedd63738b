// foo-threads.ts — twenty threads, each printing its number.
// From the Q&A thread's "basic threading sample" (class Foo(threading.Thread)).
//
// Shows: threads start in order but nothing says in which order they print; run it twice and
// compare. The main program starts them and returns without joining: non-daemon threads keep
// the program alive until they are done.
// Expect: outcome "completed"; lanes MainThread and Thread-1 … Thread-20; the numbers 0–19
// each printed once, in an order that can change from run to run.
import { Thread } from "threadlanes";

class Foo extends Thread {
  x: number;

  constructor(x: number) {
    super(); // JavaScript wants super() first; Python's Foo set self.__x before Thread.__init__
    this.x = x;
  }

  override run(): void {
    console.log(String(this.x));
  }
}

export function main(): void {
  for (let x = 0; x < 20; x++) {
    new Foo(x).start();
  }
}
