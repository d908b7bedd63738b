/**
 * Thread: each one is a worker_threads Worker that evaluates the snippet's module and then runs
 * the target (a module-level function, found by name) or the subclass's run() (the instance is
 * copied over, like a pickled multiprocessing.Process). Its live state is a cell in the shared
 * heap, so join() blocks with Atomics.wait and any thread can ask isAlive().
 */
import { ThreadState, EventKind, WaitKind } from '../trace/format';

import {
  __tl,
  replay,
  rec,
  recordPassedWait,
  beginBlock,
  endBlock,
  deadlineFor,
  remainingMs,
  registerReviver,
  remember,
  publishIdentity,
  toWire,
  registeredName,
  siteText,
  publish,
  HANDLE,
  type Handle,
  type Wire,
  type Callable,
  classOf,
} from './core';

import { OverflowError, RuntimeError, ThreadlanesUsageError, ValueError } from './errors';

import { identityFor } from './locks';

import { notify, rpc } from './rpc';

import { sleepMs, threadStarted, visible, waitCell } from './schedule';

import {
  ctx,
  hasContext,
  threadBlockBase,
  H_MAIN_NAME_VERSION,
  H_LIVE_THREADS,
  H_NEXT_TID,
  H_THREAD_NAME_COUNTER,
  TID_CAPACITY,
  MAIN_OBJECT_ID,
  T_STATE,
  T_THREAD_OBJECT,
  OBJECT_ANY,
  scheduling,
} from './shared';

export interface ThreadOptions {
  /** A module-level function to run in the new thread. */
  target?: Callable | null;
  /** Arguments for the target: plain data, primitives, module-level functions. */
  args?: readonly unknown[];
  name?: string | number;
  /** Daemon threads do not keep the program alive (default: that of the creating thread). */
  daemon?: boolean | null;
}

const O_TID_PLUS_1 = 0;
/** O_TID_PLUS_1 while start() is claiming a thread id (reads as "not started yet"). */
const CLAIMED = -1;
/** Bumped at every rename, so other threads know to fetch the new name. */
const O_NAME_VERSION = 1;

interface ThreadState_ {
  id: number;
  base: number;
  name: string;
  daemon: boolean;
  target?: Callable | null;
  args: readonly unknown[];
  siteId: number;
  pool?: string;
  nameVersion: number;
  /** Its init key when made at module top level (for its parts). */
  key?: string;
}

function mainNameVersion(heap: Int32Array): number {
  return Atomics.load(heap, H_MAIN_NAME_VERSION);
}

const STATE = Symbol('threadlanes.thread');

/** Spawn payloads: what the new worker runs. */
export type SpawnPayload = { mode: 'target'; fn: Wire; args: Wire } | { mode: 'instance'; instance: Wire };

export class Thread {
  private [STATE]!: ThreadState_;

  constructor(options: ThreadOptions = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError('Thread takes an options object: new Thread({ target, args, name, daemon })');
    }
    const siteId = __tl.site;
    const c = ctx();
    const made = identityFor(
      'Thread',
      2,
      options.name === undefined ? () => `Thread-${Atomics.add(c.heap, H_THREAD_NAME_COUNTER, 1) + 1}` : String(options.name),
    );
    const handle = made.handle;
    const daemon = made.bound ? Boolean(handle.extra?.daemon) : (options.daemon ?? currentDaemon());
    const args = options.args ?? [];
    if (!Array.isArray(args)) throw new TypeError('Thread args must be an array');
    this[STATE] = {
      id: handle.id,
      base: handle.base,
      name: handle.name,
      daemon,
      target: options.target,
      args,
      siteId,
      pool: handle.extra?.pool as string | undefined,
      nameVersion: 0,
      key: made.key,
    };
    remember(handle.id, this);
    publishIdentity(made, this);
  }

  [HANDLE](): Handle {
    const s = this[STATE];
    return { kind: 'Thread', id: s.id, base: s.base, name: s.name, extra: { daemon: s.daemon, pool: s.pool } };
  }

  /** What the thread does; override in a subclass. By default calls the target with args. */
  run(): void {
    const s = this[STATE];
    try {
      if (s.target) s.target(...s.args);
    } finally {
      s.target = undefined;
      s.args = [];
    }
  }

  /** Start the thread (once). Returns at once; the thread runs in its own worker. */
  start(): void {
    const siteId = __tl.site;
    const s = this[STATE];
    const c = ctx();
    if (s.id === MAIN_OBJECT_ID) throw new RuntimeError('threads can only be started once');
    // Top-level code run again by another thread: MainThread started this thread already.
    if (replay.on) return;
    // A start may touch anything (the thread table, the names): dependent with every step.
    if (scheduling.on) visible(OBJECT_ANY, true);
    if (Atomics.load(c.heap, s.base + O_TID_PLUS_1) !== 0) throw new RuntimeError('threads can only be started once');
    const payload = this.payload(siteId);
    // Claim the Thread object first (two racing start() calls: one wins), then a place among the
    // live threads (Python limits those alive, not those ever started), then a thread id.
    if (Atomics.compareExchange(c.heap, s.base + O_TID_PLUS_1, 0, CLAIMED) !== 0) {
      throw new RuntimeError('threads can only be started once');
    }
    const refuse = (why: string): never => {
      Atomics.store(c.heap, s.base + O_TID_PLUS_1, 0);
      throw new RuntimeError(`can't start new thread: ${why}`);
    };
    for (;;) {
      const live = Atomics.load(c.heap, H_LIVE_THREADS);
      if (live >= c.setup.maxThreads) {
        refuse(`${live} threads are alive besides MainThread, the limit (raise it with --max-threads, or join threads that are done)`);
      }
      if (Atomics.compareExchange(c.heap, H_LIVE_THREADS, live, live + 1) === live) break;
    }
    let tid: number;
    for (;;) {
      tid = Atomics.load(c.heap, H_NEXT_TID);
      if (tid >= TID_CAPACITY) {
        Atomics.sub(c.heap, H_LIVE_THREADS, 1);
        refuse(`a run may start at most ${TID_CAPACITY - 1} threads in all`);
      }
      if (Atomics.compareExchange(c.heap, H_NEXT_TID, tid, tid + 1) === tid) break;
    }
    Atomics.store(c.heap, s.base + O_TID_PLUS_1, tid + 1);
    const block = threadBlockBase(tid);
    Atomics.store(c.heap, block + T_THREAD_OBJECT, s.id);
    Atomics.store(c.heap, block + T_STATE, ThreadState.Starting);
    threadStarted(tid, s.daemon);
    rec(EventKind.ThreadStart, s.id, siteId, tid);
    publish();
    notify({
      type: 'spawn',
      tid,
      objectId: s.id,
      name: s.name,
      daemon: s.daemon,
      target: payload.mode === 'instance' ? (registeredName(classOf(this)) ?? '?') : (registeredName(s.target) ?? ''),
      payload,
      handle: this[HANDLE](),
      pool: s.pool,
    });
  }

  private payload(siteId: number): SpawnPayload {
    const s = this[STATE];
    if (this.run !== Thread.prototype.run) {
      const Class = classOf(this)!;
      const className = registeredName(Class);
      if (className === undefined) {
        throw new ThreadlanesUsageError(
          `the Thread subclass ${Class.name ? `"${Class.name}" ` : ''}started at ${siteText(siteId)} is not declared at the top level of the module, so the new thread cannot find it. Declare the class at the top level of the file.`,
          siteId,
        );
      }
      const props: Record<string, Wire> = {};
      for (const key of Object.keys(this)) {
        props[key] = toWire((this as unknown as Record<string, unknown>)[key], `the field "${key}" of the thread`, siteId);
      }
      return { mode: 'instance', instance: { $obj: className, props } };
    }
    if (s.target !== undefined && s.target !== null && typeof s.target !== 'function') {
      throw new TypeError('Thread target must be a function');
    }
    const where = s.siteId || siteId;
    return {
      mode: 'target',
      fn: s.target ? toWire(s.target, 'the thread target', where) : null,
      args: s.args.map((arg, i) => toWire(arg, `argument ${i + 1} of the thread target`, where)),
    };
  }

  /** Wait until the thread ends, or `timeout` seconds pass (check isAlive() after). */
  join(timeout?: number | null): void {
    const site = __tl.site;
    const s = this[STATE];
    const c = ctx();
    if (replay.on) return;
    if (scheduling.on) visible(s.id, false);
    const tid = this.tid();
    if (tid < 0) throw new RuntimeError('cannot join thread before it is started');
    if (tid === c.tid) throw new RuntimeError('cannot join current thread');
    const cell = threadBlockBase(tid) + T_STATE;
    if (isDone(Atomics.load(c.heap, cell))) {
      recordPassedWait(s.id, WaitKind.Join, site);
      return;
    }
    const deadline = deadlineFor(timeout);
    if (remainingMs(deadline) <= 0) return;
    beginBlock(s.id, WaitKind.Join, deadline !== Infinity, site);
    let done = false;
    for (;;) {
      const state = Atomics.load(c.heap, cell);
      if (isDone(state)) {
        done = true;
        break;
      }
      const wait = remainingMs(deadline);
      if (wait <= 0) break;
      waitCell(c.heap, cell, state, wait);
    }
    endBlock(done, site);
  }

  private tid(): number {
    const s = this[STATE];
    if (s.id === MAIN_OBJECT_ID) return 0;
    return Math.max(-1, Atomics.load(ctx().heap, s.base + O_TID_PLUS_1) - 1);
  }

  isAlive(): boolean {
    // A query is a scheduling point too: a loop polling it must let the others run.
    if (scheduling.on) visible(this[STATE].id, false);
    const tid = this.tid();
    if (tid < 0) return false;
    const state = Atomics.load(ctx().heap, threadBlockBase(tid) + T_STATE);
    return state !== ThreadState.NotStarted && !isDone(state);
  }

  get name(): string {
    const s = this[STATE];
    const heap = ctx().heap;
    // Renamed in another thread? The harness has the name (a rename is rare; reading is cheap).
    const version = s.base ? Atomics.load(heap, s.base + O_NAME_VERSION) : mainNameVersion(heap);
    if (version !== s.nameVersion) {
      s.nameVersion = version;
      s.name = rpc({ op: 'thread-name', objectId: s.id }) as string;
    }
    return s.name;
  }

  set name(value: string) {
    const s = this[STATE];
    s.name = String(value);
    rpc({ op: 'thread-rename', objectId: s.id, name: s.name });
    const heap = ctx().heap;
    s.nameVersion = s.base ? Atomics.add(heap, s.base + O_NAME_VERSION, 1) + 1 : Atomics.add(heap, H_MAIN_NAME_VERSION, 1) + 1;
  }

  /** A number that identifies the started thread; null before start(). */
  get ident(): number | null {
    const tid = this.tid();
    return tid < 0 ? null : tid + 1;
  }

  get nativeId(): number | null {
    return this.ident;
  }

  get daemon(): boolean {
    return this[STATE].daemon;
  }

  set daemon(value: boolean) {
    if (this.tid() >= 0) throw new RuntimeError('cannot set daemon status of active thread');
    this[STATE].daemon = Boolean(value);
  }

  toString(): string {
    const tid = this.tid();
    const status = tid < 0 ? 'initial' : this.isAlive() ? 'started' : 'stopped';
    return `<Thread(${this.name}, ${status}${this.daemon ? ' daemon' : ''} ${this.ident ?? ''})>`.replace(' )', ')');
  }

  // Python spellings, for line-by-line translations.
  is_alive(): boolean {
    return this.isAlive();
  }
  getName(): string {
    return this.name;
  }
  setName(name: string): void {
    this.name = name;
  }
  isDaemon(): boolean {
    return this.daemon;
  }
  setDaemon(daemon: boolean): void {
    this.daemon = daemon;
  }
}

function isDone(state: number): boolean {
  return state === ThreadState.Finished || state === ThreadState.Failed;
}

// ── The current thread, and the thread functions of the threading module ──────────────────

let current: Thread | undefined;

/** Attach a thread's shared identity to `thread` (a rebuilt subclass instance or a fresh Thread). */
export function adoptThread(thread: Thread, handle: Handle, target?: unknown, args?: unknown[]): Thread {
  (thread as unknown as Record<symbol, ThreadState_>)[STATE] = {
    id: handle.id,
    base: handle.base,
    name: handle.name,
    daemon: Boolean(handle.extra?.daemon),
    target: target as ThreadState_['target'],
    args: args ?? [],
    siteId: 0,
    pool: handle.extra?.pool as string | undefined,
    // The handle's name is current unless the thread was renamed since (rare: then ask).
    nameVersion: 0,
  };
  remember(handle.id, thread);
  return thread;
}

export function initKeyOf(thread: Thread): string | undefined {
  return (thread as unknown as Record<symbol, ThreadState_>)[STATE].key;
}

export function setCurrentThread(thread: Thread): void {
  current = thread;
}

/** A Thread object for an existing thread, without running a constructor. */
export function threadFromHandle(handle: Handle): Thread {
  return adoptThread(Object.create(Thread.prototype) as Thread, handle);
}

/** Mark a pool thread (its lane is drawn as part of the pool). */
export function markPool(thread: Thread, pool: string): void {
  (thread as unknown as Record<symbol, ThreadState_>)[STATE].pool = pool;
}

function currentDaemon(): boolean {
  return current ? current.daemon : false;
}

export function currentThread(): Thread {
  if (!current) throw new RuntimeError('no current thread (is this running inside Threadlanes?)');
  return current;
}

let mainThreadObject: Thread | undefined;

/** For a reused worker's next run (see core.resetCore). */
export function resetThreads(): void {
  current = undefined;
  mainThreadObject = undefined;
}

export function mainThread(): Thread {
  if (ctx().isMain) return currentThread();
  return (mainThreadObject ??= threadFromHandle(MAIN_HANDLE));
}

export const MAIN_HANDLE: Handle = { kind: 'Thread', id: MAIN_OBJECT_ID, base: 0, name: 'MainThread', extra: { daemon: false } };

/** The Thread objects of all threads alive now (started and not finished), MainThread first. */
export function enumerate(): Thread[] {
  const handles = rpc({ op: 'threads' }) as Handle[];
  const me = current ? current[HANDLE]().id : -1;
  return handles.map((h) => (h.id === me ? currentThread() : threadFromHandle(h)));
}

export function activeCount(): number {
  return enumerate().length;
}

export function getIdent(): number {
  return ctx().tid + 1;
}

/** Sleep for `seconds` (a float, like time.sleep). Other threads run meanwhile. */
export function sleep(seconds: number): void {
  const site = __tl.site;
  // As CPython's time.sleep: _PyTime_FromSecondsObject, then pysleep.
  if (typeof seconds !== 'number') throw new TypeError('sleep() takes a number of seconds');
  if (Number.isNaN(seconds)) throw new ValueError('Invalid value NaN (not a number)');
  if (!(seconds * 1e9 >= -(2 ** 63) && seconds * 1e9 < 2 ** 63)) throw new OverflowError('timestamp too large to convert to C _PyTime_t');
  if (seconds < 0) throw new ValueError('sleep length must be non-negative');
  if (replay.on) return;
  // A sleep touches nothing shared, but it is where classic examples give the others a turn.
  if (scheduling.on) visible(0, false);
  const us = Math.min(0x7fffffff, Math.round(seconds * 1e6));
  const c = ctx();
  Atomics.store(c.heap, c.self + T_STATE, ThreadState.Sleeping);
  rec(EventKind.SleepBegin, 0, site, us);
  publish();
  sleepMs(seconds * 1000, sleepCell);
  rec(EventKind.SleepEnd, 0, site, 0);
  Atomics.store(c.heap, c.self + T_STATE, ThreadState.Running);
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** True in the worker running the snippet's main program (Python's `__name__ == "__main__"`). */
export function isMainThreadNow(): boolean {
  return hasContext() && ctx().isMain;
}

registerReviver('Thread', (handle) => threadFromHandle(handle));
