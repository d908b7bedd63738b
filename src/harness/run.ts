/**
 * The harness's entry: `run(options)` bundles the snippet, runs it once (coordinator.ts) and
 * returns the outcome with the full trace. Also the two steps a hunt (explore.ts) shares with
 * it: bundling around a use of the bundle (`withBundle`), and fixing a controlled run's
 * schedule (`resolveSchedule`).
 *
 * Times: `bundleMs` is how long bundling took, `startupMs` the time from the call to the run's
 * epoch (bundling and booting the workers), both ms on this process's clock.
 */
import * as fs from 'node:fs';

import { bundleSnippet, BundleError, type BundleResult } from './bundle';
import { Coordinator } from './coordinator';
import { failedBeforeRun } from './traceAssembly';
import { DEFAULTS, type RunOptions, type RunResult, type ScheduleInfo } from './types';
import type { WorkerPool } from './workerPool';

export async function run(options: RunOptions): Promise<RunResult> {
  return withBundle(options, async (bundle, started, bundleMs) => {
    const schedule = options.mode === 'controlled' ? await resolveSchedule(options, bundle) : undefined;
    const coordinator = new Coordinator(options, bundle, schedule);
    const result = await coordinator.run();
    return {
      ...result,
      bundleMs,
      startupMs: coordinator.epochMs - started,
      ...(bundle.warnings.length ? { warnings: bundle.warnings } : {}),
    };
  });
}

/**
 * Bundle the snippet, call `use` with it, and remove it afterwards. A snippet that does not
 * bundle (a syntax error) gives a failed result at once, with its line.
 */
export async function withBundle<R extends RunResult>(
  options: RunOptions,
  use: (bundle: BundleResult, started: number, bundleMs: number) => Promise<R>,
  failed: (result: RunResult) => R = (result) => result as R,
): Promise<R> {
  const source = options.source ?? fs.readFileSync(options.file, 'utf8');
  const started = performance.now();
  options.onProgress?.({ phase: 'bundling', elapsedMs: 0, threads: 0, events: 0 });
  let bundle: BundleResult;
  try {
    bundle = await bundleSnippet(options.file, source, options.file, { preemption: options.mode === 'gil' });
  } catch (error) {
    if (error instanceof BundleError) {
      const elapsed = performance.now() - started;
      return failed({ ...failedBeforeRun(options, error.snippetError, elapsed), bundleMs: elapsed, startupMs: elapsed });
    }
    throw error;
  }
  try {
    return await use(bundle, started, performance.now() - started);
  } finally {
    fs.rmSync(bundle.workDir, { recursive: true, force: true });
  }
}

/**
 * The schedule a controlled run follows. PCT draws its change points from the steps a run
 * takes; unless given a bound, it measures them once on the round-robin schedule (which does
 * not depend on any seed), so a seed alone replays the same PCT schedule.
 */
export async function resolveSchedule(options: RunOptions, bundle: BundleResult, pool?: WorkerPool): Promise<ScheduleInfo> {
  const strategy = options.strategy ?? DEFAULTS.strategy;
  const seed = options.seed ?? 0;
  if (strategy === 'dfs') return { strategy, seed, steps: 0, path: options.path ?? [] };
  if (strategy !== 'pct') return { strategy, seed, steps: 0 };
  const depth = options.depth ?? DEFAULTS.depth;
  let bound = options.bound;
  if (bound === undefined) {
    const calibration = new Coordinator(
      { ...options, record: false, onOutput: undefined, onProgress: undefined },
      bundle,
      { strategy: 'rr', seed: 0, steps: 0 },
      pool,
    );
    const result = await calibration.run();
    bound = Math.max(1, result.schedule?.choices ?? 1);
  }
  return { strategy, seed, depth, bound, steps: 0 };
}
