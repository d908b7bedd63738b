/**
 * The timeline model (src/analysis/timeline.ts, over src/trace/intervals.ts) against a slow,
 * obviously-correct reference: a simulator makes random well-formed traces and keeps the true
 * order of their events; the reference replays that order with plain loops over TraceEvent
 * objects and is asked the same questions as the model.
 */
import * as assert from 'node:assert/strict';
import {
  ThreadState,
  THREAD_STATE_COUNT,
  EventKind,
  TRACE_FORMAT,
  TRACE_VERSION,
  WAIT_TIMED,
  WaitKind,
  type ExceptionInfo,
  type ObjectInfo,
  type OutputLine,
  type ThreadInfo,
  type Trace,
  type TraceEvent,
  type TraceHeader,
} from '../src/trace/format';

import { encodeEvents } from '../src/trace/file';

import { deriveIntervals } from '../src/trace/intervals';
import { type WaitEdge } from '../src/analysis/model';
import { buildTimeline, buildTimelineModel, holdOf, timelineQueries } from '../src/analysis/timeline';

import { lockStats } from '../src/analysis/stats';

import { lanes } from '../src/analysis/states';

import { COARSEST_BUCKETS } from '../src/analysis/lod';

import { prng } from './prng';

// ── objects of the simulated snippet ─────────────────────────────────────────────────────

const LOCKS = [2, 3, 4];
const RLOCK = 5;
const SEMAPHORE = 6;
const BOUNDED = 7;
const CONDITION = 8; // bound to the RLock
const EVENT = 9;
const threadObject = (tid: number) => (tid === 0 ? 1 : 100 + tid);
const LOCK_LIKE = [...LOCKS, RLOCK, SEMAPHORE, BOUNDED];

// ── building traces ──────────────────────────────────────────────────────────────────────

interface Simulated {
  trace: Trace;
  /** Every event of every thread in the order they really happened (times never decrease). */
  order: TraceEvent[];
  endNs: number;
}

function makeTrace(
  threadEvents: TraceEvent[][],
  objects: ObjectInfo[],
  extra: Partial<TraceHeader> & { names?: string[]; infos?: Partial<ThreadInfo>[] } = {},
): Trace {
  const events = threadEvents.map((list) => encodeEvents(list.map(({ tid: _tid, ...event }) => event)));
  const { names, infos, ...rest } = extra;
  const header: TraceHeader = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    file: 'sim.ts',
    mode: 'controlled',
    outcome: 'completed',
    durationMs: 0,
    startedAt: '2024-01-01T00:00:00.000Z',
    threads: threadEvents.map((_, tid) => ({
      tid,
      name: names?.[tid] ?? (tid === 0 ? 'MainThread' : `Thread-${tid}`),
      objectId: threadObject(tid),
      daemon: false,
      finalState: 'finished',
      ...(infos?.[tid] ?? {}),
    })),
    objects,
    sites: [
      { file: '?', line: 0, col: 0 },
      { file: 'sim.ts', line: 3, col: 5 },
      { file: 'sim.ts', line: 7, col: 9 },
      { file: 'sim.ts', line: 11, col: 1 },
    ],
    output: [],
    exceptions: [],
    eventCounts: events.map((bytes) => bytes.byteLength / 24),
    ...rest,
  };
  return { header, events };
}

type SimState = 'new' | 'starting' | 'running' | 'blocked' | 'sleeping' | 'done';

interface SimThread {
  tid: number;
  events: TraceEvent[];
  state: SimState;
  waitingOn: number;
  waitKind: number;
  timed: boolean;
  rlockDepth: number;
  /** RLock depth to restore after a Condition wait (0: none pending). */
  restoreDepth: number;
  permits: Map<number, number>;
  sleepUntilNs: number;
  /** GIL mode: between its GilRequest and its GilAcquired (it does nothing else meanwhile). */
  gilWaiting: boolean;
}

/**
 * Threads using Locks, an RLock with a Condition, a Semaphore and a BoundedSemaphore, an Event,
 * joins, sleeps, output and failures, under a random schedule. Time advances 0–2 ns a step,
 * so events of different threads often share a timestamp; a Lock's events then carry their
 * versions (as the runtime records them). Events on an RLock or a semaphore get a time of their
 * own, except the acquisition a release hands over (the trace cannot order those otherwise:
 * neither carries a version). Whatever is blocked when the steps run out stays blocked: a
 * deadlock, or a wait that never ended.
 *
 * With `gil`, threads also wait for the GIL now and then (GilRequest … GilAcquired, GilReleased
 * between): while running, starting, sleeping or inside a Block. A thread waiting for the GIL
 * does nothing else; one woken meanwhile takes the GIL first (GilAcquired, then its Unblock),
 * as the runtime records it. Who holds the GIL is not modelled: the derivation of states does
 * not depend on it (src/analysis/gil.ts is checked on hand-written traces).
 */
function simulate(seed: number, options: { gil?: boolean } = {}): Simulated {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const chance = (p: number) => random() < p;
  const threadTotal = 2 + Math.floor(random() * 5);
  const threads: SimThread[] = Array.from({ length: threadTotal }, (_, tid) => ({
    tid,
    events: [],
    state: tid === 0 ? 'starting' : 'new',
    waitingOn: 0,
    waitKind: 0,
    timed: false,
    rlockDepth: 0,
    restoreDepth: 0,
    permits: new Map(),
    sleepUntilNs: 0,
    gilWaiting: false,
  }));
  const initial = new Map([
    [SEMAPHORE, 1 + Math.floor(random() * 2)],
    [BOUNDED, 2],
  ]);
  const objects: ObjectInfo[] = [
    ...LOCKS.map((id) => ({ id, kind: 'Lock' as const, name: `L${id}`, siteId: 1, tid: 0 })),
    { id: RLOCK, kind: 'RLock', name: 'R', siteId: 1, tid: 0 },
    { id: SEMAPHORE, kind: 'Semaphore', name: 'S', siteId: 1, tid: 0, initial: initial.get(SEMAPHORE) },
    { id: BOUNDED, kind: 'BoundedSemaphore', name: 'B', siteId: 2, tid: 0, initial: 2, internal: chance(0.3) },
    { id: CONDITION, kind: 'Condition', name: 'C', siteId: 2, tid: 0 },
    { id: EVENT, kind: 'Event', name: 'E', siteId: 3, tid: 0 },
    ...threads
      .filter((t) => t.tid > 0)
      .map((t) => ({ id: threadObject(t.tid), kind: 'Thread' as const, name: `Thread-${t.tid}`, siteId: 1, tid: 0 })),
  ];
  const order: TraceEvent[] = [];
  const output: OutputLine[] = [];
  const exceptions: ExceptionInfo[] = [];
  const lockOwner = new Map<number, number>();
  const version = new Map<number, number>(LOCKS.map((id) => [id, 0]));
  const value = new Map(initial);
  const waiters = new Map<number, SimThread[]>();
  const lastObjectNs = new Map<number, number>();
  let now = 0;

  const emit = (thread: SimThread, kind: EventKind, objectId = 0, arg = 0) => {
    const event: TraceEvent = {
      tid: thread.tid,
      seq: thread.events.length,
      timeNs: now,
      kind,
      objectId,
      siteId: Math.floor(random() * 4),
      arg,
    };
    thread.events.push(event);
    order.push(event);
  };
  /** An RLock or semaphore event gets a time of its own, unless it is the acquisition a release handed over. */
  const ownTime = (objectId: number, handedOver = false) => {
    if (objectId !== RLOCK && !initial.has(objectId)) return;
    if (!handedOver && lastObjectNs.get(objectId) === now) now++;
    lastObjectNs.set(objectId, now);
  };
  const queue = (objectId: number) => {
    let list = waiters.get(objectId);
    if (!list) waiters.set(objectId, (list = []));
    return list;
  };
  const takeGil = (thread: SimThread) => {
    thread.gilWaiting = false;
    emit(thread, EventKind.GilAcquired, 0, Math.floor(random() * threadTotal) - 1);
  };
  const block = (thread: SimThread, objectId: number, waitKind: WaitKind, timed: boolean) => {
    emit(thread, EventKind.Block, objectId, waitKind | (timed ? WAIT_TIMED : 0));
    Object.assign(thread, { state: 'blocked', waitingOn: objectId, waitKind, timed });
    queue(objectId).push(thread);
  };
  const unblock = (thread: SimThread, success: boolean) => {
    if (thread.gilWaiting) takeGil(thread);
    const list = queue(thread.waitingOn);
    list.splice(list.indexOf(thread), 1);
    emit(thread, EventKind.Unblock, thread.waitingOn, success ? 1 : 0);
    thread.state = 'running';
  };
  const takeRLock = (thread: SimThread, depth: number, handedOver: boolean) => {
    lockOwner.set(RLOCK, thread.tid);
    thread.rlockDepth = depth;
    ownTime(RLOCK, handedOver);
    emit(thread, EventKind.Acquired, RLOCK, depth);
  };
  /** After a Condition wait: take the RLock back at the saved depth, or block for it. */
  const restore = (thread: SimThread) => {
    const depth = thread.restoreDepth;
    if (lockOwner.has(RLOCK)) {
      block(thread, RLOCK, WaitKind.Lock, false);
      return;
    }
    thread.restoreDepth = 0;
    takeRLock(thread, depth, false);
  };
  const releaseRLockFully = (thread: SimThread, arg: number) => {
    ownTime(RLOCK);
    emit(thread, EventKind.Released, RLOCK, arg);
    thread.rlockDepth = 0;
    lockOwner.delete(RLOCK);
    const next = queue(RLOCK)[0];
    if (next) {
      unblock(next, true);
      const depth = next.restoreDepth || 1;
      next.restoreDepth = 0;
      takeRLock(next, depth, true);
    }
  };
  const wakeSemaphore = (objectId: number) => {
    // Only the first acquisition shares the release's time: two at once could not be ordered.
    let handedOver = true;
    while ((value.get(objectId) ?? 0) > 0 && queue(objectId).length > 0) {
      const next = queue(objectId)[0];
      unblock(next, true);
      value.set(objectId, value.get(objectId)! - 1);
      next.permits.set(objectId, (next.permits.get(objectId) ?? 0) + 1);
      ownTime(objectId, handedOver);
      handedOver = false;
      emit(next, EventKind.Acquired, objectId, value.get(objectId));
    }
  };

  const steps = 40 + Math.floor(random() * 200);
  for (let step = 0; step < steps; step++) {
    now += Math.floor(random() * 3);
    if (options.gil && chance(0.2)) {
      const candidates = threads.filter((t) => !t.gilWaiting && t.state !== 'new' && t.state !== 'done');
      if (candidates.length > 0) {
        const thread = pick(candidates);
        if (chance(0.5)) emit(thread, EventKind.GilReleased, 0, pick([0, 1]));
        emit(thread, EventKind.GilRequest);
        thread.gilWaiting = true;
        continue;
      }
    }
    const able = threads.filter(
      (t) =>
        t.gilWaiting || t.state === 'starting' || t.state === 'running' || t.state === 'sleeping' || (t.state === 'blocked' && t.timed),
    );
    if (able.length === 0) break;
    const thread = pick(able);
    if (thread.gilWaiting) {
      takeGil(thread);
      continue;
    }
    if (thread.state === 'starting') {
      emit(thread, EventKind.ThreadRunning);
      thread.state = 'running';
      continue;
    }
    if (thread.state === 'sleeping') {
      if (now >= thread.sleepUntilNs) {
        emit(thread, EventKind.SleepEnd);
        thread.state = 'running';
      }
      continue;
    }
    if (thread.state === 'blocked') {
      // A timed wait that times out.
      if (!chance(0.3)) continue;
      const objectId = thread.waitingOn;
      unblock(thread, false);
      if (thread.waitKind === WaitKind.Lock || thread.waitKind === WaitKind.Semaphore) {
        if (thread.restoreDepth > 0) throw new Error('restores are not timed');
        emit(thread, EventKind.AcquireFailed, objectId);
      } else if (thread.restoreDepth > 0) {
        restore(thread);
      }
      continue;
    }

    // A thread that holds something usually lets it go soon: that is what hands locks over.
    const holding =
      LOCKS.some((id) => lockOwner.get(id) === thread.tid) || thread.rlockDepth > 0 || [...thread.permits.values()].some((n) => n > 0);
    const fresh = threads.some((t) => t.state === 'new');
    const action =
      fresh && chance(0.3)
        ? 'start'
        : holding && chance(0.5)
          ? pick(['unlock', 'runlock', 'unsem', 'wait'] as const)
          : pick([
              'start',
              'start',
              'lock',
              'lock',
              'lock',
              'unlock',
              'rlock',
              'rlock',
              'runlock',
              'wait',
              'notify',
              'notify',
              'sem',
              'sem',
              'unsem',
              'sleep',
              'event-wait',
              'event-set',
              'join',
              'output',
              'finish',
            ] as const);
    switch (action) {
      case 'start': {
        const fresh = threads.filter((t) => t.state === 'new');
        if (fresh.length === 0) break;
        const started = pick(fresh);
        emit(thread, EventKind.ThreadStart, threadObject(started.tid), started.tid);
        started.state = 'starting';
        break;
      }
      case 'lock': {
        const id = pick(LOCKS);
        const owner = lockOwner.get(id);
        if (owner === thread.tid) break; // a Lock is not reentrant: no self-deadlock here
        if (owner === undefined) {
          lockOwner.set(id, thread.tid);
          version.set(id, version.get(id)! + 1);
          emit(thread, EventKind.Acquired, id, version.get(id));
        } else if (chance(0.2)) {
          emit(thread, EventKind.AcquireFailed, id); // acquire(blocking=False)
        } else {
          block(thread, id, WaitKind.Lock, chance(0.3));
        }
        break;
      }
      case 'unlock': {
        // Usually a lock it owns; sometimes one another thread owns (legal for a Lock).
        const owned = LOCKS.filter((id) => lockOwner.get(id) === thread.tid);
        const held = LOCKS.filter((id) => lockOwner.has(id));
        const id = owned.length > 0 && chance(0.85) ? pick(owned) : held.length > 0 && chance(0.3) ? pick(held) : 0;
        if (!id) break;
        emit(thread, EventKind.Released, id, version.get(id));
        lockOwner.delete(id);
        const next = queue(id)[0];
        if (next) {
          unblock(next, true);
          lockOwner.set(id, next.tid);
          version.set(id, version.get(id)! + 1);
          emit(next, EventKind.Acquired, id, version.get(id));
        }
        break;
      }
      case 'rlock': {
        const owner = lockOwner.get(RLOCK);
        if (owner !== undefined && owner !== thread.tid) block(thread, RLOCK, WaitKind.Lock, false);
        else if (thread.rlockDepth < 3) takeRLock(thread, thread.rlockDepth + 1, false);
        break;
      }
      case 'runlock': {
        if (thread.rlockDepth === 0) break;
        if (thread.rlockDepth > 1) {
          thread.rlockDepth--;
          ownTime(RLOCK);
          emit(thread, EventKind.Released, RLOCK, thread.rlockDepth);
        } else {
          releaseRLockFully(thread, 0);
        }
        break;
      }
      case 'wait': {
        // Condition.wait: release the RLock at every depth, wait, then restore the depth.
        if (thread.rlockDepth === 0) break;
        const saved = thread.rlockDepth;
        releaseRLockFully(thread, 0);
        thread.restoreDepth = saved;
        block(thread, CONDITION, WaitKind.Condition, chance(0.6));
        break;
      }
      case 'notify': {
        const woken = queue(CONDITION).slice(0, 1 + Math.floor(random() * 2));
        emit(thread, EventKind.Notify, CONDITION, woken.length);
        for (const waiter of woken) {
          unblock(waiter, true);
          restore(waiter);
        }
        break;
      }
      case 'sem': {
        const id = pick([SEMAPHORE, BOUNDED]);
        if (value.get(id)! > 0) {
          value.set(id, value.get(id)! - 1);
          thread.permits.set(id, (thread.permits.get(id) ?? 0) + 1);
          ownTime(id);
          emit(thread, EventKind.Acquired, id, value.get(id));
        } else {
          block(thread, id, WaitKind.Semaphore, chance(0.3));
        }
        break;
      }
      case 'unsem': {
        const id = pick([SEMAPHORE, BOUNDED]);
        const mine = thread.permits.get(id) ?? 0;
        // A plain Semaphore may be released by a thread that holds none of it.
        if (mine === 0 && (id === BOUNDED || !chance(0.3))) break;
        const n = mine >= 2 && chance(0.3) ? 2 : 1;
        if (value.get(id)! + n > initial.get(id)!) break;
        thread.permits.set(id, Math.max(0, mine - n));
        ownTime(id);
        emit(thread, EventKind.Released, id, n);
        value.set(id, value.get(id)! + n);
        wakeSemaphore(id);
        break;
      }
      case 'sleep':
        emit(thread, EventKind.SleepBegin, 0, Math.floor(random() * 5));
        thread.state = 'sleeping';
        thread.sleepUntilNs = now + Math.floor(random() * 5);
        break;
      case 'event-wait':
        block(thread, EVENT, WaitKind.Event, chance(0.8));
        break;
      case 'event-set':
        emit(thread, EventKind.EventSet, EVENT);
        for (const waiter of [...queue(EVENT)]) unblock(waiter, true);
        break;
      case 'join': {
        const targets = threads.filter((t) => t.tid !== 0 && t !== thread && t.state !== 'new' && t.state !== 'done');
        if (targets.length === 0) break;
        block(thread, threadObject(pick(targets).tid), WaitKind.Join, chance(0.5));
        break;
      }
      case 'output': {
        const stream = chance(0.2) ? 'stderr' : 'stdout';
        output.push({ tid: thread.tid, thread: `t${thread.tid}`, stream, text: `line ${output.length}`, timeNs: now });
        emit(thread, EventKind.Output, 0, output.length - 1);
        break;
      }
      case 'finish': {
        if (chance(0.2)) {
          exceptions.push({ tid: thread.tid, name: 'ValueError', message: `bad ${exceptions.length}`, stack: '', siteId: 2, timeNs: now });
          emit(thread, EventKind.ThreadFailed, 0, exceptions.length - 1);
        } else {
          emit(thread, EventKind.ThreadFinished);
        }
        thread.state = 'done';
        for (const joiner of [...queue(threadObject(thread.tid))]) unblock(joiner, true);
        break;
      }
    }
  }
  const lastNs = order.length > 0 ? order[order.length - 1].timeNs : 0;
  const endNs = lastNs + (chance(0.5) ? Math.floor(random() * 6) : 0);
  const finalState = (t: SimThread): ThreadInfo['finalState'] =>
    t.state === 'new'
      ? 'not-started'
      : t.state === 'done'
        ? 'finished'
        : t.state === 'blocked'
          ? 'blocked'
          : t.state === 'sleeping'
            ? 'sleeping'
            : 'running';
  const trace = makeTrace(
    threads.map((t) => t.events),
    objects,
    {
      ...(options.gil ? { mode: 'gil' as const, gil: { switchIntervalMs: 5 } } : {}),
      output,
      exceptions,
      endNs,
      infos: threads.map((t) => ({ finalState: finalState(t), daemon: t.tid === 2 })),
    },
  );
  return { trace, order, endNs };
}

// ── the reference ────────────────────────────────────────────────────────────────────────

interface RefThreadState {
  state: ThreadState;
  objectId: number;
  waitKind: number;
  siteId: number;
  sinceNs: number;
}

interface RefHold {
  objectId: number;
  tid: number;
  startNs: number;
  endNs: number;
  heldAtEnd: boolean;
  depth: number;
  siteId: number;
  releaseSiteId: number;
  releasedBy: number;
  contended: boolean;
}

interface Snapshot {
  timeNs: number;
  threads: RefThreadState[];
  /** Open holds per object after every event at timeNs. */
  open: Map<number, RefHold[]>;
}

interface Reference {
  endNs: number;
  startNs: number;
  initial: Snapshot;
  snapshots: Snapshot[];
  holds: RefHold[];
  handoffs: { objectId: number; fromTid: number; releaseNs: number; toTid: number; acquireNs: number }[];
  stats: Map<number, { acquisitions: number; contended: number; waitNs: number; maxWaitNs: number; maxHoldNs: number; failed: number }>;
}

/**
 * Replays the true order. Plain loops and small objects; nothing here is shared with the
 * code under test.
 */
function reference(sim: Simulated): Reference {
  const { trace, order, endNs } = sim;
  const kindOf = new Map(trace.header.objects.map((object) => [object.id, object.kind]));
  const isPermits = (id: number) => kindOf.get(id) === 'Semaphore' || kindOf.get(id) === 'BoundedSemaphore';
  const threadTotal = trace.header.threads.length;
  const threads: RefThreadState[] = Array.from({ length: threadTotal }, (_, tid) => ({
    state: tid === 0 ? ThreadState.Starting : ThreadState.NotStarted,
    objectId: 0,
    waitKind: 0,
    siteId: 0,
    sinceNs: 0,
  }));
  /** What a GIL wait interrupted, per thread. */
  const beforeGil = new Map<number, RefThreadState>();
  const open = new Map<number, RefHold[]>();
  const holds: RefHold[] = [];
  const handoffs: Reference['handoffs'] = [];
  const lastRelease = new Map<number, { tid: number; timeNs: number; budget: number }>();
  /** Per thread: the block it is in, and whether its last event ended a lock/semaphore wait on an object. */
  const blockedSince = new Map<number, { objectId: number; waitKind: number; sinceNs: number }>();
  const wokeFrom = new Map<number, { objectId: number; sinceNs: number }>();
  const stats: Reference['stats'] = new Map();
  for (const id of LOCK_LIKE) stats.set(id, { acquisitions: 0, contended: 0, waitNs: 0, maxWaitNs: 0, maxHoldNs: 0, failed: 0 });

  const copy = (timeNs: number): Snapshot => ({
    timeNs,
    threads: threads.map((t) => ({ ...t })),
    open: new Map([...open].map(([id, list]) => [id, [...list]])),
  });
  const initial = copy(-Infinity);
  const snapshots: Snapshot[] = [];
  const wait = (objectId: number, waitedNs: number) => {
    const s = stats.get(objectId);
    if (!s) return;
    s.waitNs += waitedNs;
    s.maxWaitNs = Math.max(s.maxWaitNs, waitedNs);
  };

  order.forEach((event, position) => {
    const { tid, timeNs: t, kind, objectId, siteId, arg } = event;
    const me = threads[tid];
    const woke = wokeFrom.get(tid);
    wokeFrom.delete(tid);
    const set = (state: ThreadState, extra: Partial<RefThreadState> = {}) =>
      Object.assign(me, { state, objectId: 0, waitKind: 0, siteId: 0, sinceNs: t, ...extra });
    switch (kind) {
      case EventKind.ThreadStart:
        if (threads[arg].state === ThreadState.NotStarted) Object.assign(threads[arg], { state: ThreadState.Starting, sinceNs: t });
        break;
      case EventKind.ThreadRunning:
      case EventKind.SleepEnd:
        set(ThreadState.Running);
        break;
      case EventKind.ThreadFinished:
        set(ThreadState.Finished);
        break;
      case EventKind.ThreadFailed:
        set(ThreadState.Failed);
        break;
      case EventKind.SleepBegin:
        set(ThreadState.Sleeping);
        break;
      case EventKind.Block: {
        const waitKind = arg & 0xff;
        set(waitKind === WaitKind.Lock ? ThreadState.Blocked : ThreadState.Waiting, { objectId, waitKind, siteId });
        blockedSince.set(tid, { objectId, waitKind, sinceNs: t });
        break;
      }
      case EventKind.Unblock: {
        const block = blockedSince.get(tid)!;
        blockedSince.delete(tid);
        if (block.waitKind === WaitKind.Lock || block.waitKind === WaitKind.Semaphore) {
          wait(block.objectId, t - block.sinceNs);
          if (arg === 1) wokeFrom.set(tid, { objectId: block.objectId, sinceNs: block.sinceNs });
        }
        set(ThreadState.Running);
        break;
      }
      case EventKind.AcquireFailed:
        if (stats.has(objectId)) stats.get(objectId)!.failed++;
        break;
      case EventKind.GilRequest: {
        beforeGil.set(tid, { ...me });
        const inBlock = me.state === ThreadState.Blocked || me.state === ThreadState.Waiting;
        set(ThreadState.WaitingForGil, inBlock ? { objectId: me.objectId, waitKind: me.waitKind, siteId } : { siteId });
        break;
      }
      case EventKind.GilAcquired: {
        const before = beforeGil.get(tid);
        if (me.state !== ThreadState.WaitingForGil || !before) break;
        beforeGil.delete(tid);
        set(before.state, { objectId: before.objectId, waitKind: before.waitKind, siteId: before.siteId });
        break;
      }
      case EventKind.Acquired: {
        const list = open.get(objectId) ?? [];
        open.set(objectId, list);
        const contended = woke !== undefined && woke.objectId === objectId;
        if (kindOf.get(objectId) === 'RLock') {
          const mine = list.find((hold) => hold.tid === tid);
          if (mine) {
            mine.depth = Math.max(mine.depth, arg);
            break;
          }
        }
        const hold: RefHold = {
          objectId,
          tid,
          startNs: t,
          endNs: endNs,
          heldAtEnd: true,
          depth: kindOf.get(objectId) === 'RLock' ? Math.max(1, arg) : 1,
          siteId,
          releaseSiteId: 0,
          releasedBy: -1,
          contended,
        };
        list.push(hold);
        holds.push(hold);
        const release = lastRelease.get(objectId);
        if (contended && release && release.tid !== tid && release.budget > 0 && release.timeNs >= woke.sinceNs) {
          release.budget--;
          handoffs.push({ objectId, fromTid: release.tid, releaseNs: release.timeNs, toTid: tid, acquireNs: t });
        }
        break;
      }
      case EventKind.Released: {
        const list = open.get(objectId) ?? [];
        open.set(objectId, list);
        const end = (hold: RefHold) => {
          list.splice(list.indexOf(hold), 1);
          Object.assign(hold, { endNs: t, heldAtEnd: false, releaseSiteId: siteId, releasedBy: tid });
        };
        if (kindOf.get(objectId) === 'RLock') {
          const mine = list.find((hold) => hold.tid === tid)!;
          if (arg > 0) {
            mine.depth = Math.max(mine.depth, arg + 1);
            break;
          }
          end(mine);
          lastRelease.set(objectId, { tid, timeNs: t, budget: 1 });
        } else if (isPermits(objectId)) {
          let n = Math.max(1, arg);
          for (const hold of list.filter((h) => h.tid === tid))
            if (n > 0) {
              end(hold);
              n--;
            }
          for (const hold of [...list])
            if (n > 0) {
              end(hold);
              n--;
            }
          lastRelease.set(objectId, { tid, timeNs: t, budget: Math.max(1, arg) });
        } else {
          end(list[0]);
          lastRelease.set(objectId, { tid, timeNs: t, budget: 1 });
        }
        break;
      }
    }
    if (position === order.length - 1 || order[position + 1].timeNs !== t) snapshots.push(copy(t));
  });
  // Waits still open at the end lasted until the end.
  for (const block of blockedSince.values()) {
    if (block.waitKind === WaitKind.Lock || block.waitKind === WaitKind.Semaphore) wait(block.objectId, endNs - block.sinceNs);
  }
  for (const hold of holds) {
    const s = stats.get(hold.objectId)!;
    s.acquisitions++;
    if (hold.contended) s.contended++;
    s.maxHoldNs = Math.max(s.maxHoldNs, hold.endNs - hold.startNs);
  }
  const running = order.filter((event) => event.kind === EventKind.ThreadRunning).map((event) => event.timeNs);
  const startNs = running.length > 0 ? Math.min(...running) : 0;
  return { endNs, startNs, initial, snapshots, holds, handoffs, stats };
}

/** The reference's world at instant t: after every event at or before t. */
function snapshotAt(ref: Reference, timeNs: number): Snapshot {
  let found = ref.initial;
  for (const snapshot of ref.snapshots) {
    if (snapshot.timeNs <= timeNs) found = snapshot;
    else break;
  }
  return found;
}

function refOwnersAt(ref: Reference, objectId: number, timeNs: number) {
  const open = snapshotAt(ref, timeNs).open.get(objectId) ?? [];
  const permits = objectId === SEMAPHORE || objectId === BOUNDED;
  const byTid = new Map<number, RefHold[]>();
  for (const hold of open) byTid.set(hold.tid, [...(byTid.get(hold.tid) ?? []), hold]);
  return [...byTid]
    .map(([tid, list]) => {
      const first = list.reduce((a, b) => (b.startNs < a.startNs ? b : a));
      return {
        tid,
        count: permits ? list.length : Math.max(...list.map((hold) => hold.depth)),
        sinceNs: first.startNs,
        siteId: first.siteId,
      };
    })
    .sort((a, b) => a.tid - b.tid);
}

function refWaitersAt(ref: Reference, objectId: number, timeNs: number) {
  const out: { tid: number; sinceNs: number; siteId: number }[] = [];
  snapshotAt(ref, timeNs).threads.forEach((t, tid) => {
    if ((t.state === ThreadState.Blocked || t.state === ThreadState.Waiting) && t.objectId === objectId)
      out.push({ tid, sinceNs: t.sinceNs, siteId: t.siteId });
  });
  return out;
}

function refWaitForAt(ref: Reference, timeNs: number): WaitEdge[] {
  const out: WaitEdge[] = [];
  snapshotAt(ref, timeNs).threads.forEach((t, tid) => {
    if (t.state !== ThreadState.Blocked && t.state !== ThreadState.Waiting) return;
    let toTids: number[] = [];
    if (t.waitKind === WaitKind.Join) toTids = [t.objectId === 1 ? 0 : t.objectId - 100];
    else if (t.waitKind === WaitKind.Lock || t.waitKind === WaitKind.Semaphore)
      toTids = refOwnersAt(ref, t.objectId, timeNs).map((o) => o.tid);
    out.push({ fromTid: tid, objectId: t.objectId, waitKind: t.waitKind, toTids, siteId: t.siteId });
  });
  return out;
}

/** Per lane, the time in each state within [startNs, endNs], from the snapshots. */
function refTimeInState(ref: Reference, tid: number): number[] {
  const totals = new Array<number>(THREAD_STATE_COUNT).fill(0);
  const points = [ref.initial, ...ref.snapshots];
  for (let k = 0; k < points.length; k++) {
    const from = Math.max(k === 0 ? -Infinity : points[k].timeNs, ref.startNs);
    const to = Math.min(k + 1 < points.length ? points[k + 1].timeNs : ref.endNs, ref.endNs);
    if (to > from) totals[points[k].threads[tid].state] += to - from;
  }
  return totals;
}

// ── comparing ────────────────────────────────────────────────────────────────────────────

const sortByTid = <T extends { tid: number }>(list: T[]) => [...list].sort((a, b) => a.tid - b.tid);
const normaliseEdges = (edges: WaitEdge[]) =>
  [...edges].map((edge) => ({ ...edge, toTids: [...edge.toTids].sort((a, b) => a - b) })).sort((a, b) => a.fromTid - b.fromTid);

/** Instants worth asking about: every event time, the ends, and random points between. */
function instants(sim: Simulated, random: () => number): number[] {
  const times = new Set<number>([0, sim.endNs]);
  for (const event of sim.order) times.add(event.timeNs);
  for (let i = 0; i < 20; i++) times.add(random() * sim.endNs);
  return [...times].sort((a, b) => a - b);
}

function checkAgainstReference(sim: Simulated, seed: number): void {
  const ref = reference(sim);
  const warnings: string[] = [];
  deriveIntervals(sim.trace, { onWarning: (message) => warnings.push(message) });
  assert.deepEqual(warnings, [], 'a well-formed trace gives no warnings');

  const model = buildTimeline(sim.trace);
  assert.equal(model.endNs, sim.endNs);
  assert.equal(model.startNs, ref.startNs);
  const laneOf = new Map(model.threads.map((lane, index) => [lane.tid, index]));
  const random = prng(seed * 7919);

  for (const timeNs of instants(sim, random)) {
    const snapshot = snapshotAt(ref, timeNs);
    // The state of every lane.
    model.threads.forEach((lane, laneIndex) => {
      const expected = snapshot.threads[lane.tid];
      const i = model.stateAt(laneIndex, timeNs);
      assert.ok(i >= 0, `lane ${lane.tid} has a state at ${timeNs}`);
      const states = lane.states;
      assert.equal(states.state[i], expected.state, `state of ${lane.tid} at ${timeNs}`);
      if (
        expected.state === ThreadState.Blocked ||
        expected.state === ThreadState.Waiting ||
        expected.state === ThreadState.WaitingForGil
      ) {
        assert.deepEqual(
          [states.objectId[i], states.waitKind[i], states.siteId[i], states.startNs[i]],
          [expected.objectId, expected.waitKind, expected.siteId, expected.sinceNs],
          `wait of ${lane.tid} at ${timeNs}`,
        );
      }
    });
    // Owners and waiters of every primitive, and the wait-for graph.
    for (const objectId of LOCK_LIKE) {
      assert.deepEqual(
        sortByTid(model.ownersAt(objectId, timeNs)),
        refOwnersAt(ref, objectId, timeNs),
        `owners of ${objectId} at ${timeNs}`,
      );
    }
    for (const objectId of [...LOCK_LIKE, CONDITION, EVENT, ...model.threads.map((lane) => threadObject(lane.tid))]) {
      assert.deepEqual(
        sortByTid(model.waitersAt(objectId, timeNs)),
        refWaitersAt(ref, objectId, timeNs),
        `waiters of ${objectId} at ${timeNs}`,
      );
    }
    assert.deepEqual(normaliseEdges(model.waitForAt(timeNs)), normaliseEdges(refWaitForAt(ref, timeNs)), `wait-for graph at ${timeNs}`);
  }
  assert.equal(model.stateAt(0, sim.endNs + 1), -1, 'nothing after the end');

  // Hold intervals.
  const actualHolds = model.threads.flatMap((lane, laneIndex) => {
    const holds = model.holds[laneIndex];
    const out = [];
    for (let i = 0; i < holds.count; i++) {
      if (i > 0) assert.ok(holds.startNs[i - 1] <= holds.startNs[i], 'holds sorted by start');
      const hold = holdOf(model, laneIndex, i);
      out.push({ ...hold, releasedBy: holds.releasedBy![i] });
    }
    return out;
  });
  const expectedHolds = ref.holds.map(({ contended: _contended, ...hold }) => hold);
  const key = (hold: { tid: number; objectId: number; startNs: number; endNs: number; siteId: number }) =>
    `${hold.tid}/${hold.objectId}/${hold.startNs}/${hold.endNs}/${hold.siteId}`;
  const byKey = <T extends Parameters<typeof key>[0]>(list: T[]) =>
    [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  assert.deepEqual(byKey(actualHolds), byKey(expectedHolds), 'hold intervals');

  // Hand-offs.
  const order = (list: Reference['handoffs']) =>
    [...list].sort((a, b) => a.acquireNs - b.acquireNs || a.toTid - b.toTid || a.objectId - b.objectId);
  assert.deepEqual(order(model.handoffs), order(ref.handoffs), 'hand-offs');

  // Statistics, and the CLI's form of them.
  for (const stats of model.stats) {
    const expected = ref.stats.get(stats.objectId);
    assert.ok(expected, `statistics for ${stats.objectId}`);
    const { objectId: _objectId, ...actual } = stats;
    assert.deepEqual(actual, expected, `statistics of ${stats.objectId}`);
  }
  assert.deepEqual(model.stats.map((s) => s.objectId).sort(), [...LOCK_LIKE].sort());
  const cli = lockStats(sim.trace);
  const internal = new Set(sim.trace.header.objects.filter((o) => o.internal).map((o) => o.id));
  assert.deepEqual(
    cli.map((s) => s.id),
    LOCK_LIKE.filter((id) => !internal.has(id)),
  );
  for (const s of cli) {
    const expected = ref.stats.get(s.id)!;
    assert.equal(s.acquisitions, expected.acquisitions);
    assert.equal(s.waitMs, expected.waitNs / 1e6);
    assert.equal(s.maxHoldMs, expected.maxHoldNs / 1e6);
  }

  // Levels of detail: every level sums to the time covered, state by state.
  model.threads.forEach((lane) => {
    const expected = refTimeInState(ref, lane.tid);
    const spanNs = model.endNs - model.startNs;
    const tolerance = 1e-3 + spanNs * 1e-6;
    assert.ok(lane.lod.length >= 1);
    assert.ok(lane.lod[lane.lod.length - 1].timeInState.length / THREAD_STATE_COUNT <= COARSEST_BUCKETS);
    lane.lod.forEach((level, k) => {
      assert.equal(level.originNs, model.startNs);
      assert.equal(level.bucketCount! * THREAD_STATE_COUNT, level.timeInState.length);
      if (k > 0) assert.equal(level.bucketNs, lane.lod[k - 1].bucketNs * 2);
      const totals = new Array<number>(THREAD_STATE_COUNT).fill(0);
      for (let b = 0; b < level.bucketCount!; b++) {
        let bucket = 0;
        for (let s = 0; s < THREAD_STATE_COUNT; s++) {
          totals[s] += level.timeInState[b * THREAD_STATE_COUNT + s];
          bucket += level.timeInState[b * THREAD_STATE_COUNT + s];
        }
        if (spanNs > 0) assert.ok(Math.abs(bucket - level.bucketNs) <= tolerance, `bucket ${b} of level ${k} sums to its width`);
      }
      for (let s = 0; s < THREAD_STATE_COUNT; s++) {
        assert.ok(Math.abs(totals[s] - expected[s]) <= tolerance, `lane ${lane.tid} level ${k} state ${s}: ${totals[s]} vs ${expected[s]}`);
      }
    });
  });

  // The columns are contiguous and cover the run; the CLI's lanes() says the same.
  const legacy = lanes(sim.trace);
  model.threads.forEach((lane) => {
    const states = lane.states;
    assert.equal(states.startNs[0], 0);
    assert.equal(states.endNs[states.count - 1], model.endNs);
    for (let i = 1; i < states.count; i++) assert.equal(states.startNs[i], states.endNs[i - 1], 'contiguous');
    const own = [];
    for (let i = 0; i < states.count; i++) {
      const state = states.state[i];
      if (state !== ThreadState.NotStarted && state !== ThreadState.Finished && state !== ThreadState.Failed)
        own.push([states.startNs[i], states.endNs[i]]);
    }
    const old = legacy.find((l) => l.tid === lane.tid)!;
    assert.deepEqual(
      own,
      old.intervals.map((interval) => [interval.startNs, interval.endNs]),
    );
  });
  // MainThread first, then in start order.
  assert.equal(model.threads[0].tid, 0);
  for (let i = 2; i < model.threads.length; i++) {
    assert.ok((model.threads[i - 1].startNs ?? Infinity) <= (model.threads[i].startNs ?? Infinity), 'lanes in start order');
  }
  assert.equal(laneOf.size, sim.trace.header.threads.length);
}

// ── the tests ────────────────────────────────────────────────────────────────────────────

describe('timeline model against a slow reference on random traces (property)', () => {
  /** More for a soak run: TIMELINE_CASES=20000. */
  const CASES = Number(process.env.TIMELINE_CASES ?? 400);

  it(`agrees on states, owners, waiters, wait-for, holds, hand-offs, statistics and levels of detail (${CASES} seeds)`, () => {
    let deadlocked = 0;
    let heldAtEnd = 0;
    let handoffs = 0;
    let nonOwnerReleases = 0;
    for (let seed = 1; seed <= CASES; seed++) {
      const sim = simulate(seed);
      try {
        checkAgainstReference(sim, seed);
      } catch (error) {
        (error as Error).message = `seed ${seed}: ${(error as Error).message}`;
        throw error;
      }
      const model = buildTimelineModel(sim.trace);
      if (model.threads.some((lane) => lane.finalState === 'blocked')) deadlocked++;
      if (model.holds.some((holds) => holds.heldAtEnd.includes(1))) heldAtEnd++;
      handoffs += model.handoffs.length;
      nonOwnerReleases += model.holds.reduce(
        (n, holds, laneIndex) => n + holds.releasedBy!.filter((tid) => tid >= 0 && tid !== model.threads[laneIndex].tid).length,
        0,
      );
    }
    // The generator exercises what it is meant to.
    assert.ok(deadlocked > CASES / 4, `runs that end blocked: ${deadlocked}`);
    assert.ok(heldAtEnd > CASES / 4, `runs with holds open at the end: ${heldAtEnd}`);
    assert.ok(handoffs > CASES / 2, `hand-offs: ${handoffs}`);
    assert.ok(nonOwnerReleases > CASES / 10, `holds released by another thread: ${nonOwnerReleases}`);
  });

  it(`agrees in GIL mode too: waiting for the GIL, inside Blocks and sleeps (${CASES} seeds)`, () => {
    let gilWaits = 0;
    let gilWaitsInBlocks = 0;
    for (let seed = 1; seed <= CASES; seed++) {
      const sim = simulate(seed, { gil: true });
      try {
        checkAgainstReference(sim, seed);
      } catch (error) {
        (error as Error).message = `seed ${seed} (gil): ${(error as Error).message}`;
        throw error;
      }
      const model = buildTimelineModel(sim.trace);
      assert.ok(model.gil, 'a gil-mode trace has the GIL view');
      model.threads.forEach((lane) => {
        // gilStats' wait time is the time the lane spends waiting for the GIL.
        let waitNs = 0;
        for (let i = 0; i < lane.states.count; i++) {
          if (lane.states.state[i] !== ThreadState.WaitingForGil) continue;
          waitNs += lane.states.endNs[i] - lane.states.startNs[i];
          gilWaits++;
          if (lane.states.objectId[i] !== 0) gilWaitsInBlocks++;
        }
        assert.equal(model.gil!.perThread.find((t) => t.tid === lane.tid)!.waitNs, waitNs, `seed ${seed}: GIL wait of ${lane.tid}`);
      });
    }
    assert.ok(gilWaits > CASES, `GIL waits: ${gilWaits}`);
    assert.ok(gilWaitsInBlocks > CASES / 10, `GIL waits inside a Block: ${gilWaitsInBlocks}`);
  });

  it('answers the same from a model that crossed a structured clone', () => {
    const sim = simulate(42);
    const model = buildTimelineModel(sim.trace);
    const cloned = structuredClone(model);
    const queries = timelineQueries(cloned);
    const direct = buildTimeline(sim.trace);
    for (const timeNs of instants(sim, prng(1))) {
      assert.deepEqual(queries.waitForAt(timeNs), direct.waitForAt(timeNs));
      for (const objectId of LOCK_LIKE) assert.deepEqual(queries.ownersAt(objectId, timeNs), direct.ownersAt(objectId, timeNs));
    }
  });
});

// ── hand-written cases ───────────────────────────────────────────────────────────────────

/** [kind, timeNs, objectId, arg, siteId] per thread. */
type Step = [EventKind, number, number?, number?, number?];

function traceOf(steps: Step[][], objects: ObjectInfo[], extra: Parameters<typeof makeTrace>[2] = {}): Trace {
  return makeTrace(
    steps.map((list, tid) =>
      list.map(([kind, timeNs, objectId = 0, arg = 0, siteId = 0], seq) => ({ tid, seq, kind, timeNs, objectId, siteId, arg })),
    ),
    objects,
    extra,
  );
}

const lock = (id: number, name: string, kind: ObjectInfo['kind'] = 'Lock'): ObjectInfo => ({ id, kind, name, siteId: 1, tid: 0 });

describe('timeline model: hand-written cases', () => {
  it('dining philosophers: at the end the wait-for graph is the 5-cycle', () => {
    const forks = [10, 11, 12, 13, 14];
    const philosophers = [1, 2, 3, 4, 5];
    const steps: Step[][] = [
      [
        [EventKind.ThreadRunning, 0],
        ...philosophers.map((tid): Step => [EventKind.ThreadStart, 1, threadObject(tid), tid, 1]),
        [EventKind.Block, 2, threadObject(1), WaitKind.Join, 3],
      ],
      ...philosophers.map((tid, i): Step[] => [
        [EventKind.ThreadRunning, 10 + i],
        [EventKind.Acquired, 20 + i, forks[i], 1, 1],
        [EventKind.Block, 30 + i, forks[(i + 1) % 5], WaitKind.Lock, 2],
      ]),
    ];
    const names = ['MainThread', 'Plato', 'Kant', 'Hume', 'Locke', 'Marx'];
    const trace = traceOf(
      steps,
      [...forks.map((id, i) => lock(id, `fork ${i}`)), ...philosophers.map((tid) => lock(threadObject(tid), names[tid], 'Thread'))],
      {
        names,
        outcome: 'deadlock',
        endNs: 100,
        deadlock: {
          kind: 'cycle',
          explanation: 'Plato holds fork 0 and waits for fork 1, held by Kant, …',
          detectedAtNs: 90,
          cycle: philosophers.map((tid, i) => ({
            tid,
            holds: [forks[i]],
            waitsFor: forks[(i + 1) % 5],
            waitKind: WaitKind.Lock,
            heldBy: [philosophers[(i + 1) % 5]],
            siteId: 2,
          })),
        },
      },
    );
    const model = buildTimeline(trace);
    assert.equal(model.endNs, 100);
    const edges = model.waitForAt(model.endNs);
    const lockEdges = edges.filter((edge) => edge.waitKind === WaitKind.Lock);
    assert.equal(lockEdges.length, 5);
    // Follow the edges from Plato: five steps bring us back.
    const next = new Map(lockEdges.map((edge) => [edge.fromTid, edge.toTids]));
    let tid = 1;
    const visited: number[] = [];
    for (let step = 0; step < 5; step++) {
      visited.push(tid);
      const to = next.get(tid)!;
      assert.equal(to.length, 1);
      tid = to[0];
    }
    assert.equal(tid, 1);
    assert.deepEqual([...visited].sort(), philosophers);
    for (const edge of lockEdges) assert.equal(edge.siteId, 2);
    // MainThread waits for Plato to finish.
    assert.deepEqual(
      edges.find((edge) => edge.fromTid === 0),
      { fromTid: 0, objectId: threadObject(1), waitKind: WaitKind.Join, toTids: [1], siteId: 3 },
    );
    // Each fork is held to the end by one philosopher and waited for by the next.
    assert.deepEqual(model.ownersAt(forks[1], 100), [{ tid: 2, count: 1, sinceNs: 21, siteId: 1 }]);
    assert.deepEqual(model.waitersAt(forks[1], 100), [{ tid: 1, sinceNs: 30, siteId: 2 }]);
    assert.ok(model.holds.slice(1).every((holds) => holds.count === 1 && holds.heldAtEnd[0] === 1 && holds.endNs[0] === 100));
    assert.equal(model.deadlock?.entries.length, 5);
    assert.equal(model.deadlock?.kind, 'cycle');
    assert.deepEqual(model.deadlock?.entries[0], { tid: 1, holds: [10], waitsFor: 11, waitKind: WaitKind.Lock, heldBy: [2], siteId: 2 });
    // Statistics count the waits still open at the end.
    const fork1 = model.stats.find((s) => s.objectId === forks[1])!;
    assert.deepEqual([fork1.acquisitions, fork1.contended, fork1.waitNs, fork1.maxHoldNs], [1, 0, 70, 79]);
    // Before anyone blocked there was no cycle.
    assert.equal(model.waitForAt(25).filter((edge) => edge.waitKind === WaitKind.Lock).length, 0);
  });

  it('an RLock taken at depth 1 and 2 and released to 1 and 0 is one hold of depth 2', () => {
    const trace = traceOf(
      [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 10, 1, 1, 1],
          [EventKind.Acquired, 20, 1, 2, 2],
          [EventKind.Released, 30, 1, 1, 2],
          [EventKind.Released, 40, 1, 0, 3],
          [EventKind.ThreadFinished, 50],
        ],
      ],
      [lock(1, 'r', 'RLock')],
    );
    const model = buildTimeline(trace);
    assert.equal(model.holds[0].count, 1);
    assert.deepEqual(holdOf(model, 0, 0), {
      objectId: 1,
      tid: 0,
      startNs: 10,
      endNs: 40,
      heldAtEnd: false,
      depth: 2,
      siteId: 1,
      releaseSiteId: 3,
    });
    assert.deepEqual(model.ownersAt(1, 25), [{ tid: 0, count: 2, sinceNs: 10, siteId: 1 }]);
    assert.deepEqual(model.ownersAt(1, 40), []);
    assert.deepEqual(model.stats[0], { objectId: 1, acquisitions: 1, contended: 0, waitNs: 0, maxWaitNs: 0, maxHoldNs: 30, failed: 0 });
  });

  it("a Lock released by another thread ends its owner's hold there", () => {
    const trace = traceOf(
      [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.ThreadFinished, 100],
        ],
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 10, 1, 1, 1],
          [EventKind.ThreadFinished, 20],
        ],
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Released, 30, 1, 1, 2],
          [EventKind.Acquired, 35, 1, 2, 1],
          [EventKind.Released, 40, 1, 2, 3],
          [EventKind.ThreadFinished, 50],
        ],
      ],
      [lock(1, 'L')],
    );
    const model = buildTimeline(trace);
    assert.deepEqual(holdOf(model, 1, 0), {
      objectId: 1,
      tid: 1,
      startNs: 10,
      endNs: 30,
      heldAtEnd: false,
      depth: 1,
      siteId: 1,
      releaseSiteId: 2,
    });
    assert.equal(model.holds[1].releasedBy![0], 2);
    assert.deepEqual(model.ownersAt(1, 25), [{ tid: 1, count: 1, sinceNs: 10, siteId: 1 }]);
    assert.deepEqual(model.ownersAt(1, 30), []);
    assert.deepEqual(model.ownersAt(1, 36), [{ tid: 2, count: 1, sinceNs: 35, siteId: 1 }]);
    // Thread-1 finished while holding it: its lane says Finished from 20.
    const lane = model.threads[1];
    assert.equal(lane.states.state[model.stateAt(1, 25)], ThreadState.Finished);
  });

  it("orders a Lock's acquisitions by version when their times tie", () => {
    // Every lock event at 5 ns: the versions alone say Thread-1 (v1), then MainThread, which
    // was waiting (v2), then Thread-1 again (v3).
    const trace = traceOf(
      [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Block, 4, 1, WaitKind.Lock],
          [EventKind.Unblock, 5, 1, 1],
          [EventKind.Acquired, 5, 1, 2],
          [EventKind.Released, 5, 1, 2],
        ],
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 5, 1, 1],
          [EventKind.Released, 5, 1, 1],
          [EventKind.Acquired, 5, 1, 3],
          [EventKind.Released, 6, 1, 3],
        ],
      ],
      [lock(1, 'L')],
    );
    const warnings: string[] = [];
    deriveIntervals(trace, { onWarning: (message) => warnings.push(message) });
    assert.deepEqual(warnings, []);
    const model = buildTimeline(trace);
    assert.deepEqual(model.handoffs, [{ objectId: 1, fromTid: 1, releaseNs: 5, toTid: 0, acquireNs: 5 }]);
    assert.deepEqual([...model.holds[0].releasedBy!], [0]);
    assert.deepEqual([...model.holds[1].releasedBy!], [1, 1]);
    assert.equal(model.stats[0].contended, 1);
  });

  it('lays out lanes, markers, primitives and the run', () => {
    const trace = traceOf(
      [
        [
          [EventKind.ThreadRunning, 100],
          [EventKind.ThreadStart, 110, 102, 2],
          [EventKind.ThreadStart, 120, 101, 1],
          [EventKind.Output, 150, 0, 0, 2],
          [EventKind.ThreadFinished, 200],
        ],
        [
          [EventKind.ThreadRunning, 130],
          [EventKind.Acquired, 131, 5, 1],
          [EventKind.ThreadFailed, 160, 0, 0, 3],
        ],
        [
          [EventKind.ThreadRunning, 115],
          [EventKind.SleepBegin, 116, 0, 7, 1],
          [EventKind.SleepEnd, 140],
          [EventKind.ThreadFinished, 141],
        ],
        [],
      ],
      [lock(5, 'b'), lock(4, 'a', 'Semaphore'), { ...lock(3, 'q', 'Queue'), internal: true }, lock(101, 'Thread-1', 'Thread')],
      {
        infos: [{}, { daemon: true, finalState: 'failed' }, { pool: 'pool-0' }, { finalState: 'not-started' }],
        output: [{ tid: 0, thread: 'MainThread', stream: 'stderr', text: '<b>hi</b>', timeNs: 149 }],
        exceptions: [{ tid: 1, name: 'ValueError', message: 'bad', stack: 'at f (sim.ts:3:5)', siteId: 0, timeNs: 159 }],
        truncated: 'events',
        endNs: 250,
      },
    );
    const model = buildTimeline(trace);
    assert.deepEqual(
      model.threads.map((lane) => lane.tid),
      [0, 2, 1, 3],
    );
    assert.deepEqual(
      model.threads.map((lane) => [lane.daemon, lane.pool, lane.finalState]),
      [
        [false, undefined, 'finished'],
        [false, 'pool-0', 'finished'],
        [true, undefined, 'failed'],
        [false, undefined, 'not-started'],
      ],
    );
    assert.deepEqual([model.startNs, model.endNs, model.events, model.truncated], [100, 250, 12, 'events']);
    // Thread-1: not started, starting from start(), running, failed until the end (holding b).
    const thread1 = model.threads[2];
    assert.deepEqual([thread1.startNs, thread1.endNs], [120, 160]);
    assert.deepEqual(
      Array.from({ length: thread1.states.count }, (_, i) => [thread1.states.state[i], thread1.states.startNs[i], thread1.states.endNs[i]]),
      [
        [ThreadState.NotStarted, 0, 120],
        [ThreadState.Starting, 120, 130],
        [ThreadState.Running, 130, 160],
        [ThreadState.Failed, 160, 250],
      ],
    );
    assert.deepEqual(holdOf(model, 2, 0), {
      objectId: 5,
      tid: 1,
      startNs: 131,
      endNs: 250,
      heldAtEnd: true,
      depth: 1,
      siteId: 0,
      releaseSiteId: 0,
    });
    // A thread that never started is NotStarted throughout.
    assert.deepEqual([model.threads[3].states.count, model.threads[3].states.state[0]], [1, ThreadState.NotStarted]);
    // Sleeping.
    assert.equal(model.threads[1].states.state[model.stateAt(1, 120)], ThreadState.Sleeping);
    assert.deepEqual(model.markers, [
      { tid: 0, timeNs: 150, kind: 'stderr', text: '<b>hi</b>', siteId: 2 },
      { tid: 1, timeNs: 160, kind: 'exception', text: 'ValueError: bad\nat f (sim.ts:3:5)', siteId: 3 },
    ]);
    // Threads are lanes, not primitives; the snippet's lock-like primitives get the first colours.
    assert.deepEqual(
      model.primitives.map((p) => [p.id, p.colorIndex, p.internal]),
      [
        [5, 1, false],
        [4, 0, false],
        [3, 2, true],
      ],
    );
    assert.deepEqual(
      model.stats.map((s) => s.objectId),
      [5, 4],
    );
  });

  it('keeps the model small and typed for a big trace (no object per event)', () => {
    // Two threads taking one Lock 200,000 times each, contending now and then.
    const perThread = 200_000;
    const threadsSteps: TraceEvent[][] = [[], [], []];
    const add = (tid: number, timeNs: number, kind: EventKind, objectId = 0, arg = 0) =>
      threadsSteps[tid].push({ tid, seq: threadsSteps[tid].length, timeNs, kind, objectId, siteId: 1, arg });
    add(0, 0, EventKind.ThreadRunning);
    add(1, 1, EventKind.ThreadRunning);
    add(2, 1, EventKind.ThreadRunning);
    let version = 0;
    for (let i = 0; i < perThread * 2; i++) {
      const tid = 1 + (Math.floor(i / 7) % 2);
      const t = 10 + i * 10;
      if (i % 7 === 0 && i > 0) {
        add(tid, t - 5, EventKind.Block, 1, WaitKind.Lock);
        add(tid, t, EventKind.Unblock, 1, 1);
      }
      add(tid, t, EventKind.Acquired, 1, ++version);
      add(tid, t + 8, EventKind.Released, 1, version);
    }
    const trace = makeTrace(threadsSteps, [lock(1, 'L')]);
    const started = performance.now();
    const model = buildTimeline(trace);
    const elapsedMs = performance.now() - started;
    assert.equal(model.holds[1].count + model.holds[2].count, perThread * 2);
    assert.ok(model.holds[1].startNs instanceof Float64Array);
    assert.ok(model.handoffs.length > 50_000);
    const finest = model.threads[1].lod[0];
    assert.ok(finest.bucketCount! >= model.threads[1].states.count || finest.bucketCount === 1 << 16);
    // Generous: the point is that it is not quadratic.
    assert.ok(elapsedMs < 20_000, `built in ${elapsedMs.toFixed(0)} ms`);
    const midNs = model.startNs + (model.endNs - model.startNs) / 2;
    assert.equal(model.ownersAt(1, midNs).length, 1);
  });
});

describe('intervals.ts and the model share their state numbers', () => {
  it('ThreadState is ThreadState', () => {
    assert.deepEqual(
      [
        ThreadState.NotStarted,
        ThreadState.Starting,
        ThreadState.Running,
        ThreadState.Blocked,
        ThreadState.Waiting,
        ThreadState.Sleeping,
        ThreadState.Finished,
        ThreadState.Failed,
        ThreadState.WaitingForGil,
      ],
      [
        ThreadState.NotStarted,
        ThreadState.Starting,
        ThreadState.Running,
        ThreadState.Blocked,
        ThreadState.Waiting,
        ThreadState.Sleeping,
        ThreadState.Finished,
        ThreadState.Failed,
        ThreadState.WaitingForGil,
      ],
    );
    assert.equal(THREAD_STATE_COUNT, ThreadState.WaitingForGil + 1, 'THREAD_STATE_COUNT counts every state');
  });
});
