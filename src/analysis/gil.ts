/**
 * GIL mode's numbers (issue 6): who held the GIL over time, each thread's share, how often it
 * changed hands, and how long threads waited for it. Pure function of the trace.
 */
import { EventKind, GilReleaseReason, forEachEvent, type Trace } from '../trace/format';
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

export function gilStats(trace: Trace): GilStats | undefined {
  const { header } = trace;
  if (header.mode !== 'gil') return undefined;
  const end = traceEndNs(trace);
  const holds: GilHold[] = [];
  const holdMs: Record<string, number> = {};
  const waitMs: Record<string, number> = {};
  let switches = 0;
  let forcedSwitches = 0;
  for (const thread of header.threads) {
    const bytes = trace.events[thread.tid];
    let heldSince = -1;
    let waitingSince = -1;
    let held = 0;
    let waited = 0;
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
          if (arg === GilReleaseReason.Switch) forcedSwitches++;
        }
      });
    }
    if (heldSince >= 0) {
      holds.push({ tid: thread.tid, startNs: heldSince, endNs: end });
      held += end - heldSince;
    }
    if (waitingSince >= 0) waited += end - waitingSince;
    holdMs[thread.name] = held / 1e6;
    waitMs[thread.name] = waited / 1e6;
  }
  holds.sort((a, b) => a.startNs - b.startNs);
  return { switches, forcedSwitches, holdMs, waitMs, holds };
}
