/**
 * Lock and RLock on a three-state futex (Drepper, "Futexes are tricky", mutex2):
 * 0 unlocked, 1 locked, 2 locked and maybe contended. Unlock notifies only from state 2, so
 * the uncontended path never calls Atomics.notify (which takes a global lock in V8).
 */
import { EventKind, WaitKind, type ObjectKind } from '../trace/format';
import {
  __tl,
  replay,
  rec,
  recFast,
  beginBlock,
  endBlock,
  deadlineFor,
  remainingMs,
  makeIdentity,
  registerReviver,
  remember,
  publishIdentity,
  HANDLE,
  type Handle,
  type Shared,
  type Identity,
} from './core';
import { OverflowError, RuntimeError, ValueError } from './errors';

/** Python's threading.TIMEOUT_MAX on 64-bit Linux, in seconds. */
export const TIMEOUT_MAX = 9223372036;
import { ctx, scheduling } from './shared';
import { sched, visible, onlyRead, waitCell, wakeCell, enterInternal, leaveInternal } from './schedule';
import { gil } from './gil';

const SPINS = 64;

/** Lock the futex at `cell`; false if the deadline passed. Never called for an uncontended lock. */
function futexLockSlow(heap: Int32Array, cell: number, deadline: number): boolean {
  // A short bounded spin first: a hand-off between two running threads is then microseconds, not a sleep.
  // One thread at a time (controlled and GIL modes): nobody could release it during a spin.
  for (let i = sched.on || gil.on ? SPINS : 0; i < SPINS; i++) {
    if (Atomics.load(heap, cell) === 0 && Atomics.compareExchange(heap, cell, 0, 1) === 0) return true;
  }
  let state = Atomics.exchange(heap, cell, 2);
  while (state !== 0) {
    const wait = remainingMs(deadline);
    if (wait <= 0) return false;
    waitCell(heap, cell, 2, wait);
    state = Atomics.exchange(heap, cell, 2);
  }
  return true;
}

function futexUnlock(heap: Int32Array, cell: number): void {
  if (Atomics.sub(heap, cell, 1) !== 1) {
    Atomics.store(heap, cell, 0);
    wakeCell(heap, cell, 1);
  }
}

function futexTryLock(heap: Int32Array, cell: number): boolean {
  return Atomics.compareExchange(heap, cell, 0, 1) === 0;
}

/** An internal mutex for the runtime's own bookkeeping: never traced, never shown. */
export class Mutex {
  constructor(
    private readonly heap: Int32Array,
    private readonly cell: number,
  ) {}
  lock(): void {
    enterInternal();
    if (!futexTryLock(this.heap, this.cell)) futexLockSlow(this.heap, this.cell, Infinity);
  }
  unlock(): void {
    futexUnlock(this.heap, this.cell);
    leaveInternal();
  }
}

function checkAcquireArgs(blocking: boolean, timeout: number): void {
  if (timeout !== -1) {
    if (!blocking) throw new ValueError("can't specify a timeout for a non-blocking call");
    if (timeout < 0) throw new ValueError('timeout value must be a non-negative number');
    if (Number.isNaN(timeout)) throw new ValueError('timeout value must be a number');
    if (timeout > TIMEOUT_MAX) throw new OverflowError('timeout value is too large');
  }
}

/** Something a Condition can be built on. */
export interface ConditionLock extends Shared {
  readonly id: number;
  readonly name: string;
  toString(): string;
  acquire(blocking?: boolean, timeout?: number): boolean;
  release(): void;
  /** Release completely for Condition.wait; returns what acquireRestore needs. */
  releaseSave(siteId: number): number;
  acquireRestore(saved: number, siteId: number): void;
  isOwned(): boolean;
}

/** A disposable that releases what `hold()` acquired, for `using _ = lock.hold()`. */
export interface Held extends Disposable {
  release(): void;
}

/** The scoped forms every lock-like primitive offers. */
export abstract class Scoped {
  abstract acquire(blocking?: boolean, timeout?: number): boolean;
  abstract release(): void;

  /** `with lock:` — run `body` holding the lock; always release, also when it throws. */
  withLock<T>(body: () => T): T {
    const site = __tl.site;
    this.acquire();
    try {
      return body();
    } finally {
      __tl.site = site;
      this.release();
    }
  }

  /** `using _ = lock.hold();` — acquire now, release at the end of the block. */
  hold(): Held {
    const site = __tl.site;
    this.acquire();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      __tl.site = site;
      this.release();
    };
    return { release, [Symbol.dispose]: release };
  }
}

const L_STATE = 0;
/** The owner's tid + 1 (0: free); the harness reads it for deadlock reports (harness/liveHolds.ts). */
export const L_OWNER = 1;
/** Incremented at every acquisition (under the lock): orders a lock's events across threads. */
const L_VERSION = 2;
/** Set once any thread releases the Lock while another owns it (Python allows that). */
export const L_RELEASED_BY_OTHER = 3;

export class Lock extends Scoped implements ConditionLock {
  readonly id: number;
  readonly name: string;
  private readonly heap: Int32Array;
  private readonly base: number;
  private readonly me: number;

  constructor(name?: string) {
    super();
    const made = identityFor('Lock', 4, name);
    const handle = made.handle;
    this.id = handle.id;
    this.name = handle.name;
    this.base = handle.base;
    const c = ctx();
    this.heap = c.heap;
    this.me = c.tid + 1;
    remember(this.id, this);
    publishIdentity(made, this);
  }

  [HANDLE](): Handle {
    return { kind: 'Lock', id: this.id, base: this.base, name: this.name };
  }

  acquire(blocking: boolean = true, timeout: number = -1): boolean {
    const site = __tl.site;
    const heap = this.heap;
    if (timeout !== -1) checkAcquireArgs(blocking, timeout);
    if (replay.on) return true;
    if (scheduling.on) visible(this.id, true);
    if (Atomics.compareExchange(heap, this.base + L_STATE, 0, 1) === 0) {
      heap[this.base + L_OWNER] = this.me;
      recFast(EventKind.Acquired, this.id, site, ++heap[this.base + L_VERSION]);
      return true;
    }
    if (!blocking) {
      onlyRead();
      rec(EventKind.AcquireFailed, this.id, site, 0);
      return false;
    }
    return this.acquireSlow(timeout === -1 ? Infinity : deadlineFor(timeout), timeout !== -1, site);
  }

  private acquireSlow(deadline: number, timed: boolean, site: number): boolean {
    beginBlock(this.id, WaitKind.Lock, timed, site);
    const ok = futexLockSlow(this.heap, this.base + L_STATE, deadline);
    endBlock(ok, site);
    if (!ok) {
      rec(EventKind.AcquireFailed, this.id, site, 0);
      return false;
    }
    this.heap[this.base + L_OWNER] = this.me;
    rec(EventKind.Acquired, this.id, site, ++this.heap[this.base + L_VERSION]);
    return true;
  }

  release(): void {
    const site = __tl.site;
    const heap = this.heap;
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    const state = Atomics.load(heap, this.base + L_STATE);
    if (state === 0) throw new RuntimeError('release unlocked lock');
    if (heap[this.base + L_OWNER] !== this.me) heap[this.base + L_RELEASED_BY_OTHER] = 1;
    heap[this.base + L_OWNER] = 0;
    // Recorded before unlocking, so it comes before the next owner's acquisition; a hand-off
    // to a waiter (state 2) gets an exact time.
    if (state === 2) rec(EventKind.Released, this.id, site, heap[this.base + L_VERSION]);
    else recFast(EventKind.Released, this.id, site, heap[this.base + L_VERSION]);
    futexUnlock(heap, this.base + L_STATE);
  }

  locked(): boolean {
    // A query is a visible operation too: a loop polling it must let the others run.
    if (scheduling.on) visible(this.id, false);
    return Atomics.load(this.heap, this.base + L_STATE) !== 0;
  }

  /** The tid + 1 of the thread that acquired it last, 0 when free. */
  ownerTid(): number {
    return Atomics.load(this.heap, this.base + L_OWNER) - 1;
  }

  isOwned(): boolean {
    // The runtime's own check (Condition.wait/notify): no scheduling point.
    return Atomics.load(this.heap, this.base + L_STATE) !== 0 && Atomics.load(this.heap, this.base + L_OWNER) === this.me;
  }

  releaseSave(siteId: number): number {
    __tl.site = siteId;
    this.release();
    return 1;
  }

  acquireRestore(_saved: number, siteId: number): void {
    __tl.site = siteId;
    this.acquire();
  }

  override toString(): string {
    return `<${Atomics.load(this.heap, this.base + L_STATE) !== 0 ? 'locked' : 'unlocked'} Lock "${this.name}">`;
  }
}

const R_STATE = 0;
/** The owner's tid + 1 (0: free); the harness reads it for deadlock reports (harness/liveHolds.ts). */
export const R_OWNER = 1;
const R_COUNT = 2;

export class RLock extends Scoped implements ConditionLock {
  readonly id: number;
  readonly name: string;
  private readonly heap: Int32Array;
  private readonly base: number;
  private readonly me: number;

  constructor(name?: string) {
    super();
    const made = identityFor('RLock', 3, name);
    const handle = made.handle;
    this.id = handle.id;
    this.name = handle.name;
    this.base = handle.base;
    const c = ctx();
    this.heap = c.heap;
    this.me = c.tid + 1;
    remember(this.id, this);
    publishIdentity(made, this);
  }

  [HANDLE](): Handle {
    return { kind: 'RLock', id: this.id, base: this.base, name: this.name };
  }

  acquire(blocking: boolean = true, timeout: number = -1): boolean {
    const site = __tl.site;
    const heap = this.heap;
    const base = this.base;
    if (timeout !== -1) checkAcquireArgs(blocking, timeout);
    if (replay.on) return true;
    if (scheduling.on) visible(this.id, true);
    if (heap[base + R_OWNER] === this.me) {
      const depth = ++heap[base + R_COUNT];
      recFast(EventKind.Acquired, this.id, site, depth);
      return true;
    }
    let contended = false;
    if (!futexTryLock(heap, base + R_STATE)) {
      contended = true;
      if (!blocking) {
        onlyRead();
        rec(EventKind.AcquireFailed, this.id, site, 0);
        return false;
      }
      beginBlock(this.id, WaitKind.Lock, timeout !== -1, site);
      const ok = futexLockSlow(heap, base + R_STATE, timeout === -1 ? Infinity : deadlineFor(timeout));
      endBlock(ok, site);
      if (!ok) {
        rec(EventKind.AcquireFailed, this.id, site, 0);
        return false;
      }
    }
    Atomics.store(heap, base + R_OWNER, this.me);
    heap[base + R_COUNT] = 1;
    if (contended) rec(EventKind.Acquired, this.id, site, 1);
    else recFast(EventKind.Acquired, this.id, site, 1);
    return true;
  }

  release(): void {
    const site = __tl.site;
    const heap = this.heap;
    const base = this.base;
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    if (heap[base + R_OWNER] !== this.me || heap[base + R_COUNT] === 0) {
      throw new RuntimeError('cannot release un-acquired lock');
    }
    const depth = --heap[base + R_COUNT];
    if (depth === 0 && Atomics.load(heap, base + R_STATE) === 2) rec(EventKind.Released, this.id, site, depth);
    else recFast(EventKind.Released, this.id, site, depth);
    if (depth === 0) {
      Atomics.store(heap, base + R_OWNER, 0);
      futexUnlock(heap, base + R_STATE);
    }
  }

  /** True while any thread holds it (Python 3.14's RLock.locked()). */
  locked(): boolean {
    // A query is a visible operation too: a loop polling it must let the others run.
    if (scheduling.on) visible(this.id, false);
    return Atomics.load(this.heap, this.base + R_STATE) !== 0;
  }

  isOwned(): boolean {
    return Atomics.load(this.heap, this.base + R_OWNER) === this.me;
  }

  /** How many times the calling thread holds it (0 in any other thread). */
  recursionCount(): number {
    return this.isOwned() ? this.heap[this.base + R_COUNT] : 0;
  }

  ownerTid(): number {
    return Atomics.load(this.heap, this.base + R_OWNER) - 1;
  }

  releaseSave(siteId: number): number {
    if (!this.isOwned()) throw new RuntimeError('cannot release un-acquired lock');
    if (scheduling.on) visible(this.id, true);
    const heap = this.heap;
    const count = heap[this.base + R_COUNT];
    heap[this.base + R_COUNT] = 0;
    rec(EventKind.Released, this.id, siteId, 0);
    Atomics.store(heap, this.base + R_OWNER, 0);
    futexUnlock(heap, this.base + R_STATE);
    return count;
  }

  acquireRestore(saved: number, siteId: number): void {
    __tl.site = siteId;
    this.acquire();
    this.heap[this.base + R_COUNT] = saved;
  }

  override toString(): string {
    const owner = this.ownerTid();
    return `<${Atomics.load(this.heap, this.base + R_STATE) !== 0 ? 'locked' : 'unlocked'} RLock "${this.name}" owner=${owner < 0 ? 'None' : owner + 1} count=${this.heap[this.base + R_COUNT]}>`;
  }
}

// ── Binding an object to an existing handle (reviving in another worker) ──────────────────

let bindingHandle: Handle | undefined;

/** For a reused worker's next run (see core.resetCore). */
export function resetLocks(): void {
  bindingHandle = undefined;
}

/** Construct `make()` bound to `handle` instead of allocating a new object. */
export function bindTo<T>(handle: Handle, make: () => T): T {
  bindingHandle = handle;
  try {
    return make();
  } finally {
    bindingHandle = undefined;
  }
}

/**
 * The identity of an object being constructed: the handle it is being bound to (`bindTo`,
 * when it is revived in another worker), or a new one made by makeIdentity.
 */
export function identityFor(
  kind: ObjectKind,
  cells: number,
  name: string | undefined | (() => string),
  details?: { initial?: number; internal?: boolean },
): Identity {
  if (bindingHandle === undefined) return makeIdentity(kind, cells, name, details);
  const handle = bindingHandle;
  bindingHandle = undefined;
  return { handle, bound: true };
}

registerReviver('Lock', (handle) => bindTo(handle, () => new Lock()));
registerReviver('RLock', (handle) => bindTo(handle, () => new RLock()));
