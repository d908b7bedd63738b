/**
 * The Threadlanes trace format — the specification.
 *
 * A trace is what one run of a snippet recorded: who the threads were, which primitives
 * existed, where in the user's file each operation happened, and a stream of fixed-size
 * binary events per thread.
 *
 * VERSION 1
 *
 * Units
 *   - Timestamps are nanoseconds since the run's epoch (the instant the harness started the
 *     run), as float64 holding an integer. All threads share the epoch.
 *   - Durations in summaries are milliseconds (`...Ms`), as in the CLI's JSON report.
 *   - Snippet API times (sleep, timeouts) are seconds, as in Python; they never appear here.
 *
 * Identifiers
 *   - `tid`: a small integer per thread, 0 = MainThread, allocated in start order.
 *   - `objectId`: one id space for every primitive *and* every Thread object (so a join
 *     names its thread as an object). 0 means "none"; 1 is MainThread.
 *   - `siteId`: index into `sites`; 0 means "unknown site". Sites are fixed when the snippet
 *     is bundled (the bundler numbers every call of the API in the user's file).
 *
 * Event record (EVENT_BYTES = 24, little-endian, 8-byte aligned)
 *   bytes 0..7    float64  timeNs      nanoseconds since epoch
 *   bytes 8..11   uint32   kindAndSeq  low 8 bits: EventKind; high 24 bits: the per-thread
 *                                       sequence number modulo 2^24 (lets a reader recover
 *                                       events a killed writer had not yet published)
 *   bytes 12..15  uint32   objectId
 *   bytes 16..19  uint32   siteId
 *   bytes 20..23  int32    arg         meaning depends on the kind (see EventKind)
 *
 * Invariants (not enforced by a checker: the readers — trace/intervals.ts and the analyses —
 * do the sensible thing with a stream that breaks them and say so through `onWarning`, and
 * the tests check that recorded traces keep them)
 *   1. Per thread, timestamps are non-decreasing and sequence numbers increase by one
 *      (modulo 2^24: they wrap).
 *   2. A Lock has at most one owner at any instant; an RLock's depth never goes below 0.
 *   3. Every ACQUIRED is matched by a RELEASED of the same object (by any thread for a Lock
 *      or Semaphore; by the same thread for an RLock), or the object is held at the end.
 *   4. Every BLOCK is followed on the same thread by the UNBLOCK that ends it, unless the
 *      thread is still blocked when the run ends (deadlock, timeout).
 *   5. Nothing is dropped silently: if a limit stopped recording, `truncated` says which.
 */

export const TRACE_FORMAT = 'threadlanes-trace';
export const TRACE_VERSION = 1;
export const EVENT_BYTES = 24;
export const EVENT_WORDS = EVENT_BYTES / 4;

/** What an event says. `arg` is described per kind. */
export const enum EventKind {
  /** The thread began executing (its worker evaluated the module and calls the target). */
  ThreadRunning = 1,
  /** The thread's target returned. */
  ThreadFinished = 2,
  /** The thread's target threw; `arg` = index into `exceptions`. */
  ThreadFailed = 3,
  /** This thread called start() on Thread object `objectId`; `arg` = the new thread's tid. */
  ThreadStart = 4,

  /** Acquired `objectId` (Lock, RLock, Semaphore permit). `arg` = Lock: its version (1, 2, … per acquisition, orders a lock's events across threads exactly); RLock: depth after; Semaphore: value after. */
  Acquired = 10,
  /** Released `objectId`. `arg` = Lock: the version of the hold it ends; RLock: depth after; Semaphore: permits released. */
  Released = 11,
  /** A non-blocking or timed acquire of `objectId` failed. */
  AcquireFailed = 12,

  /** The thread stops running because of `objectId`; `arg` = WaitKind | (timed ? 0x100 : 0). */
  Block = 20,
  /** The block that began with the last Block ends; `objectId` = the same object; `arg` = 1 if it ended by success, 0 by timeout/failure. */
  Unblock = 21,
  /** The thread sleeps; `arg` = requested duration in microseconds (clamped to int32). */
  SleepBegin = 22,
  SleepEnd = 23,

  /** Condition `objectId` notify; `arg` = number of waiters woken. */
  Notify = 30,
  /** Event `objectId` set / clear. */
  EventSet = 31,
  EventClear = 32,
  /** Queue `objectId` put / get; `arg` = queue size after the operation. */
  QueuePut = 33,
  QueueGet = 34,
  QueueTaskDone = 35,
  /** Barrier `objectId` passed; `arg` = arrival index. */
  BarrierPass = 36,
  /** Barrier `objectId` broken (abort, reset, timeout). */
  BarrierBroken = 37,
  /** Future `objectId` finished; `arg` = 0 result, 1 exception, 2 cancelled. */
  FutureDone = 38,

  /** Value / SharedArray `objectId` read / write; `arg` = index (0 for Value). */
  SharedRead = 40,
  SharedWrite = 41,

  /** The thread wrote output; `arg` = index into `output`. */
  Output = 50,

  // GIL mode (trace mode 'gil') only. objectId 0: the GIL is not in `objects`.
  /** The thread can run but must wait for the GIL (someone else holds it): "waiting for the GIL". */
  GilRequest = 60,
  /** The thread took the GIL. `arg` = the tid that held it last (-1 if none). */
  GilAcquired = 61,
  /** The thread gave the GIL up; `arg` = GilReleaseReason. */
  GilReleased = 62,
}

/** Why a thread gave the GIL up (`arg` of GilReleased). */
export const enum GilReleaseReason {
  /** It blocks or sleeps (the Block or SleepBegin event comes just before). */
  Blocks = 0,
  /** Its switch interval ran out while another thread waited: a forced switch. */
  Switch = 1,
  /** The thread ends. */
  Exits = 2,
}

/** What a Block waits for. The panel names the kind ("waiting on condition …"). */
export const enum WaitKind {
  Lock = 1,
  Condition = 2,
  Event = 3,
  Semaphore = 4,
  Queue = 5,
  Join = 6,
  Barrier = 7,
  Future = 8,
}

export const WAIT_KIND_NAMES: Record<number, string> = {
  1: 'lock',
  2: 'condition',
  3: 'event',
  4: 'semaphore',
  5: 'queue',
  6: 'join',
  7: 'barrier',
  8: 'future',
};

/** Flag or-ed into a Block's arg when the wait has a timeout (it can end without help). */
export const WAIT_TIMED = 0x100;

/** The WaitKind in a Block's arg (its low byte; WAIT_TIMED is above it). */
export function waitKindOf(arg: number): number {
  return arg & 0xff;
}

/**
 * What a thread is doing. One set of numbers for every layer: the live state the runtime keeps
 * in the shared heap (T_STATE), the state intervals derived from events (trace/intervals.ts),
 * the timeline model's lanes and the panel's colours.
 */
export const enum ThreadState {
  /** Not started yet (in the heap: a thread slot not in use). */
  NotStarted = 0,
  Starting = 1,
  Running = 2,
  /** Blocked on a lock (a Block whose WaitKind is Lock). */
  Blocked = 3,
  /** Waiting on anything else (condition, event, queue, join, barrier, semaphore, future). */
  Waiting = 4,
  Sleeping = 5,
  Finished = 6,
  Failed = 7,
  /** GIL mode: able to run, but waiting for another thread to give the GIL up (GilRequest…GilAcquired). */
  WaitingForGil = 8,
}

export const THREAD_STATE_COUNT = 9;

/** Each ThreadState's name in text and JSON (index = the state's number). */
export const THREAD_STATE_NAMES = [
  'not-started',
  'starting',
  'running',
  'blocked',
  'waiting',
  'sleeping',
  'finished',
  'failed',
  'gil-wait',
] as const;
export type ThreadStateName = (typeof THREAD_STATE_NAMES)[number];

/** How threads are scheduled: real parallelism, a seeded one-at-a-time scheduler, or a GIL. */
export const MODES = ['free', 'controlled', 'gil'] as const;
export type Mode = (typeof MODES)[number];

/** Controlled mode: how the scheduler picks the next thread at each scheduling point. */
export const STRATEGIES = ['random', 'pct', 'rr', 'dfs'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export type ObjectKind =
  | 'Thread'
  | 'Lock'
  | 'RLock'
  | 'Condition'
  | 'Semaphore'
  | 'BoundedSemaphore'
  | 'Event'
  | 'Barrier'
  | 'Queue'
  | 'LifoQueue'
  | 'PriorityQueue'
  | 'Value'
  | 'SharedArray'
  | 'Future'
  | 'ThreadPoolExecutor'
  | 'Timer';

export type Outcome = 'completed' | 'deadlock' | 'livelock' | 'timeout' | 'error';

/** A place in the user's file. Lines and columns are 1-based. */
export interface Site {
  file: string;
  line: number;
  col: number;
  /** The variable or property the call's result was assigned to, when there is one. */
  declaredAs?: string;
}

export interface ThreadInfo {
  tid: number;
  name: string;
  /** The Thread object's id (1 for MainThread). */
  objectId: number;
  daemon: boolean;
  /** Set for ThreadPoolExecutor workers. */
  pool?: string;
  /** What the thread ran: a function or class name. */
  target?: string;
  finalState: ThreadFinalState;
}

export type ThreadFinalState = 'not-started' | 'running' | 'blocked' | 'waiting' | 'sleeping' | 'finished' | 'failed';

export interface ObjectInfo {
  id: number;
  kind: ObjectKind;
  name: string;
  /** Construction site. */
  siteId: number;
  /** The thread that constructed it. */
  tid: number;
  /** Semaphore initial value, Queue maxsize, Barrier parties. */
  initial?: number;
  /** Internal objects (a pool's work queue) are hidden in summaries unless asked for. */
  internal?: boolean;
}

export interface OutputLine {
  tid: number;
  /** Thread name, for readers that do not join on tid. */
  thread: string;
  stream: 'stdout' | 'stderr';
  text: string;
  timeNs: number;
}

export interface ExceptionInfo {
  tid: number;
  name: string;
  message: string;
  /** The user's frames only, already mapped to the snippet. */
  stack: string;
  siteId: number;
  timeNs: number;
}

/** Why recording stopped early, if it did. */
export type Truncation = 'events' | 'output' | 'threads' | undefined;

/** A deadlock the harness found, by ids (names are in threads/objects). */
interface TraceDeadlock {
  /** 'cycle': a wait-for cycle; 'all-blocked': every live thread waits and none can wake another. */
  kind: 'cycle' | 'all-blocked';
  explanation: string;
  detectedAtNs: number;
  cycle: {
    tid: number;
    /** Objects it holds. */
    holds: number[];
    /** The object it waits for (a Thread object for a join). */
    waitsFor: number;
    waitKind: number;
    /** Threads holding what it waits for. */
    heldBy: number[];
    /** The blocking call. */
    siteId: number;
  }[];
}

/** Everything except the event stream. Serialised as JSON in both file forms. */
export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  /** The snippet's path as given. */
  file: string;
  mode: Mode;
  outcome: Outcome;
  /** Wall-clock duration of the run in ms. */
  durationMs: number;
  startedAt: string;
  threads: ThreadInfo[];
  objects: ObjectInfo[];
  /** Index 0 is the unknown site. */
  sites: Site[];
  output: OutputLine[];
  exceptions: ExceptionInfo[];
  truncated?: Truncation;
  deadlock?: TraceDeadlock;
  /** Why the run failed, when it did (outcome 'error' or 'timeout'). */
  error?: { message: string; site: string; kind: string };
  /** When recording ended, on the events' clock (ns since epoch). */
  endNs?: number;
  /** Count of events in the stream, per tid. */
  eventCounts: number[];
  /**
   * Every wait that returned at once is in the stream as a zero-length Block/Unblock pair (set
   * by runs since this field exists; the race check needs no assumption about such waits).
   */
  waitsRecorded?: boolean;
  /** GIL mode: the switch interval the run started with (ms; the snippet may change it). */
  gil?: { switchIntervalMs: number };
}

/** A trace in memory: header plus, per tid, the raw event bytes (a multiple of 24). */
export interface Trace {
  header: TraceHeader;
  events: Uint8Array[];
}

/** A decoded event, for readers that prefer objects (tests, small traces). */
export interface TraceEvent {
  tid: number;
  seq: number;
  timeNs: number;
  kind: EventKind;
  objectId: number;
  siteId: number;
  arg: number;
}

/** Names for kinds, used by the JSON trace form and text output. */
export const EVENT_KIND_NAMES: Record<number, string> = {
  1: 'running',
  2: 'finished',
  3: 'failed',
  4: 'start',
  10: 'acquired',
  11: 'released',
  12: 'acquire-failed',
  20: 'block',
  21: 'unblock',
  22: 'sleep',
  23: 'wake',
  30: 'notify',
  31: 'set',
  32: 'clear',
  33: 'put',
  34: 'get',
  35: 'task-done',
  36: 'barrier-pass',
  37: 'barrier-broken',
  38: 'future-done',
  40: 'read',
  41: 'write',
  50: 'output',
  60: 'gil-request',
  61: 'gil-acquired',
  62: 'gil-released',
};

/**
 * The ring each thread writes into (shared memory, single writer, single reader).
 *   Int32 word 0: head — events published by the writer (monotonic count, not wrapped)
 *   Int32 word 1: tail — events consumed by the reader (monotonic count)
 *   Int32 word 2: writer waiting because the ring is full (1) or not (0)
 *   events start at byte RING_HEADER_BYTES; slot i lives at (i mod capacity).
 * The writer publishes `head` every RING_PUBLISH_EVERY events, before any blocking wait and
 * at exit; when the ring is full it waits for the reader instead of dropping.
 */
export const RING_HEADER_BYTES = 64;
export const RING_PUBLISH_EVERY = 64;
export const RING_HEAD = 0;
export const RING_TAIL = 1;
export const RING_WRITER_WAITING = 2;

export function formatSite(sites: Site[], siteId: number): string {
  const site = sites[siteId];
  if (!site || siteId === 0) return '?';
  return `${site.file}:${site.line}:${site.col}`;
}

/** "file:line" — the short form the CLI JSON report uses. */
export function formatSiteShort(sites: Site[], siteId: number): string {
  const site = sites[siteId];
  if (!site || siteId === 0) return '?';
  return `${site.file}:${site.line}`;
}
