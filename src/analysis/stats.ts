/** Per-primitive statistics from a trace: acquisitions, contention, waiting and holding times. */
import { EventKind, WaitKind, type ObjectInfo, type Trace } from '../trace/format';
import { traceEndNs } from './states';

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

const LOCK_KINDS = new Set(['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore']);

/** Statistics for every lock-like primitive the snippet made (not the runtime's own). */
export function lockStats(trace: Trace): LockStats[] {
  const { header } = trace;
  const stats = new Map<number, LockStats>();
  for (const object of header.objects) {
    if (!LOCK_KINDS.has(object.kind) || object.internal) continue;
    stats.set(object.id, {
      id: object.id, name: object.name, kind: object.kind, acquisitions: 0, contended: 0, waitMs: 0, maxWaitMs: 0,
      maxHoldMs: 0, failed: 0,
    });
  }
  /** Lock holds can end in another thread, so hold starts are per object (Lock) or per object+thread. */
  const holdStart = new Map<string, number>();
  const permitStarts = new Map<number, number[]>();
  type Pending = { objectId: number; start: number };
  const timeline: { t: number; tid: number; kind: number; objectId: number; arg: number }[] = [];
  const end = traceEndNs(trace);
  const addWait = (objectId: number, waited: number, acquired: boolean) => {
    const s = stats.get(objectId);
    if (!s) return;
    s.waitMs += waited;
    s.maxWaitMs = Math.max(s.maxWaitMs, waited);
    if (acquired) s.contended++;
  };
  header.threads.forEach((thread) => {
    const bytes = trace.events[thread.tid];
    if (!bytes) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pending: Pending | undefined;
    for (let offset = 0; offset + 24 <= bytes.byteLength; offset += 24) {
      const t = view.getFloat64(offset, true);
      const kind = view.getUint32(offset + 8, true) & 0xff;
      const objectId = view.getUint32(offset + 12, true);
      const arg = view.getInt32(offset + 20, true);
      if (kind === EventKind.Block && (arg & 0xff) === WaitKind.Lock || kind === EventKind.Block && (arg & 0xff) === WaitKind.Semaphore) {
        pending = { objectId, start: t };
      } else if (kind === EventKind.Unblock && pending) {
        addWait(pending.objectId, (t - pending.start) / 1e6, arg === 1);
        pending = undefined;
      }
      if (kind === EventKind.Acquired || kind === EventKind.Released || kind === EventKind.AcquireFailed) {
        timeline.push({ t, tid: thread.tid, kind, objectId, arg });
      }
    }
    // Still waiting when recording ended (a deadlock, a timeout): it waited until the end.
    if (pending) addWait(pending.objectId, (end - pending.start) / 1e6, false);
  });
  timeline.sort((a, b) => a.t - b.t);
  for (const e of timeline) {
    const s = stats.get(e.objectId);
    if (!s) continue;
    if (e.kind === EventKind.AcquireFailed) {
      s.failed++;
      continue;
    }
    if (s.kind === 'Semaphore' || s.kind === 'BoundedSemaphore') {
      const starts = permitStarts.get(e.objectId) ?? [];
      permitStarts.set(e.objectId, starts);
      if (e.kind === EventKind.Acquired) {
        s.acquisitions++;
        starts.push(e.t);
      } else {
        for (let n = Math.max(1, e.arg); n > 0 && starts.length > 0; n--) s.maxHoldMs = Math.max(s.maxHoldMs, (e.t - starts.shift()!) / 1e6);
      }
      continue;
    }
    const key = s.kind === 'RLock' ? `${e.objectId}:${e.tid}` : `${e.objectId}`;
    if (e.kind === EventKind.Acquired) {
      if (s.kind === 'RLock' && e.arg > 1) continue;
      s.acquisitions++;
      holdStart.set(key, e.t);
    } else if (s.kind !== 'RLock' || e.arg === 0) {
      const start = holdStart.get(key);
      if (start !== undefined) s.maxHoldMs = Math.max(s.maxHoldMs, (e.t - start) / 1e6);
      holdStart.delete(key);
    }
  }
  // Holds still open at the end lasted until the end.
  for (const [key, start] of holdStart) {
    const s = stats.get(Number(key.split(':')[0]));
    if (s) s.maxHoldMs = Math.max(s.maxHoldMs, (end - start) / 1e6);
  }
  for (const [objectId, starts] of permitStarts) {
    const s = stats.get(objectId);
    if (s) for (const start of starts) s.maxHoldMs = Math.max(s.maxHoldMs, (end - start) / 1e6);
  }
  return [...stats.values()];
}
