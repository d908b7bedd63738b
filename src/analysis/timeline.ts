/**
 * The timeline model (model.ts) from a trace, and the queries the panel asks at an instant.
 *
 *   buildTimeline(trace)       the model with its queries, for the panel
 *   buildTimelineModel(trace)  the model alone: plain data and typed arrays (structured-cloneable)
 *   timelineQueries(model)     the queries over a model (after it crossed a postMessage, say)
 *
 * Everything is derived by src/trace/intervals.ts (states, holds, hand-offs); this file lays it
 * out for drawing: lanes in order, each covering the whole run (NotStarted before its start,
 * Finished / Failed after its end), levels of detail, markers, statistics, colours.
 *
 * Cost: O(events) to derive, O(intervals + buckets) to lay out; memory proportional to the
 * intervals and holds (typed arrays), never an object per event. Queries are binary searches
 * over sorted columns: O(log n) per lane.
 */
import { ThreadState, WaitKind, waitKindOf, type Trace, type TraceHeader } from '../trace/format';
import { EventStream } from '../trace/events';

import { deriveIntervals, holdRuleOf, HoldRule, traceEndNs, type StateIntervals, type ThreadIntervals } from '../trace/intervals';
import { gilByThread } from './gil';

import { buildLod } from './lod';

import {
  type DeadlockView,
  type GilView,
  type Handoff,
  type Hold,
  type HoldColumns,
  type Marker,
  type PrimitiveInfo,
  type StateColumns,
  type ThreadLane,
  type TimelineModel,
  type TimelineQueries,
  type WaitEdge,
} from './model';
import { isLockLike, lockStatistics } from './stats';
import { upperBound, upperBoundVia } from '../shared/search';

export type Timeline = TimelineModel & TimelineQueries;

/** Colour slots for holds (PrimitiveInfo.colorIndex is 0 … COLOR_SLOTS - 1). */
const COLOR_SLOTS = 12;

/** The model and its queries. */
export function buildTimeline(trace: Trace): Timeline {
  const model = buildTimelineModel(trace);
  return Object.assign(model, timelineQueries(model));
}

export function buildTimelineModel(trace: Trace): TimelineModel {
  const { header } = trace;
  const endNs = traceEndNs(trace);
  const derived = deriveIntervals(trace, { endNs });

  let firstRunningNs = Infinity;
  for (const thread of derived.threads) if (thread.runningNs !== undefined) firstRunningNs = Math.min(firstRunningNs, thread.runningNs);
  const startNs = Number.isFinite(firstRunningNs) ? Math.min(firstRunningNs, endNs) : 0;
  // Every lane covers the whole run, from the epoch to the end.
  const coverFromNs = Math.min(0, startNs);

  // MainThread first, then in start order (tids are allocated in start order; a thread that
  // never started comes last).
  const infos = [...header.threads].sort((a, b) => {
    if ((a.tid === 0) !== (b.tid === 0)) return a.tid === 0 ? -1 : 1;
    const aStart = derived.threads[a.tid]?.startedNs ?? Infinity;
    const bStart = derived.threads[b.tid]?.startedNs ?? Infinity;
    return aStart - bStart || a.tid - b.tid;
  });

  const threads: ThreadLane[] = [];
  const holds: HoldColumns[] = [];
  for (const info of infos) {
    const thread = derived.threads[info.tid];
    const states = laneColumns(thread, coverFromNs, endNs);
    threads.push({
      tid: info.tid,
      name: info.name,
      objectId: info.objectId,
      daemon: info.daemon,
      ...(info.pool !== undefined ? { pool: info.pool } : {}),
      ...(info.target !== undefined ? { target: info.target } : {}),
      finalState: info.finalState,
      startNs: thread?.startedNs,
      endNs: thread?.endedNs,
      states,
      lod: buildLod(states, startNs, endNs),
    });
    holds.push(holdColumns(thread));
  }

  const handoffs: Handoff[] = [];
  const h = derived.handoffs;
  for (let i = 0; i < h.count; i++) {
    handoffs.push({
      objectId: h.objectId[i],
      fromTid: h.fromTid[i],
      releaseNs: h.releaseNs[i],
      toTid: h.toTid[i],
      acquireNs: h.acquireNs[i],
    });
  }

  return {
    file: header.file,
    mode: header.mode,
    outcome: header.outcome,
    durationMs: header.durationMs,
    events: trace.events.reduce((sum, bytes) => sum + EventStream.of(bytes).count, 0),
    startNs,
    endNs,
    threads,
    primitives: primitives(header),
    sites: header.sites,
    holds,
    handoffs,
    stats: lockStatistics(header, derived),
    markers: markers(header, derived.outputs, derived.failures),
    ...(header.deadlock ? { deadlock: deadlockView(header) } : {}),
    ...(header.mode === 'gil' ? { gil: gilView(trace, endNs) } : {}),
    ...(header.truncated ? { truncated: header.truncated } : {}),
    ...(header.error ? { error: { message: header.error.message, site: header.error.site } } : {}),
  };
}

/** The thread's intervals, with NotStarted before them and Finished / Failed after, over [fromNs, endNs]. */
function laneColumns(thread: ThreadIntervals | undefined, fromNs: number, endNs: number): StateColumns {
  const source: StateIntervals | undefined = thread?.states;
  const n = source?.count ?? 0;
  const capacity = n + 2;
  const columns = {
    startNs: new Float64Array(capacity),
    endNs: new Float64Array(capacity),
    state: new Uint8Array(capacity),
    objectId: new Uint32Array(capacity),
    waitKind: new Uint8Array(capacity),
    siteId: new Uint32Array(capacity),
  };
  let count = 0;
  const push = (start: number, end: number, state: ThreadState) => {
    columns.startNs[count] = start;
    columns.endNs[count] = end;
    columns.state[count] = state;
    count++;
  };
  const endedNs = thread?.endedNs;
  const firstNs = n > 0 ? source!.startNs[0] : Math.min(endedNs ?? endNs, endNs);
  // (A thread that never started is NotStarted throughout, even in a run that took no time.)
  if (firstNs > fromNs || (n === 0 && endedNs === undefined)) push(fromNs, firstNs, ThreadState.NotStarted);
  if (n > 0) {
    // ThreadState and ThreadState share their numbers.
    columns.startNs.set(source!.startNs, count);
    columns.endNs.set(source!.endNs, count);
    columns.state.set(source!.state, count);
    columns.objectId.set(source!.objectId, count);
    columns.siteId.set(source!.siteId, count);
    for (let i = 0; i < n; i++) {
      const state = source!.state[i];
      // (A GIL wait inside a Block carries the Block's object and arg.)
      if (
        state === ThreadState.Blocked ||
        state === ThreadState.Waiting ||
        (state === ThreadState.WaitingForGil && source!.objectId[i] !== 0)
      ) {
        columns.waitKind[count + i] = waitKindOf(source!.arg[i]);
      }
    }
    count += n;
  }
  // Kept even when empty: a thread that ended at the very end is Finished there.
  const lastNs = n > 0 ? source!.endNs[n - 1] : firstNs;
  if (endedNs !== undefined) push(lastNs, Math.max(lastNs, endNs), thread!.failed ? ThreadState.Failed : ThreadState.Finished);
  return {
    count,
    startNs: columns.startNs.subarray(0, count),
    endNs: columns.endNs.subarray(0, count),
    state: columns.state.subarray(0, count),
    objectId: columns.objectId.subarray(0, count),
    waitKind: columns.waitKind.subarray(0, count),
    siteId: columns.siteId.subarray(0, count),
  };
}

/** The thread's holds as the model's columns (the same arrays, not copies). */
function holdColumns(thread: ThreadIntervals | undefined): HoldColumns {
  if (!thread) {
    return {
      count: 0,
      startNs: new Float64Array(0),
      endNs: new Float64Array(0),
      objectId: new Uint32Array(0),
      depth: new Uint16Array(0),
      siteId: new Uint32Array(0),
      heldAtEnd: new Uint8Array(0),
      releaseSiteId: new Uint32Array(0),
      releasedBy: new Int32Array(0),
    };
  }
  const { count, startNs, endNs, objectId, depth, siteId, heldAtEnd, releaseSiteId, releasedBy } = thread.holds;
  return { count, startNs, endNs, objectId, depth, siteId, heldAtEnd, releaseSiteId, releasedBy };
}

/**
 * Every object except Threads (which are lanes). Colour slots go first to the primitives that
 * can be held and that the snippet made, in the order they were made, so the same snippet
 * gives its locks the same colours run after run.
 */
function primitives(header: TraceHeader): PrimitiveInfo[] {
  const objects = header.objects.filter((object) => object.kind !== 'Thread');
  const rank = (object: (typeof objects)[number]) => (isLockLike(object.kind) ? (object.internal ? 1 : 0) : 2);
  const colorOrder = [...objects].sort((a, b) => rank(a) - rank(b) || a.id - b.id);
  const colorIndex = new Map(colorOrder.map((object, i) => [object.id, i % COLOR_SLOTS]));
  return objects.map((object) => ({
    id: object.id,
    kind: object.kind,
    name: object.name,
    siteId: object.siteId,
    internal: Boolean(object.internal),
    colorIndex: colorIndex.get(object.id)!,
    ...(object.initial !== undefined ? { initial: object.initial } : {}),
  }));
}

/** Output at the time of its Output event, exceptions at the time their thread failed; in time order. */
function markers(
  header: TraceHeader,
  outputs: { index: number; timeNs: number; siteId: number }[],
  failures: { index: number; timeNs: number; siteId: number }[],
): Marker[] {
  const out: Marker[] = [];
  const outputEvent = new Map(outputs.map((event) => [event.index, event]));
  header.output.forEach((line, index) => {
    const event = outputEvent.get(index);
    out.push({
      tid: line.tid,
      timeNs: event?.timeNs ?? line.timeNs,
      kind: line.stream === 'stderr' ? 'stderr' : 'output',
      text: line.text,
      siteId: event?.siteId ?? 0,
    });
  });
  const failureEvent = new Map(failures.map((event) => [event.index, event]));
  header.exceptions.forEach((exception, index) => {
    const event = failureEvent.get(index);
    out.push({
      tid: exception.tid,
      timeNs: event?.timeNs ?? exception.timeNs,
      kind: 'exception',
      text: `${exception.name}: ${exception.message}${exception.stack ? `\n${exception.stack}` : ''}`,
      siteId: exception.siteId || event?.siteId || 0,
    });
  });
  return out.sort((a, b) => a.timeNs - b.timeNs);
}

function deadlockView(header: TraceHeader): DeadlockView {
  const deadlock = header.deadlock!;
  return {
    kind: deadlock.kind,
    explanation: deadlock.explanation,
    detectedAtNs: deadlock.detectedAtNs,
    entries: deadlock.cycle.map((entry) => ({
      tid: entry.tid,
      holds: [...entry.holds],
      waitsFor: entry.waitsFor,
      waitKind: entry.waitKind,
      heldBy: [...entry.heldBy],
      siteId: entry.siteId,
    })),
  };
}

/** The GIL's holds as columns, with gilByThread's numbers. */
function gilView(trace: Trace, endNs: number): GilView {
  const derived = gilByThread(trace, endNs)!;
  const count = derived.holds.length;
  const view: GilView = {
    ...(trace.header.gil ? { switchIntervalMs: trace.header.gil.switchIntervalMs } : {}),
    count,
    tid: new Int32Array(count),
    startNs: new Float64Array(count),
    endNs: new Float64Array(count),
    switches: derived.switches,
    forcedSwitches: derived.forcedSwitches,
    perThread: derived.perThread.map(({ tid, holdNs, waitNs, forcedSwitches }) => ({ tid, holdNs, waitNs, forcedSwitches })),
  };
  derived.holds.forEach((hold, i) => {
    view.tid[i] = hold.tid;
    view.startNs[i] = hold.startNs;
    view.endNs[i] = hold.endNs;
  });
  return view;
}

/** Hold `index` of lane `laneIndex` as an object (for a tooltip). */
export function holdOf(model: TimelineModel, laneIndex: number, index: number): Hold {
  const holds = model.holds[laneIndex];
  return {
    objectId: holds.objectId[index],
    tid: model.threads[laneIndex].tid,
    startNs: holds.startNs[index],
    endNs: holds.endNs[index],
    heldAtEnd: holds.heldAtEnd[index] === 1,
    depth: holds.depth[index],
    siteId: holds.siteId[index],
    releaseSiteId: holds.releaseSiteId?.[index] ?? 0,
  };
}

// ── queries ─────────────────────────────────────────────────────────────────────────────

/** The holds of one primitive by one lane, as indices into the lane's HoldColumns (undefined = all of them). */
interface HoldsOfLane {
  laneIndex: number;
  index: Uint32Array | undefined;
  count: number;
}

/**
 * Queries over a model. "At t" means within [start, end) of an interval or hold, and also at
 * its end when it was still open when the trace ended (so waitForAt(endNs) shows a deadlock).
 * Owner counts: a semaphore's permits held by the thread; an RLock's greatest depth during
 * the hold; 1 for a Lock.
 */
export function timelineQueries(model: TimelineModel): TimelineQueries {
  const holdsByObject = indexHolds(model);
  const ruleOf = new Map(model.primitives.map((primitive) => [primitive.id, holdRuleOf(primitive.kind)]));
  const laneOfThreadObject = new Map<number, number>();
  model.threads.forEach((lane) => {
    if (lane.objectId !== undefined) laneOfThreadObject.set(lane.objectId, lane.tid);
  });

  const stateAt = (laneIndex: number, timeNs: number): number => {
    const columns = model.threads[laneIndex]?.states;
    if (!columns || columns.count === 0) return -1;
    const i = upperBound(columns.startNs, columns.count, timeNs) - 1;
    if (i < 0) return -1;
    if (timeNs < columns.endNs[i]) return i;
    // The lane's last interval includes the end of the trace.
    return i === columns.count - 1 && timeNs === columns.endNs[i] ? i : -1;
  };

  const ownersAt = (objectId: number, timeNs: number) => {
    const out: { tid: number; count: number; sinceNs: number; siteId: number }[] = [];
    const permits = ruleOf.get(objectId) === HoldRule.Permits;
    for (const { laneIndex, index, count } of holdsByObject.get(objectId) ?? []) {
      const holds = model.holds[laneIndex];
      // Holds of one primitive by one thread are sorted by start and by end (a Lock or RLock
      // hold ends before the next begins; semaphore permits end first in, first out), so the
      // ones covering t are the last few that start at or before t.
      let k = upperBoundVia(holds.startNs, index, count, timeNs) - 1;
      let held = 0;
      let sinceNs = Infinity;
      let siteId = 0;
      for (; k >= 0; k--) {
        const i = index ? index[k] : k;
        const endNs = holds.endNs[i];
        if (endNs < timeNs) break;
        if (timeNs < endNs || holds.heldAtEnd[i]) {
          held = permits ? held + 1 : Math.max(held, holds.depth[i]);
          if (holds.startNs[i] <= sinceNs) {
            sinceNs = holds.startNs[i];
            siteId = holds.siteId[i];
          }
        }
        if (!permits && held > 0) break;
      }
      if (held > 0) out.push({ tid: model.threads[laneIndex].tid, count: held, sinceNs, siteId });
    }
    return out;
  };

  const waitersAt = (objectId: number, timeNs: number) => {
    const out: { tid: number; sinceNs: number; siteId: number }[] = [];
    model.threads.forEach((lane, laneIndex) => {
      const i = stateAt(laneIndex, timeNs);
      if (i < 0 || !isWait(lane.states.state[i]) || lane.states.objectId[i] !== objectId) return;
      out.push({ tid: lane.tid, sinceNs: lane.states.startNs[i], siteId: lane.states.siteId[i] });
    });
    return out;
  };

  const waitForAt = (timeNs: number): WaitEdge[] => {
    const out: WaitEdge[] = [];
    model.threads.forEach((lane, laneIndex) => {
      const i = stateAt(laneIndex, timeNs);
      if (i < 0 || !isWait(lane.states.state[i])) return;
      const objectId = lane.states.objectId[i];
      const waitKind = lane.states.waitKind[i] as WaitKind;
      let toTids: number[] = [];
      if (waitKind === WaitKind.Join) {
        const joined = laneOfThreadObject.get(objectId);
        if (joined !== undefined) toTids = [joined];
      } else if (waitKind === WaitKind.Lock || waitKind === WaitKind.Semaphore) {
        toTids = ownersAt(objectId, timeNs).map((owner) => owner.tid);
      }
      out.push({ fromTid: lane.tid, objectId, waitKind, toTids, siteId: lane.states.siteId[i] });
    });
    return out;
  };

  const gilHoldAt = (timeNs: number): number => {
    const gil = model.gil;
    if (!gil || gil.count === 0) return -1;
    const i = upperBound(gil.startNs, gil.count, timeNs) - 1;
    if (i < 0) return -1;
    if (timeNs < gil.endNs[i] || (timeNs === gil.endNs[i] && timeNs === model.endNs)) return i;
    return -1;
  };

  return { ownersAt, waitersAt, waitForAt, stateAt, gilHoldAt };
}

function isWait(state: number): boolean {
  return state === ThreadState.Blocked || state === ThreadState.Waiting;
}

/** objectId → per lane, its holds of that object (O(holds) once). */
function indexHolds(model: TimelineModel): Map<number, HoldsOfLane[]> {
  const byObject = new Map<number, HoldsOfLane[]>();
  const add = (objectId: number, entry: HoldsOfLane) => {
    let list = byObject.get(objectId);
    if (!list) byObject.set(objectId, (list = []));
    list.push(entry);
  };
  model.holds.forEach((holds, laneIndex) => {
    const counts = new Map<number, number>();
    let lastId = -1;
    let lastCount = 0;
    for (let i = 0; i < holds.count; i++) {
      const objectId = holds.objectId[i];
      if (objectId !== lastId) {
        if (lastId >= 0) counts.set(lastId, lastCount);
        lastId = objectId;
        lastCount = counts.get(objectId) ?? 0;
      }
      lastCount++;
    }
    if (lastId >= 0) counts.set(lastId, lastCount);
    if (counts.size === 1) {
      add(lastId, { laneIndex, index: undefined, count: holds.count });
      return;
    }
    const indices = new Map<number, { index: Uint32Array; filled: number }>();
    for (const [objectId, count] of counts) indices.set(objectId, { index: new Uint32Array(count), filled: 0 });
    for (let i = 0; i < holds.count; i++) {
      const entry = indices.get(holds.objectId[i])!;
      entry.index[entry.filled++] = i;
    }
    for (const [objectId, { index }] of indices) add(objectId, { laneIndex, index, count: index.length });
  });
  return byObject;
}
