/** Per-primitive statistics from a trace: acquisitions, contention, waiting and holding times. */
import { ThreadState, WaitKind, waitKindOf, type ObjectInfo, type Trace, type TraceHeader } from '../trace/format';

import { IntervalEnd, deriveIntervals, traceEndNs, type TraceIntervals } from '../trace/intervals';
import type { LockStatistics } from './model';

/** The CLI's form (milliseconds, with names). */
export interface LockStats {
  id: number;
  name: string;
  kind: ObjectInfo['kind'];
  /** Successful acquisitions (for an RLock, the outermost ones). */
  acquisitions: number;
  /** Acquisitions that had to wait first. */
  contended: number;
  /** Total time threads spent blocked on it, ms. */
  waitMs: number;
  maxWaitMs: number;
  /** Longest single hold, ms. */
  maxHoldMs: number;
  /** Acquisitions that gave up (non-blocking or timed out). */
  failed: number;
}

const LOCK_KINDS = new Set<ObjectInfo['kind']>(['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore']);

/** Primitives that can be held: the ones with statistics. */
export function isLockLike(kind: ObjectInfo['kind']): boolean {
  return LOCK_KINDS.has(kind);
}

/**
 * Statistics of every lock-like primitive in `header.objects` (internal ones too), in header
 * order, from derived intervals. An acquisition is a hold (an RLock's outermost acquisitions, a
 * semaphore's permits); a contended one followed a Block on the primitive; a wait is a Block
 * on it (as a lock or a semaphore), to its Unblock or to the end of the trace; holds and waits
 * still open at the end count until the end.
 */
export function lockStatistics(header: TraceHeader, intervals: TraceIntervals): LockStatistics[] {
  const byId = new Map<number, LockStatistics>();
  for (const object of header.objects) {
    if (!LOCK_KINDS.has(object.kind)) continue;
    byId.set(object.id, {
      objectId: object.id,
      acquisitions: 0,
      contended: 0,
      waitNs: 0,
      maxWaitNs: 0,
      maxHoldNs: 0,
      failed: intervals.failedAcquires.get(object.id) ?? 0,
    });
  }
  let lastId = -1;
  let last: LockStatistics | undefined;
  const statsOf = (objectId: number) => {
    if (objectId !== lastId) {
      lastId = objectId;
      last = byId.get(objectId);
    }
    return last;
  };
  for (const thread of intervals.threads) {
    const holds = thread.holds;
    for (let i = 0; i < holds.count; i++) {
      const stats = statsOf(holds.objectId[i]);
      if (!stats) continue;
      stats.acquisitions++;
      stats.contended += holds.contended[i];
      stats.maxHoldNs = Math.max(stats.maxHoldNs, holds.endNs[i] - holds.startNs[i]);
    }
    const states = thread.states;
    // One wait is one Block, from its first piece to its last: in GIL mode a Block is cut into
    // pieces by the GIL waits inside it (they carry the Block's object).
    let waiting: LockStatistics | undefined;
    let waitedNs = 0;
    for (let i = 0; i < states.count; i++) {
      const state = states.state[i];
      const inBlock =
        state === ThreadState.Blocked || state === ThreadState.Waiting || (state === ThreadState.WaitingForGil && states.objectId[i] !== 0);
      const waitKind = waitKindOf(states.arg[i]);
      const stats = inBlock && (waitKind === WaitKind.Lock || waitKind === WaitKind.Semaphore) ? statsOf(states.objectId[i]) : undefined;
      const continues =
        stats !== undefined &&
        stats === waiting &&
        i > 0 &&
        states.endNs[i - 1] === states.startNs[i] &&
        (states.state[i - 1] === ThreadState.WaitingForGil ||
          (state === ThreadState.WaitingForGil && states.ending[i - 1] === IntervalEnd.Next));
      if (!continues && waiting) {
        waiting.waitNs += waitedNs;
        waiting.maxWaitNs = Math.max(waiting.maxWaitNs, waitedNs);
        waiting = undefined;
      }
      if (!stats) continue;
      if (!continues) {
        waiting = stats;
        waitedNs = 0;
      }
      waitedNs += states.endNs[i] - states.startNs[i];
    }
    if (waiting) {
      waiting.waitNs += waitedNs;
      waiting.maxWaitNs = Math.max(waiting.maxWaitNs, waitedNs);
    }
  }
  return [...byId.values()];
}

/** Statistics for every lock-like primitive the snippet made (not the runtime's own), in ms. */
export function lockStats(trace: Trace): LockStats[] {
  const { header } = trace;
  const intervals = deriveIntervals(trace, { endNs: traceEndNs(trace) });
  const objects = new Map(header.objects.map((object) => [object.id, object]));
  return lockStatistics(header, intervals)
    .map((stats) => ({ stats, object: objects.get(stats.objectId)! }))
    .filter(({ object }) => !object.internal)
    .map(({ stats, object }) => ({
      id: object.id,
      name: object.name,
      kind: object.kind,
      acquisitions: stats.acquisitions,
      contended: stats.contended,
      waitMs: stats.waitNs / 1e6,
      maxWaitMs: stats.maxWaitNs / 1e6,
      maxHoldMs: stats.maxHoldNs / 1e6,
      failed: stats.failed,
    }));
}
