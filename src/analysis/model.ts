/**
 * The timeline model: what the panel draws, built from a trace once (ARCHITECTURE.md, decision 8).
 * The panel never reads raw events. Pure: no DOM, no Node.
 *
 * Coordinate space: every time is `…Ns`, nanoseconds since the run's epoch (as in the trace).
 * Large runs: interval lists are columnar (typed arrays, sorted by start) and each lane has
 * level-of-detail summaries, so drawing a lane costs time proportional to its width in pixels,
 * not to its number of intervals.
 *
 * This file is the contract between the model (src/analysis/timeline.ts, `buildTimeline`) and
 * the panel (src/webview/). Extend it; do not change the meaning of a field.
 */
import type { Mode, ObjectKind, Outcome, Site, ThreadFinalState, WaitKind } from '../trace/format';
import type { LockOrderInversion } from './lockOrder';
import type { DataRace } from './races';

/**
 * Sorted, non-overlapping, contiguous intervals of one lane, column by column. From buildTimeline
 * they cover the whole run: NotStarted from 0 until the thread was started, its states, then
 * Finished / Failed until the model's endNs. Empty Running intervals are left out unless the trace
 * ends there; an empty wait or sleep is kept (it happened, even if no time passed), and so is an
 * empty Finished / Failed at the very end.
 */
export interface StateColumns {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  state: Uint8Array;
  /** The primitive waited on (Blocked/Waiting; WaitingForGil inside a Block: the Block's), else 0. */
  objectId: Uint32Array;
  /** WaitKind for Blocked/Waiting (and WaitingForGil inside a Block), else 0. */
  waitKind: Uint8Array;
  /** Site of the call that began the interval (0 = unknown). */
  siteId: Uint32Array;
}

/**
 * Level of detail: at level k a lane is cut into buckets of `baseNs * 2^k`; each bucket holds
 * how long the lane spent in each ThreadState (THREAD_STATE_COUNT numbers per bucket). The panel
 * picks the level whose bucket is just under a device pixel and draws one column per bucket.
 */
export interface LodLevel {
  bucketNs: number;
  /** bucket b, state s → time in ns at [b * THREAD_STATE_COUNT + s]. */
  timeInState: Float32Array;
  /**
   * Where bucket 0 begins: bucket b covers [originNs + b * bucketNs, originNs + (b + 1) * bucketNs).
   * Always the model's startNs; every lane's levels share one grid (lod[0] is the finest, each next
   * level doubles the bucket, the last has at most 64 buckets and spans [startNs, endNs]).
   * Set by buildTimeline (optional only so that older builders still type-check).
   */
  originNs?: number;
  /** timeInState.length / THREAD_STATE_COUNT (set by buildTimeline). */
  bucketCount?: number;
}

export interface ThreadLane {
  tid: number;
  name: string;
  /** The Thread object's id: what a join waits on (a Block's objectId). Set by buildTimeline. */
  objectId?: number;
  daemon: boolean;
  /** The ThreadPoolExecutor it belongs to. */
  pool?: string;
  target?: string;
  finalState: ThreadFinalState;
  /** When start() was called / the thread ended; undefined if it did not. */
  startNs?: number;
  endNs?: number;
  states: StateColumns;
  lod: LodLevel[];
}

/** One interval in which a thread owned a primitive. */
export interface Hold {
  objectId: number;
  tid: number;
  startNs: number;
  /** The trace's end if still held then (heldAtEnd). */
  endNs: number;
  heldAtEnd: boolean;
  /** RLock: the greatest depth during the hold. Semaphore: 1 (one hold per permit). */
  depth: number;
  /** The acquire call's site. */
  siteId: number;
  /** The release call's site (0 if held at end). */
  releaseSiteId: number;
}

/** Columnar holds of one thread, sorted by start (several may overlap: different locks). */
export interface HoldColumns {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  objectId: Uint32Array;
  depth: Uint16Array;
  siteId: Uint32Array;
  heldAtEnd: Uint8Array;
  /** The release call's site (0 if held at end). Set by buildTimeline. */
  releaseSiteId?: Uint32Array;
  /** The tid of the thread that released it (a Lock may be released by another thread); -1 if held at end. Set by buildTimeline. */
  releasedBy?: Int32Array;
}

/** A release that let a blocked thread acquire: who woke whom. */
export interface Handoff {
  objectId: number;
  fromTid: number;
  releaseNs: number;
  toTid: number;
  acquireNs: number;
}

export interface PrimitiveInfo {
  id: number;
  kind: ObjectKind;
  name: string;
  siteId: number;
  /** Made by the runtime for itself (a pool's queue): listed only on request. */
  internal: boolean;
  /** Stable colour slot for this primitive's holds (0 … 11). */
  colorIndex: number;
  /** Semaphore initial value, Queue maxsize, Barrier parties. */
  initial?: number;
}

export interface LockStatistics {
  objectId: number;
  acquisitions: number;
  contended: number;
  waitNs: number;
  maxWaitNs: number;
  maxHoldNs: number;
  failed: number;
}

/** A point on a lane the panel marks: output, an exception. */
export interface Marker {
  tid: number;
  timeNs: number;
  kind: 'output' | 'stderr' | 'exception';
  /** Shown as text, never as HTML. */
  text: string;
  siteId: number;
}

export interface WaitEdge {
  /** The waiting thread. */
  fromTid: number;
  objectId: number;
  waitKind: WaitKind;
  /** The threads it waits for (owners of the lock, the joined thread); empty when anyone could wake it. */
  toTids: number[];
  siteId: number;
}

interface DeadlockEntry {
  tid: number;
  holds: number[];
  waitsFor: number;
  waitKind: WaitKind;
  heldBy: number[];
  siteId: number;
}

export interface DeadlockView {
  kind: 'cycle' | 'all-blocked';
  /** In words, naming threads and primitives ("Plato holds fork 1 and waits for fork 2, …"). */
  explanation: string;
  entries: DeadlockEntry[];
  detectedAtNs: number;
}

/** GIL mode: who held the GIL when, and the numbers of src/analysis/gil.ts, by tid. */
export interface GilView {
  /** The switch interval the run started with (ms). */
  switchIntervalMs?: number;
  /** Holds in time order (they never overlap): the holder's tid and [startNs, endNs). */
  count: number;
  tid: Int32Array;
  startNs: Float64Array;
  endNs: Float64Array;
  /** Times the GIL passed from one thread to another, and of those the ones the interval forced. */
  switches: number;
  forcedSwitches: number;
  /** Per thread: time holding the GIL and time waiting for it (ns), and forced switches away from it. */
  perThread: { tid: number; holdNs: number; waitNs: number; forcedSwitches: number }[];
}

export interface TimelineModel {
  file: string;
  mode: Mode;
  outcome: Outcome;
  durationMs: number;
  events: number;
  /** The first and last instant worth showing (first thread running … end of recording). */
  startNs: number;
  endNs: number;
  /** MainThread first, then in start order. */
  threads: ThreadLane[];
  primitives: PrimitiveInfo[];
  sites: Site[];
  /** Holds per thread, index = position in `threads`. */
  holds: HoldColumns[];
  handoffs: Handoff[];
  stats: LockStatistics[];
  markers: Marker[];
  deadlock?: DeadlockView;
  /**
   * Lock-order inversions (potential deadlocks, src/analysis/lockOrder.ts `lockOrderInversions`)
   * and data races (src/analysis/races.ts `findRaces`), when the host ran those analyses;
   * buildTimeline does not. Names and sites are resolved; ids (`lockIds`, `tid`, `siteId`) match the model's.
   */
  lockOrder?: LockOrderInversion[];
  races?: DataRace[];
  truncated?: string;
  error?: { message: string; site: string };
  /** GIL mode (mode 'gil') only. */
  gil?: GilView;
}

/**
 * Queries the panel asks at an instant (hover); answered from the model, never raw events.
 * "At t" means start <= t < end, and also t = end for what was still open when the trace ended
 * (so waitForAt(endNs) shows a deadlock). Each costs O(log n) per lane (src/analysis/timeline.ts).
 */
export interface TimelineQueries {
  /**
   * Threads holding the primitive at `timeNs`, with RLock depth / permits held (count: a semaphore's
   * permits held then; an RLock's greatest depth during that hold; 1 for a Lock), since when, and
   * the acquire site of the (oldest) hold.
   */
  ownersAt(objectId: number, timeNs: number): { tid: number; count: number; sinceNs: number; siteId: number }[];
  /** Threads blocked or waiting on the primitive at `timeNs`. */
  waitersAt(objectId: number, timeNs: number): { tid: number; sinceNs: number; siteId: number }[];
  /** The wait-for graph at `timeNs`. */
  waitForAt(timeNs: number): WaitEdge[];
  /** The state interval of lane `laneIndex` at `timeNs` (index into its StateColumns), or -1. */
  stateAt(laneIndex: number, timeNs: number): number;
  /** GIL mode: the GIL hold at `timeNs` (index into model.gil), or -1 when nobody holds it. */
  gilHoldAt(timeNs: number): number;
}
