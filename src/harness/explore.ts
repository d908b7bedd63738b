/**
 * Schedule hunting: run the snippet in controlled mode under one schedule after another until
 * one deadlocks, livelocks, raises an uncaught exception or fails an assert, and say what
 * plays it again. Seeded strategies (random, PCT, round-robin) try seed after seed; DFS
 * (harness/dfs.ts) explores every schedule within a preemption bound and can say that none
 * fails. The snippet is bundled once and the workers are reused.
 */
import { Coordinator } from './coordinator';
import { resolveSchedule, withBundle } from './run';
import { WorkerPool } from './workerPool';
import { DfsSearch, clearDecisionLog, formatPath, readDecisionLog, type DfsCoverage, type Path } from './dfs';
import { DEFAULTS, type RunOptions, type RunResult, type ScheduleInfo } from './types';
import type { BundleResult } from './bundle';
import type { Strategy } from '../trace/format';

export interface ExploreOptions extends RunOptions {
  /** Most schedules to try. */
  schedules: number;
  /** DFS: most preemptions per schedule (default 2; Infinity: no bound). */
  preemptions?: number;
  /** DFS: go on after a failing schedule (the result's `found` is the first); for tests that want every outcome. */
  keepGoing?: boolean;
  /** Called after each schedule. */
  onSchedule?: (explored: number, result: RunResult) => void;
}

/** What a failing schedule did. */
export type FindingKind = 'deadlock' | 'livelock' | 'exception' | 'assert';

export interface Finding {
  /** Replays the failing schedule: run({ mode: 'controlled', strategy, seed, depth }), or for DFS run({ …, strategy: 'dfs', path }). */
  seed: number;
  strategy: Strategy;
  depth?: number;
  bound?: number;
  /** DFS: the choices that differ from the default schedule. */
  path?: Path;
  /** DFS: the same as text ("3:1,7:0"), as `--replay` takes it. */
  pathText?: string;
  /** 'deadlock', 'livelock', or 'exception' (an uncaught exception or failed assert in some thread). */
  outcome: 'deadlock' | 'livelock' | 'exception';
  /** The same, with failed asserts told apart from other exceptions. */
  kind: FindingKind;
  /** What went wrong, in words. */
  summary: string;
}

export interface ExploreResult extends RunResult {
  /** Schedules run. */
  explored: number;
  /** The first failing schedule; absent if every schedule ended well. */
  found?: Finding;
  /** Wall time of the whole hunt, ms. */
  huntMs: number;
  /** DFS: how much of the schedule space was covered. */
  coverage?: DfsCoverage;
  /** Schedules that ran into the timeout (the hunt goes on past them unless every one does). */
  timedOut?: number;
  /** Workers booted for the whole hunt (reused from one schedule to the next, deadlocked ones too). */
  workersBooted: number;
}

/** A hunt gives up only if this many schedules in a row, from the first, time out. */
const TIMEOUTS_TO_GIVE_UP = 3;
/** Decision log size (Int32 words) for DFS: ~4 MB, some 100,000 decisions. */
const LOG_WORDS = 1 << 20;

export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const controlled: RunOptions = { ...options, mode: 'controlled', onOutput: undefined };
  return withBundle(
    controlled,
    async (bundle, started, bundleMs) => {
      const pool = new WorkerPool(options.heapLimitMb ?? DEFAULTS.heapLimitMb);
      try {
        const hunt = new Hunt(options, controlled, bundle, pool, started, bundleMs);
        return (options.strategy ?? DEFAULTS.strategy) === 'dfs' ? await hunt.dfs() : await hunt.seeded();
      } finally {
        await pool.close();
      }
    },
    (failed) => ({ ...failed, explored: 0, huntMs: failed.wallMs, workersBooted: 0 }),
  );
}

class Hunt {
  private explored = 0;
  private timedOut = 0;
  private last: RunResult | undefined;

  constructor(
    private readonly options: ExploreOptions,
    private readonly controlled: RunOptions,
    private readonly bundle: BundleResult,
    private readonly pool: WorkerPool,
    private readonly started: number,
    private readonly bundleMs: number,
  ) {}

  async seeded(): Promise<ExploreResult> {
    const base = await resolveSchedule(this.controlled, this.bundle, this.pool);
    const firstSeed = this.options.seed ?? 0;
    for (let i = 0; i < Math.max(1, this.options.schedules); i++) {
      if (this.options.signal?.aborted) break;
      const schedule = { ...base, seed: firstSeed + i };
      const result = await this.runOne(schedule, this.controlled);
      const finding = findingOf(result);
      if (finding) {
        const found: Finding = {
          seed: schedule.seed,
          strategy: schedule.strategy,
          ...(schedule.strategy === 'pct' ? { depth: schedule.depth, bound: schedule.bound } : {}),
          ...finding,
        };
        return this.result(result, { found });
      }
      if (this.shouldStop(result)) break;
    }
    return this.result(this.last!);
  }

  /**
   * DFS by iterative preemption bounding (CHESS): every schedule with no preemption, then with
   * at most 1, at most 2, then the bound, so a bug that needs few preemptions is found first.
   * Each level is a complete search of its own (the schedules of the lower levels are run again;
   * there are far fewer of them). A level that left nothing out beyond its bound ends the search.
   */
  async dfs(): Promise<ExploreResult> {
    const bound = this.options.preemptions ?? DEFAULTS.preemptions;
    const log = new SharedArrayBuffer(LOG_WORDS * 4);
    const options: RunOptions = { ...this.controlled, scheduleLog: log };
    let search: DfsSearch | undefined;
    let first: { result: RunResult; finding: Finding } | undefined;
    // Levels 0, 1, 2, then the bound itself (past 2 the levels grow too fast to repeat them).
    const levels = [0, 1, 2].filter((level) => level < bound).concat(bound);
    for (const level of levels) {
      search = new DfsSearch(level);
      const found = await this.dfsLevel(search, options, log);
      first ??= found;
      if (found && !this.options.keepGoing)
        return this.result(found.result, { found: found.finding, coverage: { ...search.coverage, preemptionBound: bound } });
      const coverage = search.coverage;
      if (!coverage.complete || coverage.beyondBound === 0) break;
    }
    const coverage = { ...search!.coverage, preemptionBound: bound };
    // The last level found nothing beyond its bound: it covered every schedule there is.
    if (coverage.complete && coverage.beyondBound === 0) coverage.preemptionBound = Infinity;
    else if (coverage.complete && search!.coverage.preemptionBound < bound) coverage.complete = false;
    if (first) return this.result(first.result, { found: first.finding, coverage });
    return this.result(this.last!, { coverage });
  }

  /** One level of the search; the first failing schedule, if any. */
  private async dfsLevel(
    search: DfsSearch,
    options: RunOptions,
    log: SharedArrayBuffer,
  ): Promise<{ result: RunResult; finding: Finding } | undefined> {
    let firstFound: { result: RunResult; finding: Finding } | undefined;
    for (let path = search.next(); path !== undefined; path = search.next()) {
      if (this.options.signal?.aborted) {
        search.stop('cancelled');
        break;
      }
      if (this.explored >= Math.max(1, this.options.schedules)) {
        search.stop(`stopped at the budget of ${this.options.schedules} schedules`);
        break;
      }
      const schedule: ScheduleInfo = { strategy: 'dfs', seed: 0, steps: 0, path };
      clearDecisionLog(log);
      let result = await this.runOne(schedule, options);
      if (result.outcome === 'timeout') {
        // A schedule is a few ms of work: a timeout is more often a stalled machine than a
        // snippet that hangs. Run it once more before counting it.
        clearDecisionLog(log);
        result = await this.runOne(schedule, options);
      }
      const { decisions, overflow } = readDecisionLog(log);
      search.record(decisions, overflow);
      const finding = findingOf(result);
      if (finding) {
        const found = { result, finding: { seed: 0, strategy: 'dfs' as const, path, pathText: formatPath(path), ...finding } };
        if (!this.options.keepGoing) {
          search.stop('stopped at the first failing schedule');
          return found;
        }
        firstFound ??= found;
        continue;
      }
      // A schedule that timed out twice is explored as far as it got (the search goes on, but cannot be complete).
      if (result.outcome === 'timeout') search.incomplete('a schedule ran into the timeout twice');
      if (this.shouldStop(result))
        search.stop(result.outcome === 'timeout' ? 'every schedule ran into the timeout' : (result.error?.message ?? result.outcome));
    }
    return firstFound;
  }

  private async runOne(schedule: ScheduleInfo, options: RunOptions): Promise<RunResult> {
    // Each run adds the sites of exceptions it saw: give it its own copy of the table.
    const coordinator = new Coordinator(options, { ...this.bundle, sites: [...this.bundle.sites] }, schedule, this.pool);
    const result: RunResult = { ...(await coordinator.run()), bundleMs: this.bundleMs, startupMs: 0 };
    this.explored++;
    if (result.outcome === 'timeout') this.timedOut++;
    this.last = result;
    this.options.onSchedule?.(this.explored, result);
    return result;
  }

  /**
   * Go on after this run? A limit, a cancel or a failure outside the snippet ends the hunt; a
   * timeout does only if every schedule so far timed out (the snippet hangs whatever the order).
   */
  private shouldStop(result: RunResult): boolean {
    if (result.outcome === 'timeout') return this.timedOut === this.explored && this.explored >= TIMEOUTS_TO_GIVE_UP;
    return result.outcome === 'error' && result.error?.kind !== 'exception';
  }

  private result(run: RunResult, extra: Partial<ExploreResult> = {}): ExploreResult {
    return {
      ...run,
      explored: this.explored,
      huntMs: performance.now() - this.started,
      ...(this.timedOut > 0 ? { timedOut: this.timedOut } : {}),
      workersBooted: this.pool.booted,
      ...extra,
    };
  }
}

/** Is this run a bug worth stopping for? */
export function findingOf(result: RunResult): Pick<Finding, 'outcome' | 'kind' | 'summary'> | undefined {
  // The harness failed (a worker died under the run): not the snippet's bug; the hunt stops on it.
  if (result.outcome === 'error' && result.error?.kind === 'internal') return undefined;
  if (result.outcome === 'deadlock') return { outcome: 'deadlock', kind: 'deadlock', summary: result.deadlock?.explanation ?? 'deadlock' };
  if (result.outcome === 'livelock') return { outcome: 'livelock', kind: 'livelock', summary: result.error?.message ?? 'livelock' };
  const exception = result.trace.header.exceptions[0];
  if (exception) {
    const thread = result.trace.header.threads.find((t) => t.tid === exception.tid)?.name ?? `thread ${exception.tid}`;
    const kind = exception.name === 'AssertionError' ? 'assert' : 'exception';
    return { outcome: 'exception', kind, summary: `${exception.name}: ${exception.message} (in ${thread})` };
  }
  if (result.outcome === 'error' && result.error?.kind === 'exception') {
    return {
      outcome: 'exception',
      kind: /^AssertionError/.test(result.error.message) ? 'assert' : 'exception',
      summary: result.error.message,
    };
  }
  return undefined;
}
