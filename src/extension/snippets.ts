/** The example "Threadlanes: New threading snippet" writes, and how a file is recognised as a snippet. */

/** True if the text imports the snippet API (the editor title shows the run button then). */
export function importsThreadlanes(text: string): boolean {
  return /\bfrom\s*["']threadlanes["']|\brequire\(\s*["']threadlanes["']\s*\)|\bimport\s*["']threadlanes["']/.test(text);
}

export const EXAMPLE_SNIPPET = `// A Threadlanes snippet: right-click → "Visualise threads" to see the run as swimlanes.
// Two threads take two locks in opposite orders (A then B, B then A): an ABBA deadlock.
// Swap the order in one of them and run it again to see it finish.
import { Lock, Thread, sleep } from "threadlanes";

const lockA = new Lock("A");
const lockB = new Lock("B");

function first(): void {
  lockA.withLock(() => {
    sleep(0.2);
    lockB.withLock(() => console.log("first has both"));
  });
}

function second(): void {
  lockB.withLock(() => {
    sleep(0.2);
    lockA.withLock(() => console.log("second has both"));
  });
}

export function main(): void {
  const threads = [new Thread({ target: first, name: "first" }), new Thread({ target: second, name: "second" })];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
}
`;
