/**
 * Shared state, modelled on multiprocessing.Value and multiprocessing.Array.
 *
 * Reading and writing are separate steps on purpose: `counter.value += 1` in two threads is a
 * read, an add and a write, so updates really get lost, as in the textbook race. Use
 * `counter.getLock()` (or any Lock) to make it safe.
 */
import { EventKind } from '../trace/format';
import { __tl, replay, recFast, registerReviver, remember, publishIdentity, internalParts, revive, HANDLE, type Handle } from './core';
import { ValueError } from './errors';
import { RLock, bindTo, identityFor } from './locks';
import { ctx, scheduling } from './shared';
import { notify } from './rpc';
import { visible } from './schedule';

export class Value {
  readonly id: number;
  readonly name: string;
  private readonly f64: Float64Array;
  private readonly index: number;
  private readonly base: number;
  private readonly lock: RLock;
  private readonly record: boolean;
  private lockRevealed = false;

  constructor(initial: number = 0, name?: string) {
    if (typeof initial === 'boolean') initial = initial ? 1 : 0;
    if (typeof initial !== 'number') throw new ValueError('a Value holds a number; use a Queue to share other data');
    const made = identityFor('Value', 2, name, { initial });
    const handle = made.handle;
    this.id = handle.id;
    this.name = handle.name;
    this.base = handle.base;
    const c = ctx();
    this.f64 = c.heapF64;
    this.index = this.base >> 1;
    this.record = c.setup.recordShared;
    this.lock = made.bound ? (revive(handle.extra!.lock as Handle) as RLock) : internalParts(() => new RLock(`${handle.name}.lock`));
    if (!made.bound) this.f64[this.index] = initial;
    remember(this.id, this);
    publishIdentity(made, this);
  }

  [HANDLE](): Handle {
    return { kind: 'Value', id: this.id, base: this.base, name: this.name, extra: { lock: this.lock[HANDLE]() } };
  }

  get value(): number {
    if (scheduling.on) visible(this.id, false);
    if (this.record) recFast(EventKind.SharedRead, this.id, __tl.site, 0);
    return this.f64[this.index];
  }

  set value(v: number) {
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    if (this.record) recFast(EventKind.SharedWrite, this.id, __tl.site, 0);
    this.f64[this.index] = v;
  }

  /** The lock that comes with the value, as in multiprocessing: `counter.getLock().withLock(...)`. */
  getLock(): RLock {
    // Hidden from summaries until someone uses it.
    if (!this.lockRevealed) {
      this.lockRevealed = true;
      notify({ type: 'reveal', id: this.lock.id });
    }
    return this.lock;
  }

  toString(): string {
    return `<Value "${this.name}" ${this.f64[this.index]}>`;
  }
}

/** A fixed-length array of numbers shared by all threads; index it like an array. */
export interface SharedArray {
  [index: number]: number;
  readonly length: number;
}

const INDEX = /^(0|[1-9]\d*)$/;

/**
 * What a step on one element of a SharedArray touches, for the scheduler: the element, not the
 * whole array (steps on different elements commute). A negative number no object id takes
 * (ids are positive; OBJECT_ANY is -1).
 */
function elementObject(f64Index: number): number {
  return -16 - f64Index;
}

class SharedArrayImpl {
  readonly id: number;
  readonly name: string;
  readonly length: number;
  private readonly f64: Float64Array;
  private readonly start: number;
  private readonly base: number;
  private readonly record: boolean;

  constructor(lengthOrValues: number | ArrayLike<number>, name?: string) {
    const values = typeof lengthOrValues === 'number' ? undefined : Array.from(lengthOrValues);
    const length = values ? values.length : (lengthOrValues as number);
    if (!Number.isInteger(length) || length < 0) throw new ValueError('SharedArray length must be a non-negative integer');
    const made = identityFor('SharedArray', Math.max(2, length * 2), name, { initial: length });
    const handle = made.handle;
    this.id = handle.id;
    this.name = handle.name;
    this.base = handle.base;
    this.length = made.bound ? (handle.extra!.length as number) : length;
    const c = ctx();
    this.f64 = c.heapF64;
    this.start = this.base >> 1;
    this.record = c.setup.recordShared;
    if (!made.bound && values) values.forEach((v, i) => (this.f64[this.start + i] = v));
    const proxy = new Proxy(this, {
      get(target, key, receiver) {
        if (typeof key === 'string' && INDEX.test(key)) return target.read(Number(key));
        return Reflect.get(target, key, receiver);
      },
      set(target, key, value, receiver) {
        if (typeof key === 'string' && INDEX.test(key)) {
          target.write(Number(key), value as number);
          return true;
        }
        return Reflect.set(target, key, value, receiver);
      },
    });
    remember(this.id, proxy);
    publishIdentity(made, this);
    return proxy;
  }

  [HANDLE](): Handle {
    return { kind: 'SharedArray', id: this.id, base: this.base, name: this.name, extra: { length: this.length } };
  }

  private check(i: number): void {
    if (i >= this.length) throw new RangeError(`SharedArray index ${i} out of range (length ${this.length})`);
  }

  read(i: number): number {
    this.check(i);
    if (scheduling.on) visible(elementObject(this.start + i), false);
    if (this.record) recFast(EventKind.SharedRead, this.id, __tl.site, i);
    return this.f64[this.start + i];
  }

  write(i: number, value: number): void {
    this.check(i);
    if (replay.on) return;
    if (typeof value !== 'number') throw new ValueError('a SharedArray holds numbers');
    if (scheduling.on) visible(elementObject(this.start + i), true);
    if (this.record) recFast(EventKind.SharedWrite, this.id, __tl.site, i);
    this.f64[this.start + i] = value;
  }

  toArray(): number[] {
    return Array.from({ length: this.length }, (_, i) => this.f64[this.start + i]);
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.length; i++) yield this.read(i);
  }

  toString(): string {
    return `<SharedArray "${this.name}" [${this.toArray().join(', ')}]>`;
  }
}

export const SharedArray = SharedArrayImpl as unknown as {
  new (
    lengthOrValues: number | ArrayLike<number>,
    name?: string,
  ): SharedArray & {
    readonly name: string;
    toArray(): number[];
    [Symbol.iterator](): IterableIterator<number>;
  };
};

registerReviver('Value', (handle) => bindTo(handle, () => new Value()));
registerReviver('SharedArray', (handle) => bindTo(handle, () => new SharedArray(0)) as unknown as SharedArrayImpl);
