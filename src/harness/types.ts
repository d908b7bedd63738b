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
  /** DFS: the schedule to play, as a hunt found it (the choices that differ from the default; see ScheduleInfo.path). */
  path?: [number, number][];
  /** Controlled mode: steps before the schedule turns fair, so a spinning thread cannot starve the others (default 10,000). */
  unfairSteps?: number;
  /** Controlled mode, once fair: steps in a row in which no thread changes anything before it is a livelock (default 10,000). */
  livelockSteps?: number;
  /** For the DFS explorer (harness/dfs.ts): where the scheduler logs its decisions. */
  scheduleLog?: SharedArrayBuffer;
  /** Wall-clock limit in seconds (default 10); Infinity: no limit. Longer than MAX_TIMEOUT_SECONDS counts as that. */
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
  /**
   * 'syntax' (bundling), 'exception' (thrown in MainThread), 'usage' (a misuse the harness caught), 'limit', 'cancelled',
   * 'livelock' (controlled mode: threads spin and none makes progress; outcome 'livelock'), 'internal'.
   */
  kind: 'syntax' | 'exception' | 'usage' | 'limit' | 'cancelled' | 'livelock' | 'internal';
  /** MainThread called process.exit(code) with this code (not 0). */
  exitCode?: number;
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
  /** Lines of output past the output cap: counted, not kept. */
  outputDropped?: number;
  /** What the bundler noticed that is not an error (a snippet with nothing to run). */
  warnings?: string[];
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
  /** DFS: the decisions that differ from the default (go on without preempting, else the lowest runnable tid), as [decision, tid]. */
  path?: [number, number][];
  /** Scheduling steps the run took. */
  steps: number;
  /** Of those, the steps where more than one thread could run (PCT draws its change points from these). */
  choices?: number;
}

/** The longest timeout a timer can wait for (2^31 - 1 ms, about 24.8 days); longer ones are clamped to it. */
export const MAX_TIMEOUT_SECONDS = 0x7fffffff / 1000;

export const DEFAULTS = {
  timeoutSeconds: 10,
  maxThreads: 256,
  maxEvents: 20_000_000,
  heapLimitMb: 512,
  outputCapBytes: 1 << 20,
  ringEvents: 1 << 16,
  strategy: 'random' as Strategy,
  depth: 2,
  /** DFS: most preemptions per schedule (CHESS's and Loom's default). */
  preemptions: 2,
} as const;
