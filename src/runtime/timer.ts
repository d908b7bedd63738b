/** Timer: a thread that calls a function after `interval` seconds unless cancelled first. */
import { __tl, partsOf, registerBuiltin, toWire, type Callable } from './core';
import { Event } from './signals';
import { Thread, initKeyOf } from './thread';

export class Timer extends Thread {
  interval: number;
  fn: Callable;
  args: unknown[];
  finished: Event;

  constructor(interval: number, fn: Callable, args: unknown[] = [], name?: string) {
    const site = __tl.site;
    super(name === undefined ? {} : { name });
    toWire(fn, 'the timer function', site); // fail at the user's line if it cannot cross
    this.interval = interval;
    this.fn = fn;
    this.args = [...args];
    // A part of the timer: a Timer made at top level is cancelled by any thread.
    this.finished = partsOf(initKeyOf(this), () => new Event(`${this.name}.finished`));
  }

  /** Stop the timer if it has not fired yet. */
  cancel(): void {
    this.finished.set();
  }

  override run(): void {
    this.finished.wait(this.interval);
    if (!this.finished.isSet()) this.fn(...this.args);
    this.finished.set();
  }
}
registerBuiltin('Timer', Timer);
