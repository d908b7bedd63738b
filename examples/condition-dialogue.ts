// condition-dialogue.ts — two threads take turns speaking, coordinated by a Condition.
// From the GIL article's Condition example (Speaker / Listener).
//
// The article's version has each thread print, notify() and wait(). That loses a notify when
// the Speaker says "Hello" before the Listener is waiting, and then both wait for ever (see
// condition-lost-notify.ts). The fix, used here: keep whose turn it is in shared state and wait
// for *that* (`waitFor`), never for a bare notify.
// Expect: outcome "completed"; lanes MainThread, Speaker, Listener; six lines alternating
// Speaker / Listener: Hello, Hi there, How are you?, I'm good, thanks!, Let's discuss
// programming, Sounds great!
import { Condition, Thread, Value } from "threadlanes";

const SPEAKER = 0;
const LISTENER = 1;
const turn = new Value(SPEAKER); // whose turn it is to speak; read and written under the condition

class Speaker extends Thread {
  condition: Condition;

  constructor(condition: Condition) {
    super({ name: "Speaker" });
    this.condition = condition;
  }

  override run(): void {
    this.condition.withLock(() => {
      this.condition.waitFor(() => turn.value === SPEAKER);
      console.log(`${this.name}: Hello`);
      turn.value = LISTENER;
      this.condition.notify();
      this.condition.waitFor(() => turn.value === SPEAKER);
      console.log(`${this.name}: How are you?`);
      turn.value = LISTENER;
      this.condition.notify();
      this.condition.waitFor(() => turn.value === SPEAKER);
      console.log(`${this.name}: Let's discuss programming`);
      turn.value = LISTENER;
      this.condition.notify();
    });
  }
}

class Listener extends Thread {
  condition: Condition;

  constructor(condition: Condition) {
    super({ name: "Listener" });
    this.condition = condition;
  }

  override run(): void {
    this.condition.withLock(() => {
      this.condition.waitFor(() => turn.value === LISTENER);
      console.log(`${this.name}: Hi there`);
      turn.value = SPEAKER;
      this.condition.notify();
      this.condition.waitFor(() => turn.value === LISTENER);
      console.log(`${this.name}: I'm good, thanks!`);
      turn.value = SPEAKER;
      this.condition.notify();
      this.condition.waitFor(() => turn.value === LISTENER);
      console.log(`${this.name}: Sounds great!`);
      turn.value = SPEAKER;
      this.condition.notify();
    });
  }
}

export function main(): void {
  const condition = new Condition();
  const speaker = new Speaker(condition);
  const listener = new Listener(condition);
  speaker.start();
  listener.start();
}
