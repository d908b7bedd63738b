/**
 * The extension host ↔ child runner protocol (over the IPC channel of `child_process.fork`,
 * with `serialization: 'advanced'` so the trace crosses as bytes). Snippets never run in the
 * extension host: it forks dist/harness-runner.js, which calls the harness's run() or explore().
 */
import type { Outcome } from '../../trace/format';
import type { RunProgress, ScheduleInfo } from '../../harness/types';
import type { Mode, Strategy } from '../../trace/format';
import type { Finding } from '../../harness/explore';
import type { DfsCoverage } from '../../harness/dfs';
import type { RunSummary } from '../summary';
import type { ExportFormat, SourceText } from '../../shared/protocol';

/** How to run the snippet: what run() and explore() both take. */
export interface RunSettings {
  /** The snippet's path (sites name it; relative imports resolve from it). */
  file: string;
  /** The editor's current contents, saved or not. */
  source: string;
  mode: Mode;
  timeoutSeconds: number;
  maxEvents: number;
  /** Record Value / SharedArray reads and writes, so data races can be found (slower; the threadlanes.recordShared setting). */
  recordShared?: boolean;
  /** Controlled mode: how the scheduler picks the next thread. */
  strategy?: Strategy;
  /** Controlled mode: the schedule's seed (a hunt's first seed). */
  seed?: number;
  /** Controlled mode, PCT: the bug depth. */
  depth?: number;
  /** Controlled mode, PCT: the step range of the change points (absent: the harness measures it). */
  bound?: number;
  /** Controlled mode, DFS: the schedule to play, as a hunt found it (absent: the default schedule). */
  path?: [number, number][];
}

/** Run the snippet once. */
export interface RunRequest extends RunSettings {
  type: 'run';
}

/**
 * Hunt for a failing schedule in controlled mode (src/harness/explore.ts): under seed, seed + 1, …,
 * or with strategy 'dfs' every schedule within the preemption bound.
 */
export interface ExploreRequest extends RunSettings {
  type: 'explore';
  /** Most schedules to try (for DFS, the budget: past it the search is incomplete). */
  schedules: number;
  /** DFS: most preemptions per schedule; null: no bound. */
  preemptions?: number | null;
}

/** Write a run as a Chrome trace or an HTML report (src/export/write.ts), off the extension host. */
export interface ExportRequest {
  type: 'export';
  format: ExportFormat;
  /** The run, as the binary .tltrace. */
  trace: Uint8Array;
  outputPath: string;
  sources: SourceText[];
  /** dist/, where the HTML report's panel app is. */
  assetsDir: string;
}

export type ToRunner = RunRequest | ExploreRequest | ExportRequest;

/** What a hunt came to: schedules run, and the first failing one (the run sent is that schedule). */
export interface HuntResult {
  explored: number;
  found?: Finding;
  /** Wall time of the whole hunt, ms. */
  huntMs: number;
  /** DFS: how much of the schedule space it covered (preemptionBound Infinity: no bound; IPC keeps Infinity). */
  coverage?: DfsCoverage;
}

export type FromRunner =
  /** How far the run is (a few times a second). */
  | { type: 'progress'; progress: RunProgress }
  /** How far the hunt is: schedules run so far and how the last one ended (a few times a second). */
  | { type: 'explored'; explored: number; outcome: Outcome }
  /**
   * The run (or the hunt's last run) ended, any outcome: its summary, the trace in the binary
   * .tltrace form, its wall-clock duration, and in controlled mode the schedule that replays it.
   */
  | { type: 'done'; summary: RunSummary; trace: Uint8Array; wallMs: number; schedule?: ScheduleInfo; hunt?: HuntResult }
  /** The export is written: its size. */
  | { type: 'exported'; bytes: number }
  /** The runner itself failed (not the snippet). */
  | { type: 'failed'; message: string };
