/**
 * Queue, LifoQueue, PriorityQueue — CPython's queue.Queue: one mutex and three conditions
 * (not empty, not full, all tasks done) over shared counters. The items themselves are kept
 * by the harness (any structured-cloneable value, plus primitives and module-level functions),
 * reached with a synchronous request while the queue's mutex is held.
 */
import { EventKind, WaitKind } from '../trace/format';
import {
  __tl,
  replay,
  replayError,
  rec,
  recordPassedWait,
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
import { Empty, Full, ValueError } from './errors';
import { Mutex, bindTo, identityFor } from './locks';
import { WaitQueue, WAIT_QUEUE_CELLS, waitWithMutex } from './condition';
import { rpc } from './rpc';
import { ctx, scheduling } from './shared';
import { onlyRead, visible } from './schedule';

const Q_MUTEX = 0;
const Q_SIZE = 1;
const Q_UNFINISHED = 2;
const Q_MAXSIZE = 3;
const Q_NOT_EMPTY = 4;
const Q_NOT_FULL = Q_NOT_EMPTY + WAIT_QUEUE_CELLS;
const Q_ALL_DONE = Q_NOT_FULL + WAIT_QUEUE_CELLS;
const Q_CELLS = Q_ALL_DONE + WAIT_QUEUE_CELLS;

type QueueKind = 'Queue' | 'LifoQueue' | 'PriorityQueue';

export class Queue<T = unknown> {
  readonly id: number;
  readonly name: string;
  private readonly heap: Int32Array;
  private readonly base: number;
  private readonly mutex: Mutex;
  private readonly notEmpty: WaitQueue;
  private readonly notFull: WaitQueue;
  private readonly allDone: WaitQueue;

  constructor(maxsize: number = 0, name?: string) {
    const made = identityFor(this.kind(), Q_CELLS, name, { initial: maxsize });
    const handle = made.handle;
    this.id = handle.id;
    this.name = handle.name;
    this.base = handle.base;
    this.heap = ctx().heap;
    if (!made.bound) this.heap[this.base + Q_MAXSIZE] = Math.max(0, Math.floor(maxsize));
    this.mutex = new Mutex(this.heap, this.base + Q_MUTEX);
    this.notEmpty = new WaitQueue(this.heap, this.base + Q_NOT_EMPTY);
    this.notFull = new WaitQueue(this.heap, this.base + Q_NOT_FULL);
    this.allDone = new WaitQueue(this.heap, this.base + Q_ALL_DONE);
    remember(this.id, this);
    publishIdentity(made, this);
  }

  protected kind(): QueueKind {
    return 'Queue';
  }

  [HANDLE](): Handle {
    return { kind: this.kind(), id: this.id, base: this.base, name: this.name };
  }

  get maxsize(): number {
    return this.heap[this.base + Q_MAXSIZE];
  }

  set maxsize(value: number) {
    this.heap[this.base + Q_MAXSIZE] = Math.max(0, Math.floor(value));
  }

  // A query is a visible operation too (its own step): a loop polling it must let the others
  // run, and "query, then act" must not be atomic, since in Python it is not.
  qsize(): number {
    if (scheduling.on) visible(this.id, false);
    return this.size();
  }

  empty(): boolean {
    if (scheduling.on) visible(this.id, false);
    return this.size() === 0;
  }

  full(): boolean {
    if (scheduling.on) visible(this.id, false);
    const max = this.maxsize;
    return max > 0 && this.size() >= max;
  }

  private size(): number {
    return Atomics.load(this.heap, this.base + Q_SIZE);
  }

  /** Put an item; blocks while full (or raises Full when block=false or after `timeout` seconds). */
  put(item: T, block: boolean = true, timeout: number | null = null): void {
    const site = __tl.site;
    if (replay.on) return;
    const wire = toWire(item, `the item put on queue "${this.name}"`, site);
    if (scheduling.on) visible(this.id, true);
    const heap = this.heap;
    // CPython checks the timeout only for a bounded queue: an unbounded put never waits.
    const deadline = this.maxsize > 0 ? this.deadline(block, timeout) : Infinity;
    this.mutex.lock();
    try {
      const max = this.maxsize;
      if (max > 0) {
        while (heap[this.base + Q_SIZE] >= max) {
          if (!block || remainingMs(deadline) <= 0) {
            onlyRead();
            throw new Full('queue is full');
          }
          waitWithMutex(this.notFull, this.mutex, this.id, WaitKind.Queue, deadline, site);
        }
      }
      rpc({ op: 'queue-put', id: this.id, kind: this.kind(), item: wire });
      const size = Atomics.add(heap, this.base + Q_SIZE, 1) + 1;
      heap[this.base + Q_UNFINISHED]++;
      this.notEmpty.notify(1);
      rec(EventKind.QueuePut, this.id, site, size);
    } finally {
      this.mutex.unlock();
    }
  }

  /** Remove and return an item; blocks while empty (or raises Empty when block=false or after `timeout` seconds). */
  get(block: boolean = true, timeout: number | null = null): T {
    const site = __tl.site;
    if (replay.on) replayError(`Taking from queue "${this.name}"`, site);
    const heap = this.heap;
    const deadline = this.deadline(block, timeout);
    let wire: unknown;
    if (scheduling.on) visible(this.id, true);
    this.mutex.lock();
    try {
      while (heap[this.base + Q_SIZE] === 0) {
        if (!block || remainingMs(deadline) <= 0) {
          onlyRead();
          throw new Empty('queue is empty');
        }
        waitWithMutex(this.notEmpty, this.mutex, this.id, WaitKind.Queue, deadline, site);
      }
      wire = rpc({ op: 'queue-get', id: this.id, kind: this.kind() });
      const size = heap[this.base + Q_SIZE] - 1;
      Atomics.store(heap, this.base + Q_SIZE, size);
      this.notFull.notify(1);
      rec(EventKind.QueueGet, this.id, site, size);
    } finally {
      this.mutex.unlock();
    }
    return fromWire(wire) as T;
  }

  putNowait(item: T): void {
    this.put(item, false);
  }

  getNowait(): T {
    return this.get(false);
  }

  /** A consumer says a fetched item is fully processed. */
  taskDone(): void {
    const site = __tl.site;
    if (replay.on) return;
    if (scheduling.on) visible(this.id, true);
    const heap = this.heap;
    this.mutex.lock();
    try {
      const unfinished = heap[this.base + Q_UNFINISHED] - 1;
      if (unfinished < 0) throw new ValueError('taskDone() called too many times');
      heap[this.base + Q_UNFINISHED] = unfinished;
      if (unfinished === 0) this.allDone.notify(Number.MAX_SAFE_INTEGER);
      rec(EventKind.QueueTaskDone, this.id, site, unfinished);
    } finally {
      this.mutex.unlock();
    }
  }

  /** Block until every item put has been fetched and marked done with taskDone(). */
  join(): void {
    const site = __tl.site;
    if (replay.on) return;
    if (scheduling.on) visible(this.id, false);
    this.mutex.lock();
    try {
      if (this.heap[this.base + Q_UNFINISHED] === 0) recordPassedWait(this.id, WaitKind.Queue, site);
      while (this.heap[this.base + Q_UNFINISHED] > 0) {
        waitWithMutex(this.allDone, this.mutex, this.id, WaitKind.Queue, Infinity, site);
      }
    } finally {
      this.mutex.unlock();
    }
  }

  private deadline(block: boolean, timeout: number | null | undefined): number {
    if (!block || timeout === null || timeout === undefined) return block ? Infinity : 0;
    if (timeout < 0) throw new ValueError("'timeout' must be a non-negative number");
    return deadlineFor(timeout);
  }

  toString(): string {
    return `<${this.kind()} "${this.name}" size=${this.size()}>`;
  }
}

export class LifoQueue<T = unknown> extends Queue<T> {
  protected override kind(): QueueKind {
    return 'LifoQueue';
  }
}

/** Items come out smallest first; compare like Python (numbers, strings, arrays element-wise). */
export class PriorityQueue<T = unknown> extends Queue<T> {
  protected override kind(): QueueKind {
    return 'PriorityQueue';
  }
}

registerReviver('Queue', (handle) => bindTo(handle, () => new Queue()));
registerReviver('LifoQueue', (handle) => bindTo(handle, () => new LifoQueue()));
registerReviver('PriorityQueue', (handle) => bindTo(handle, () => new PriorityQueue()));
