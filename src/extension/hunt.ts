/**
 * The words for controlled runs and for Find deadlock's hunt: what the status line, the
 * notifications and the panel's summary say. Pure (no `vscode`), tested in test/extension/.
 */
import type { ScheduleInfo } from '../harness/types';
import type { Strategy } from '../trace/format';
import { coverageWords, findingWords, formatDurationNs, pathText, plural, scheduleWords } from '../shared/wording';
import type { RunAbout } from '../shared/protocol';
import type { HuntResult } from './runner/protocol';

/** A schedule to play again: what Re-run replays after a hunt found it. */
export interface Replay {
  strategy: Strategy;
  seed: number;
  /** PCT only. */
  depth?: number;
  /** PCT only: the step range the hunt drew change points from (the replay uses the same). */
  bound?: number;
  /** DFS only: the choices that differ from the default schedule. */
  path?: [number, number][];
}

/**
 * How long a run took, for the status line: wall time in free mode; in controlled mode the
 * virtual time, said to be virtual, with the schedule and the wall time beside it.
 */
export function durationWords(durationMs: number, wallMs: number, schedule: ScheduleInfo | undefined): string {
  const duration = formatDurationNs(durationMs * 1e6);
  if (!schedule) return duration;
  return `${duration} virtual time (${scheduleWords(schedule)}, ${plural(schedule.steps, 'step')}; ${formatDurationNs(wallMs * 1e6)} wall)`;
}

/** The schedule that replays a hunt's finding, if it found one. */
export function replayOf(hunt: HuntResult | undefined): Replay | undefined {
  const found = hunt?.found;
  if (!found) return undefined;
  if (found.strategy === 'dfs') return { strategy: 'dfs', seed: 0, path: found.path ?? [] };
  return {
    strategy: found.strategy,
    seed: found.seed,
    ...(found.depth !== undefined ? { depth: found.depth } : {}),
    ...(found.bound !== undefined ? { bound: found.bound } : {}),
  };
}

/**
 * What a hunt came to, in one sentence:
 * "Found a deadlock after 3 schedules — seed 2, strategy random. Re-run replays it.",
 * "Found a failed assert after 12 schedules — DFS path 3:1,7:0. Re-run replays it.",
 * "No deadlock, livelock or exception in 200 schedules (strategy random, seeds 0–199)", or for
 * DFS what it covered (coverageWords).
 */
export function huntWords(hunt: HuntResult, firstSeed: number, strategy: Strategy): string {
  const { found, explored } = hunt;
  if (found) {
    const what = findingWords(found.kind);
    const replay =
      found.strategy === 'dfs'
        ? found.path?.length
          ? `DFS path ${found.pathText ?? pathText(found.path)}`
          : 'the default schedule'
        : scheduleWords(found);
    return `Found ${what} after ${plural(explored, 'schedule')} — ${replay}. Re-run replays it.`;
  }
  if (hunt.coverage) return coverageWords(hunt.coverage, explored);
  const seeds = explored <= 1 ? `seed ${firstSeed}` : `seeds ${firstSeed}–${firstSeed + explored - 1}`;
  return `No deadlock, livelock or exception in ${plural(explored, 'schedule')} (strategy ${strategy}, ${seeds})`;
}

/**
 * What the panel is told beside the trace: the schedule, the hunt's sentence, and for a DFS
 * hunt that found nothing its coverage (a finding needs no badge: the run shows it).
 */
export function aboutRun(schedule: ScheduleInfo | undefined, huntSentence?: string, hunt?: HuntResult): RunAbout {
  const coverage = hunt && !hunt.found ? hunt.coverage : undefined;
  return {
    ...(schedule
      ? {
          schedule: {
            strategy: schedule.strategy,
            seed: schedule.seed,
            steps: schedule.steps,
            ...(schedule.strategy === 'pct' && schedule.depth !== undefined ? { depth: schedule.depth } : {}),
            ...(schedule.strategy === 'dfs' && schedule.path ? { path: schedule.path } : {}),
          },
        }
      : {}),
    ...(huntSentence ? { note: huntSentence } : {}),
    ...(coverage
      ? {
          coverage: {
            complete: coverage.complete,
            schedules: coverage.complete ? coverage.schedules : hunt!.explored,
            // The panel's messages are JSON: Infinity would arrive as null anyway.
            preemptionBound: Number.isFinite(coverage.preemptionBound) ? coverage.preemptionBound : null,
            ...(coverage.madeFair > 0 ? { madeFair: coverage.madeFair } : {}),
            ...(coverage.incomplete ? { incomplete: coverage.incomplete } : {}),
          },
        }
      : {}),
  };
}
