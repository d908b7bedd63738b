/**
 * Export to the Chrome Trace Event format ("JSON Object Format"), which Perfetto
 * (ui.perfetto.dev) and chrome://tracing open.
 *
 * The mapping
 *   - One process, pid 1, named "threadlanes: <snippet file>". Threadlanes tid N becomes
 *     Chrome tid N + 1 (tid 0 is the idle/swapper thread to Perfetto); every event carries
 *     no other id for the thread, so each lane's `thread_name` metadata holds the name and
 *     `thread_sort_index` = the Threadlanes tid keeps MainThread first.
 *   - Thread states are complete slices ("X", cat "state") on the thread's own track:
 *     "running", "blocked on <lock>", "waiting on <kind> <object>", "sleeping". They are
 *     contiguous and never overlap (a state ends exactly where the next begins), from
 *     ThreadRunning until ThreadFinished / ThreadFailed; a state still open when the trace
 *     ends (a deadlocked thread's block, a timeout) lasts to the end of the trace.
 *   - Lock holds are nestable async slices ("b"/"e", cat "lock", named after the
 *     primitive, one unique id per hold) so holds by several threads, and nested holds of
 *     different locks, never get mangled the way nested B/E pairs would:
 *       Lock (and any primitive that is neither an RLock nor a semaphore): one owner at a
 *         time; a Released ends the oldest open hold of that object, whichever thread
 *         releases it (a Lock may be released by another thread).
 *       RLock: per (object, thread); the hold starts when the thread first acquires it and
 *         ends when the depth in Released's arg returns to 0. An Acquired at depth > 1
 *         with no open hold (Condition.wait restoring a saved depth) starts a hold.
 *       Semaphore / BoundedSemaphore: one slice per permit. A Released of n permits (its
 *         arg) ends the releasing thread's oldest open permits first (FIFO); permits it
 *         does not hold end other threads' oldest permits (a semaphore may be released by
 *         another thread); permits nobody holds just raise the value and end nothing.
 *     Holds still open when the trace ends close at the end with args { heldAtEnd: true }.
 *   - Hand-offs are flow arrows ("s" → "f", cat "handoff"): from the release that freed a
 *     lock (or semaphore permit) to the Acquired that followed a Block on that same
 *     object in another thread, when the release happened while that thread was blocked.
 *   - Notify, set/clear, put/get/task-done, barrier, future, shared reads/writes, thread
 *     start, failed acquires, output and exceptions are thread-scoped instants ("i", s "t")
 *     whose args include the call site ("file:line").
 *
 * Time: `ts`/`dur` are microseconds (float) = timeNs / 1000. The end of the trace is the
 * last event's time, or the run's duration (header.durationMs) if that is later — except in
 * controlled mode, whose timestamps are virtual and unrelated to wall-clock duration.
 *
 * Events of different threads are merged by time (ties broken so that a release comes before
 * the acquire it made possible), and the output is sorted by ts, which also sorts it per
 * thread. Streams that break the invariants of format.ts do not throw: the exporter does the
 * sensible thing and lists what it had to forgive in metadata.warnings.
 *
 * Every user string (thread, lock and file names, output, exception messages) is a value in
 * the returned object; the caller serialises it with JSON.stringify, never by concatenation.
 */
import {
  EVENT_BYTES,
  EVENT_KIND_NAMES,
  EventKind,
  WAIT_KIND_NAMES,
  WAIT_TIMED,
  WaitKind,
  formatSiteShort,
  type ObjectInfo,
  type Trace,
} from './format';

export const CHROME_PID = 1;

/** One Chrome trace event; only the fields this exporter writes. */
export interface ChromeTraceEvent {
  ph: 'X' | 'b' | 'e' | 'i' | 's' | 'f' | 'M';
  name: string;
  pid: number;
  tid: number;
  ts: number;
  cat?: string;
  dur?: number;
  id?: number;
  /** Instant scope ('t' = thread). */
  s?: 't';
  /** Flow binding point ('e' = the enclosing slice). */
  bp?: 'e';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms';
  metadata: Record<string, unknown>;
}

/** The Chrome tid of a Threadlanes tid (Perfetto reserves tid 0 for the idle thread). */
export function chromeTid(tid: number): number {
  return tid + 1;
}

/** Keep at most this many warnings; the rest are counted. */
const MAX_WARNINGS = 50;

type HoldRule = 'exclusive' | 'reentrant' | 'permits';

interface OpenHold {
  id: number;
  holderTid: number;
  objectId: number;
  name: string;
  startNs: number;
}

interface OpenState {
  name: string;
  startNs: number;
  args: Record<string, unknown>;
  /** The state is a Block (ended by Unblock) or a sleep (ended by SleepEnd). */
  kind: 'running' | 'block' | 'sleep';
}

interface Lane {
  tid: number;
  name: string;
  state: OpenState | undefined;
  /** Time of the lane's last event: a lane's clock never runs backwards here. */
  lastNs: number;
  /** Set while the lane is blocked trying to take a lock-like object (for hand-off arrows). */
  acquireWait: { objectId: number; sinceNs: number } | undefined;
}

interface LastRelease {
  tid: number;
  timeNs: number;
  /** A release feeds at most one hand-off arrow per permit it freed. */
  handOffsLeft: number;
}

/** Converts a trace to a Chrome Trace Event JSON object (see the mapping above). */
export function toChromeTrace(trace: Trace): ChromeTrace {
  return new ChromeExporter(trace).run();
}

/** The same, serialised (for small traces; see `chromeTraceJsonChunks` for big ones). */
export function toChromeTraceJson(trace: Trace): string {
  return JSON.stringify(toChromeTrace(trace));
}

/**
 * Serialises a Chrome trace as a sequence of text chunks whose concatenation is the JSON
 * document, one line per event, so a writer can stream a trace bigger than the longest
 * string V8 can build (~2^29 characters). Every piece of user data inside is produced by
 * JSON.stringify.
 */
export function* chromeTraceJsonChunks(chrome: ChromeTrace, eventsPerChunk = 10_000): Generator<string> {
  const { traceEvents, ...rest } = chrome;
  yield '{"traceEvents":[\n';
  for (let start = 0; start < traceEvents.length; start += eventsPerChunk) {
    const lines = traceEvents.slice(start, start + eventsPerChunk).map((event) => JSON.stringify(event));
    yield (start === 0 ? '' : ',\n') + lines.join(',\n');
  }
  yield `\n],${JSON.stringify(rest).slice(1)}\n`;
}

class ChromeExporter {
  private readonly header: Trace['header'];
  private readonly objects = new Map<number, ObjectInfo>();
  private readonly threadNameByObject = new Map<number, string>();
  private readonly lanes: Lane[] = [];
  private readonly timed: ChromeTraceEvent[] = [];
  private readonly warnings: string[] = [];
  private warningCount = 0;

  private nextHoldId = 1;
  private nextFlowId = 1;
  private readonly exclusiveHolds = new Map<number, OpenHold[]>();
  private readonly reentrantHolds = new Map<number, Map<number, OpenHold>>();
  private readonly permitHolds = new Map<number, OpenHold[]>();
  private readonly lastRelease = new Map<number, LastRelease>();

  constructor(private readonly trace: Trace) {
    this.header = trace.header;
    for (const object of this.header.objects) this.objects.set(object.id, object);
    for (const thread of this.header.threads) {
      if (thread.objectId !== 0) this.threadNameByObject.set(thread.objectId, thread.name);
    }
    const laneCount = Math.max(trace.events.length, ...this.header.threads.map((thread) => thread.tid + 1));
    for (let tid = 0; tid < laneCount; tid++) {
      this.lanes.push({
        tid,
        name: this.header.threads.find((thread) => thread.tid === tid)?.name ?? `Thread-${tid}`,
        state: undefined,
        lastNs: 0,
        acquireWait: undefined,
      });
    }
  }

  run(): ChromeTrace {
    const endNs = this.replay();
    for (const lane of this.lanes) this.closeState(lane, endNs, { stillOpenAtEnd: true });
    this.closeAllHolds(endNs);

    // At equal ts, state slices come first so an instant or a flow end at the instant a
    // state begins lands inside that state; otherwise the (stable) sort keeps the order the
    // events were made in: a "b" before its "e", an "s" before its "f".
    this.timed.sort((a, b) => a.ts - b.ts || (a.ph === 'X' ? 0 : 1) - (b.ph === 'X' ? 0 : 1));
    return {
      traceEvents: [...this.metadataEvents(), ...this.timed],
      displayTimeUnit: 'ms',
      metadata: {
        source: 'threadlanes',
        format: this.header.format,
        version: this.header.version,
        file: this.header.file,
        mode: this.header.mode,
        outcome: this.header.outcome,
        durationMs: this.header.durationMs,
        startedAt: this.header.startedAt,
        ...(this.header.truncated ? { truncated: this.header.truncated } : {}),
        ...(this.warningCount > 0
          ? { warnings: this.warnings, warningCount: this.warningCount }
          : {}),
      },
    };
  }

  private metadataEvents(): ChromeTraceEvent[] {
    const events: ChromeTraceEvent[] = [
      // tid = the MainThread lane: a tid of 0 would name Perfetto's idle thread.
      { ph: 'M', name: 'process_name', pid: CHROME_PID, tid: chromeTid(0), ts: 0, args: { name: `threadlanes: ${this.header.file}` } },
    ];
    for (const lane of this.lanes) {
      const tid = chromeTid(lane.tid);
      events.push(
        { ph: 'M', name: 'thread_name', pid: CHROME_PID, tid, ts: 0, args: { name: lane.name } },
        { ph: 'M', name: 'thread_sort_index', pid: CHROME_PID, tid, ts: 0, args: { sort_index: lane.tid } },
      );
    }
    return events;
  }

  /** Walks every thread's events in time order; returns the end of the trace in ns. */
  private replay(): number {
    const cursors = this.trace.events.map((bytes, tid) => new Cursor(tid, bytes)).filter((cursor) => !cursor.done);
    const heap = new CursorHeap(cursors);
    let lastNs = 0;
    const tied: Cursor[] = [];
    while (heap.size > 0) {
      // Among the threads whose next event has the earliest time, take the first whose
      // event can happen now (a release before the acquire it enables).
      const first = heap.pop()!;
      tied.length = 0;
      tied.push(first);
      while (heap.size > 0 && heap.peek()!.timeNs === first.timeNs) tied.push(heap.pop()!);
      const chosen = tied.find((cursor) => this.canHappenNow(cursor)) ?? first;
      for (const cursor of tied) if (cursor !== chosen) heap.push(cursor);

      this.handle(chosen);
      lastNs = Math.max(lastNs, this.lanes[chosen.tid].lastNs);
      chosen.advance();
      if (!chosen.done) heap.push(chosen);
    }
    const durationNs = this.header.durationMs * 1e6;
    if (this.header.mode !== 'controlled' && Number.isFinite(durationNs)) lastNs = Math.max(lastNs, durationNs);
    return lastNs;
  }

  private canHappenNow(cursor: Cursor): boolean {
    const objectId = cursor.objectId;
    if (cursor.kind === EventKind.Acquired) {
      const rule = this.holdRule(objectId);
      if (rule === 'exclusive') return (this.exclusiveHolds.get(objectId)?.length ?? 0) === 0;
      if (rule === 'reentrant') {
        const holders = this.reentrantHolds.get(objectId);
        return !holders || holders.size === 0 || holders.has(cursor.tid);
      }
    } else if (cursor.kind === EventKind.Released) {
      const rule = this.holdRule(objectId);
      if (rule === 'exclusive') return (this.exclusiveHolds.get(objectId)?.length ?? 0) > 0;
    }
    return true;
  }

  private handle(cursor: Cursor): void {
    const lane = this.lanes[cursor.tid];
    // Per-thread time never goes backwards (invariant 1); clamp if a stream breaks it.
    if (cursor.timeNs < lane.lastNs) {
      this.warn(`${lane.name}: event ${cursor.index} goes back in time; clamped`);
    }
    const timeNs = Math.max(cursor.timeNs, lane.lastNs);
    lane.lastNs = timeNs;
    const { kind, objectId, siteId, arg } = cursor;

    switch (kind) {
      case EventKind.ThreadRunning:
        this.setState(lane, timeNs, { name: 'running', startNs: timeNs, args: {}, kind: 'running' });
        break;
      case EventKind.ThreadFinished:
        this.closeState(lane, timeNs, {});
        lane.state = undefined;
        break;
      case EventKind.ThreadFailed: {
        this.closeState(lane, timeNs, {});
        lane.state = undefined;
        const exception = this.header.exceptions[arg];
        this.instant(lane, timeNs, exception ? `exception ${exception.name}` : 'exception', exception?.siteId || siteId, 'exception', {
          ...(exception ? { name: exception.name, message: exception.message, stack: exception.stack } : { exceptionIndex: arg }),
        });
        break;
      }
      case EventKind.ThreadStart: {
        const started = this.lanes[arg]?.name ?? this.objectName(objectId);
        this.instant(lane, timeNs, `start ${started}`, siteId, 'thread', { thread: started, tid: arg });
        break;
      }

      case EventKind.Acquired:
        this.acquired(lane, timeNs, objectId, siteId, arg);
        break;
      case EventKind.Released:
        this.released(lane, timeNs, objectId, siteId, arg);
        break;
      case EventKind.AcquireFailed:
        if (lane.acquireWait?.objectId === objectId) lane.acquireWait = undefined;
        this.instant(lane, timeNs, `acquire failed ${this.objectName(objectId)}`, siteId, 'lock', {});
        break;

      case EventKind.Block: {
        const waitKind = arg & 0xff;
        const objectName = this.objectName(objectId);
        const name = waitKind === WaitKind.Lock
          ? `blocked on ${objectName}`
          : `waiting on ${WAIT_KIND_NAMES[waitKind] ?? 'something'} ${objectName}`;
        const args: Record<string, unknown> = {
          object: objectName,
          objectId,
          waitKind: WAIT_KIND_NAMES[waitKind] ?? waitKind,
          timed: (arg & WAIT_TIMED) !== 0,
        };
        const site = this.site(siteId);
        if (site) args.site = site;
        if (lane.state?.kind === 'block') this.warn(`${lane.name}: Block while already blocked`);
        this.setState(lane, timeNs, { name, startNs: timeNs, args, kind: 'block' });
        lane.acquireWait = waitKind === WaitKind.Lock || waitKind === WaitKind.Semaphore
          ? { objectId, sinceNs: timeNs }
          : undefined;
        break;
      }
      case EventKind.Unblock:
        if (lane.state?.kind !== 'block') {
          this.warn(`${lane.name}: Unblock without a Block`);
        } else {
          this.closeState(lane, timeNs, { endedBy: arg === 1 ? 'success' : 'timeout' });
        }
        if (arg !== 1) lane.acquireWait = undefined;
        this.setState(lane, timeNs, { name: 'running', startNs: timeNs, args: {}, kind: 'running' });
        break;
      case EventKind.SleepBegin:
        this.setState(lane, timeNs, { name: 'sleeping', startNs: timeNs, args: { requestedUs: arg }, kind: 'sleep' });
        break;
      case EventKind.SleepEnd:
        if (lane.state?.kind !== 'sleep') this.warn(`${lane.name}: SleepEnd without a SleepBegin`);
        this.setState(lane, timeNs, { name: 'running', startNs: timeNs, args: {}, kind: 'running' });
        break;

      case EventKind.Notify:
        this.objectInstant(lane, timeNs, 'notify', objectId, siteId, 'condition', { woken: arg });
        break;
      case EventKind.EventSet:
        this.objectInstant(lane, timeNs, 'set', objectId, siteId, 'event', {});
        break;
      case EventKind.EventClear:
        this.objectInstant(lane, timeNs, 'clear', objectId, siteId, 'event', {});
        break;
      case EventKind.QueuePut:
        this.objectInstant(lane, timeNs, 'put', objectId, siteId, 'queue', { sizeAfter: arg });
        break;
      case EventKind.QueueGet:
        this.objectInstant(lane, timeNs, 'get', objectId, siteId, 'queue', { sizeAfter: arg });
        break;
      case EventKind.QueueTaskDone:
        this.objectInstant(lane, timeNs, 'task_done', objectId, siteId, 'queue', {});
        break;
      case EventKind.BarrierPass:
        this.objectInstant(lane, timeNs, 'pass', objectId, siteId, 'barrier', { arrivalIndex: arg });
        break;
      case EventKind.BarrierBroken:
        this.objectInstant(lane, timeNs, 'broken', objectId, siteId, 'barrier', {});
        break;
      case EventKind.FutureDone:
        this.objectInstant(lane, timeNs, 'done', objectId, siteId, 'future', {
          result: (['result', 'exception', 'cancelled'] as const)[arg] ?? arg,
        });
        break;
      case EventKind.SharedRead:
        this.objectInstant(lane, timeNs, 'read', objectId, siteId, 'shared', { index: arg });
        break;
      case EventKind.SharedWrite:
        this.objectInstant(lane, timeNs, 'write', objectId, siteId, 'shared', { index: arg });
        break;
      case EventKind.Output: {
        const line = this.header.output[arg];
        this.instant(lane, timeNs, line?.stream ?? 'output', siteId, 'output', line ? { text: line.text } : { outputIndex: arg });
        break;
      }
      default:
        this.instant(lane, timeNs, EVENT_KIND_NAMES[kind] ?? `event ${kind}`, siteId, 'other', { kind, objectId, arg });
    }
  }

  // ── thread states ──────────────────────────────────────────────────────────────────────

  private setState(lane: Lane, timeNs: number, next: OpenState): void {
    this.closeState(lane, timeNs, {});
    lane.state = next;
  }

  /** Ends the lane's open state at `endNs` and emits it as an X slice. */
  private closeState(lane: Lane, endNs: number, endArgs: Record<string, unknown>): void {
    const state = lane.state;
    if (!state) return;
    lane.state = undefined;
    // An empty "running" between two events at the same instant says nothing; waits and
    // sleeps are kept even when empty (virtual time may not advance while blocked).
    if (endNs === state.startNs && state.kind === 'running') return;
    const args = { ...state.args, ...endArgs };
    this.timed.push({
      ph: 'X',
      cat: 'state',
      name: state.name,
      pid: CHROME_PID,
      tid: chromeTid(lane.tid),
      ts: state.startNs / 1000,
      dur: safeDurationUs(state.startNs, endNs),
      ...(Object.keys(args).length > 0 ? { args } : {}),
    });
  }

  // ── holds ──────────────────────────────────────────────────────────────────────────────

  private holdRule(objectId: number): HoldRule {
    const kind = this.objects.get(objectId)?.kind;
    if (kind === 'RLock') return 'reentrant';
    if (kind === 'Semaphore' || kind === 'BoundedSemaphore') return 'permits';
    return 'exclusive';
  }

  private acquired(lane: Lane, timeNs: number, objectId: number, siteId: number, arg: number): void {
    const rule = this.holdRule(objectId);
    const wasWaiting = lane.acquireWait?.objectId === objectId ? lane.acquireWait : undefined;
    if (wasWaiting) lane.acquireWait = undefined;

    if (rule === 'reentrant') {
      const holders = mapFor(this.reentrantHolds, objectId);
      if (holders.has(lane.tid)) return; // a deeper level of a hold already open
      holders.set(lane.tid, this.openHold(lane, timeNs, objectId, siteId, { depth: arg }));
    } else if (rule === 'permits') {
      listFor(this.permitHolds, objectId).push(this.openHold(lane, timeNs, objectId, siteId, { valueAfter: arg }));
    } else {
      const holds = listFor(this.exclusiveHolds, objectId);
      if (holds.length > 0) {
        this.warn(`${this.objectName(objectId)}: acquired by ${lane.name} while ${this.lanes[holds[0].holderTid]?.name} holds it`);
      }
      holds.push(this.openHold(lane, timeNs, objectId, siteId, {}));
    }

    const release = this.lastRelease.get(objectId);
    if (wasWaiting && release && release.tid !== lane.tid && release.handOffsLeft > 0 && release.timeNs >= wasWaiting.sinceNs) {
      release.handOffsLeft--;
      this.handOff(release, lane, timeNs, objectId);
    }
  }

  private released(lane: Lane, timeNs: number, objectId: number, siteId: number, arg: number): void {
    const rule = this.holdRule(objectId);
    const endArgs: Record<string, unknown> = {};
    if (siteId !== 0) endArgs.releaseSite = this.site(siteId);

    if (rule === 'reentrant') {
      if (arg > 0) return; // still held, one level less deep
      const holders = this.reentrantHolds.get(objectId);
      const hold = holders?.get(lane.tid);
      if (!hold) {
        this.warn(`${this.objectName(objectId)}: released by ${lane.name}, which does not hold it`);
        return;
      }
      holders!.delete(lane.tid);
      this.closeHold(hold, timeNs, endArgs);
      this.lastRelease.set(objectId, { tid: lane.tid, timeNs, handOffsLeft: 1 });
    } else if (rule === 'permits') {
      const permits = Math.max(1, arg);
      const holds = listFor(this.permitHolds, objectId);
      let ended = 0;
      // The releasing thread's own permits first, oldest first; then other threads' oldest.
      for (const mine of [true, false]) {
        for (let i = 0; i < holds.length && ended < permits; ) {
          if ((holds[i].holderTid === lane.tid) === mine) {
            const [hold] = holds.splice(i, 1);
            this.closeHold(hold, timeNs, hold.holderTid === lane.tid ? endArgs : { ...endArgs, releasedBy: lane.name });
            ended++;
          } else {
            i++;
          }
        }
      }
      this.lastRelease.set(objectId, { tid: lane.tid, timeNs, handOffsLeft: permits });
    } else {
      const hold = this.exclusiveHolds.get(objectId)?.shift();
      if (!hold) {
        this.warn(`${this.objectName(objectId)}: released by ${lane.name} while nobody holds it`);
        return;
      }
      this.closeHold(hold, timeNs, hold.holderTid === lane.tid ? endArgs : { ...endArgs, releasedBy: lane.name });
      this.lastRelease.set(objectId, { tid: lane.tid, timeNs, handOffsLeft: 1 });
    }
  }

  private openHold(lane: Lane, timeNs: number, objectId: number, siteId: number, extra: Record<string, unknown>): OpenHold {
    const hold: OpenHold = { id: this.nextHoldId++, holderTid: lane.tid, objectId, name: this.objectName(objectId), startNs: timeNs };
    const args: Record<string, unknown> = { objectId, kind: this.objects.get(objectId)?.kind ?? 'unknown', holder: lane.name, ...extra };
    const site = this.site(siteId);
    if (site) args.site = site;
    this.timed.push({ ph: 'b', cat: 'lock', name: hold.name, id: hold.id, pid: CHROME_PID, tid: chromeTid(lane.tid), ts: timeNs / 1000, args });
    return hold;
  }

  private closeHold(hold: OpenHold, timeNs: number, args: Record<string, unknown>): void {
    // A release seen on another thread's clock can never end a hold before it began.
    const endNs = Math.max(timeNs, hold.startNs);
    this.timed.push({
      ph: 'e',
      cat: 'lock',
      name: hold.name,
      id: hold.id,
      pid: CHROME_PID,
      tid: chromeTid(hold.holderTid),
      ts: endNs / 1000,
      ...(Object.keys(args).length > 0 ? { args } : {}),
    });
  }

  private closeAllHolds(endNs: number): void {
    const open: OpenHold[] = [];
    for (const holds of this.exclusiveHolds.values()) open.push(...holds);
    for (const holders of this.reentrantHolds.values()) open.push(...holders.values());
    for (const holds of this.permitHolds.values()) open.push(...holds);
    open.sort((a, b) => a.id - b.id);
    for (const hold of open) this.closeHold(hold, endNs, { heldAtEnd: true });
    this.exclusiveHolds.clear();
    this.reentrantHolds.clear();
    this.permitHolds.clear();
  }

  private handOff(release: LastRelease, to: Lane, acquiredNs: number, objectId: number): void {
    const id = this.nextFlowId++;
    const name = `hand-off ${this.objectName(objectId)}`;
    this.timed.push(
      { ph: 's', cat: 'handoff', name, id, pid: CHROME_PID, tid: chromeTid(release.tid), ts: release.timeNs / 1000 },
      { ph: 'f', bp: 'e', cat: 'handoff', name, id, pid: CHROME_PID, tid: chromeTid(to.tid), ts: Math.max(acquiredNs, release.timeNs) / 1000 },
    );
  }

  // ── instants and names ─────────────────────────────────────────────────────────────────

  private objectInstant(
    lane: Lane, timeNs: number, verb: string, objectId: number, siteId: number, category: string, args: Record<string, unknown>,
  ): void {
    const objectName = this.objectName(objectId);
    this.instant(lane, timeNs, `${verb} ${objectName}`, siteId, category, { object: objectName, ...args });
  }

  private instant(lane: Lane, timeNs: number, name: string, siteId: number, category: string, args: Record<string, unknown>): void {
    const site = this.site(siteId);
    this.timed.push({
      ph: 'i',
      s: 't',
      cat: category,
      name,
      pid: CHROME_PID,
      tid: chromeTid(lane.tid),
      ts: timeNs / 1000,
      args: site ? { ...args, site } : args,
    });
  }

  private objectName(objectId: number): string {
    return this.objects.get(objectId)?.name ?? this.threadNameByObject.get(objectId) ?? `#${objectId}`;
  }

  /** "file:line", or undefined for the unknown site. */
  private site(siteId: number): string | undefined {
    const site = formatSiteShort(this.header.sites, siteId);
    return site === '?' ? undefined : site;
  }

  private warn(message: string): void {
    this.warningCount++;
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
  }
}

/**
 * The slice duration in µs for [startNs, endNs], shortened by a nanosecond when needed so
 * that a reader converting µs back to ns (Perfetto truncates or rounds ts×1000 and
 * dur×1000 separately; chrome://tracing adds floats) never sees a slice end after the next
 * slice on the same thread begins. A 1 ns gap is invisible; a 1 ns overlap would nest the
 * next state inside this one.
 */
export function safeDurationUs(startNs: number, endNs: number): number {
  const startUs = startNs / 1000;
  const endUs = endNs / 1000;
  for (let shaveNs = 0; shaveNs < 4; shaveNs++) {
    const durNs = Math.max(0, endNs - startNs - shaveNs);
    const durUs = durNs / 1000;
    const fits =
      startUs + durUs <= endUs &&
      Math.trunc(startUs * 1000) + Math.trunc(durUs * 1000) <= Math.trunc(endUs * 1000) &&
      Math.round(startUs * 1000) + Math.round(durUs * 1000) <= Math.round(endUs * 1000);
    if (fits || durNs === 0) return durUs;
  }
  return Math.max(0, endNs - startNs - 4) / 1000;
}

// ── reading several threads' streams in time order ─────────────────────────────────────────

/** A position in one thread's event stream, with the current event's fields decoded. */
class Cursor {
  index = 0;
  timeNs = 0;
  kind = 0;
  objectId = 0;
  siteId = 0;
  arg = 0;
  private readonly view: DataView;
  private readonly count: number;

  constructor(readonly tid: number, bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.count = Math.floor(bytes.byteLength / EVENT_BYTES);
    this.read();
  }

  get done(): boolean {
    return this.index >= this.count;
  }

  advance(): void {
    this.index++;
    this.read();
  }

  private read(): void {
    if (this.done) return;
    const offset = this.index * EVENT_BYTES;
    this.timeNs = this.view.getFloat64(offset, true);
    this.kind = this.view.getUint32(offset + 8, true) & 0xff;
    this.objectId = this.view.getUint32(offset + 12, true);
    this.siteId = this.view.getUint32(offset + 16, true);
    this.arg = this.view.getInt32(offset + 20, true);
  }
}

/** A binary min-heap of cursors by (timeNs, tid). */
class CursorHeap {
  private readonly items: Cursor[] = [];

  constructor(cursors: Cursor[]) {
    for (const cursor of cursors) this.push(cursor);
  }

  get size(): number {
    return this.items.length;
  }

  peek(): Cursor | undefined {
    return this.items[0];
  }

  push(cursor: Cursor): void {
    const items = this.items;
    items.push(cursor);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Cursor | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && before(items[left], items[smallest])) smallest = left;
        if (right < items.length && before(items[right], items[smallest])) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest], items[i]];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: Cursor, b: Cursor): boolean {
  return a.timeNs < b.timeNs || (a.timeNs === b.timeNs && a.tid < b.tid);
}

function mapFor<K, V>(map: Map<number, Map<K, V>>, key: number): Map<K, V> {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  return inner;
}

function listFor<T>(map: Map<number, T[]>, key: number): T[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
