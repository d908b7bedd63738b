// event-clear-broken.ts — an Event used as a "data is valid" flag while it is being cleared. BROKEN.
// Pattern: check-then-act on an Event (the answer of wait()/isSet() is stale once returned).
//
// A writer publishes a config value and sets `ready`; later it clears `ready`, writes the next
// value in two steps (first a placeholder -1, as a half-finished update, then 2), and sets
// `ready` again. A checker waits for `ready` and then reads the config, trusting that `ready`
// still holds.
// What goes wrong: wait() only says the event *was* set. The checker returns from wait() while
// version 1 is published; the writer then clears the event and writes -1; the checker reads
// -1 and its assert fails (AssertionError in checker).
// Interleaving: writer config=1, set → checker wait() returns → writer clear, config=-1 →
// checker reads config.
import assert from "node:assert";
import { Event, Thread, Value } from "threadlanes";

const ready = new Event(); // "config is valid"
const config = new Value(0);

function writer(): void {
  config.value = 1;
  ready.set(); // version 1 published
  ready.clear(); // start an update ...
  config.value = -1; // ... half done
  config.value = 2;
  ready.set(); // version 2 published
}

function checker(): void {
  ready.wait();
  const seen = config.value; // BUG: `ready` may have been cleared since wait() returned
  assert.notStrictEqual(seen, -1, "checker read a half-written config");
  console.log(`checker saw config version ${seen}`);
}

export function main(): void {
  const w = new Thread({ target: writer, name: "writer" });
  const c = new Thread({ target: checker, name: "checker" });
  c.start();
  w.start();
  w.join();
  c.join();
}
