/**
 * The shared heap and this worker's view of it.
 *
 * One SharedArrayBuffer (the heap) is created by the harness and mapped by every worker. It
 * holds counters, one block of cells per thread (its state, what it waits on, its parking
 * cell), and the state cells of every primitive (allocated with a bump pointer). Everything a
 * primitive needs to block and wake lives here, so every worker can block on it with
 * Atomics.wait and wake it with Atomics.notify.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Mode, Strategy } from '../trace/format';

// ── Header cells (Int32 indices) ──────────────────────────────────────────────────────────
export const H_NEXT_OBJECT_ID = 0;
export const H_NEXT_TID = 1;
export const H_NEXT_CELL = 2;
export const H_THREAD_NAME_COUNTER = 3;
/** Writers bump and notify this when their ring needs draining; the harness waits on it. */
export const H_DOORBELL = 6;
/** The mutex and waiter queue every wait()/asCompleted() parks on until some future finishes. */
export const H_FUTURES_MUTEX = 8;
export const H_FUTURES_QUEUE = 10;
/** A millisecond tick the harness's ticker advances; recorders read the clock when it moves. */
export const H_TICK = 12;
/** Bumped when MainThread is renamed (other Thread objects keep this in their own cells). */
export const H_MAIN_NAME_VERSION = 13;
/** Controlled mode's virtual clock, ns since the epoch: a float64 over cells 14–15 (heapF64 index). */
export const H_VCLOCK_F64 = 7;
/** MainThread's Thread object id; the harness starts allocating ids after it. */
export const MAIN_OBJECT_ID = 1;
/** Per-kind counters for default names ("Lock-1"), indexed by KIND_CODES. */
const H_NAME_COUNTERS = 16;
// Controlled mode's scheduler (runtime/schedule.ts); only the thread holding the baton writes them.
/** The tid holding the baton. */
export const H_S_TURN = 48;
/** Scheduling steps taken so far. */
export const H_S_STEP = 49;
/** The random generator's state. */
export const H_S_RNG = 50;
/** Orders waits, so a wake picks the longest-waiting thread first. */
export const H_S_WAIT_SEQ = 51;
/** SCHED_STUCK once no thread can ever run again. */
export const H_S_STATUS = 52;
/** PCT: the priority the next change point gives (depth-1, then one less each time). */
export const H_S_LOW_PRIORITY = 53;
/** Round-robin: steps left in the running thread's time slice. */
export const H_S_SLICE_LEFT = 54;
/** Scheduling steps at which more than one thread could run (PCT counts these). */
export const H_S_CHOICES = 55;
// GIL mode (runtime/gil.ts): a ticket lock, so the GIL goes to the thread that waited longest.
/** The next ticket to hand out. */
export const H_GIL_TICKET = 56;
/** The ticket that holds the GIL now; waiters wait on this cell. */
export const H_GIL_SERVING = 57;
/** tid + 1 of the holder (0: nobody). */
export const H_GIL_HOLDER = 58;
/** Set by the next waiter once it has waited a switch interval, to the holder's ticket + 1: the holder drops the GIL at its next check. */
export const H_GIL_DROP = 59;
/** The switch interval, µs (sys.setswitchinterval; process-wide). */
export const H_GIL_INTERVAL_US = 60;
/** tid + 1 of the last thread that held it. */
export const H_GIL_LAST = 61;
/** Controlled mode: non-daemon threads not yet finished (MainThread included). At 0 the program is over. */
export const H_S_LIVE = 62;
/** Scheduling decisions taken so far (DFS: the index into the path being followed). */
export const H_S_DECISIONS = 63;
/** Set once the run has taken more than `unfairSteps` steps: from then on every point switches threads in turn. */
export const H_S_FAIR = 64;
/** Steps in a row (in fair mode) in which no thread wrote anything: a livelock once it reaches the limit. */
export const H_S_IDLE_STEPS = 65;
/** tid + 1 of the thread whose spinning was reported as a livelock. */
export const H_S_LIVELOCK_TID = 66;
/** Steps so far that wrote something (a read repeated with none in between is a spin). */
export const H_S_WRITES = 67;
/** Threads started and not yet ended (MainThread not counted): what `maxThreads` limits. */
export const H_LIVE_THREADS = 68;
/** Controlled mode: set once anything read the clock (a sleep, a timeout, Date.now()): from then on the state depends on when, not only on the order (DFS stops caching states). */
export const H_S_TIMED = 69;
const HEADER_CELLS = 72;

// ── Per-thread block ──────────────────────────────────────────────────────────────────────
const THREAD_STRIDE = 20;
export const T_STATE = 0;
export const T_WAIT_OBJECT = 1;
/** WaitKind | WAIT_TIMED flag, while blocked. */
export const T_WAIT_KIND = 2;
/** Incremented at every block; lets the harness tell a new wait from an old one. */
export const T_EPISODE = 3;
/** The cell a Condition waiter parks on: 0 waiting, 1 notified. */
export const T_PARK = 4;
/** Next waiter (tid + 1, 0 = none) in the Condition list this thread is queued on. */
export const T_COND_NEXT = 5;
/** Synchronous request/response doorbell with the harness. */
export const T_RPC = 6;
export const T_THREAD_OBJECT = 7;
// Controlled mode: the thread as the scheduler sees it (runtime/schedule.ts).
/** SchedState: unused, runnable, waiting, finished. */
export const T_S_STATE = 8;
/** The heap cell it waits on (-1: a sleep). */
export const T_S_CELL = 9;
/** Its wait's place in line. */
export const T_S_SEQ = 10;
/** How its wait ended: 1 woken, 2 timed out. */
export const T_S_WOKEN = 11;
/** Virtual deadline of its wait, ns: a float64 over cells 12–13. */
export const T_S_DEADLINE = 12;
/** PCT priority. */
export const T_S_PRIORITY = 14;
/** Set to 1 to give it the baton; it waits on this cell. */
export const T_S_GO = 15;
/** The object its next (or current) step operates on: an object id, a SharedArray element (values.ts elementObject, ≤ -16), or OBJECT_ANY. */
export const T_S_OP = 16;
/** OP_WRITE | OP_OUTPUT for that step. */
export const T_S_OP_FLAGS = 17;
/** The site of its last visible operation (where a livelock spins). */
export const T_S_SITE = 18;

/** A step that may touch anything: dependent with every other step. */
export const OBJECT_ANY = -1;
/** Step flags: the step changes its object (not only reads it); the step printed output. */
export const OP_WRITE = 1;
export const OP_OUTPUT = 2;
/**
 * The step changed its object in a way that commutes with any other step so flagged on the same
 * object, from the state it ran in: a Semaphore acquire that found two permits or more, a plain
 * Semaphore release that found no waiter. Either order of two such steps gives the same state.
 */
export const OP_COMMUTE = 4;

export function threadBlockBase(tid: number): number {
  return HEADER_CELLS + tid * THREAD_STRIDE;
}

/**
 * Most threads one run may start in all (tids 0 … TID_CAPACITY - 1); `maxThreads` limits those
 * alive at once. Each has a block of THREAD_STRIDE cells: 5 MiB for all of them.
 */
export const TID_CAPACITY = 1 << 16;

/** Where primitives' cells begin: after the header and every thread block. */
export function cellsBase(): number {
  return HEADER_CELLS + TID_CAPACITY * THREAD_STRIDE;
}

const KIND_CODES: Record<string, number> = {
  Thread: 0,
  Lock: 1,
  RLock: 2,
  Condition: 3,
  Semaphore: 4,
  BoundedSemaphore: 5,
  Event: 6,
  Barrier: 7,
  Queue: 8,
  LifoQueue: 9,
  PriorityQueue: 10,
  Value: 11,
  SharedArray: 12,
  Future: 13,
  ThreadPoolExecutor: 14,
  Timer: 15,
};

/** What the harness tells a worker when it gives it a thread to run. */
export interface WorkerSetup {
  heap: SharedArrayBuffer;
  /** Most threads alive at once, MainThread not counted (Thread.start raises past it). */
  maxThreads: number;
  /** performance.timeOrigin of the harness; every worker converts its clock to this epoch. */
  epochOrigin: number;
  record: boolean;
  /** Record every Value/SharedArray read and write (for race detection). */
  recordShared: boolean;
  cpuCount: number;
  mode: Mode;
  /** Controlled mode: how the scheduler picks the next thread. */
  schedule?: ScheduleSetup;
}

export interface ScheduleSetup {
  strategy: Strategy;
  seed: number;
  /** PCT: the steps at which the running thread's priority drops. */
  changePoints: number[];
  /** DFS: the choices that differ from the default (keep running, else the lowest runnable tid), as [decision, tid] pairs. */
  path?: [number, number][];
  /** DFS: where each decision is logged for the explorer (see runtime/schedule.ts, "The decision log"). */
  log?: SharedArrayBuffer;
  /** Steps before the schedule is made fair (a spinning thread then cannot starve the others). */
  unfairSteps: number;
  /** Steps in a row without any thread writing, in fair mode, before the run is reported as a livelock. */
  livelockSteps: number;
}

export interface ThreadAssignment {
  tid: number;
  /** The run's epoch on the harness clock (ms, performance.now() there), fixed once workers are warm. */
  epochOffsetMs: number;
  name: string;
  ring: SharedArrayBuffer;
  bundlePath: string;
  /** The site table made when bundling (siteId → file, line, col, declared name). */
  sites: { file: string; line: number; col: number; declaredAs?: string }[];
  daemon: boolean;
  /** Objects made at module top level by MainThread, by "siteId:occurrence". */
  initObjects: Record<string, unknown>;
  /** For threads other than MainThread: what to run. */
  target?: unknown;
  threadHandle?: unknown;
}

/** This worker's context. Set once by the worker entry before the snippet is evaluated. */
export interface Context {
  setup: WorkerSetup;
  heap: Int32Array;
  heapF64: Float64Array;
  tid: number;
  threadName: string;
  /** Index of this thread's block in `heap`. */
  self: number;
  port: MessagePort;
  /** True while the snippet's module body is being evaluated in this worker. */
  initPhase: boolean;
  isMain: boolean;
  assignment: ThreadAssignment;
  /** Occurrences per site during the init phase, for binding top-level objects. */
  initOccurrences: Map<number, number>;
}

/**
 * True in controlled and GIL modes, where every operation is also a scheduling point. Free
 * mode's hot path checks only this (one load), not the modes one by one.
 */
export const scheduling = { on: false };

let current: Context | undefined;

export function setContext(context: Context): void {
  current = context;
}

export function ctx(): Context {
  if (!current) {
    throw new Error(
      'threadlanes: this module only works inside a Threadlanes run. Run the snippet with "threadlanes run <file>" or the "Visualise threads" command.',
    );
  }
  return current;
}

export function hasContext(): boolean {
  return current !== undefined;
}

/** Allocate `count` Int32 cells (8-byte aligned) in the heap, zeroed. */
export function allocCells(count: number): number {
  const c = ctx();
  const size = (count + 1) & ~1;
  const base = Atomics.add(c.heap, H_NEXT_CELL, size);
  if (base + size > c.heap.length) {
    throw new Error(
      `threadlanes: out of shared memory for primitives (${c.heap.length * 4} bytes); the snippet creates too many primitives`,
    );
  }
  return base;
}

export function nextObjectId(): number {
  return Atomics.add(ctx().heap, H_NEXT_OBJECT_ID, 1);
}

export function nextDefaultName(kind: string): string {
  const c = ctx();
  const n = Atomics.add(c.heap, H_NAME_COUNTERS + (KIND_CODES[kind] ?? 31), 1) + 1;
  return `${kind}-${n}`;
}
