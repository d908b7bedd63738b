// condition-lost-notify.ts — the Condition dialogue as the GIL article writes it, and why it hangs.
// From the GIL article's Condition example (Speaker / Listener), translated line by line.
//
// Shows: notify() wakes only threads that are *already* waiting; it is not remembered. The
// Speaker says "Hello" and notifies while the Listener has not started waiting yet (here it
// arrives 0.1 s late, to make the timing certain), then waits for an answer. The Listener then
// waits for a notify that was already sent. Both wait for ever.
// Expect: outcome "deadlock" (exit code 2): Speaker and Listener are both waiting on
// `condition` and only each other could wake them. Output: only "Speaker: Hello".
// The fix is in condition-dialogue.ts.
import { Condition, Thread, sleep } from "threadlanes";

class Speaker extends Thread {
  condition: Condition;

  constructor(condition: Condition) {
    super({ name: "Speaker" });
    this.condition = condition;
  }

  override run(): void {
    this.condition.withLock(() => {
      console.log(`${this.name}: Hello`);
      this.condition.notify(); // nobody is waiting yet: this notify is lost
      this.condition.wait();
      console.log(`${this.name}: How are you?`);
      this.condition.notify();
      this.condition.wait();
      console.log(`${this.name}: Let's discuss programming`);
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
    sleep(0.1); // arrives late, as a thread may at any time
    this.condition.withLock(() => {
      this.condition.wait(); // waits for the "Hello" notify, which already happened
      console.log(`${this.name}: Hi there`);
      this.condition.notify();
      this.condition.wait();
      console.log(`${this.name}: I'm good, thanks!`);
      this.condition.notify();
      this.condition.wait();
      console.log(`${this.name}: Sounds great!`);
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
