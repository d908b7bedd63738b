/**
 * What a trace says happened over time, derived once for every reader (the timeline model,
 * the CLI's summaries, the Chrome export): per-thread state intervals, per-primitive holds and
 * hand-offs. This is the only place where events are matched to each other.
 *
 * Thread states (one thread's own events, in its order)
 *   A thread is Starting from the ThreadStart event that started it (MainThread: from 0, the
 *   harness starts it with the run) until ThreadRunning, then Running, Blocked (a Block on a
 *   lock: WaitKind.Lock), Waiting (a Block on anything else), Sleeping (SleepBegin…SleepEnd),
 *   back to Running at Unblock / SleepEnd, until ThreadFinished / ThreadFailed. GIL mode adds
 *   WaitingForGil, from a GilRequest to the GilAcquired that ends it; after it the thread is
 *   back in the state the request interrupted (Running, Starting, or the Block / sleep that has
 *   not ended yet: a Block is then cut in pieces, the GIL waits between them carry the Block's
 *   object and arg, and an empty piece between two of them is left out). A state still
 *   open when the trace ends lasts until the end. The intervals are contiguous and sorted;
 *   an empty Running or Starting interval (two events at the same instant) is left out unless
 *   the trace ends there; an empty wait or sleep is kept (virtual time may not advance while
 *   blocked). A thread's time
 *   never runs backwards here: an event earlier than the one before it is clamped (and a
 *   warning says so).
 *
 * Holds (the Acquired / Released events of all threads, merged in time order)
 *   - Lock (and any primitive that is neither an RLock nor a semaphore): one owner at a time;
 *     a Released ends the oldest open hold of the object, whichever thread releases it (a
 *     Lock may be released by another thread).
 *   - RLock: per (object, thread): the hold starts at the thread's first Acquired and ends when
 *     the depth in a Released's arg returns to 0. An Acquired at depth > 1 with no open hold
 *     (Condition.wait restoring a saved depth) starts a hold. `depth` is the greatest depth seen.
 *   - Semaphore / BoundedSemaphore: one hold per permit. A Released of n permits (its arg)
 *     ends the releasing thread's own oldest permits first (FIFO), then other threads' oldest
 *     (a semaphore may be released by any thread); permits nobody holds end nothing.
 *   Holds still open when the trace ends end there, marked heldAtEnd.
 *
 * Hand-offs: a release (that freed a lock, or n semaphore permits) followed by the Acquired of
 * another thread that was blocked on that same object since before the release: who woke whom.
 *
 * Order across threads: events are merged by time; among events with the same time, one that
 * can happen first does (a release before the acquire it allowed; a Lock's acquisitions in
 * the order of their versions — a Lock's Acquired and Released carry the lock's version in
 * `arg`, incremented per acquisition, see runtime/locks.ts).
 *
 * Cost: one pass over the events plus a merge of the lock events (O(n log threads)); the
 * results are typed-array columns, never an object per event. Streams that break the
 * invariants of format.ts do not throw: the sensible thing is done and `onWarning` hears it.
 */
import { EventKind, ThreadState, WaitKind, waitKindOf, type ObjectInfo, type Trace, type TraceHeader } from './format';
import { EventStream } from './events';
import { mergeThreads, type ThreadCursor } from './merge';

/** How a state interval ended. */
export const enum IntervalEnd {
  /** The thread's next state event began the next interval. */
  Next = 0,
  /** An Unblock with arg 1: the wait succeeded. */
  Success = 1,
  /** An Unblock with arg 0: the wait timed out or failed. */
  Failure = 2,
  /** Still open when the trace ended. */
  OpenAtEnd = 3,
}

/** Sorted, contiguous state intervals of one thread, column by column. */
export interface StateIntervals {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  /** ThreadState. */
  state: Uint8Array;
  /** The object waited on (Blocked / Waiting; WaitingForGil inside a Block: the Block's), else 0. */
  objectId: Uint32Array;
  /** Blocked / Waiting (and WaitingForGil inside a Block): the Block's arg (WaitKind | WAIT_TIMED); Sleeping: requested µs; else 0. */
  arg: Int32Array;
  /** Site of the event that began the interval (0 = unknown). */
  siteId: Uint32Array;
  /** IntervalEnd. */
  ending: Uint8Array;
}

/** The holds one thread owned, column by column, sorted by start (holds of different objects overlap). */
interface HoldIntervals {
  count: number;
  objectId: Uint32Array;
  startNs: Float64Array;
  /** Never before startNs; the end of the trace when held at the end. */
  endNs: Float64Array;
  /** RLock: the greatest depth during the hold; otherwise 1. */
  depth: Uint16Array;
  /** The acquiring call's site. */
  siteId: Uint32Array;
  /** The releasing call's site (0 if held at the end). */
  releaseSiteId: Uint32Array;
  /** The tid of the thread that released it (-1 if held at the end). */
  releasedBy: Int32Array;
  /** The arg of the Acquired that began it (RLock: depth; semaphore: value after). */
  acquireArg: Int32Array;
  heldAtEnd: Uint8Array;
  /** 1 if the thread was blocked on the object just before acquiring it. */
  contended: Uint8Array;
}

/** Hand-offs in the order they happened, column by column. */
export interface HandoffIntervals {
  count: number;
  objectId: Uint32Array;
  fromTid: Uint32Array;
  releaseNs: Float64Array;
  toTid: Uint32Array;
  acquireNs: Float64Array;
}

export interface ThreadIntervals {
  tid: number;
  /** When start() was called (MainThread: 0), or the first event if no start was recorded. */
  startedNs?: number;
  /** The first ThreadRunning. */
  runningNs?: number;
  /** ThreadFinished / ThreadFailed. */
  endedNs?: number;
  failed: boolean;
  states: StateIntervals;
  holds: HoldIntervals;
}

/** An Output event: output line `index` of the header was written then. */
interface OutputEvent {
  tid: number;
  index: number;
  timeNs: number;
  siteId: number;
}

/** A ThreadFailed event: the thread's target threw exception `index` of the header. */
interface FailureEvent {
  tid: number;
  index: number;
  timeNs: number;
  siteId: number;
}

export interface TraceIntervals {
  /** The end of the trace the intervals were closed at. */
  endNs: number;
  /** Index = tid; one per thread in the header or with events. */
  threads: ThreadIntervals[];
  handoffs: HandoffIntervals;
  /** objectId → AcquireFailed events. */
  failedAcquires: Map<number, number>;
  outputs: OutputEvent[];
  failures: FailureEvent[];
}

export interface DeriveOptions {
  /** Where open states and holds end; default `traceEndNs(trace)`. */
  endNs?: number;
  /** Told about every event that breaks an invariant (and what was done instead). */
  onWarning?: (message: string) => void;
}

/** The time of the last event of any thread. */
export function lastEventNs(trace: Trace): number {
  let last = 0;
  for (const bytes of trace.events) {
    const stream = EventStream.of(bytes);
    if (stream.count > 0) last = Math.max(last, stream.timeNs(stream.count - 1));
  }
  return last;
}

/** The instant recording ended: the header's endNs, or the last event if that is later. */
export function traceEndNs(trace: Trace): number {
  return Math.max(lastEventNs(trace), trace.header.endNs ?? 0);
}

/** How a primitive's holds are matched (see the file comment). */
export const enum HoldRule {
  Exclusive = 0,
  Reentrant = 1,
  Permits = 2,
}

export function holdRuleOf(kind: ObjectInfo['kind'] | undefined): HoldRule {
  if (kind === 'RLock') return HoldRule.Reentrant;
  if (kind === 'Semaphore' || kind === 'BoundedSemaphore') return HoldRule.Permits;
  return HoldRule.Exclusive;
}

/** A name for an object id: the primitive's, the Thread object's thread's, or "#id". */
export function objectNamer(header: TraceHeader): (objectId: number) => string {
  const names = new Map<number, string>();
  for (const thread of header.threads) if (thread.objectId !== 0) names.set(thread.objectId, thread.name);
  for (const object of header.objects) names.set(object.id, object.name);
  return (objectId) => names.get(objectId) ?? `#${objectId}`;
}

/** The number of lanes a trace has: every thread in the header and every event stream. */
export function threadCount(trace: Trace): number {
  return Math.max(trace.events.length, ...trace.header.threads.map((thread) => thread.tid + 1));
}

export function deriveIntervals(trace: Trace, options: DeriveOptions = {}): TraceIntervals {
  return new Derivation(trace, options).run();
}

// ── the derivation ──────────────────────────────────────────────────────────────────────

/** Open holds are referred to by holder tid and index in the holder's table, in one number. */
const TID_SPACE = 2 ** 20;
const holdRef = (tid: number, index: number) => index * TID_SPACE + tid;
const refIndex = (ref: number) => Math.floor(ref / TID_SPACE);
const refTid = (ref: number) => ref - refIndex(ref) * TID_SPACE;

/** What the merge keeps per primitive. */
interface ObjectState {
  rule: HoldRule;
  /** Exclusive: the open hold (ref), -1 when free. */
  owner: number;
  /** Permits: open holds (refs) in the order they began. Exclusive: holds that began while it was held (a broken stream). */
  open: number[];
  /** Reentrant: holder tid → ref. */
  byThread: Map<number, number>;
  /** Exclusive: the version of the last Acquired, and the owner's (0 = none seen). */
  lastVersion: number;
  ownerVersion: number;
  /** The last release, for hand-offs; releaseTid -1 = none. */
  releaseTid: number;
  releaseNs: number;
  handOffsLeft: number;
}

class Derivation {
  private readonly header: TraceHeader;
  private readonly endNs: number;
  private readonly warn: (message: string) => void;
  private readonly objectName: (objectId: number) => string;
  private readonly kinds = new Map<number, ObjectInfo['kind']>();
  private readonly objects = new Map<number, ObjectState>();
  private lastObjectId = -1;
  private lastObject: ObjectState | undefined;
  private readonly readers: ThreadReader[] = [];
  private readonly handoffs: HandoffBuilder;
  readonly failedAcquires = new Map<number, number>();
  readonly outputs: OutputEvent[] = [];
  readonly failures: FailureEvent[] = [];

  constructor(
    private readonly trace: Trace,
    options: DeriveOptions,
  ) {
    this.header = trace.header;
    this.endNs = options.endNs ?? traceEndNs(trace);
    this.warn = options.onWarning ?? (() => {});
    this.objectName = objectNamer(this.header);
    for (const object of this.header.objects) this.kinds.set(object.id, object.kind);

    const lanes = threadCount(trace);
    const names: string[] = [];
    for (let tid = 0; tid < lanes; tid++) names.push(`Thread-${tid}`);
    for (const thread of this.header.threads) names[thread.tid] = thread.name;

    // A first, cheap pass: sizes for the columns, and when each thread was started.
    const streams: EventStream[] = [];
    for (let tid = 0; tid < lanes; tid++) streams.push(EventStream.of(trace.events[tid]));
    const counts = streams.map((stream) => countEvents(stream));
    const startedNs: (number | undefined)[] = [0];
    let blocks = 0;
    for (let tid = 0; tid < lanes; tid++) {
      const stream = streams[tid];
      const count = counts[tid];
      blocks += count.blocks;
      if (count.starts === 0) continue;
      for (let i = 0; i < stream.count; i++) {
        if (stream.kind(i) !== EventKind.ThreadStart) continue;
        const started = stream.arg(i);
        if (started >= 0 && started < lanes) startedNs[started] ??= stream.timeNs(i);
      }
    }
    for (let tid = 0; tid < lanes; tid++) {
      this.readers.push(new ThreadReader(this, tid, names[tid], streams[tid], counts[tid], startedNs[tid]));
    }
    this.handoffs = new HandoffBuilder(blocks);
  }

  run(): TraceIntervals {
    const heap = mergeThreads(this.readers);
    const tied: ThreadReader[] = [];
    while (heap.size > 0) {
      let chosen = heap.pop();
      if (heap.size > 0 && heap.peek().timeNs === chosen.timeNs) {
        // Among the lock events with the earliest time, take the first that can happen now.
        tied.length = 0;
        tied.push(chosen);
        while (heap.size > 0 && heap.peek().timeNs === chosen.timeNs) tied.push(heap.pop());
        let best = 3;
        for (const reader of tied) {
          const priority = this.priority(reader);
          if (priority < best || (priority === best && this.earlierVersion(reader, chosen))) {
            best = priority;
            chosen = reader;
          }
        }
        for (const reader of tied) if (reader !== chosen) heap.push(reader);
      }
      // Handle the chosen thread's events for as long as they come strictly first (long runs
      // of one thread's uncontended acquisitions cost no heap operations).
      for (;;) {
        if (chosen.kind === EventKind.Acquired) this.acquired(chosen);
        else this.released(chosen);
        chosen.advance();
        if (chosen.done) break;
        if (heap.size > 0 && chosen.timeNs >= heap.peek().timeNs) {
          heap.push(chosen);
          break;
        }
      }
    }
    this.closeAll();
    return {
      endNs: this.endNs,
      threads: this.readers.map((reader) => reader.result()),
      handoffs: this.handoffs.result(),
      failedAcquires: this.failedAcquires,
      outputs: this.outputs,
      failures: this.failures,
    };
  }

  warning(message: string): void {
    this.warn(message);
  }

  private object(objectId: number): ObjectState {
    if (objectId === this.lastObjectId) return this.lastObject!;
    let state = this.objects.get(objectId);
    if (!state) {
      state = {
        rule: holdRuleOf(this.kinds.get(objectId)),
        owner: -1,
        open: [],
        byThread: new Map(),
        lastVersion: 0,
        ownerVersion: 0,
        releaseTid: -1,
        releaseNs: 0,
        handOffsLeft: 0,
      };
      this.objects.set(objectId, state);
    }
    this.lastObjectId = objectId;
    this.lastObject = state;
    return state;
  }

  /** 0: a release that can happen now; 1: an acquire that can; 2: neither. */
  private priority(reader: ThreadReader): number {
    const object = this.object(reader.objectId);
    if (reader.kind === EventKind.Released) {
      if (object.rule === HoldRule.Exclusive) {
        if (object.owner < 0) return 2;
        // A Lock's Released carries the version of the hold it ends.
        const version = reader.arg;
        if (version > 0 && object.ownerVersion > 0 && version !== object.ownerVersion) return 2;
      }
      return 0;
    }
    if (object.rule === HoldRule.Exclusive) {
      if (object.owner >= 0) return 2;
      // A Lock's acquisitions happen in version order.
      const version = reader.arg;
      if (version > 0 && object.lastVersion > 0 && version > object.lastVersion + 1) return 2;
    } else if (object.rule === HoldRule.Reentrant) {
      const holders = object.byThread;
      if (holders.size > 0 && !holders.has(reader.tid)) return 2;
    }
    // A thread blocked on the object acquires it after the release that woke it.
    const waitedSinceNs = reader.acquireWaitSince(reader.objectId);
    if (!Number.isNaN(waitedSinceNs) && !this.canHandOff(object, reader.tid, waitedSinceNs)) return 2;
    return 1;
  }

  /** A release of the object that could wake `tid`, blocked on it since `waitedSinceNs`, has happened. */
  private canHandOff(object: ObjectState, tid: number, waitedSinceNs: number): boolean {
    return object.releaseTid >= 0 && object.releaseTid !== tid && object.handOffsLeft > 0 && object.releaseNs >= waitedSinceNs;
  }

  /** Both acquire the same Lock and `a` has the earlier version. */
  private earlierVersion(a: ThreadReader, b: ThreadReader): boolean {
    return (
      a.kind === EventKind.Acquired &&
      b.kind === EventKind.Acquired &&
      a.objectId === b.objectId &&
      a.arg > 0 &&
      a.arg < b.arg &&
      this.object(a.objectId).rule === HoldRule.Exclusive
    );
  }

  private acquired(reader: ThreadReader): void {
    const { tid, timeNs, objectId, siteId, arg } = reader;
    const object = this.object(objectId);
    const waitedSinceNs = reader.takeAcquireWait(objectId);
    const holds = reader.holds;
    if (object.rule === HoldRule.Reentrant) {
      const open = object.byThread.get(tid);
      if (open !== undefined) {
        holds.raiseDepth(refIndex(open), arg); // a deeper level of a hold already open
        return;
      }
      object.byThread.set(tid, holdRef(tid, holds.open(objectId, timeNs, siteId, arg, Math.max(1, arg), waitedSinceNs)));
    } else if (object.rule === HoldRule.Permits) {
      object.open.push(holdRef(tid, holds.open(objectId, timeNs, siteId, arg, 1, waitedSinceNs)));
    } else {
      const ref = holdRef(tid, holds.open(objectId, timeNs, siteId, arg, 1, waitedSinceNs));
      if (object.owner < 0) {
        object.owner = ref;
        object.ownerVersion = arg;
      } else {
        const holder = this.readers[refTid(object.owner)];
        this.warn(`${this.objectName(objectId)}: acquired by ${reader.name} while ${holder.name} holds it`);
        object.open.push(ref);
      }
      if (arg > 0) object.lastVersion = arg;
    }

    if (!Number.isNaN(waitedSinceNs) && this.canHandOff(object, tid, waitedSinceNs)) {
      object.handOffsLeft--;
      this.handoffs.add(objectId, object.releaseTid, object.releaseNs, tid, timeNs);
    }
  }

  private released(reader: ThreadReader): void {
    const { tid, timeNs, objectId, siteId, arg } = reader;
    const object = this.object(objectId);
    if (object.rule === HoldRule.Reentrant) {
      const open = object.byThread.get(tid);
      if (arg > 0) {
        // Still held, one level less deep: it was at least one deeper before.
        if (open !== undefined) reader.holds.raiseDepth(refIndex(open), arg + 1);
        return;
      }
      if (open === undefined) {
        this.warn(`${this.objectName(objectId)}: released by ${reader.name}, which does not hold it`);
        return;
      }
      object.byThread.delete(tid);
      this.close(open, timeNs, siteId, tid);
      this.noteRelease(object, tid, timeNs, 1);
    } else if (object.rule === HoldRule.Permits) {
      const permits = Math.max(1, arg);
      const open = object.open;
      let ended = 0;
      // The releasing thread's own permits first, oldest first; then other threads' oldest.
      for (let pass = 0; pass < 2 && ended < permits; pass++) {
        for (let i = 0; i < open.length && ended < permits;) {
          if ((refTid(open[i]) === tid) === (pass === 0)) {
            this.close(open[i], timeNs, siteId, tid);
            open.splice(i, 1);
            ended++;
          } else {
            i++;
          }
        }
      }
      this.noteRelease(object, tid, timeNs, permits);
    } else {
      const owner = object.owner;
      if (owner < 0) {
        this.warn(`${this.objectName(objectId)}: released by ${reader.name} while nobody holds it`);
        return;
      }
      object.owner = object.open.length > 0 ? object.open.shift()! : -1;
      object.ownerVersion = 0;
      this.close(owner, timeNs, siteId, tid);
      this.noteRelease(object, tid, timeNs, 1);
    }
  }

  private noteRelease(object: ObjectState, tid: number, timeNs: number, permits: number): void {
    object.releaseTid = tid;
    object.releaseNs = timeNs;
    object.handOffsLeft = permits;
  }

  private close(ref: number, timeNs: number, releaseSiteId: number, releasedBy: number): void {
    this.readers[refTid(ref)].holds.close(refIndex(ref), timeNs, releaseSiteId, releasedBy);
  }

  /** Holds still open at the end last until the end. */
  private closeAll(): void {
    for (const object of this.objects.values()) {
      if (object.owner >= 0) this.readers[refTid(object.owner)].holds.closeAtEnd(refIndex(object.owner), this.endNs);
      for (const ref of object.open) this.readers[refTid(ref)].holds.closeAtEnd(refIndex(ref), this.endNs);
      for (const ref of object.byThread.values()) this.readers[refTid(ref)].holds.closeAtEnd(refIndex(ref), this.endNs);
    }
    for (const reader of this.readers) reader.finish(this.endNs);
  }

  countFailedAcquire(objectId: number): void {
    this.failedAcquires.set(objectId, (this.failedAcquires.get(objectId) ?? 0) + 1);
  }
}

interface EventCounts {
  events: number;
  /** Events that begin a state interval. */
  stateEvents: number;
  acquired: number;
  blocks: number;
  starts: number;
}

function countEvents(stream: EventStream): EventCounts {
  const counts: EventCounts = { events: stream.count, stateEvents: 0, acquired: 0, blocks: 0, starts: 0 };
  for (let i = 0, n = stream.count; i < n; i++) {
    switch (stream.kind(i)) {
      case EventKind.Acquired:
        counts.acquired++;
        break;
      case EventKind.Block:
        counts.blocks++;
        counts.stateEvents++;
        break;
      case EventKind.ThreadRunning:
      case EventKind.Unblock:
      case EventKind.SleepBegin:
      case EventKind.SleepEnd:
      case EventKind.GilRequest:
      case EventKind.GilAcquired:
        counts.stateEvents++;
        break;
      case EventKind.ThreadStart:
        counts.starts++;
        break;
    }
  }
  return counts;
}

/**
 * One thread's stream: handles the thread's own events (its states) as it reads, and stops at
 * each Acquired / Released for the merge to handle. `timeNs`, `kind`, `objectId`, `siteId` and
 * `arg` describe that pending event.
 */
class ThreadReader implements ThreadCursor {
  timeNs = 0;
  kind = 0;
  objectId = 0;
  siteId = 0;
  arg = 0;
  done = false;
  readonly holds: HoldBuilder;
  private readonly states: StateBuilder;
  private readonly count: number;
  private next = 0;
  private lastNs = 0;
  /** Blocked trying to take this lock-like object (for hand-offs and contention); 0 = none. */
  private acquireWaitObject = 0;
  private acquireWaitSinceNs = 0;
  private runningNs: number | undefined;
  private endedNs: number | undefined;
  private failed = false;

  constructor(
    private readonly derivation: Derivation,
    readonly tid: number,
    readonly name: string,
    private readonly stream: EventStream,
    counts: EventCounts,
    private readonly startedNs: number | undefined,
  ) {
    this.count = stream.count;
    this.states = new StateBuilder(counts.stateEvents + 1);
    this.holds = new HoldBuilder(counts.acquired);
    if (startedNs !== undefined) {
      const firstNs = this.count > 0 ? stream.timeNs(0) : startedNs;
      // Started before its first event (a clock that disagrees by a little cannot reorder them).
      this.states.open(ThreadState.Starting, Math.min(startedNs, firstNs), 0, 0, 0);
    }
  }

  /** Reads up to the next Acquired / Released; sets `done` at the end of the stream. */
  advance(): void {
    const stream = this.stream;
    const states = this.states;
    while (this.next < this.count) {
      const index = this.next++;
      let timeNs = stream.timeNs(index);
      const kind = stream.kind(index);
      if (timeNs < this.lastNs) {
        this.derivation.warning(`${this.name}: event ${index} goes back in time; clamped`);
        timeNs = this.lastNs;
      }
      this.lastNs = timeNs;
      if (kind === EventKind.Acquired || kind === EventKind.Released) {
        this.timeNs = timeNs;
        this.kind = kind;
        this.objectId = stream.objectId(index);
        this.siteId = stream.siteId(index);
        this.arg = stream.arg(index);
        return;
      }
      switch (kind) {
        case EventKind.ThreadRunning:
          this.runningNs ??= timeNs;
          states.open(ThreadState.Running, timeNs, 0, 0, stream.siteId(index));
          break;
        case EventKind.ThreadFinished:
        case EventKind.ThreadFailed:
          states.close(timeNs, IntervalEnd.Next);
          this.endedNs = timeNs;
          this.failed = kind === EventKind.ThreadFailed;
          if (this.failed) {
            this.derivation.failures.push({
              tid: this.tid,
              index: stream.arg(index),
              timeNs,
              siteId: stream.siteId(index),
            });
          }
          break;
        case EventKind.Block: {
          const objectId = stream.objectId(index);
          const arg = stream.arg(index);
          const waitKind = waitKindOf(arg);
          if (states.current === ThreadState.Blocked || states.current === ThreadState.Waiting) {
            this.derivation.warning(`${this.name}: Block while already blocked`);
          }
          states.open(waitKind === WaitKind.Lock ? ThreadState.Blocked : ThreadState.Waiting, timeNs, objectId, arg, stream.siteId(index));
          if (waitKind === WaitKind.Lock || waitKind === WaitKind.Semaphore) {
            this.acquireWaitObject = objectId;
            this.acquireWaitSinceNs = timeNs;
          } else {
            this.acquireWaitObject = 0;
          }
          break;
        }
        case EventKind.Unblock: {
          const success = stream.arg(index) === 1;
          if (states.current === ThreadState.WaitingForGil) this.derivation.warning(`${this.name}: Unblock while waiting for the GIL`);
          if (states.current === ThreadState.Blocked || states.current === ThreadState.Waiting) {
            states.close(timeNs, success ? IntervalEnd.Success : IntervalEnd.Failure);
          } else {
            this.derivation.warning(`${this.name}: Unblock without a Block`);
          }
          if (!success) this.acquireWaitObject = 0;
          states.open(ThreadState.Running, timeNs, 0, 0, stream.siteId(index));
          break;
        }
        case EventKind.SleepBegin:
          states.open(ThreadState.Sleeping, timeNs, 0, stream.arg(index), stream.siteId(index));
          break;
        case EventKind.SleepEnd:
          if (states.current !== ThreadState.Sleeping) this.derivation.warning(`${this.name}: SleepEnd without a SleepBegin`);
          states.open(ThreadState.Running, timeNs, 0, 0, stream.siteId(index));
          break;
        case EventKind.AcquireFailed: {
          const objectId = stream.objectId(index);
          if (this.acquireWaitObject === objectId) this.acquireWaitObject = 0;
          this.derivation.countFailedAcquire(objectId);
          break;
        }
        case EventKind.GilRequest:
          if (states.current === ThreadState.WaitingForGil)
            this.derivation.warning(`${this.name}: GilRequest while already waiting for the GIL`);
          else states.suspendForGil(timeNs, stream.siteId(index));
          break;
        case EventKind.GilAcquired:
          // Without a request first, the GIL was free: nothing changes.
          if (states.current === ThreadState.WaitingForGil) states.resumeAfterGil(timeNs);
          break;
        case EventKind.Output:
          this.derivation.outputs.push({
            tid: this.tid,
            index: stream.arg(index),
            timeNs,
            siteId: stream.siteId(index),
          });
          break;
      }
    }
    this.done = true;
  }

  /** If the thread is blocked on `objectId`, when it began to wait; else NaN. */
  acquireWaitSince(objectId: number): number {
    return this.acquireWaitObject === objectId && objectId !== 0 ? this.acquireWaitSinceNs : NaN;
  }

  /** If the thread was blocked on `objectId`, when it began to wait (and it no longer is); else NaN. */
  takeAcquireWait(objectId: number): number {
    if (this.acquireWaitObject !== objectId || objectId === 0) return NaN;
    this.acquireWaitObject = 0;
    return this.acquireWaitSinceNs;
  }

  finish(endNs: number): void {
    this.states.close(endNs, IntervalEnd.OpenAtEnd);
  }

  result(): ThreadIntervals {
    return {
      tid: this.tid,
      startedNs: this.startedNs ?? this.runningNs,
      runningNs: this.runningNs,
      endedNs: this.endedNs,
      failed: this.failed,
      states: this.states.result(),
      holds: this.holds.result(),
    };
  }
}

/** Builds StateIntervals; `capacity` bounds the number of intervals. */
class StateBuilder {
  /** The open interval's activity, or -1 when none is open. */
  current = -1;
  private count = 0;
  private readonly startNs: Float64Array;
  private readonly endNs: Float64Array;
  private readonly state: Uint8Array;
  private readonly objectId: Uint32Array;
  private readonly arg: Int32Array;
  private readonly siteId: Uint32Array;
  private readonly ending: Uint8Array;
  private openStartNs = 0;
  private openObjectId = 0;
  private openArg = 0;
  private openSiteId = 0;
  /** The open interval continues one a GIL wait interrupted (an empty one is left out). */
  private openResumed = false;
  /** What a GIL wait interrupted (-1: nothing was open), to resume when the GIL is taken. */
  private suspended = -1;
  private suspendedObjectId = 0;
  private suspendedArg = 0;
  private suspendedSiteId = 0;

  constructor(capacity: number) {
    this.startNs = new Float64Array(capacity);
    this.endNs = new Float64Array(capacity);
    this.state = new Uint8Array(capacity);
    this.objectId = new Uint32Array(capacity);
    this.arg = new Int32Array(capacity);
    this.siteId = new Uint32Array(capacity);
    this.ending = new Uint8Array(capacity);
  }

  open(state: ThreadState, timeNs: number, objectId: number, arg: number, siteId: number): void {
    this.close(timeNs, IntervalEnd.Next);
    this.current = state;
    this.openStartNs = timeNs;
    this.openObjectId = objectId;
    this.openArg = arg;
    this.openSiteId = siteId;
    this.openResumed = false;
  }

  /** A GilRequest: the open state pauses for a WaitingForGil, which carries a Block's object and arg. */
  suspendForGil(timeNs: number, siteId: number): void {
    const state = this.current;
    this.suspended = state;
    this.suspendedObjectId = this.openObjectId;
    this.suspendedArg = this.openArg;
    this.suspendedSiteId = this.openSiteId;
    const inBlock = state === ThreadState.Blocked || state === ThreadState.Waiting;
    this.open(ThreadState.WaitingForGil, timeNs, inBlock ? this.openObjectId : 0, inBlock ? this.openArg : 0, siteId);
  }

  /** The GilAcquired that ends a GIL wait: back to what it interrupted (Starting if nothing was open). */
  resumeAfterGil(timeNs: number): void {
    const state = this.suspended < 0 ? ThreadState.Starting : this.suspended;
    this.open(state, timeNs, this.suspendedObjectId, this.suspendedArg, this.suspendedSiteId);
    this.openResumed = this.suspended >= 0;
    this.suspended = -1;
  }

  close(timeNs: number, ending: IntervalEnd): void {
    const state = this.current;
    if (state < 0) return;
    this.current = -1;
    const endNs = Math.max(timeNs, this.openStartNs);
    // An empty Running or Starting interval says nothing, unless it is what the thread is doing
    // when the trace ends; empty waits and sleeps are kept.
    if (
      endNs === this.openStartNs &&
      ending !== IntervalEnd.OpenAtEnd &&
      (state === ThreadState.Running || state === ThreadState.Starting || (this.openResumed && ending === IntervalEnd.Next))
    )
      return;
    const i = this.count++;
    this.startNs[i] = this.openStartNs;
    this.endNs[i] = endNs;
    this.state[i] = state;
    this.objectId[i] = this.openObjectId;
    this.arg[i] = this.openArg;
    this.siteId[i] = this.openSiteId;
    this.ending[i] = ending;
  }

  result(): StateIntervals {
    const n = this.count;
    return {
      count: n,
      startNs: this.startNs.subarray(0, n),
      endNs: this.endNs.subarray(0, n),
      state: this.state.subarray(0, n),
      objectId: this.objectId.subarray(0, n),
      arg: this.arg.subarray(0, n),
      siteId: this.siteId.subarray(0, n),
      ending: this.ending.subarray(0, n),
    };
  }
}

/** Builds one thread's HoldIntervals; `capacity` bounds the number of holds (its Acquired events). */
class HoldBuilder {
  private count = 0;
  private readonly columns: HoldIntervals;

  constructor(capacity: number) {
    this.columns = {
      count: 0,
      objectId: new Uint32Array(capacity),
      startNs: new Float64Array(capacity),
      endNs: new Float64Array(capacity),
      depth: new Uint16Array(capacity),
      siteId: new Uint32Array(capacity),
      releaseSiteId: new Uint32Array(capacity),
      releasedBy: new Int32Array(capacity),
      acquireArg: new Int32Array(capacity),
      heldAtEnd: new Uint8Array(capacity),
      contended: new Uint8Array(capacity),
    };
  }

  /** Starts a hold; returns its index. `waitedSinceNs` is NaN if the thread did not block first. */
  open(objectId: number, timeNs: number, siteId: number, acquireArg: number, depth: number, waitedSinceNs: number): number {
    const c = this.columns;
    const i = this.count++;
    // endNs, releaseSiteId, releasedBy and heldAtEnd are written when the hold ends.
    c.objectId[i] = objectId;
    c.startNs[i] = timeNs;
    c.depth[i] = depth > 0xffff ? 0xffff : depth;
    c.siteId[i] = siteId;
    c.acquireArg[i] = acquireArg;
    if (!Number.isNaN(waitedSinceNs)) c.contended[i] = 1;
    return i;
  }

  raiseDepth(index: number, depth: number): void {
    const c = this.columns;
    if (depth > c.depth[index]) c.depth[index] = Math.min(depth, 0xffff);
  }

  close(index: number, timeNs: number, releaseSiteId: number, releasedBy: number): void {
    const c = this.columns;
    // A release seen on another thread's clock can never end a hold before it began.
    c.endNs[index] = Math.max(timeNs, c.startNs[index]);
    c.releaseSiteId[index] = releaseSiteId;
    c.releasedBy[index] = releasedBy;
  }

  closeAtEnd(index: number, endNs: number): void {
    const c = this.columns;
    c.endNs[index] = Math.max(endNs, c.startNs[index]);
    c.releasedBy[index] = -1;
    c.heldAtEnd[index] = 1;
  }

  result(): HoldIntervals {
    const c = this.columns;
    const n = this.count;
    return {
      count: n,
      objectId: c.objectId.subarray(0, n),
      startNs: c.startNs.subarray(0, n),
      endNs: c.endNs.subarray(0, n),
      depth: c.depth.subarray(0, n),
      siteId: c.siteId.subarray(0, n),
      releaseSiteId: c.releaseSiteId.subarray(0, n),
      releasedBy: c.releasedBy.subarray(0, n),
      acquireArg: c.acquireArg.subarray(0, n),
      heldAtEnd: c.heldAtEnd.subarray(0, n),
      contended: c.contended.subarray(0, n),
    };
  }
}

/** Builds HandoffIntervals; `capacity` bounds them (each follows a Block). */
class HandoffBuilder {
  private count = 0;
  private readonly objectId: Uint32Array;
  private readonly fromTid: Uint32Array;
  private readonly releaseNs: Float64Array;
  private readonly toTid: Uint32Array;
  private readonly acquireNs: Float64Array;

  constructor(capacity: number) {
    this.objectId = new Uint32Array(capacity);
    this.fromTid = new Uint32Array(capacity);
    this.releaseNs = new Float64Array(capacity);
    this.toTid = new Uint32Array(capacity);
    this.acquireNs = new Float64Array(capacity);
  }

  add(objectId: number, fromTid: number, releaseNs: number, toTid: number, acquireNs: number): void {
    const i = this.count++;
    this.objectId[i] = objectId;
    this.fromTid[i] = fromTid;
    this.releaseNs[i] = releaseNs;
    this.toTid[i] = toTid;
    this.acquireNs[i] = acquireNs;
  }

  result(): HandoffIntervals {
    const n = this.count;
    return {
      count: n,
      objectId: this.objectId.subarray(0, n),
      fromTid: this.fromTid.subarray(0, n),
      releaseNs: this.releaseNs.subarray(0, n),
      toTid: this.toTid.subarray(0, n),
      acquireNs: this.acquireNs.subarray(0, n),
    };
  }
}
