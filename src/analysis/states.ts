/** Per-thread state intervals from a trace: what each thread was doing, from when to when. */
import { THREAD_STATE_NAMES, type ThreadStateName, type Trace, type WaitKind, waitKindOf } from '../trace/format';
import { deriveIntervals, traceEndNs } from '../trace/intervals';

export { traceEndNs };

interface StateInterval {
  state: ThreadStateName;
  startNs: number;
  endNs: number;
  /** The primitive waited on (blocked/waiting). */
  objectId?: number;
  waitKind?: WaitKind;
  siteId?: number;
}

export interface Lane {
  tid: number;
  intervals: StateInterval[];
  /** When the thread was started (start() called), ran first, and ended; undefined if it did not. */
  startNs?: number;
  endNs?: number;
  failed: boolean;
}

/** One object per interval: for the text report and small traces (the timeline model is columnar). */
export function lanes(trace: Trace): Lane[] {
  const derived = deriveIntervals(trace, { endNs: traceEndNs(trace) });
  return trace.header.threads.map((thread) => {
    const { states, startedNs, endedNs, failed } = derived.threads[thread.tid];
    const intervals: StateInterval[] = [];
    for (let i = 0; i < states.count; i++) {
      const state = THREAD_STATE_NAMES[states.state[i]];
      const interval: StateInterval = { state, startNs: states.startNs[i], endNs: states.endNs[i] };
      if (state === 'blocked' || state === 'waiting') {
        interval.objectId = states.objectId[i];
        interval.waitKind = waitKindOf(states.arg[i]);
        interval.siteId = states.siteId[i];
      } else if (state === 'sleeping') {
        interval.siteId = states.siteId[i];
      }
      intervals.push(interval);
    }
    return { tid: thread.tid, intervals, startNs: startedNs, endNs: endedNs, failed };
  });
}
