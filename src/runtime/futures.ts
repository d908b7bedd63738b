/**
 * concurrent.futures for threads: Future, ThreadPoolExecutor, wait, asCompleted — following
 * CPython's Lib/concurrent/futures. Pool threads are ordinary Threads (each its own lane); a
 * future's state lives in shared cells and its result with the harness.
 */
import { EventKind, WaitKind } from '../trace/format';
import {
  __tl,
  rec,
  recordPassedWait,
  deadlineFor,
  remainingMs,
  registerReviver,
  remember,
  publishIdentity,
  registerBuiltin,
  toWire,
  fromWire,
  constructingParts,
  internalParts,
  replay,
  partsOf,
  claimInitKey,
  HANDLE,
  type Callable,
  type Handle,
  type Wire,
} from './core';
import { CancelledError, InvalidStateError, RuntimeError, ThreadlanesUsageError, TimeoutError, ValueError } from './errors';
import { Mutex, bindTo, identityFor } from './locks';
import { WaitQueue, WAIT_QUEUE_CELLS, waitWithMutex } from './condition';
import { Semaphore } from './signals';
import { Queue } from './queues';
import { Thread, markPool } from './thread';
import { rpc } from './rpc';
import { ctx, scheduling, H_FUTURES_MUTEX, H_FUTURES_QUEUE, OBJECT_ANY } from './shared';
import { visible } from './schedule';

const PENDING = 0;
const RUNNING = 1;
const CANCELLED = 2;
const CANCELLED_AND_NOTIFIED = 3;
const FINISHED = 4;

const F_MUTEX = 0;
const F_STATE = 1;
const F_FAILED = 2;
const F_QUEUE = 4;
const F_CELLS = F_QUEUE + WAIT_QUEUE_CELLS;

/** Wakes everyone in wait()/asCompleted() when any future finishes. */
function anyFuture(): { mutex: Mutex; queue: WaitQueue } {
  const heap = ctx().heap;
  return { mutex: new Mutex(heap, H_FUTURES_MUTEX), queue: new WaitQueue(heap, H_FUTURES_QUEUE) };
}

function announceFinished(): void {
  const { mutex, queue } = anyFuture();
  mutex.lock();
  queue.notify(Number.MAX_SAFE_INTEGER);
  mutex.unlock();
}

type Outcome = { value: Wire } | { error: Wire };

export class Future<T = unknown> {
  readonly id: number;
  readonly name: string;
  private readonly heap: Int32Array;
  private readonly base: number;
  private readonly mutex: Mutex;
  private readonly waiters: WaitQueue;

  constructor(name?: string) {
    const made = identityFor('Future', F_CELLS, name);
    this.id = made.handle.id;
    this.name = made.handle.name;
    this.base = made.handle.base;
    this.heap = ctx().heap;
    this.mutex = new Mutex(this.heap, this.base + F_MUTEX);
    this.waiters = new WaitQueue(this.heap, this.base + F_QUEUE);
    remember(this.id, this);
    publishIdentity(made, this);
  }

  [HANDLE](): Handle {
    return { kind: 'Future', id: this.id, base: this.base, name: this.name };
  }

  private state(): number {
    return Atomics.load(this.heap, this.base + F_STATE);
  }

  private setState(state: number): void {
    Atomics.store(this.heap, this.base + F_STATE, state);
  }

  cancel(): boolean {
    // It also wakes every wait()/asCompleted(), whatever futures they wait for.
    if (scheduling.on) visible(OBJECT_ANY, true);
    this.mutex.lock();
    try {
      const state = this.state();
      if (state === RUNNING || state === FINISHED) return false;
      if (state === CANCELLED || state === CANCELLED_AND_NOTIFIED) return true;
      this.setState(CANCELLED);
      this.waiters.notify(Number.MAX_SAFE_INTEGER);
    } finally {
      this.mutex.unlock();
    }
    rec(EventKind.FutureDone, this.id, __tl.site, 2);
    announceFinished();
    this.runCallbacks();
    return true;
  }

  cancelled(): boolean {
    // A query is a visible operation too: a loop polling it must let the others run.
    if (scheduling.on) visible(this.id, false);
    const state = this.state();
    return state === CANCELLED || state === CANCELLED_AND_NOTIFIED;
  }

  running(): boolean {
    // A query is a visible operation too: a loop polling it must let the others run.
    if (scheduling.on) visible(this.id, false);
    return this.state() === RUNNING;
  }

  done(): boolean {
    // A query is a visible operation too: a loop polling it must let the others run.
    if (scheduling.on) visible(this.id, false);
    const state = this.state();
    return state === CANCELLED || state === CANCELLED_AND_NOTIFIED || state === FINISHED;
  }

  /** Finished with an exception (for wait(FIRST_EXCEPTION)). */
  failed(): boolean {
    return this.state() === FINISHED && Atomics.load(this.heap, this.base + F_FAILED) === 1;
  }

  /** The result; waits up to `timeout` seconds. Throws the call's exception, CancelledError or TimeoutError. */
  result(timeout?: number | null): T {
    const outcome = this.waitOutcome(timeout);
    if ('error' in outcome) throw fromWire(outcome.error);
    return fromWire(outcome.value) as T;
  }

  /** The call's exception (null if it returned); waits like result(). */
  exception(timeout?: number | null): Error | null {
    const outcome = this.waitOutcome(timeout);
    return 'error' in outcome ? (fromWire(outcome.error) as Error) : null;
  }

  private waitOutcome(timeout: number | null | undefined): Outcome {
    const site = __tl.site;
    const deadline = deadlineFor(timeout);
    if (scheduling.on) visible(this.id, false);
    this.mutex.lock();
    let waited = false;
    try {
      for (;;) {
        const state = this.state();
        if (state === CANCELLED || state === CANCELLED_AND_NOTIFIED) throw new CancelledError();
        if (state === FINISHED) {
          if (!waited) recordPassedWait(this.id, WaitKind.Future, site);
          return rpc({ op: 'box-get', id: this.id }) as Outcome;
        }
        if (remainingMs(deadline) <= 0) throw new TimeoutError();
        waited = true;
        waitWithMutex(this.waiters, this.mutex, this.id, WaitKind.Future, deadline, site);
      }
    } finally {
      this.mutex.unlock();
    }
  }

  /** Call `fn(future)` when the future is done (now, if it already is). `fn` must be module-level. */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    const wire = toWire(fn, 'the done callback', __tl.site);
    if (scheduling.on) visible(this.id, true);
    const runNow = rpc({ op: 'callback-add', id: this.id, fn: wire }) as boolean;
    if (runNow) this.invoke(fn);
  }

  private runCallbacks(): void {
    const fns = rpc({ op: 'callbacks-take', id: this.id }) as Wire[];
    for (const fn of fns) this.invoke(fromWire(fn) as (future: Future<T>) => void);
  }

  private invoke(fn: (future: Future<T>) => void): void {
    try {
      fn(this);
    } catch (error) {
      console.error(`exception calling callback for ${String(this)}:`, error);
    }
  }

  // ── For executors (CPython's set_running_or_notify_cancel, set_result, set_exception) ──

  setRunningOrNotifyCancel(): boolean {
    if (scheduling.on) visible(this.id, true);
    this.mutex.lock();
    try {
      const state = this.state();
      if (state === CANCELLED) {
        this.setState(CANCELLED_AND_NOTIFIED);
        return false;
      }
      if (state === PENDING) {
        this.setState(RUNNING);
        return true;
      }
      throw new RuntimeError(`Future in unexpected state ${state}`);
    } finally {
      this.mutex.unlock();
    }
  }

  setResult(value: T): void {
    this.finish({ value: toWire(value, 'the result of the submitted call', __tl.site) }, 0);
  }

  setException(error: unknown): void {
    const wire =
      error instanceof Error
        ? { $error: { name: error.name, message: error.message, stack: error.stack } }
        : toWire(error, 'the exception', __tl.site);
    this.finish({ error: wire }, 1);
  }

  private finish(outcome: Outcome, failed: 0 | 1): void {
    // It also wakes every wait()/asCompleted(), whatever futures they wait for.
    if (scheduling.on) visible(OBJECT_ANY, true);
    this.mutex.lock();
    try {
      const state = this.state();
      if (state === CANCELLED || state === CANCELLED_AND_NOTIFIED || state === FINISHED) {
        throw new InvalidStateError(`${String(this)} is already done`);
      }
      rpc({ op: 'box-set', id: this.id, value: outcome });
      Atomics.store(this.heap, this.base + F_FAILED, failed);
      this.setState(FINISHED);
      this.waiters.notify(Number.MAX_SAFE_INTEGER);
    } finally {
      this.mutex.unlock();
    }
    rec(EventKind.FutureDone, this.id, __tl.site, failed);
    announceFinished();
    this.runCallbacks();
  }

  toString(): string {
    const names = ['pending', 'running', 'cancelled', 'cancelled', 'finished'];
    return `<Future "${this.name}" state=${names[this.state()]}>`;
  }
}

// ── wait / asCompleted ────────────────────────────────────────────────────────────────────

export const FIRST_COMPLETED = 'FIRST_COMPLETED';
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
export const ALL_COMPLETED = 'ALL_COMPLETED';
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

export interface DoneAndNotDone<T> {
  done: Set<Future<T>>;
  notDone: Set<Future<T>>;
}

/** Wait for the futures; returns `{ done, notDone }` (CPython's concurrent.futures.wait). */
export function wait<T>(
  futures: Iterable<Future<T>>,
  options: { timeout?: number | null; returnWhen?: ReturnWhen } = {},
): DoneAndNotDone<T> {
  const site = __tl.site;
  const list = [...new Set(futures)];
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  if (![FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED].includes(returnWhen))
    throw new ValueError(`Invalid returnWhen: ${String(returnWhen)}`);
  const deadline = deadlineFor(options.timeout);
  const { mutex, queue } = anyFuture();
  const split = () => ({
    done: new Set(list.filter((f) => f.done())),
    notDone: new Set(list.filter((f) => !f.done())),
  });
  // What wait() returns as done happened before it returns, waited for or not.
  const seen = (result: DoneAndNotDone<T>) => {
    for (const f of result.done) recordPassedWait(f.id, WaitKind.Future, site);
    return result;
  };
  if (scheduling.on) visible(OBJECT_ANY, false);
  mutex.lock();
  try {
    for (;;) {
      const result = split();
      if (result.notDone.size === 0) return seen(result);
      if (returnWhen === FIRST_COMPLETED && result.done.size > 0) return seen(result);
      if (returnWhen === FIRST_EXCEPTION && [...result.done].some((f) => f.failed())) return seen(result);
      if (remainingMs(deadline) <= 0) return seen(result);
      const first = result.notDone.values().next().value as Future<T>;
      waitWithMutex(queue, mutex, first.id, WaitKind.Future, deadline, site);
    }
  } finally {
    mutex.unlock();
  }
}

/** Yield the futures as they finish (those already done first); TimeoutError after `timeout` seconds. */
export function* asCompleted<T>(futures: Iterable<Future<T>>, timeout?: number | null): Generator<Future<T>> {
  const site = __tl.site;
  const deadline = deadlineFor(timeout);
  const pending = new Set(futures);
  const total = pending.size;
  const { mutex, queue } = anyFuture();
  while (pending.size > 0) {
    const ready: Future<T>[] = [];
    if (scheduling.on) visible(OBJECT_ANY, false);
    mutex.lock();
    try {
      for (;;) {
        for (const f of pending) if (f.done()) ready.push(f);
        if (ready.length > 0) break;
        if (remainingMs(deadline) <= 0) {
          throw new TimeoutError(`${pending.size} (of ${total}) futures unfinished`);
        }
        const first = pending.values().next().value as Future<T>;
        waitWithMutex(queue, mutex, first.id, WaitKind.Future, deadline, site);
      }
    } finally {
      mutex.unlock();
    }
    for (const f of ready) {
      pending.delete(f);
      recordPassedWait(f.id, WaitKind.Future, site);
      yield f;
    }
  }
}

// ── ThreadPoolExecutor ────────────────────────────────────────────────────────────────────

interface WorkItem {
  future: Future;
  fn: (...args: unknown[]) => unknown;
  args: unknown[];
}

/** What each pool thread runs (a runtime function, found by name in the new worker). */
function poolWorker(work: Queue<WorkItem | null>, idle: Semaphore): void {
  for (;;) {
    const item = work.get();
    if (item === null) {
      work.put(null); // wake the next worker so it exits too
      return;
    }
    if (!item.future.setRunningOrNotifyCancel()) {
      idle.release();
      continue;
    }
    let value: unknown;
    let error: unknown;
    let failed = false;
    try {
      value = item.fn(...item.args);
      if (value !== null && typeof (value as { then?: unknown })?.then === 'function') {
        throw new ThreadlanesUsageError(
          `the submitted function "${item.fn.name}" returned a Promise: pool tasks run synchronously, like Python's; submit a function that is not async.`,
          0,
        );
      }
    } catch (caught) {
      failed = true;
      error = caught;
    }
    // Idle before the result is visible: a submit that follows the result() reuses this thread.
    idle.release();
    try {
      if (failed) item.future.setException(error);
      else item.future.setResult(value);
    } catch (unsendable) {
      // The result could not cross back to the caller (a closure, a Promise, …): that is the outcome.
      item.future.setException(unsendable);
    }
  }
}
registerBuiltin('poolWorker', poolWorker);

let poolCounter = 0;

export interface ThreadPoolExecutorOptions {
  /** Most pool threads (default min(32, cpus + 4), as in CPython). */
  maxWorkers?: number;
  /** Pool thread names are `${threadNamePrefix}_${n}`. */
  threadNamePrefix?: string;
}

export class ThreadPoolExecutor {
  readonly maxWorkers: number;
  private readonly prefix: string;
  private readonly work: Queue<WorkItem | null>;
  private readonly idle: Semaphore;
  private readonly threads: Thread[] = [];
  private shutdownDone = false;

  constructor(options: ThreadPoolExecutorOptions = {}) {
    const key = claimInitKey();
    const cpus = ctx().setup.cpuCount;
    const maxWorkers = options.maxWorkers ?? Math.min(32, cpus + 4);
    if (!Number.isInteger(maxWorkers) || maxWorkers <= 0) throw new ValueError('maxWorkers must be greater than 0');
    this.maxWorkers = maxWorkers;
    this.prefix = options.threadNamePrefix ?? `ThreadPoolExecutor-${poolCounter++}`;
    // Made at top level, the pool's queue and semaphore are the same in every thread.
    this.work = partsOf(key, () => internalParts(() => new Queue<WorkItem | null>(0, `${this.prefix} work`)));
    this.idle = partsOf(key, () => internalParts(() => new Semaphore(0, `${this.prefix} idle`)));
    if (!replay.on) liveExecutors.add(this);
  }

  /** Schedule `fn(...args)` on a pool thread; `fn` must be a module-level function. */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<R> {
    const site = __tl.site;
    if (this.shutdownDone) throw new RuntimeError('cannot schedule new futures after shutdown');
    if (typeof fn !== 'function') throw new TypeError('submit() takes a function');
    if (replay.on) {
      // Top-level code run again by a thread: the call happened in MainThread; hand back a done future.
      const done = constructingParts(() => new Future<R>(`${fn.name || 'call'}()`));
      done.setResult(undefined as R);
      return done;
    }
    // Check now, at the user's line, that the call can cross to a pool thread.
    toWire(fn, 'the submitted function', site);
    args.forEach((arg, i) => toWire(arg, `argument ${i + 1} of the submitted call`, site));
    const future = constructingParts(() => new Future<R>(`${fn.name || 'call'}()`));
    __tl.site = site;
    this.work.put({ future: future, fn: fn as WorkItem['fn'], args });
    this.adjustThreadCount();
    return future;
  }

  private adjustThreadCount(): void {
    if (this.idle.acquire(true, 0)) return;
    if (this.threads.length < this.maxWorkers) {
      const thread = new Thread({
        name: `${this.prefix}_${this.threads.length}`,
        target: poolWorker as (...args: unknown[]) => unknown,
        args: [this.work, this.idle],
        daemon: false,
      });
      markPool(thread, this.prefix);
      thread.start();
      this.threads.push(thread);
    }
  }

  /** Like Array.map over zipped iterables, on the pool; results in order as an iterable. */
  map<R>(fn: Callable<R>, ...iterables: (Iterable<unknown> | { timeout?: number | null })[]): Generator<R> {
    let timeout: number | null | undefined;
    const last = iterables[iterables.length - 1];
    if (last && typeof last === 'object' && !(Symbol.iterator in last)) {
      timeout = last.timeout;
      iterables = iterables.slice(0, -1);
    }
    const deadline = deadlineFor(timeout);
    const iterators = (iterables as Iterable<unknown>[]).map((it) => it[Symbol.iterator]());
    const futures: Future<R>[] = [];
    for (;;) {
      const step = iterators.map((it) => it.next());
      if (step.length === 0 || step.some((s) => s.done)) break;
      futures.push(this.submit(fn, ...step.map((s) => s.value as unknown)));
    }
    return (function* results() {
      let i = 0;
      try {
        for (; i < futures.length; i++) {
          yield futures[i].result(deadline === Infinity ? null : remainingMs(deadline) / 1000);
        }
      } finally {
        for (let j = i; j < futures.length; j++) futures[j].cancel();
      }
    })();
  }

  /** Stop taking work; with wait=true, wait for the pool threads to finish what was submitted. */
  shutdown(wait: boolean = true, options: { cancelFutures?: boolean } = {}): void {
    const site = __tl.site;
    liveExecutors.delete(this);
    if (replay.on) {
      this.shutdownDone = true;
      return;
    }
    if (!this.shutdownDone) {
      this.shutdownDone = true;
      if (options.cancelFutures) {
        for (;;) {
          let item: WorkItem | null;
          try {
            item = this.work.get(false);
          } catch {
            break;
          }
          if (item) item.future.cancel();
        }
      }
      this.work.put(null);
    }
    if (wait) {
      for (const thread of this.threads) {
        __tl.site = site;
        thread.join();
      }
    }
  }

  /** `using executor = new ThreadPoolExecutor(...)` shuts it down (waiting) at the end of the block. */
  [Symbol.dispose](): void {
    this.shutdown(true);
  }
}

const liveExecutors = new Set<ThreadPoolExecutor>();

/** For a reused worker's next run (see core.resetCore). */
export function resetFutures(): void {
  poolCounter = 0;
  liveExecutors.clear();
}

/**
 * Python shuts every pool down (and waits) when the program ends; a thread that made pools and
 * returns does the same here, so a pool nobody shut down does not keep the run alive.
 */
export function shutdownExecutors(wait: boolean): void {
  for (const executor of [...liveExecutors]) executor.shutdown(wait);
}

registerReviver('Future', (handle) => bindTo(handle, () => new Future()));
