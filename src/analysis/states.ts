/** Per-thread state intervals from a trace: what each thread was doing, from when to when. */
import { EventKind, WaitKind, type Trace } from '../trace/format';

export type LaneState = 'starting' | 'running' | 'blocked' | 'waiting' | 'sleeping';

export interface StateInterval {
  state: LaneState;
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

/** The instant recording ended: the header's endNs, or the last event. */
export function traceEndNs(trace: Trace): number {
  let last = 0;
  for (const bytes of trace.events) {
    if (!bytes || bytes.byteLength < 24) continue;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    last = Math.max(last, view.getFloat64(bytes.byteLength - 24, true));
  }
  return Math.max(last, trace.header.endNs ?? 0);
}

export function lanes(trace: Trace): Lane[] {
  const end = traceEndNs(trace);
  // MainThread is started by the harness when the run begins.
  const startedAt = new Map<number, number>([[0, 0]]);
  for (const thread of trace.header.threads) {
    forEach(trace.events[thread.tid], (t, kind, _objectId, _site, arg) => {
      if (kind === EventKind.ThreadStart) startedAt.set(arg, t);
    });
  }
  return trace.header.threads.map((thread) => {
    const intervals: StateInterval[] = [];
    let current: StateInterval | undefined;
    const open = (state: LaneState, t: number, extra: Partial<StateInterval> = {}) => {
      if (current) {
        current.endNs = t;
        if (current.endNs > current.startNs || current.state !== 'running') intervals.push(current);
      }
      current = { state, startNs: t, endNs: t, ...extra };
    };
    const lane: Lane = { tid: thread.tid, intervals, startNs: startedAt.get(thread.tid), failed: false };
    if (lane.startNs !== undefined) open('starting', lane.startNs);
    forEach(trace.events[thread.tid], (t, kind, objectId, siteId, arg) => {
      switch (kind) {
        case EventKind.ThreadRunning:
          lane.startNs ??= t;
          open('running', t);
          break;
        case EventKind.Block: {
          const waitKind = (arg & 0xff) as WaitKind;
          open(waitKind === WaitKind.Lock ? 'blocked' : 'waiting', t, { objectId, waitKind, siteId });
          break;
        }
        case EventKind.SleepBegin:
          open('sleeping', t, { siteId });
          break;
        case EventKind.Unblock:
        case EventKind.SleepEnd:
          open('running', t);
          break;
        case EventKind.ThreadFinished:
        case EventKind.ThreadFailed:
          if (current) {
            current.endNs = t;
            intervals.push(current);
            current = undefined;
          }
          lane.endNs = t;
          lane.failed = kind === EventKind.ThreadFailed;
          break;
      }
    });
    if (current) {
      current.endNs = Math.max(end, current.startNs);
      intervals.push(current);
    }
    return lane;
  });
}

function forEach(
  bytes: Uint8Array | undefined,
  visit: (t: number, kind: number, objectId: number, siteId: number, arg: number) => void,
): void {
  if (!bytes) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 0; offset + 24 <= bytes.byteLength; offset += 24) {
    visit(
      view.getFloat64(offset, true), view.getUint32(offset + 8, true) & 0xff, view.getUint32(offset + 12, true),
      view.getUint32(offset + 16, true), view.getInt32(offset + 20, true),
    );
  }
}
