/**
 * A small GIL-mode trace written by hand, as the runtime records one (src/trace/format.ts, GIL
 * events): MainThread starts T1 and T2 and joins them; T1 holds lock L through two forced
 * switches; T2 blocks on L, waits for the GIL to re-check, sleeps. Shared by the derivation's
 * tests (test/gil-analysis.test.ts) and the panel's (test/webview/gil.test.ts).
 *
 *   GIL holds (ms): MainThread 0–2, T1 2–7, T2 7–8, T1 8–25, T2 25–26, T1 26–30,
 *                   MainThread 30–30, T2 35–40, MainThread 40–41.
 */
import { EventKind, GilReleaseReason, TRACE_FORMAT, TRACE_VERSION, WaitKind, type Trace, type TraceEvent } from '../../src/trace/format';
import { encodeEvents } from '../../src/trace/file';

export const LOCK_ID = 10;
const MS = 1e6;

/** [kind, ms, objectId, arg] per thread. */
type Step = [EventKind, number, number?, number?];

const { GilRequest, GilAcquired, GilReleased } = {
  GilRequest: EventKind.GilRequest,
  GilAcquired: EventKind.GilAcquired,
  GilReleased: EventKind.GilReleased,
};
const { Blocks, Switch, Exits } = { Blocks: GilReleaseReason.Blocks, Switch: GilReleaseReason.Switch, Exits: GilReleaseReason.Exits };

const STEPS: Step[][] = [
  // MainThread
  [
    [GilAcquired, 0, 0, -1],
    [EventKind.ThreadRunning, 0],
    [EventKind.ThreadStart, 1, 101, 1],
    [EventKind.ThreadStart, 1, 102, 2],
    [EventKind.Block, 2, 101, WaitKind.Join],
    [GilReleased, 2, 0, Blocks],
    [GilAcquired, 30, 0, 1],
    [EventKind.Unblock, 30, 101, 1],
    [EventKind.Block, 30, 102, WaitKind.Join],
    [GilReleased, 30, 0, Blocks],
    [GilAcquired, 40, 0, 2],
    [EventKind.Unblock, 40, 102, 1],
    [EventKind.ThreadFinished, 41],
    [GilReleased, 41, 0, Exits],
  ],
  // T1: CPU-bound, holds L
  [
    [GilRequest, 1],
    [GilAcquired, 2, 0, 0],
    [EventKind.ThreadRunning, 2],
    [EventKind.Acquired, 3, LOCK_ID, 1],
    [GilReleased, 7, 0, Switch],
    [GilRequest, 7],
    [GilAcquired, 8, 0, 2],
    [EventKind.Released, 20, LOCK_ID, 1],
    [GilReleased, 25, 0, Switch],
    [GilRequest, 25],
    [GilAcquired, 26, 0, 2],
    [EventKind.ThreadFinished, 30],
    [GilReleased, 30, 0, Exits],
  ],
  // T2: blocks on L, re-checks once it has the GIL, sleeps
  [
    [GilRequest, 1],
    [GilAcquired, 7, 0, 1],
    [EventKind.ThreadRunning, 7],
    [EventKind.Block, 8, LOCK_ID, WaitKind.Lock],
    [GilReleased, 8, 0, Blocks],
    [GilRequest, 20],
    [GilAcquired, 25, 0, 1],
    [EventKind.Unblock, 25, LOCK_ID, 1],
    [EventKind.Acquired, 25, LOCK_ID, 2],
    [EventKind.Released, 26, LOCK_ID, 2],
    [EventKind.SleepBegin, 26, 0, 9000],
    [GilReleased, 26, 0, Blocks],
    [GilAcquired, 35, 0, 0],
    [EventKind.SleepEnd, 35],
    [EventKind.ThreadFinished, 40],
    [GilReleased, 40, 0, Exits],
  ],
];

const GIL_KINDS = new Set<number>([GilRequest, GilAcquired, GilReleased]);

/** The run in GIL mode (`gil: false`: the same program's events without the GIL's, in free mode). */
export function gilTrace(options: { gil?: boolean } = {}): Trace {
  const gil = options.gil ?? true;
  const threadEvents: TraceEvent[][] = STEPS.map((steps, tid) =>
    steps
      .filter(([kind]) => gil || !GIL_KINDS.has(kind))
      .map(([kind, ms, objectId = 0, arg = 0], seq) => ({ tid, seq, kind, timeNs: ms * MS, objectId, siteId: 0, arg })),
  );
  const events = threadEvents.map((list) => encodeEvents(list.map(({ tid: _tid, ...event }) => event)));
  return {
    header: {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      file: gil ? 'gil-demo.ts' : 'free-demo.ts',
      mode: gil ? 'gil' : 'free',
      outcome: 'completed',
      durationMs: 41,
      startedAt: '2026-01-01T00:00:00.000Z',
      threads: ['MainThread', 'T1', 'T2'].map((name, tid) => ({
        tid,
        name,
        objectId: tid === 0 ? 1 : 100 + tid,
        daemon: false,
        finalState: 'finished' as const,
      })),
      objects: [
        { id: LOCK_ID, kind: 'Lock', name: 'L', siteId: 0, tid: 0 },
        { id: 101, kind: 'Thread', name: 'T1', siteId: 0, tid: 0 },
        { id: 102, kind: 'Thread', name: 'T2', siteId: 0, tid: 0 },
      ],
      sites: [{ file: '?', line: 0, col: 0 }],
      output: [],
      exceptions: [],
      endNs: 41 * MS,
      eventCounts: events.map((bytes) => bytes.byteLength / 24),
      ...(gil ? { gil: { switchIntervalMs: 5 } } : {}),
    },
    events,
  };
}
