/**
 * Condition variables, as CPython builds them: each waiter parks on a cell of its own and the
 * notifier wakes exactly the first n waiters in FIFO order. The waiter list is threaded through
 * the waiting threads' own cells (each thread waits on at most one condition at a time) and is
 * only touched while holding the condition's lock, so it needs no lock of its own.
 *
 * Waiting on a sequence counter instead would lose precision (notify(n) could wake more than
 * n) and waiting on a constant would lose notifies; per-waiter parking has neither problem.
 */
import { EventKind, WaitKind } from '../trace/format';
import {
  __tl,
  replay,
  rec,
  beginBlock,
  endBlock,
  deadlineFor,
  remainingMs,
  registerReviver,
  remember,
  revive,
  constructingParts,
  publishIdentity,
  HANDLE,
  type Handle,
} from './core';
import { RuntimeError } from './errors';
import { RLock, Scoped, bindTo, identityFor, type ConditionLock } from './locks';
import { ctx, scheduling, threadBlockBase, T_PARK, T_COND_NEXT } from './shared';
import { visible, waitCell, wakeCell } from './schedule';

const C_HEAD = 0;
const C_TAIL = 1;

/**
 * The waiter queue and parking, without a lock or a name: used by Condition and by the
 * primitives built on it (Semaphore, Barrier, Queue, Future), which trace as themselves.
 */
export class WaitQueue {
  constructor(
    private readonly heap: Int32Array,
    private readonly base: number,
  ) {}

  /** Append the calling thread. Caller holds the lock that guards this queue. */
  enqueueSelf(): void {
    const c = ctx();
    const heap = this.heap;
    const me = c.tid + 1;
    Atomics.store(heap, c.self + T_PARK, 0);
    heap[c.self + T_COND_NEXT] = 0;
    const tail = heap[this.base + C_TAIL];
    if (tail === 0) heap[this.base + C_HEAD] = me;
    else heap[threadBlockBase(tail - 1) + T_COND_NEXT] = me;
    heap[this.base + C_TAIL] = me;
  }

  /** Park until notified or the deadline; true if notified. Caller has released the lock. */
  park(deadline: number): boolean {
    const c = ctx();
    const cell = c.self + T_PARK;
    for (;;) {
      if (Atomics.load(this.heap, cell) === 1) return true;
      const wait = remainingMs(deadline);
      if (wait <= 0) return false;
      waitCell(this.heap, cell, 0, wait);
    }
  }

  /** After a timeout, with the lock held again: leave the queue; true if a notify came anyway. */
  leave(): boolean {
    const c = ctx();
    if (Atomics.load(this.heap, c.self + T_PARK) === 1) return true;
    const heap = this.heap;
    const me = c.tid + 1;
    let previous = 0;
    let current = heap[this.base + C_HEAD];
    while (current !== 0) {
      const next = heap[threadBlockBase(current - 1) + T_COND_NEXT];
      if (current === me) {
        if (previous === 0) heap[this.base + C_HEAD] = next;
        else heap[threadBlockBase(previous - 1) + T_COND_NEXT] = next;
        if (heap[this.base + C_TAIL] === me) heap[this.base + C_TAIL] = previous;
        break;
      }
      previous = current;
      current = next;
    }
    return false;
  }

  /** Wake up to n waiters, first come first served; returns how many. Caller holds the lock. */
  notify(n: number): number {
    const heap = this.heap;
    let woken = 0;
    while (woken < n) {
      const head = heap[this.base + C_HEAD];
      if (head === 0) break;
      const block = threadBlockBase(head - 1);
      const next = heap[block + T_COND_NEXT];
      heap[this.base + C_HEAD] = next;
      if (next === 0) heap[this.base + C_TAIL] = 0;
      heap[block + T_COND_NEXT] = 0;
      Atomics.store(heap, block + T_PARK, 1);
      wakeCell(heap, block + T_PARK);
      woken++;
    }
    return woken;
  }

  hasWaiters(): boolean {
    return this.heap[this.base + C_HEAD] !== 0;
  }

  /** Number of queued waiters (walks the list; for repr and tests). */
  size(): number {
    let n = 0;
    for (let t = this.heap[this.base + C_HEAD]; t !== 0; t = this.heap[threadBlockBase(t - 1) + T_COND_NEXT]) n++;
    return n;
  }
}

export const WAIT_QUEUE_CELLS = 2;

export class Condition extends Scoped {
  readonly id: number;
  readonly name: string;
  readonly lock: ConditionLock;
  private readonly base: number;
  private readonly waiters: WaitQueue;

  constructor(lock?: ConditionLock, name?: string) {
    super();
    if (typeof lock === 'string') {
      name = lock;
      lock = undefined;
    }
    const made = identityFor('Condition', WAIT_QUEUE_CELLS, name);
    const handle = made.handle;
    this.lock = made.bound
      ? (revive(handle.extra!.lock as Handle) as unknown as ConditionLock)
      : (lock ?? constructingParts(() => new RLock(`${handle.name}.lock`)));
    this.id = handle.id;
    this.name = handle.name;
    this.base = handle.base;
    this.waiters = new WaitQueue(ctx().heap, this.base);
    remember(this.id, this);
    publishIdentity(made, this);
  }

  [HANDLE](): Handle {
    return { kind: 'Condition', id: this.id, base: this.base, name: this.name, extra: { lock: this.lock[HANDLE]() } };
  }

  acquire(blocking: boolean = true, timeout: number = -1): boolean {
    return this.lock.acquire(blocking, timeout);
  }

  release(): void {
    this.lock.release();
  }

  /** Release the lock, wait for a notify or the timeout (seconds), re-acquire; true unless timed out. */
  wait(timeout?: number | null): boolean {
    const site = __tl.site;
    if (replay.on) return true;
    if (scheduling.on) visible(this.id, true);
    if (!this.lock.isOwned()) throw new RuntimeError('cannot wait on un-acquired lock');
    this.waiters.enqueueSelf();
    const saved = this.lock.releaseSave(site);
    const deadline = deadlineFor(timeout);
    beginBlock(this.id, WaitKind.Condition, deadline !== Infinity, site);
    let notified = this.waiters.park(deadline);
    endBlock(notified, site);
    this.lock.acquireRestore(saved, site);
    if (!notified) notified = this.waiters.leave();
    return notified;
  }

  /** Wait until `predicate()` is truthy or the timeout (seconds) passes; returns the last predicate value. */
  waitFor<T>(predicate: () => T, timeout?: number | null): T {
    const site = __tl.site;
    if (replay.on) return predicate();
    const deadline = deadlineFor(timeout);
    let result = predicate();
    while (!result) {
      let waitFor: number | null = null;
      if (deadline !== Infinity) {
        const left = remainingMs(deadline);
        if (left <= 0) break;
        waitFor = left / 1000;
      }
      __tl.site = site;
      this.wait(waitFor);
      result = predicate();
    }
    return result;
  }

  notify(n: number = 1): void {
    const site = __tl.site;
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    if (!this.lock.isOwned()) throw new RuntimeError('cannot notify on un-acquired lock');
    const woken = this.waiters.notify(n);
    rec(EventKind.Notify, this.id, site, woken);
  }

  notifyAll(): void {
    this.notify(Number.MAX_SAFE_INTEGER);
  }

  override toString(): string {
    return `<Condition "${this.name}" (${String(this.lock)}, ${this.waiters.size()})>`;
  }
}

registerReviver('Condition', (handle) => bindTo(handle, () => new Condition()));

/**
 * Wait on `queue` while holding `mutex` (an internal lock): release it, park, take it back.
 * The thread is shown as waiting on `objectId` (the Queue, Barrier, … that uses this).
 * Returns true if woken, false if the deadline passed first.
 */
export function waitWithMutex(
  queue: WaitQueue,
  mutex: { lock(): void; unlock(): void },
  objectId: number,
  kind: WaitKind,
  deadline: number,
  site: number,
): boolean {
  queue.enqueueSelf();
  mutex.unlock();
  beginBlock(objectId, kind, deadline !== Infinity, site);
  let woken = queue.park(deadline);
  endBlock(woken, site);
  mutex.lock();
  if (!woken) woken = queue.leave();
  return woken;
}
