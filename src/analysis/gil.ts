/**
 * GIL mode's numbers (issue 6): who held the GIL over time, each thread's share, how often it
 * changed hands, and how long threads waited for it. Pure function of the trace.
 */
import { EventKind, GilReleaseReason, type Trace } from '../trace/format';
import { forEachEvent } from '../trace/events';
import { traceEndNs } from '../trace/intervals';

/** One stretch of one thread holding the GIL (ns on the trace's clock). */
export interface GilHold {
  tid: number;
  startNs: number;
  endNs: number;
}

export interface GilStats {
  /** Times the GIL passed from one thread to another. */
  switches: number;
  /** Of those, the ones forced by the switch interval (the holder was still running). */
  forcedSwitches: number;
  /** Time each thread held the GIL, ms, by thread name. */
  holdMs: Record<string, number>;
  /** Time each thread could run but waited for the GIL, ms, by thread name. */
  waitMs: Record<string, number>;
  /** Who held it, in time order. */
  holds: GilHold[];
}

/** What gilStats says, by tid (the timeline model and the Chrome export read this form). */
export interface GilByThread {
  switches: number;
  forcedSwitches: number;
  /** Holds in time order (they never overlap). */
  holds: GilHold[];
  /** Per tid in the header: ns holding the GIL, ns waiting for it, forced switches away from it. */
  perThread: { tid: number; name: string; holdNs: number; waitNs: number; forcedSwitches: number }[];
}

export function gilStats(trace: Trace): GilStats | undefined {
  const derived = gilByThread(trace);
  if (!derived) return undefined;
  const holdMs: Record<string, number> = {};
  const waitMs: Record<string, number> = {};
  for (const thread of derived.perThread) {
    holdMs[thread.name] = thread.holdNs / 1e6;
    waitMs[thread.name] = thread.waitNs / 1e6;
  }
  return { switches: derived.switches, forcedSwitches: derived.forcedSwitches, holdMs, waitMs, holds: derived.holds };
}

/** GIL holds, waits and switches per thread; undefined unless the trace's mode is 'gil'. */
export function gilByThread(trace: Trace, endNs = traceEndNs(trace)): GilByThread | undefined {
  const { header } = trace;
  if (header.mode !== 'gil') return undefined;
  const holds: GilHold[] = [];
  const perThread: GilByThread['perThread'] = [];
  let switches = 0;
  let forcedSwitches = 0;
  for (const thread of header.threads) {
    const bytes = trace.events[thread.tid];
    let heldSince = -1;
    let waitingSince = -1;
    let held = 0;
    let waited = 0;
    let forced = 0;
    if (bytes) {
      forEachEvent(bytes, (timeNs, kind, _objectId, _siteId, arg) => {
        if (kind === EventKind.GilRequest) {
          waitingSince = timeNs;
        } else if (kind === EventKind.GilAcquired) {
          if (waitingSince >= 0) waited += timeNs - waitingSince;
          waitingSince = -1;
          heldSince = timeNs;
          if (arg >= 0 && arg !== thread.tid) switches++;
        } else if (kind === EventKind.GilReleased && heldSince >= 0) {
          holds.push({ tid: thread.tid, startNs: heldSince, endNs: timeNs });
          held += timeNs - heldSince;
          heldSince = -1;
          if (arg === GilReleaseReason.Switch) forced++;
        }
      });
    }
    if (heldSince >= 0) {
      holds.push({ tid: thread.tid, startNs: heldSince, endNs: Math.max(endNs, heldSince) });
      held += Math.max(0, endNs - heldSince);
    }
    if (waitingSince >= 0) waited += Math.max(0, endNs - waitingSince);
    forcedSwitches += forced;
    perThread.push({ tid: thread.tid, name: thread.name, holdNs: held, waitNs: waited, forcedSwitches: forced });
  }
  holds.sort((a, b) => a.startNs - b.startNs || a.endNs - b.endNs);
  return { switches, forcedSwitches, holds, perThread };
}
