// hello-thread.ts — the smallest threaded program: one Thread runs a function with one argument.
// From Chun's slides ("Creating and Running Threads": bar('foo')).
//
// Shows the recipe: write the function, create the Thread with target and args, start it,
// join it.
// Expect: outcome "completed"; lanes MainThread and Thread-1 (the default name); Thread-1
// prints "foo".
import { Thread } from "threadlanes";

function bar(text: string): void {
  console.log(text);
}

export function main(): void {
  const t = new Thread({ target: bar, args: ["foo"] });
  t.start();
  t.join();
}
