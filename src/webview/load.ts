/**
 * From trace bytes to the model the panel draws: decode the binary `.tltrace` form
 * (src/trace/file.ts) and build the timeline model (src/analysis). Both are pure, so the panel
 * can do this itself, in the webview or in the standalone report.
 */
import type { TimelineModel, TimelineQueries } from '../analysis/model';
import { decodeTraceBinary } from '../trace/file';
import { buildTimeline } from '../analysis/timeline';

export interface LoadedRun {
  model: TimelineModel & TimelineQueries;
  decodeMs: number;
  modelMs: number;
}

export function loadRun(traceBytes: Uint8Array): LoadedRun {
  const t0 = performance.now();
  const trace = decodeTraceBinary(traceBytes);
  const t1 = performance.now();
  const model = buildTimeline(trace);
  const t2 = performance.now();
  return { model, decodeMs: t1 - t0, modelMs: t2 - t1 };
}
