/**
 * Data races on shared values: a happens-before check of Value / SharedArray reads and writes
 * (EventKind.SharedRead / SharedWrite, recorded when the run was made with `recordShared`).
 *
 * The algorithm is FastTrack (Flanagan & Freund, PLDI 2009): every thread has a vector clock;
 * every shared location keeps the epoch (thread, clock) of its last write and of its last read,
 * or a read vector clock while reads by several threads are unordered. Two accesses to one
 * location, at least one a write, race when neither happens before the other.
 *
 * Happens-before edges (each synchronisation copies or merges a vector clock; the releasing
 * thread then starts a new epoch):
 *   - program order (each thread's own events);
 *   - ThreadStart → the started thread's first event; the thread's last event → the Unblock
 *     that ends a join of it;
 *   - Lock / RLock release → the next acquire (a Lock's version in `arg` pairs them exactly);
 *     a Condition's notify reaches its waiter through this edge (the waiter re-acquires the lock);
 *   - Semaphore release → every later acquire of it (conservative: permits are not told apart);
 *   - Event set → a wait that returned true after it;
 *   - Queue put → the get that took the item (FIFO pairing for Queue; every earlier put for
 *     LifoQueue and PriorityQueue); taskDone → the end of a queue join;
 *   - Barrier: every arrival of a cycle → every departure of that cycle;
 *   - Future done → the end of a wait for it (result(), exception(), wait(), asCompleted()).
 *
 * Since trace header `waitsRecorded`, a wait that returns at once (a join of a thread that has
 * ended, a wait on an Event already set, result() of a future already done or one wait() or
 * asCompleted() report as done, a queue join with nothing unfinished) is recorded as a
 * zero-length Block/Unblock pair and gives its edge like any wait. Older traces have no such
 * events; so that those waits do not show as races there (`assumeUnrecordedWaits`):
 *   - a thread's end happens before what its joiners do after it in time: the thread that
 *     started it, and every thread that waited in a join at least once in the run;
 *   - an Event set, a Future's completion and the taskDone that leaves a queue with nothing
 *     unfinished happen before everything other threads do after it in time.
 * These assumptions only add order: they can hide a race whose second access merely came later
 * without waiting, never invent one. A join that returned at once in any other thread is still
 * unseen (the runtime would have to record it).
 *
 * Order: the threads' streams are merged by time, and an event that needs another first (an
 * acquire needs the release it follows, a get needs its put, a join needs the thread's end…)
 * waits for it, so interpolated or equal times cannot reorder a hand-off (a Lock's acquisitions
 * follow its versions).
 *
 * Each race is reported once per pair of sites, with both accesses, their threads, the object,
 * the index and the kinds seen. Cost: one pass over the events (plus a cheap first one);
 * memory proportional to threads × (shared locations + synchronisation objects), not to events.
 */
import { EventKind, WaitKind, formatSiteShort, waitKindOf, type ObjectKind, type Trace, type TraceHeader } from '../trace/format';
import { EventStream } from '../trace/events';
import { objectNamer, threadCount } from '../trace/intervals';
import { cursorBefore, mergeThreads, type ThreadCursor } from '../trace/merge';

type RaceKind = 'write-write' | 'read-write';

interface RaceAccess {
  thread: string;
  tid: number;
  /** file:line of the access. */
  site: string;
  siteId: number;
  access: 'read' | 'write';
}

export interface DataRace {
  /** The Value or SharedArray. */
  object: string;
  objectId: number;
  /** The SharedArray index (0 for a Value). */
  index: number;
  /** Every kind seen between these two sites. */
  kinds: RaceKind[];
  /** The first racing pair seen: the earlier access, then the later one. */
  accesses: [RaceAccess, RaceAccess];
  /** How many racing pairs of accesses were seen between these sites. */
  count: number;
  explanation: string;
}

export interface RaceReport {
  races: DataRace[];
  /** SharedRead and SharedWrite events checked (0 when the run did not record them). */
  accesses: number;
  /** Events that had to be taken before what they wait for had happened (a trace that breaks the format's invariants). */
  forced: number;
}

export interface RaceOptions {
  /** Treat waits that left no event as having happened (see the file comment). Default true. */
  assumeUnrecordedWaits?: boolean;
  /** Most races reported (default 1000); the count of accesses still covers every event. */
  maxRaces?: number;
}

export function findRaces(trace: Trace, options: RaceOptions = {}): RaceReport {
  return new RaceCheck(trace, options).run();
}

// ── events ────────────────────────────────────────────────────────────────────────────────

/** How a synchronisation object orders threads. */
const enum SyncRule {
  None = 0,
  Lock = 1,
  RLock = 2,
  Semaphore = 3,
  Event = 4,
  FifoQueue = 5,
  /** LifoQueue, PriorityQueue: every earlier put happens before a get. */
  AnyQueue = 6,
  Barrier = 7,
  Future = 8,
}

function syncRuleOf(kind: ObjectKind | undefined): SyncRule {
  switch (kind) {
    case 'Lock':
      return SyncRule.Lock;
    case 'RLock':
      return SyncRule.RLock;
    case 'Semaphore':
    case 'BoundedSemaphore':
      return SyncRule.Semaphore;
    case 'Event':
      return SyncRule.Event;
    case 'Queue':
      return SyncRule.FifoQueue;
    case 'LifoQueue':
    case 'PriorityQueue':
      return SyncRule.AnyQueue;
    case 'Barrier':
      return SyncRule.Barrier;
    case 'Future':
      return SyncRule.Future;
    default:
      return SyncRule.None;
  }
}

/** Beyond this many items in flight, a FIFO queue falls back to "every earlier put" (bounded memory). */
const MAX_FIFO_CLOCKS = 4096;
/** Beyond this many finished futures remembered, result() falls back to "every earlier completion". */
const MAX_FUTURE_CLOCKS = 16384;

/** What one synchronisation object remembers. Clocks are allocated when first needed. */
interface SyncState {
  rule: SyncRule;
  /** Lock / RLock: the last release; Semaphore, Event, AnyQueue: the join of releases, sets, puts; Future: its completion. */
  clock: Int32Array | undefined;
  /** Lock: the greatest version released; Semaphore: permits free; Event: sets; queues: items in; Barrier: arrivals. */
  count: number;
  /** Queues: items taken; Barrier: parties. */
  taken: number;
  /** RLock: the owning tid, -1 when free. */
  owner: number;
  /** FifoQueue: the clock of each item in flight, oldest first (from `head`). */
  fifo: Int32Array[] | undefined;
  head: number;
  /** Queue: the join of taskDone clocks. */
  taskDone: Int32Array | undefined;
  /** Barrier: cycle → the join of its arrivals, and how many of its parties have left. */
  cycles: Map<number, { clock: Int32Array; departed: number }> | undefined;
  /** Future: done. */
  done: boolean;
}

/** A thread's stream, read one event at a time; `timeNs … arg` describe the pending event. */
class ThreadReader implements ThreadCursor {
  timeNs = 0;
  kind = 0;
  objectId = 0;
  siteId = 0;
  arg = 0;
  done = false;
  /** Index of the pending event. */
  index = -1;
  readonly clock: Int32Array;
  /** The join of another thread's start must be taken before the first event. */
  awaitingStart: boolean;
  /** The wait kind of the Block being waited, and (futures) how many had completed then. */
  blockKind = 0;
  blockCount = 0;
  /** Barrier: the cycle this thread arrived in, -1 when not arrived. */
  barrierCycle = -1;
  /** The broadcast generation this thread has joined. */
  seenGeneration = 0;
  /** Clocks published to this thread alone (the end of a thread it may have joined), not yet joined. */
  inbox: Int32Array | undefined;
  private readonly count: number;

  constructor(
    readonly tid: number,
    private readonly stream: EventStream,
    threads: number,
    started: boolean,
  ) {
    this.count = stream.count;
    this.clock = new Int32Array(threads);
    this.clock[tid] = 1;
    this.awaitingStart = started;
  }

  advance(): void {
    const index = ++this.index;
    if (index >= this.count) {
      this.done = true;
      return;
    }
    const stream = this.stream;
    const timeNs = stream.timeNs(index);
    // A thread's time never runs backwards here (as in trace/intervals.ts).
    if (timeNs > this.timeNs) this.timeNs = timeNs;
    this.kind = stream.kind(index);
    this.objectId = stream.objectId(index);
    this.siteId = stream.siteId(index);
    this.arg = stream.arg(index);
  }

  /** The kind and object of the event `ahead` places after the pending one (0 / -1 past the end). */
  peekKind(ahead: number): number {
    const index = this.index + ahead;
    return index < this.count ? this.stream.kind(index) : 0;
  }

  peekObject(ahead: number): number {
    const index = this.index + ahead;
    return index < this.count ? this.stream.objectId(index) : -1;
  }
}

// ── shared locations ──────────────────────────────────────────────────────────────────────

const NO_READ = -1;
/** The location's reads are unordered: see `sharedReads`. */
const SHARED_READS = -2;

/** FastTrack state of every index of one Value / SharedArray, column by column. */
class Locations {
  writeTid: Int32Array;
  writeClock: Int32Array;
  writeSite: Uint32Array;
  readTid: Int32Array;
  readClock: Int32Array;
  readSite: Uint32Array;
  /** index → per-thread read clock and site, used while reads are unordered (readTid SHARED_READS), else zero. */
  readonly sharedReads = new Map<number, { clock: Int32Array; site: Uint32Array }>();

  constructor(length: number) {
    this.writeTid = new Int32Array(length).fill(-1);
    this.writeClock = new Int32Array(length);
    this.writeSite = new Uint32Array(length);
    this.readTid = new Int32Array(length).fill(NO_READ);
    this.readClock = new Int32Array(length);
    this.readSite = new Uint32Array(length);
  }

  get length(): number {
    return this.writeTid.length;
  }

  grow(index: number): void {
    const length = Math.max(index + 1, this.length * 2);
    const grown = <T extends Int32Array | Uint32Array>(array: T, fill: number): T => {
      const next = new (array.constructor as new (n: number) => T)(length);
      next.fill(fill);
      next.set(array);
      return next;
    };
    this.writeTid = grown(this.writeTid, -1);
    this.writeClock = grown(this.writeClock, 0);
    this.writeSite = grown(this.writeSite, 0);
    this.readTid = grown(this.readTid, NO_READ);
    this.readClock = grown(this.readClock, 0);
    this.readSite = grown(this.readSite, 0);
  }
}

// ── the check ─────────────────────────────────────────────────────────────────────────────

class RaceCheck {
  private readonly header: TraceHeader;
  private readonly threads: number;
  private readonly readers: ThreadReader[] = [];
  private readonly kinds = new Map<number, ObjectKind>();
  private readonly initial = new Map<number, number>();
  private readonly sync = new Map<number, SyncState>();
  private readonly locations = new Map<number, Locations>();
  private lastLocationId = -1;
  private lastLocations: Locations | undefined;
  /** Thread object id → tid (what a join waits on). */
  private readonly tidOfThreadObject = new Map<number, number>();
  /** tid → the thread that started it (-1: none recorded). */
  private readonly starter: Int32Array;
  /** tid → 1 if it waited in a join at least once. */
  private readonly joiner: Uint8Array;
  /** tid → the parent's clock at ThreadStart; its final clock once it ended. */
  private readonly startClock: (Int32Array | undefined)[] = [];
  private readonly endClock: (Int32Array | undefined)[] = [];
  /** Future completions: any finished future (for waits on several). */
  private futureAny: Int32Array | undefined;
  private futuresDone = 0;
  private futureClocks = 0;
  /** The broadcast of unrecorded waits (see the file comment). */
  private readonly assumeUnrecordedWaits: boolean;
  private readonly broadcast: Int32Array;
  private generation = 0;
  private readonly maxRaces: number;
  /** Lower site id → higher site id → the race between them. */
  private readonly races = new Map<number, Map<number, DataRace>>();
  private raceList: DataRace[] = [];
  private lastRace: DataRace | undefined;
  private lastRaceLow = -1;
  private lastRaceHigh = -1;
  private readonly threadName: (tid: number) => string;
  private readonly objectName: (objectId: number) => string;
  private accesses = 0;
  private forced = 0;

  constructor(
    private readonly trace: Trace,
    options: RaceOptions,
  ) {
    this.header = trace.header;
    this.threads = threadCount(trace);
    // Traces that record every passed wait (header.waitsRecorded) need no assumption.
    this.assumeUnrecordedWaits = options.assumeUnrecordedWaits ?? !trace.header.waitsRecorded;
    this.maxRaces = options.maxRaces ?? 1000;
    this.broadcast = new Int32Array(this.threads);
    for (const object of this.header.objects) {
      this.kinds.set(object.id, object.kind);
      if (object.initial !== undefined) this.initial.set(object.id, object.initial);
    }
    const names = new Map<number, string>();
    for (const thread of this.header.threads) {
      names.set(thread.tid, thread.name);
      if (thread.objectId !== 0) this.tidOfThreadObject.set(thread.objectId, thread.tid);
    }
    this.threadName = (tid) => names.get(tid) ?? `Thread-${tid}`;
    this.objectName = objectNamer(this.header);

    // A first, cheap pass: who started each thread (its first event waits for that), and which
    // threads wait in joins.
    this.starter = new Int32Array(this.threads).fill(-1);
    this.joiner = new Uint8Array(this.threads);
    const streams: EventStream[] = [];
    for (let tid = 0; tid < this.threads; tid++) {
      const stream = EventStream.of(trace.events[tid]);
      streams.push(stream);
      for (let i = 0, n = stream.count; i < n; i++) {
        const kind = stream.kind(i);
        if (kind === EventKind.ThreadStart) {
          const child = stream.arg(i);
          if (child > 0 && child < this.threads) this.starter[child] = tid;
        } else if (kind === EventKind.Block && waitKindOf(stream.arg(i)) === WaitKind.Join) {
          this.joiner[tid] = 1;
        }
      }
    }
    for (let tid = 0; tid < this.threads; tid++) {
      this.readers.push(new ThreadReader(tid, streams[tid], this.threads, this.starter[tid] >= 0));
    }
  }

  run(): RaceReport {
    const heap = mergeThreads(this.readers);
    const deferred: ThreadReader[] = [];
    while (heap.size > 0) {
      // The earliest event that can happen now; if none can (a broken trace), the earliest.
      let chosen: ThreadReader | undefined;
      while (heap.size > 0) {
        const candidate = heap.pop();
        if (this.ready(candidate)) {
          chosen = candidate;
          break;
        }
        deferred.push(candidate);
      }
      if (!chosen) {
        chosen = deferred.shift()!;
        this.forced++;
      }
      for (const reader of deferred) heap.push(reader);
      deferred.length = 0;
      // Handle the chosen thread's events for as long as they come first and can happen; when
      // another thread's event comes first and can happen, switch to it in one heap operation.
      for (;;) {
        this.handle(chosen);
        chosen.advance();
        if (chosen.done) break;
        if (heap.size > 0 && !cursorBefore(chosen, heap.peek())) {
          if (!this.ready(heap.peek())) {
            heap.push(chosen);
            break;
          }
          chosen = heap.replaceTop(chosen);
        } else if (!this.ready(chosen)) {
          heap.push(chosen);
          break;
        }
      }
    }
    this.raceList.sort((a, b) => a.accesses[0].siteId - b.accesses[0].siteId || a.accesses[1].siteId - b.accesses[1].siteId);
    return { races: this.raceList, accesses: this.accesses, forced: this.forced };
  }

  // ── order ───────────────────────────────────────────────────────────────────────────────

  /** Whatever the pending event needs has been handled. */
  private ready(reader: ThreadReader): boolean {
    if (reader.awaitingStart && this.startClock[reader.tid] === undefined) return false;
    const kind = reader.kind;
    if (kind === EventKind.SharedRead || kind === EventKind.SharedWrite || kind === EventKind.Released) return true;
    if (kind === EventKind.Acquired) {
      const state = this.syncOf(reader.objectId);
      switch (state.rule) {
        case SyncRule.Lock:
          // Version v follows the release of version v - 1.
          return reader.arg <= 1 || state.count >= reader.arg - 1;
        case SyncRule.RLock:
          return state.owner < 0 || state.owner === reader.tid;
        case SyncRule.Semaphore:
          return state.count > 0;
        default:
          return true;
      }
    }
    if (kind === EventKind.Unblock) {
      if (reader.arg !== 1) return true;
      switch (reader.blockKind) {
        case WaitKind.Join: {
          const tid = this.tidOfThreadObject.get(reader.objectId);
          return tid === undefined || this.endClock[tid] !== undefined;
        }
        case WaitKind.Event:
          // Some set happened (it may be recorded just before the Block: set() between the
          // waiter's check and its Block).
          return this.syncOf(reader.objectId).count > 0;
        case WaitKind.Future:
          return this.syncOf(reader.objectId).done || this.futuresDone > reader.blockCount;
        default:
          return true;
      }
    }
    if (kind === EventKind.QueueGet) {
      // Puts and gets are timed exactly under the queue's mutex, so time orders them; a get
      // still never comes before the put of its item.
      const state = this.syncOf(reader.objectId);
      return state.count > state.taken;
    }
    if (kind === EventKind.BarrierPass) {
      const state = this.syncOf(reader.objectId);
      if (state.taken <= 0) return true; // parties unknown
      if (reader.barrierCycle < 0) this.arrive(reader, state); // the last to arrive does not block
      return state.count >= (reader.barrierCycle + 1) * state.taken;
    }
    return true;
  }

  private handle(reader: ThreadReader): void {
    const clock = reader.clock;
    const tid = reader.tid;
    if (reader.awaitingStart) {
      reader.awaitingStart = false;
      const start = this.startClock[tid];
      if (start) join(clock, start);
    }
    if (reader.seenGeneration !== this.generation) {
      reader.seenGeneration = this.generation;
      join(clock, this.broadcast);
    }
    if (reader.inbox) {
      join(clock, reader.inbox);
      reader.inbox = undefined;
    }
    const kind = reader.kind;
    if (kind === EventKind.SharedRead) {
      this.read(reader);
      return;
    }
    if (kind === EventKind.SharedWrite) {
      this.write(reader);
      return;
    }
    switch (kind) {
      case EventKind.Acquired: {
        const state = this.syncOf(reader.objectId);
        switch (state.rule) {
          case SyncRule.Lock:
          case SyncRule.Semaphore:
            if (state.clock) join(clock, state.clock);
            if (state.rule === SyncRule.Semaphore) state.count--;
            break;
          case SyncRule.RLock:
            if (state.owner !== tid) {
              state.owner = tid;
              if (state.clock) join(clock, state.clock);
            }
            break;
        }
        break;
      }
      case EventKind.Released: {
        const state = this.syncOf(reader.objectId);
        switch (state.rule) {
          case SyncRule.Lock:
            state.clock = copyInto(state.clock, clock);
            if (reader.arg > state.count) state.count = reader.arg;
            clock[tid]++;
            break;
          case SyncRule.RLock:
            if (reader.arg > 0) break; // still held
            state.owner = -1;
            state.clock = copyInto(state.clock, clock);
            clock[tid]++;
            break;
          case SyncRule.Semaphore:
            state.clock = joinInto(state.clock, clock);
            state.count += Math.max(1, reader.arg);
            clock[tid]++;
            break;
        }
        break;
      }
      case EventKind.Block: {
        const waitKind = waitKindOf(reader.arg);
        reader.blockKind = waitKind;
        if (waitKind === WaitKind.Future) reader.blockCount = this.futuresDone;
        else if (waitKind === WaitKind.Barrier && reader.barrierCycle < 0) {
          // The wait for the others of the cycle (not the wait for a previous cycle to drain):
          // the pass follows it directly.
          const barrier = reader.objectId;
          if (
            reader.peekKind(1) === EventKind.Unblock &&
            reader.peekKind(2) === EventKind.BarrierPass &&
            reader.peekObject(2) === barrier
          ) {
            const state = this.syncOf(barrier);
            if (state.taken > 0) this.arrive(reader, state);
          }
        }
        break;
      }
      case EventKind.Unblock: {
        const waitKind = reader.blockKind;
        reader.blockKind = 0;
        if (reader.arg !== 1) break;
        if (waitKind === WaitKind.Join) {
          const joined = this.tidOfThreadObject.get(reader.objectId);
          const end = joined === undefined ? undefined : this.endClock[joined];
          if (end) join(clock, end);
        } else if (waitKind === WaitKind.Event) {
          const state = this.syncOf(reader.objectId);
          if (state.clock) join(clock, state.clock);
        } else if (waitKind === WaitKind.Future) {
          const state = this.syncOf(reader.objectId);
          const done = state.done && state.clock ? state.clock : this.futureAny;
          if (done) join(clock, done);
        } else if (waitKind === WaitKind.Queue) {
          // A queue join ends when the last task is done (a put or get that waited gets its edge from the item).
          const state = this.syncOf(reader.objectId);
          if (state.taskDone) join(clock, state.taskDone);
        }
        break;
      }
      case EventKind.ThreadStart: {
        const child = reader.arg;
        if (child > 0 && child < this.threads) this.startClock[child] = clock.slice();
        clock[tid]++;
        break;
      }
      case EventKind.ThreadFinished:
      case EventKind.ThreadFailed:
        this.endClock[tid] = clock.slice();
        this.publishEnd(tid, clock);
        clock[tid]++;
        break;
      case EventKind.EventSet: {
        const state = this.syncOf(reader.objectId);
        state.clock = joinInto(state.clock, clock);
        state.count++;
        this.publish(clock);
        clock[tid]++;
        break;
      }
      case EventKind.QueuePut: {
        const state = this.syncOf(reader.objectId);
        if (state.rule === SyncRule.FifoQueue && (state.fifo?.length ?? 0) - state.head < MAX_FIFO_CLOCKS) {
          state.fifo ??= [];
          state.fifo.push(clock.slice());
        } else {
          // Too many items in flight: every earlier put happens before a get from now on.
          if (state.fifo) {
            for (let i = state.head; i < state.fifo.length; i++) state.clock = joinInto(state.clock, state.fifo[i]);
            state.fifo = undefined;
            state.head = 0;
          }
          state.rule = state.rule === SyncRule.FifoQueue ? SyncRule.AnyQueue : state.rule;
          state.clock = joinInto(state.clock, clock);
        }
        state.count++;
        clock[tid]++;
        break;
      }
      case EventKind.QueueGet: {
        const state = this.syncOf(reader.objectId);
        if (state.fifo && state.head < state.fifo.length) {
          join(clock, state.fifo[state.head]);
          state.fifo[state.head++] = EMPTY_CLOCK;
          if (state.head > 1024 && state.head * 2 > state.fifo.length) {
            state.fifo = state.fifo.slice(state.head);
            state.head = 0;
          }
        } else if (state.clock) {
          join(clock, state.clock);
        }
        state.taken++;
        break;
      }
      case EventKind.QueueTaskDone: {
        const state = this.syncOf(reader.objectId);
        state.taskDone = joinInto(state.taskDone, clock);
        if (reader.arg === 0) this.publish(clock);
        clock[tid]++;
        break;
      }
      case EventKind.BarrierPass: {
        const state = this.syncOf(reader.objectId);
        if (state.taken <= 0) {
          // Parties unknown: every earlier pass happens before this one.
          if (state.clock) join(clock, state.clock);
          state.clock = joinInto(state.clock, clock);
          clock[tid]++;
          break;
        }
        if (reader.barrierCycle < 0) this.arrive(reader, state);
        const cycle = state.cycles!.get(reader.barrierCycle);
        if (cycle) {
          join(clock, cycle.clock);
          if (++cycle.departed >= state.taken) state.cycles!.delete(reader.barrierCycle);
        }
        reader.barrierCycle = -1;
        break;
      }
      case EventKind.FutureDone: {
        const state = this.syncOf(reader.objectId);
        if (this.futureClocks < MAX_FUTURE_CLOCKS) {
          state.clock = copyInto(state.clock, clock);
          this.futureClocks++;
        }
        state.done = state.clock !== undefined;
        this.futureAny = joinInto(this.futureAny, clock);
        this.futuresDone++;
        this.publish(clock);
        clock[tid]++;
        break;
      }
    }
  }

  /** A thread reaches a barrier: its clock joins the cycle's. */
  private arrive(reader: ThreadReader, state: SyncState): void {
    const parties = state.taken;
    const cycle = Math.floor(state.count / parties);
    state.cycles ??= new Map();
    let entry = state.cycles.get(cycle);
    if (!entry) {
      entry = { clock: new Int32Array(this.threads), departed: 0 };
      state.cycles.set(cycle, entry);
    }
    join(entry.clock, reader.clock);
    state.count++;
    reader.barrierCycle = cycle;
    reader.clock[reader.tid]++;
  }

  /** An unrecorded wait may have seen this: everything after it in time does (see the file comment). */
  /** A join of `tid` that returned at once may have seen its end: its starter and the threads that join. */
  private publishEnd(tid: number, clock: Int32Array): void {
    if (!this.assumeUnrecordedWaits) return;
    for (const reader of this.readers) {
      if (reader.tid !== tid && !reader.done && (reader.tid === this.starter[tid] || this.joiner[reader.tid] === 1)) {
        reader.inbox = joinInto(reader.inbox, clock);
      }
    }
  }

  private publish(clock: Int32Array): void {
    if (!this.assumeUnrecordedWaits) return;
    join(this.broadcast, clock);
    this.generation++;
  }

  private syncOf(objectId: number): SyncState {
    let state = this.sync.get(objectId);
    if (!state) {
      const rule = syncRuleOf(this.kinds.get(objectId));
      state = {
        rule,
        clock: undefined,
        count: 0,
        taken: 0,
        owner: -1,
        fifo: undefined,
        head: 0,
        taskDone: undefined,
        cycles: undefined,
        done: false,
      };
      if (rule === SyncRule.Semaphore) state.count = this.initial.get(objectId) ?? 1;
      if (rule === SyncRule.Barrier) state.taken = this.initial.get(objectId) ?? 0;
      this.sync.set(objectId, state);
    }
    return state;
  }

  // ── FastTrack ───────────────────────────────────────────────────────────────────────────

  private locationsOf(objectId: number, index: number): Locations {
    let locations = objectId === this.lastLocationId ? this.lastLocations : this.locations.get(objectId);
    if (!locations) {
      const length = this.kinds.get(objectId) === 'SharedArray' ? (this.initial.get(objectId) ?? 1) : 1;
      locations = new Locations(Math.max(1, length, index + 1));
      this.locations.set(objectId, locations);
    }
    if (index >= locations.length) locations.grow(index);
    this.lastLocationId = objectId;
    this.lastLocations = locations;
    return locations;
  }

  private read(reader: ThreadReader): void {
    this.accesses++;
    const index = reader.arg < 0 ? 0 : reader.arg;
    const at = this.locationsOf(reader.objectId, index);
    const tid = reader.tid;
    const clock = reader.clock;
    const epoch = clock[tid];
    const site = reader.siteId;
    const readTid = at.readTid[index];
    if (readTid === tid && at.readClock[index] === epoch) {
      at.readSite[index] = site; // the same epoch: nothing new to check
      return;
    }
    const writeTid = at.writeTid[index];
    if (writeTid >= 0 && writeTid !== tid && at.writeClock[index] > clock[writeTid]) {
      this.race(reader, index, writeTid, at.writeSite[index], 'write', 'read');
    }
    if (readTid === SHARED_READS) {
      const reads = at.sharedReads.get(index)!;
      reads.clock[tid] = epoch;
      reads.site[tid] = site;
    } else if (readTid === NO_READ || readTid === tid || at.readClock[index] <= clock[readTid]) {
      at.readTid[index] = tid;
      at.readClock[index] = epoch;
      at.readSite[index] = site;
    } else {
      // Two unordered reads: keep one per thread from now on (the arrays are kept, zeroed, for the next time).
      let reads = at.sharedReads.get(index);
      if (!reads) {
        reads = { clock: new Int32Array(this.threads), site: new Uint32Array(this.threads) };
        at.sharedReads.set(index, reads);
      }
      reads.clock[readTid] = at.readClock[index];
      reads.site[readTid] = at.readSite[index];
      reads.clock[tid] = epoch;
      reads.site[tid] = site;
      at.readTid[index] = SHARED_READS;
    }
  }

  private write(reader: ThreadReader): void {
    this.accesses++;
    const index = reader.arg < 0 ? 0 : reader.arg;
    const at = this.locationsOf(reader.objectId, index);
    const tid = reader.tid;
    const clock = reader.clock;
    const epoch = clock[tid];
    const site = reader.siteId;
    const writeTid = at.writeTid[index];
    if (writeTid === tid && at.writeClock[index] === epoch) {
      at.writeSite[index] = site;
      return;
    }
    if (writeTid >= 0 && writeTid !== tid && at.writeClock[index] > clock[writeTid]) {
      this.race(reader, index, writeTid, at.writeSite[index], 'write', 'write');
    }
    const readTid = at.readTid[index];
    if (readTid >= 0) {
      if (readTid !== tid && at.readClock[index] > clock[readTid]) {
        this.race(reader, index, readTid, at.readSite[index], 'read', 'write');
      }
    } else if (readTid === SHARED_READS) {
      const reads = at.sharedReads.get(index)!;
      for (let other = 0; other < this.threads; other++) {
        if (other !== tid && reads.clock[other] > clock[other]) this.race(reader, index, other, reads.site[other], 'read', 'write');
      }
      reads.clock.fill(0);
      at.readTid[index] = NO_READ;
    }
    at.writeTid[index] = tid;
    at.writeClock[index] = epoch;
    at.writeSite[index] = site;
  }

  private race(
    reader: ThreadReader,
    index: number,
    earlierTid: number,
    earlierSite: number,
    earlierAccess: 'read' | 'write',
    laterAccess: 'read' | 'write',
  ): void {
    const laterSite = reader.siteId;
    const low = Math.min(earlierSite, laterSite);
    const high = Math.max(earlierSite, laterSite);
    const kind: RaceKind = earlierAccess === 'write' && laterAccess === 'write' ? 'write-write' : 'read-write';
    let race = low === this.lastRaceLow && high === this.lastRaceHigh ? this.lastRace : this.races.get(low)?.get(high);
    if (!race) {
      if (this.raceList.length >= this.maxRaces) return;
      const access = (tid: number, siteId: number, what: 'read' | 'write'): RaceAccess => ({
        thread: this.threadName(tid),
        tid,
        site: formatSiteShort(this.header.sites, siteId),
        siteId,
        access: what,
      });
      race = {
        object: this.objectName(reader.objectId),
        objectId: reader.objectId,
        index,
        kinds: [kind],
        accesses: [access(earlierTid, earlierSite, earlierAccess), access(reader.tid, laterSite, laterAccess)],
        count: 0,
        explanation: '',
      };
      let byHigh = this.races.get(low);
      if (!byHigh) {
        byHigh = new Map();
        this.races.set(low, byHigh);
      }
      byHigh.set(high, race);
      this.raceList.push(race);
      race.explanation = this.explain(race);
    } else if (!race.kinds.includes(kind)) {
      race.kinds.push(kind);
      race.kinds.sort().reverse(); // write-write first
      race.explanation = this.explain(race);
    }
    race.count++;
    this.lastRace = race;
    this.lastRaceLow = low;
    this.lastRaceHigh = high;
  }

  private explain(race: DataRace): string {
    const [first, second] = race.accesses;
    const what = this.kinds.get(race.objectId) === 'SharedArray' ? `${race.object}[${race.index}]` : race.object;
    const who = (access: RaceAccess) =>
      first.thread === second.thread && first.tid !== second.tid ? `${access.thread} (thread ${access.tid})` : access.thread;
    const writeWrite = race.kinds.includes('write-write');
    const readWrite = race.kinds.includes('read-write');
    const how = writeWrite
      ? `both write it${readWrite ? ', and one reads it while the other writes it' : ''}`
      : 'one reads it while the other writes it';
    const consequence = writeWrite ? 'Updates can be lost' : 'The read may see the value from before or after the write';
    // The bundler gives `arr[i]` no site of its own (yet): say what the line is.
    const siteNote =
      this.kinds.get(race.objectId) === 'SharedArray' ? ' (A SharedArray access is placed at the last threadlanes call before it.)' : '';
    return (
      `Data race on ${what} between ${who(first)} at ${first.site} and ${who(second)} at ${second.site}: ${how}, ` +
      'with nothing ordering them (no lock held by both, no hand-off, join, event or queue between them). ' +
      `${consequence}; guard both with the same Lock.${siteNote}`
    );
  }
}

const EMPTY_CLOCK = new Int32Array(0);

/** `into[i] = max(into[i], from[i])`. */
function join(into: Int32Array, from: Int32Array): void {
  for (let i = 0, n = from.length; i < n; i++) if (from[i] > into[i]) into[i] = from[i];
}

function copyInto(into: Int32Array | undefined, from: Int32Array): Int32Array {
  if (!into) return from.slice();
  into.set(from);
  return into;
}

function joinInto(into: Int32Array | undefined, from: Int32Array): Int32Array {
  if (!into) return from.slice();
  join(into, from);
  return into;
}
