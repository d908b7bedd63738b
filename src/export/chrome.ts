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
 *     different locks, never get mangled the way nested B/E pairs would. One slice per hold
 *     as intervals.ts matches them (a Lock released by another thread ends its owner's hold,
 *     args { releasedBy }; an RLock hold spans its nesting; one slice per semaphore permit);
 *     holds still open when the trace ends close at the end with args { heldAtEnd: true }.
 *   - GIL mode: waiting for the GIL is a state slice ("waiting for the GIL"); who holds the GIL
 *     is one more track, "GIL" (Chrome tid = the last thread's + 1, sorted first), with one
 *     complete slice ("X", cat "gil") per hold named after the holder, args { holder,
 *     released: "blocks" | "switch" | "exits" | "held at end" }; the GIL's own events are
 *     not repeated as instants.
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
 * States, holds and hand-offs come from src/trace/intervals.ts, which merges the threads'
 * events by time (ties broken so that a release comes before the acquire it made possible);
 * the output is sorted by ts, which also sorts it per thread. Streams that break the
 * invariants of format.ts do not throw: the exporter does the sensible thing and lists what
 * it had to forgive in metadata.warnings.
 *
 * Every user string (thread, lock and file names, output, exception messages) is a value in
 * the returned object; the caller serialises it with JSON.stringify, never by concatenation.
 */
import {
  ThreadState,
  EVENT_KIND_NAMES,
  EventKind,
  GilReleaseReason,
  WAIT_KIND_NAMES,
  WAIT_TIMED,
  WaitKind,
  formatSiteShort,
  waitKindOf,
  type ObjectInfo,
  type Trace,
} from '../trace/format';

import { forEachEvent } from '../trace/events';

import {
  HoldRule,
  IntervalEnd,
  deriveIntervals,
  holdRuleOf,
  lastEventNs,
  objectNamer,
  threadCount,
  type HandoffIntervals,
  type StateIntervals,
  type ThreadIntervals,
} from '../trace/intervals';

const CHROME_PID = 1;

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

/** Converts a trace to a Chrome Trace Event JSON object (see the mapping above). */
export function toChromeTrace(trace: Trace): ChromeTrace {
  return new ChromeExporter(trace).run();
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
  private readonly objectName: (objectId: number) => string;
  private readonly names: string[] = [];
  private readonly timed: ChromeTraceEvent[] = [];
  private readonly warnings: string[] = [];
  private warningCount = 0;
  /** GIL mode: every hold of the GIL, as the threads' streams say (sorted and laid out in gilSlices). */
  private readonly gilHolds: { tid: number; startNs: number; endNs: number; released: string }[] = [];

  constructor(private readonly trace: Trace) {
    this.header = trace.header;
    for (const object of this.header.objects) this.objects.set(object.id, object);
    this.objectName = objectNamer(this.header);
    for (let tid = 0; tid < threadCount(trace); tid++) {
      this.names.push(this.header.threads.find((thread) => thread.tid === tid)?.name ?? `Thread-${tid}`);
    }
  }

  run(): ChromeTrace {
    const derived = deriveIntervals(this.trace, { endNs: this.endNs(), onWarning: (message) => this.warn(message) });
    derived.threads.forEach((thread) => {
      this.stateSlices(thread.tid, thread.states);
      this.instants(thread.tid);
    });
    this.holdSlices(derived.threads);
    this.handOffArrows(derived.handoffs);
    this.gilSlices(derived.endNs);

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
        ...(this.warningCount > 0 ? { warnings: this.warnings, warningCount: this.warningCount } : {}),
      },
    };
  }

  /** The last event, or the run's duration if later (not in controlled mode: virtual time). */
  private endNs(): number {
    let endNs = lastEventNs(this.trace);
    const durationNs = this.header.durationMs * 1e6;
    if (this.header.mode !== 'controlled' && Number.isFinite(durationNs)) endNs = Math.max(endNs, durationNs);
    return endNs;
  }

  private metadataEvents(): ChromeTraceEvent[] {
    const events: ChromeTraceEvent[] = [
      // tid = the MainThread lane: a tid of 0 would name Perfetto's idle thread.
      { ph: 'M', name: 'process_name', pid: CHROME_PID, tid: chromeTid(0), ts: 0, args: { name: `threadlanes: ${this.header.file}` } },
    ];
    this.names.forEach((name, laneTid) => {
      const tid = chromeTid(laneTid);
      events.push(
        { ph: 'M', name: 'thread_name', pid: CHROME_PID, tid, ts: 0, args: { name } },
        { ph: 'M', name: 'thread_sort_index', pid: CHROME_PID, tid, ts: 0, args: { sort_index: laneTid } },
      );
    });
    if (this.header.mode === 'gil') {
      const tid = this.gilTrackTid();
      events.push(
        { ph: 'M', name: 'thread_name', pid: CHROME_PID, tid, ts: 0, args: { name: 'GIL' } },
        { ph: 'M', name: 'thread_sort_index', pid: CHROME_PID, tid, ts: 0, args: { sort_index: -1 } },
      );
    }
    return events;
  }

  // ── thread states ──────────────────────────────────────────────────────────────────────

  private stateSlices(tid: number, states: StateIntervals): void {
    for (let i = 0; i < states.count; i++) {
      const state = states.state[i];
      let name: string;
      let args: Record<string, unknown>;
      if (state === ThreadState.Running) {
        // An empty running slice (the trace ended as the thread resumed) says nothing.
        if (states.endNs[i] === states.startNs[i]) continue;
        name = 'running';
        args = {};
      } else if (state === ThreadState.Blocked || state === ThreadState.Waiting) {
        const waitKind = waitKindOf(states.arg[i]);
        const objectName = this.objectName(states.objectId[i]);
        name =
          waitKind === WaitKind.Lock ? `blocked on ${objectName}` : `waiting on ${WAIT_KIND_NAMES[waitKind] ?? 'something'} ${objectName}`;
        args = {
          object: objectName,
          objectId: states.objectId[i],
          waitKind: WAIT_KIND_NAMES[waitKind] ?? waitKind,
          timed: (states.arg[i] & WAIT_TIMED) !== 0,
        };
        const site = this.site(states.siteId[i]);
        if (site) args.site = site;
      } else if (state === ThreadState.Sleeping) {
        name = 'sleeping';
        args = { requestedUs: states.arg[i] };
      } else if (state === ThreadState.WaitingForGil) {
        name = 'waiting for the GIL';
        // Woken inside a Block (it re-checks its lock, condition… once it has the GIL).
        args = states.objectId[i] ? { inside: this.objectName(states.objectId[i]) } : {};
      } else {
        continue; // Starting is not drawn
      }
      const ending = states.ending[i];
      if (ending === IntervalEnd.Success) args.endedBy = 'success';
      else if (ending === IntervalEnd.Failure) args.endedBy = 'timeout';
      else if (ending === IntervalEnd.OpenAtEnd) args.stillOpenAtEnd = true;
      this.timed.push({
        ph: 'X',
        cat: 'state',
        name,
        pid: CHROME_PID,
        tid: chromeTid(tid),
        ts: states.startNs[i] / 1000,
        dur: safeDurationUs(states.startNs[i], states.endNs[i]),
        ...(Object.keys(args).length > 0 ? { args } : {}),
      });
    }
  }

  // ── the GIL ────────────────────────────────────────────────────────────────────────────

  /** The GIL's track: after every thread's. */
  private gilTrackTid(): number {
    return chromeTid(this.names.length);
  }

  /** One slice per GIL hold on the GIL track; a hold never starts before the previous one ended (clocks may disagree by a hair). */
  private gilSlices(endNs: number): void {
    if (this.header.mode !== 'gil') return;
    const tid = this.gilTrackTid();
    this.gilHolds.sort((a, b) => a.startNs - b.startNs || a.endNs - b.endNs);
    let previousEndNs = -Infinity;
    for (const hold of this.gilHolds) {
      const startNs = Math.max(hold.startNs, previousEndNs);
      const holdEndNs = Math.max(startNs, Math.min(hold.endNs, endNs));
      previousEndNs = holdEndNs;
      this.timed.push({
        ph: 'X',
        cat: 'gil',
        name: this.names[hold.tid],
        pid: CHROME_PID,
        tid,
        ts: startNs / 1000,
        dur: safeDurationUs(startNs, holdEndNs),
        args: { holder: this.names[hold.tid], released: hold.released },
      });
    }
  }

  // ── holds and hand-offs ────────────────────────────────────────────────────────────────

  private holdSlices(threads: ThreadIntervals[]): void {
    let nextId = 1;
    for (const thread of threads) {
      const holds = thread.holds;
      const tid = chromeTid(thread.tid);
      const holder = this.names[thread.tid];
      for (let i = 0; i < holds.count; i++) {
        const id = nextId++;
        const objectId = holds.objectId[i];
        const name = this.objectName(objectId);
        const kind = this.objects.get(objectId)?.kind;
        const rule = holdRuleOf(kind);
        const beginArgs: Record<string, unknown> = { objectId, kind: kind ?? 'unknown', holder };
        if (rule === HoldRule.Reentrant) beginArgs.depth = holds.acquireArg[i];
        else if (rule === HoldRule.Permits) beginArgs.valueAfter = holds.acquireArg[i];
        const site = this.site(holds.siteId[i]);
        if (site) beginArgs.site = site;

        const endArgs: Record<string, unknown> = {};
        if (holds.heldAtEnd[i]) {
          endArgs.heldAtEnd = true;
        } else {
          if (holds.releaseSiteId[i] !== 0) endArgs.releaseSite = this.site(holds.releaseSiteId[i]);
          if (holds.releasedBy[i] !== thread.tid) endArgs.releasedBy = this.names[holds.releasedBy[i]];
        }
        this.timed.push(
          { ph: 'b', cat: 'lock', name, id, pid: CHROME_PID, tid, ts: holds.startNs[i] / 1000, args: beginArgs },
          {
            ph: 'e',
            cat: 'lock',
            name,
            id,
            pid: CHROME_PID,
            tid,
            ts: holds.endNs[i] / 1000,
            ...(Object.keys(endArgs).length > 0 ? { args: endArgs } : {}),
          },
        );
      }
    }
  }

  private handOffArrows(handoffs: HandoffIntervals): void {
    for (let i = 0; i < handoffs.count; i++) {
      const id = i + 1;
      const name = `hand-off ${this.objectName(handoffs.objectId[i])}`;
      const releaseNs = handoffs.releaseNs[i];
      this.timed.push(
        { ph: 's', cat: 'handoff', name, id, pid: CHROME_PID, tid: chromeTid(handoffs.fromTid[i]), ts: releaseNs / 1000 },
        {
          ph: 'f',
          bp: 'e',
          cat: 'handoff',
          name,
          id,
          pid: CHROME_PID,
          tid: chromeTid(handoffs.toTid[i]),
          ts: Math.max(handoffs.acquireNs[i], releaseNs) / 1000,
        },
      );
    }
  }

  // ── instants ───────────────────────────────────────────────────────────────────────────

  /** Instants for the thread's events that are neither states nor holds. */
  private instants(tid: number): void {
    const bytes = this.trace.events[tid];
    if (!bytes) return;
    let lastNs = 0;
    let gilSinceNs = -1;
    forEachEvent(bytes, (eventNs, kind, objectId, siteId, arg) => {
      // As in the derived states: a thread's clock never runs backwards.
      const timeNs = Math.max(eventNs, lastNs);
      lastNs = timeNs;
      switch (kind) {
        // The GIL's events become the GIL track and "waiting for the GIL" states.
        case EventKind.GilRequest:
          break;
        case EventKind.GilAcquired:
          gilSinceNs = timeNs;
          break;
        case EventKind.GilReleased:
          if (gilSinceNs >= 0) {
            const released = arg === GilReleaseReason.Switch ? 'switch' : arg === GilReleaseReason.Exits ? 'exits' : 'blocks';
            this.gilHolds.push({ tid, startNs: gilSinceNs, endNs: timeNs, released });
          }
          gilSinceNs = -1;
          break;
        case EventKind.ThreadRunning:
        case EventKind.ThreadFinished:
        case EventKind.Acquired:
        case EventKind.Released:
        case EventKind.Block:
        case EventKind.Unblock:
        case EventKind.SleepBegin:
        case EventKind.SleepEnd:
          break;
        case EventKind.ThreadFailed: {
          const exception = this.header.exceptions[arg];
          this.instant(tid, timeNs, exception ? `exception ${exception.name}` : 'exception', exception?.siteId || siteId, 'exception', {
            ...(exception ? { name: exception.name, message: exception.message, stack: exception.stack } : { exceptionIndex: arg }),
          });
          break;
        }
        case EventKind.ThreadStart: {
          const started = this.names[arg] ?? this.objectName(objectId);
          this.instant(tid, timeNs, `start ${started}`, siteId, 'thread', { thread: started, tid: arg });
          break;
        }
        case EventKind.AcquireFailed:
          this.instant(tid, timeNs, `acquire failed ${this.objectName(objectId)}`, siteId, 'lock', {});
          break;
        case EventKind.Notify:
          this.objectInstant(tid, timeNs, 'notify', objectId, siteId, 'condition', { woken: arg });
          break;
        case EventKind.EventSet:
          this.objectInstant(tid, timeNs, 'set', objectId, siteId, 'event', {});
          break;
        case EventKind.EventClear:
          this.objectInstant(tid, timeNs, 'clear', objectId, siteId, 'event', {});
          break;
        case EventKind.QueuePut:
          this.objectInstant(tid, timeNs, 'put', objectId, siteId, 'queue', { sizeAfter: arg });
          break;
        case EventKind.QueueGet:
          this.objectInstant(tid, timeNs, 'get', objectId, siteId, 'queue', { sizeAfter: arg });
          break;
        case EventKind.QueueTaskDone:
          this.objectInstant(tid, timeNs, 'task_done', objectId, siteId, 'queue', {});
          break;
        case EventKind.BarrierPass:
          this.objectInstant(tid, timeNs, 'pass', objectId, siteId, 'barrier', { arrivalIndex: arg });
          break;
        case EventKind.BarrierBroken:
          this.objectInstant(tid, timeNs, 'broken', objectId, siteId, 'barrier', {});
          break;
        case EventKind.FutureDone:
          this.objectInstant(tid, timeNs, 'done', objectId, siteId, 'future', {
            result: (['result', 'exception', 'cancelled'] as const)[arg] ?? arg,
          });
          break;
        case EventKind.SharedRead:
          this.objectInstant(tid, timeNs, 'read', objectId, siteId, 'shared', { index: arg });
          break;
        case EventKind.SharedWrite:
          this.objectInstant(tid, timeNs, 'write', objectId, siteId, 'shared', { index: arg });
          break;
        case EventKind.Output: {
          const line = this.header.output[arg];
          this.instant(tid, timeNs, line?.stream ?? 'output', siteId, 'output', line ? { text: line.text } : { outputIndex: arg });
          break;
        }
        default:
          this.instant(tid, timeNs, EVENT_KIND_NAMES[kind] ?? `event ${kind}`, siteId, 'other', { kind, objectId, arg });
      }
    });
    if (gilSinceNs >= 0) this.gilHolds.push({ tid, startNs: gilSinceNs, endNs: Infinity, released: 'held at end' });
  }

  private objectInstant(
    tid: number,
    timeNs: number,
    verb: string,
    objectId: number,
    siteId: number,
    category: string,
    args: Record<string, unknown>,
  ): void {
    const objectName = this.objectName(objectId);
    this.instant(tid, timeNs, `${verb} ${objectName}`, siteId, category, { object: objectName, ...args });
  }

  private instant(tid: number, timeNs: number, name: string, siteId: number, category: string, args: Record<string, unknown>): void {
    const site = this.site(siteId);
    this.timed.push({
      ph: 'i',
      s: 't',
      cat: category,
      name,
      pid: CHROME_PID,
      tid: chromeTid(tid),
      ts: timeNs / 1000,
      args: site ? { ...args, site } : args,
    });
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
