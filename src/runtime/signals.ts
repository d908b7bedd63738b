/** Semaphore, BoundedSemaphore, Event and Barrier. */
import { EventKind, WaitKind } from '../trace/format';
import {
  __tl,
  replay,
  rec,
  recFast,
  recordPassedWait,
  beginBlock,
  endBlock,
  deadlineFor,
  remainingMs,
  registerReviver,
  remember,
  publishIdentity,
  toWire,
  fromWire,
  HANDLE,
  type Handle,
} from './core';
import { BrokenBarrierError, ValueError } from './errors';
import { Scoped, Mutex, bindTo, identityFor } from './locks';
import { WaitQueue, WAIT_QUEUE_CELLS, waitWithMutex } from './condition';
import { ctx, scheduling } from './shared';
import { commutes, onlyRead, visible, waitCell, wakeCell } from './schedule';

// ── Semaphore ─────────────────────────────────────────────────────────────────────────────

const S_VALUE = 0;
const S_WAITERS = 1;

export class Semaphore extends Scoped {
  readonly id: number;
  readonly name: string;
  protected readonly heap: Int32Array;
  protected readonly base: number;
  protected readonly initial: number;

  constructor(value: number = 1, name?: string) {
    super();
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new ValueError('semaphore initial value must be an integer');
    if (value < 0) throw new ValueError('semaphore initial value must be >= 0');
    const made = identityFor(new.target === BoundedSemaphore ? 'BoundedSemaphore' : 'Semaphore', 2, name, { initial: value });
    const handle = made.handle;
    this.id = handle.id;
    this.name = handle.name;
    this.base = handle.base;
    this.heap = ctx().heap;
    this.initial = made.bound ? (handle.extra?.initial as number) : value;
    if (!made.bound) Atomics.store(this.heap, this.base + S_VALUE, value);
    remember(this.id, this);
    publishIdentity(made, this);
  }

  [HANDLE](): Handle {
    const kind = this instanceof BoundedSemaphore ? 'BoundedSemaphore' : 'Semaphore';
    return { kind, id: this.id, base: this.base, name: this.name, extra: { initial: this.initial } };
  }

  /** Take a permit; with blocking=false or a timeout (seconds) it may return false. */
  acquire(blocking: boolean = true, timeout: number | null = null): boolean {
    const site = __tl.site;
    if (!blocking && timeout !== null && timeout !== undefined) throw new ValueError("can't specify timeout for non-blocking acquire");
    if (replay.on) return true;
    if (scheduling.on) visible(this.id, true);
    const heap = this.heap;
    const cell = this.base + S_VALUE;
    const before = Atomics.load(heap, cell);
    if (this.tryTake(heap, cell)) {
      // Another acquire or a release from the same state would not block it, nor it them.
      if (before >= 2) commutes();
      return true;
    }
    if (!blocking) {
      onlyRead();
      rec(EventKind.AcquireFailed, this.id, site, 0);
      return false;
    }
    const deadline = deadlineFor(timeout);
    beginBlock(this.id, WaitKind.Semaphore, deadline !== Infinity, site);
    let ok = false;
    for (;;) {
      Atomics.add(heap, this.base + S_WAITERS, 1);
      const value = Atomics.load(heap, cell);
      if (value <= 0) {
        const wait = remainingMs(deadline);
        if (wait > 0) waitCell(heap, cell, value, wait);
      }
      Atomics.sub(heap, this.base + S_WAITERS, 1);
      if (this.tryTake(heap, cell, true)) {
        ok = true;
        break;
      }
      if (remainingMs(deadline) <= 0) break;
    }
    endBlock(ok, site);
    if (ok) rec(EventKind.Acquired, this.id, site, Atomics.load(heap, cell));
    else rec(EventKind.AcquireFailed, this.id, site, 0);
    return ok;
  }

  private tryTake(heap: Int32Array, cell: number, quiet = false): boolean {
    for (;;) {
      const value = Atomics.load(heap, cell);
      if (value <= 0) return false;
      if (Atomics.compareExchange(heap, cell, value, value - 1) === value) {
        if (!quiet) this.recordAcquired(__tl.site, value - 1);
        return true;
      }
    }
  }

  private recordAcquired(site: number, valueAfter = Atomics.load(this.heap, this.base + S_VALUE)): void {
    recFast(EventKind.Acquired, this.id, site, valueAfter);
  }

  /** Give back n permits (any thread may, for a plain Semaphore). */
  release(n: number = 1): void {
    const site = __tl.site;
    if (n < 1) throw new ValueError('n must be one or more');
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    this.checkRelease(n);
    // Recorded before the permits are visible, so it precedes the acquisitions they allow.
    const waiters = Atomics.load(this.heap, this.base + S_WAITERS) > 0;
    if (waiters) rec(EventKind.Released, this.id, site, n);
    else recFast(EventKind.Released, this.id, site, n);
    this.addPermits(n);
    if (waiters || Atomics.load(this.heap, this.base + S_WAITERS) > 0) wakeCell(this.heap, this.base + S_VALUE, n);
    // Nobody woken, and no bound to exceed: releases and roomy acquires commute with it.
    else if (!(this instanceof BoundedSemaphore)) commutes();
  }

  protected checkRelease(_n: number): void {}

  protected addPermits(n: number): void {
    Atomics.add(this.heap, this.base + S_VALUE, n);
  }

  /** The current number of free permits. */
  get value(): number {
    return Atomics.load(this.heap, this.base + S_VALUE);
  }

  override toString(): string {
    return `<Semaphore "${this.name}" value=${this.value}>`;
  }
}

export class BoundedSemaphore extends Semaphore {
  protected override checkRelease(n: number): void {
    if (this.value + n > this.initial) throw new ValueError('Semaphore released too many times');
  }

  protected override addPermits(n: number): void {
    const heap = this.heap;
    const cell = this.base + S_VALUE;
    for (;;) {
      const value = Atomics.load(heap, cell);
      if (value + n > this.initial) throw new ValueError('Semaphore released too many times');
      if (Atomics.compareExchange(heap, cell, value, value + n) === value) return;
    }
  }

  override toString(): string {
    return `<BoundedSemaphore "${this.name}" value=${this.value}/${this.initial}>`;
  }
}

// ── Event ─────────────────────────────────────────────────────────────────────────────────

const E_FLAG = 0;
/** Bumped by every set(); a waiter that sees it change was set, even if clear() followed at once. */
const E_GENERATION = 1;

export class Event {
  readonly id: number;
  readonly name: string;
  private readonly heap: Int32Array;
  private readonly base: number;

  constructor(name?: string) {
    const made = identityFor('Event', 2, name);
    this.id = made.handle.id;
    this.name = made.handle.name;
    this.base = made.handle.base;
    this.heap = ctx().heap;
    remember(this.id, this);
    publishIdentity(made, this);
  }

  [HANDLE](): Handle {
    return { kind: 'Event', id: this.id, base: this.base, name: this.name };
  }

  isSet(): boolean {
    // A query is a visible operation too: a loop polling it must let the others run.
    if (scheduling.on) visible(this.id, false);
    return this.flag();
  }

  private flag(): boolean {
    return Atomics.load(this.heap, this.base + E_FLAG) === 1;
  }

  set(): void {
    const site = __tl.site;
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    rec(EventKind.EventSet, this.id, site, 0);
    if (Atomics.compareExchange(this.heap, this.base + E_FLAG, 0, 1) === 0) {
      Atomics.add(this.heap, this.base + E_GENERATION, 1);
      wakeCell(this.heap, this.base + E_GENERATION);
    }
  }

  clear(): void {
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    rec(EventKind.EventClear, this.id, __tl.site, 0);
    Atomics.store(this.heap, this.base + E_FLAG, 0);
  }

  /** Block until the flag is set or the timeout (seconds) passes; returns the flag (true if set meanwhile). */
  wait(timeout?: number | null): boolean {
    const site = __tl.site;
    const heap = this.heap;
    if (replay.on) return true;
    if (scheduling.on) visible(this.id, false);
    if (this.flag()) {
      recordPassedWait(this.id, WaitKind.Event, site);
      return true;
    }
    const generation = Atomics.load(heap, this.base + E_GENERATION);
    if (this.flag()) {
      recordPassedWait(this.id, WaitKind.Event, site);
      return true;
    }
    const deadline = deadlineFor(timeout);
    if (remainingMs(deadline) <= 0) return false;
    beginBlock(this.id, WaitKind.Event, deadline !== Infinity, site);
    let signalled = false;
    for (;;) {
      if (Atomics.load(heap, this.base + E_GENERATION) !== generation || this.flag()) {
        signalled = true;
        break;
      }
      const wait = remainingMs(deadline);
      if (wait <= 0) break;
      waitCell(heap, this.base + E_GENERATION, generation, wait);
    }
    endBlock(signalled, site);
    return signalled;
  }

  toString(): string {
    return `<Event "${this.name}": ${this.flag() ? 'set' : 'unset'}>`;
  }
}

// ── Barrier (CPython's algorithm: filling, draining, resetting, broken) ────────────────────

const B_MUTEX = 0;
const B_STATE = 1;
const B_COUNT = 2;
const B_QUEUE = 4; // WAIT_QUEUE_CELLS

const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;

export class Barrier {
  readonly id: number;
  readonly name: string;
  readonly parties: number;
  private readonly heap: Int32Array;
  private readonly base: number;
  private readonly mutex: Mutex;
  private readonly queue: WaitQueue;
  private readonly action: unknown;
  private readonly defaultTimeout: number | null;

  constructor(parties: number, action?: (() => void) | null, timeout?: number | null, name?: string) {
    if (!Number.isInteger(parties) || parties < 1) throw new ValueError('parties must be >= 1');
    const made = identityFor('Barrier', B_QUEUE + WAIT_QUEUE_CELLS, name, { initial: parties });
    const handle = made.handle;
    this.id = handle.id;
    this.name = handle.name;
    this.base = handle.base;
    this.heap = ctx().heap;
    this.parties = parties;
    this.mutex = new Mutex(this.heap, this.base + B_MUTEX);
    this.queue = new WaitQueue(this.heap, this.base + B_QUEUE);
    if (made.bound) {
      this.action = handle.extra?.action === undefined ? undefined : fromWire(handle.extra.action);
      this.defaultTimeout = (handle.extra?.timeout as number | null) ?? null;
      this.parties = handle.extra?.parties as number;
    } else {
      this.action = action ?? undefined;
      this.defaultTimeout = timeout ?? null;
      if (action) toWire(action, 'the barrier action', __tl.site); // fail now if it cannot cross
    }
    remember(this.id, this);
    publishIdentity(made, this);
  }

  [HANDLE](): Handle {
    return {
      kind: 'Barrier',
      id: this.id,
      base: this.base,
      name: this.name,
      extra: {
        parties: this.parties,
        timeout: this.defaultTimeout,
        action: this.action === undefined ? undefined : toWire(this.action, 'the barrier action', 0),
      },
    };
  }

  /** Wait for all parties; returns this thread's arrival index (0 … parties-1). */
  wait(timeout?: number | null): number {
    const site = __tl.site;
    if (replay.on) return 0;
    if (scheduling.on) visible(this.id, true);
    const effective = timeout === undefined || timeout === null ? this.defaultTimeout : timeout;
    const deadline = deadlineFor(effective);
    const heap = this.heap;
    this.mutex.lock();
    try {
      this.enter(site);
      const index = heap[this.base + B_COUNT];
      heap[this.base + B_COUNT] = index + 1;
      try {
        if (index + 1 === this.parties) this.release(site);
        else this.waitForRelease(deadline, site);
        rec(EventKind.BarrierPass, this.id, site, index);
        return index;
      } finally {
        heap[this.base + B_COUNT]--;
        this.exit();
      }
    } finally {
      this.mutex.unlock();
    }
  }

  private state(): number {
    return this.heap[this.base + B_STATE];
  }

  private setState(state: number): void {
    this.heap[this.base + B_STATE] = state;
  }

  /** Wait (mutex held) while a previous cycle drains or resets. */
  private enter(site: number): void {
    // CPython waits here without a timeout: the previous cycle always finishes draining.
    while (this.state() === DRAINING || this.state() === RESETTING) this.block(Infinity, site);
    if (this.state() < 0) throw new BrokenBarrierError('the barrier is broken');
  }

  private release(site: number): void {
    try {
      if (this.action) {
        __tl.site = site;
        (this.action as () => void)();
      }
      this.setState(DRAINING);
      this.queue.notify(Number.MAX_SAFE_INTEGER);
    } catch (error) {
      this.breakBarrier(site);
      throw error;
    }
  }

  private waitForRelease(deadline: number, site: number): void {
    while (this.state() === FILLING) {
      if (!this.block(deadline, site)) {
        this.breakBarrier(site);
        throw new BrokenBarrierError('the barrier timed out');
      }
    }
    if (this.state() < 0) throw new BrokenBarrierError('the barrier is broken');
  }

  /** Park on the barrier's queue with the mutex released; true if woken, false on timeout. */
  private block(deadline: number, site: number): boolean {
    return waitWithMutex(this.queue, this.mutex, this.id, WaitKind.Barrier, deadline, site);
  }

  private exit(): void {
    if (this.heap[this.base + B_COUNT] === 0) {
      if (this.state() === RESETTING || this.state() === DRAINING) {
        this.setState(FILLING);
        this.queue.notify(Number.MAX_SAFE_INTEGER);
      }
    }
  }

  private breakBarrier(site: number): void {
    this.setState(BROKEN);
    rec(EventKind.BarrierBroken, this.id, site, 0);
    this.queue.notify(Number.MAX_SAFE_INTEGER);
  }

  /** Return to the empty state; threads waiting now get BrokenBarrierError. */
  reset(): void {
    const site = __tl.site;
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    this.mutex.lock();
    try {
      if (this.heap[this.base + B_COUNT] > 0) {
        if (this.state() === FILLING) this.setState(RESETTING);
        else if (this.state() === BROKEN) this.setState(RESETTING);
      } else {
        this.setState(FILLING);
      }
      rec(EventKind.BarrierBroken, this.id, site, 1);
      this.queue.notify(Number.MAX_SAFE_INTEGER);
    } finally {
      this.mutex.unlock();
    }
  }

  /** Break the barrier: current and future waiters get BrokenBarrierError until reset(). */
  abort(): void {
    const site = __tl.site;
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    this.mutex.lock();
    try {
      this.breakBarrier(site);
    } finally {
      this.mutex.unlock();
    }
  }

  get nWaiting(): number {
    if (scheduling.on) visible(this.id, false);
    return this.state() === FILLING ? this.heap[this.base + B_COUNT] : 0;
  }

  get broken(): boolean {
    if (scheduling.on) visible(this.id, false);
    return this.state() === BROKEN;
  }

  toString(): string {
    const waiting = this.state() === FILLING ? this.heap[this.base + B_COUNT] : 0;
    return this.state() === BROKEN ? `<Barrier "${this.name}" broken>` : `<Barrier "${this.name}" waiters=${waiting}/${this.parties}>`;
  }
}

registerReviver('Semaphore', (handle) => bindTo(handle, () => new Semaphore()));
registerReviver('BoundedSemaphore', (handle) => bindTo(handle, () => new BoundedSemaphore()));
registerReviver('Event', (handle) => bindTo(handle, () => new Event()));
registerReviver('Barrier', (handle) => bindTo(handle, () => new Barrier((handle.extra?.parties as number) ?? 1)));
