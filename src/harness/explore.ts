/**
 * Schedule hunting: run the snippet in controlled mode under one seed after another until a
 * schedule deadlocks, raises an uncaught exception or fails an assert, and say which seed (and
 * strategy) plays it again. The snippet is bundled once and the workers are reused.
 */
import { Coordinator } from './coordinator';
import { resolveSchedule, withBundle } from './run';
import { WorkerPool } from './workerPool';
import { DEFAULTS, type RunOptions, type RunResult } from './types';
import type { Strategy } from '../trace/format';

export interface ExploreOptions extends RunOptions {
  /** Most schedules to try. */
  schedules: number;
  /** Called after each schedule. */
  onSchedule?: (explored: number, result: RunResult) => void;
}

export interface Finding {
  /** Replays the failing schedule: run({ mode: 'controlled', strategy, seed, depth }). */
  seed: number;
  strategy: Strategy;
  depth?: number;
  bound?: number;
  /** 'deadlock', or 'exception' (an uncaught exception or failed assert in some thread). */
  outcome: 'deadlock' | 'exception';
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
}

export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const controlled: RunOptions = { ...options, mode: 'controlled', onOutput: undefined };
  return withBundle(
    controlled,
    async (bundle, started, bundleMs) => {
      const pool = new WorkerPool(options.heapLimitMb ?? DEFAULTS.heapLimitMb);
      try {
        const base = await resolveSchedule(controlled, bundle, pool);
        const firstSeed = options.seed ?? 0;
        let last: RunResult | undefined;
        let explored = 0;
        for (let i = 0; i < Math.max(1, options.schedules); i++) {
          if (options.signal?.aborted) break;
          const schedule = { ...base, seed: firstSeed + i };
          // Each run adds the sites of exceptions it saw: give it its own copy of the table.
          const coordinator = new Coordinator(controlled, { ...bundle, sites: [...bundle.sites] }, schedule, pool);
          const result: RunResult = { ...(await coordinator.run()), bundleMs, startupMs: 0 };
          explored++;
          last = result;
          options.onSchedule?.(explored, result);
          const finding = findingOf(result);
          if (finding) {
            const found: Finding = {
              seed: schedule.seed,
              strategy: schedule.strategy,
              ...(schedule.strategy === 'pct' ? { depth: schedule.depth, bound: schedule.bound } : {}),
              ...finding,
            };
            return { ...result, explored, found, huntMs: performance.now() - started };
          }
          // A timeout, a limit or a cancel: no point going on (a schedule that never ends is
          // usually a thread spinning without giving the others a turn, which PCT provokes).
          if (result.outcome === 'timeout' || (result.outcome === 'error' && result.error?.kind !== 'exception')) break;
        }
        return { ...last!, explored, huntMs: performance.now() - started };
      } finally {
        await pool.close();
      }
    },
    (failed) => ({ ...failed, explored: 0, huntMs: failed.wallMs }),
  );
}

/** Is this run a bug worth stopping for? */
export function findingOf(result: RunResult): Pick<Finding, 'outcome' | 'summary'> | undefined {
  if (result.outcome === 'deadlock') return { outcome: 'deadlock', summary: result.deadlock?.explanation ?? 'deadlock' };
  const exception = result.trace.header.exceptions[0];
  if (exception) {
    const thread = result.trace.header.threads.find((t) => t.tid === exception.tid)?.name ?? `thread ${exception.tid}`;
    return { outcome: 'exception', summary: `${exception.name}: ${exception.message} (in ${thread})` };
  }
  if (result.outcome === 'error' && result.error?.kind === 'exception') return { outcome: 'exception', summary: result.error.message };
  return undefined;
}
