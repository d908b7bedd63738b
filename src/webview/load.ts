/**
 * From trace bytes to the model the panel draws: decode the binary `.tltrace` form
 * (src/trace/file.ts) and build the timeline model (src/analysis). Both are pure, so the panel
 * can do this itself, in the webview or in the standalone report. How the run failed, if it did
 * (layout/failure.ts: the view opens there), comes with the model. The findings (potential
 * deadlocks, data races) come from the same trace, after the first frame: they read every event.
 */
import { lockOrderInversions, type LockOrderInversion } from '../analysis/lockOrder';
import { findRaces, type DataRace } from '../analysis/races';
import { buildTimeline } from '../analysis/timeline';
import { BYTE_KIND } from '../trace/events';
import { decodeTraceBinary } from '../trace/file';
import { EVENT_BYTES, EventKind, type Trace } from '../trace/format';
import { failureOf, type Failure } from './layout/failure';
import type { Model } from './ui/view';

interface LoadedRun {
  model: Model;
  /** Kept for findingsOf; let go once the findings are shown. */
  trace: Trace;
  /** How the run failed (the header's exceptions give the time of the throw); undefined: it did not. */
  failure: Failure | undefined;
  decodeMs: number;
  modelMs: number;
}

export function loadRun(traceBytes: Uint8Array): LoadedRun {
  const t0 = performance.now();
  const trace = decodeTraceBinary(traceBytes);
  const t1 = performance.now();
  const model = buildTimeline(trace);
  const failure = failureOf(model, trace.header.exceptions);
  const t2 = performance.now();
  return { model, trace, failure, decodeMs: t1 - t0, modelMs: t2 - t1 };
}

interface RunFindings {
  lockOrder: LockOrderInversion[];
  /** Undefined: the run recorded no shared access, so races were not looked for. */
  races: DataRace[] | undefined;
  ms: number;
}

const SHARED_READ: number = EventKind.SharedRead;
const SHARED_WRITE: number = EventKind.SharedWrite;
const EVENT_SIZE: number = EVENT_BYTES;

/** Whether any thread recorded a Value / SharedArray access (only the kind byte is read: the race check itself reads everything). */
function recordedSharedAccesses(trace: Trace): boolean {
  for (const bytes of trace.events) {
    if (!bytes) continue;
    for (let offset = BYTE_KIND; offset < bytes.byteLength; offset += EVENT_SIZE) {
      const kind = bytes[offset];
      if (kind === SHARED_READ || kind === SHARED_WRITE) return true;
    }
  }
  return false;
}

export function findingsOf(trace: Trace): RunFindings {
  const started = performance.now();
  const lockOrder = lockOrderInversions(trace);
  const races = recordedSharedAccesses(trace) ? findRaces(trace).races : undefined;
  return { lockOrder, races, ms: performance.now() - started };
}
