/**
 * The programmatic API the extension and the CLI share: `run(options) → Promise<RunResult>`.
 */
import type { Mode, Outcome, OutputLine, Strategy, Trace, Truncation } from '../trace/format';

export interface RunOptions {
  /** Path of the snippet; used for sites and for resolving relative imports. */
  file: string;
  /** The snippet's text; read from `file` when absent (the editor passes its unsaved buffer). */
  source?: string;
  mode?: Mode;
  /** Controlled mode: how the next thread is picked at each scheduling point (default 'random'). */
  strategy?: Strategy;
  /** Controlled mode: the schedule's seed (default 0). The same seed gives the same run. */
  seed?: number;
  /** PCT: the bug depth d (d-1 priority change points; default 2). */
  depth?: number;
  /**
   * PCT: the step range the change points are drawn from. Default: the steps of the
   * round-robin schedule of the same snippet (measured once, deterministic).
   */
  bound?: number;
  /** Wall-clock limit in seconds (default 10). */
  timeoutSeconds?: number;
  /** Most threads that may ever start, MainThread included (default 256). */
  maxThreads?: number;
  /** Most events recorded before the run is stopped (default 20,000,000). */
  maxEvents?: number;
  /** Old-generation heap limit per worker in MiB (default 512). */
  heapLimitMb?: number;
  /** Most bytes of output captured (default 1 MiB); the rest is counted, not kept. */
  outputCapBytes?: number;
  /** Record events (default true). Off only for measuring the recorder's own cost. */
  record?: boolean;
  /** Also record every Value/SharedArray read and write (for race detection; default false). */
  recordShared?: boolean;
  /** Events each thread's ring holds before the writer waits for the harness (default 65,536). */
  ringEvents?: number;
  /** Stops the run at once; the outcome is 'error' with message "cancelled". */
  signal?: AbortSignal;
  /** Called with each line of the snippet's output as it happens. */
  onOutput?: (line: OutputLine) => void;
  /** Called now and then with how far the run is. */
  onProgress?: (progress: RunProgress) => void;
}

export interface RunProgress {
  phase: 'bundling' | 'running' | 'stopping';
  elapsedMs: number;
  threads: number;
  events: number;
}

export interface DeadlockCycleEntry {
  thread: string;
  tid: number;
  holdsIds: number[];
  waitsForId: number;
  heldByTids: number[];
  siteId: number;
  holds: string[];
  /** The primitive (or thread, for a join) it waits for. */
  waitsFor: string;
  waitsForKind: string;
  heldBy: string[];
  /** file:line of the blocking call. */
  site: string;
}

export interface DeadlockReport {
  /** 'cycle': a wait-for cycle; 'all-blocked': every live thread waits and none can wake it. */
  kind: 'cycle' | 'all-blocked';
  cycle: DeadlockCycleEntry[];
  /** The same, in words. */
  explanation: string;
  /** ns since epoch when it was detected. */
  detectedAtNs: number;
}

export interface SnippetError {
  message: string;
  /** file:line:col, or '' when the error has no place in the snippet. */
  site: string;
  line?: number;
  col?: number;
  /** 'syntax' (bundling), 'exception' (thrown in MainThread), 'usage' (a misuse the harness caught), 'limit', 'cancelled', 'internal'. */
  kind: 'syntax' | 'exception' | 'usage' | 'limit' | 'cancelled' | 'internal';
}

export interface RunResult {
  outcome: Outcome;
  /** Duration of the run on its own clock, ms: wall time in free mode, virtual time in controlled mode. */
  durationMs: number;
  /** Wall-clock duration of the run, ms. */
  wallMs: number;
  /** Controlled mode: the schedule that ran (enough to replay it). */
  schedule?: ScheduleInfo;
  events: number;
  deadlock?: DeadlockReport;
  error?: SnippetError;
  truncated?: Truncation;
  trace: Trace;
  /** How long bundling took before the run's epoch (ms). */
  bundleMs: number;
  /** From the call of run() to the run's epoch (bundling + booting the workers), ms. */
  startupMs: number;
}

export interface ScheduleInfo {
  strategy: Strategy;
  seed: number;
  /** PCT only. */
  depth?: number;
  /** PCT only. */
  bound?: number;
  /** Scheduling steps the run took. */
  steps: number;
  /** Of those, the steps where more than one thread could run (PCT draws its change points from these). */
  choices?: number;
}

export const DEFAULTS = {
  timeoutSeconds: 10,
  maxThreads: 256,
  maxEvents: 20_000_000,
  heapLimitMb: 512,
  outputCapBytes: 1 << 20,
  ringEvents: 1 << 16,
  strategy: 'random' as Strategy,
  depth: 2,
} as const;
