/**
 * The words for controlled runs and for Find deadlock's hunt: what the status line, the
 * notifications and the panel's summary say. Pure (no `vscode`), tested in test/extension/.
 */
import type { ScheduleInfo } from '../harness/types';
import type { DfsCoverage } from '../harness/dfs';
import type { FindingKind } from '../harness/explore';
import type { Strategy } from '../trace/format';
import { formatDurationNs, pathText, plural, scheduleWords } from '../shared/wording';
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
 * Steps a schedule may spin before the scheduler makes it fair (the harness's default, UNFAIR_STEPS
 * in runtime/schedule.ts; the extension does not change it).
 */
const UNFAIR_STEPS = 10_000;

const FOUND_WORDS: Record<FindingKind, string> = {
  deadlock: 'a deadlock',
  livelock: 'a livelock',
  exception: 'an uncaught exception',
  assert: 'a failed assert',
};

/** What every hunt looks for, in the words of a hunt that found none of it. */
const NOTHING_FOUND = 'no deadlock, livelock, uncaught exception or failed assert';

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

/** "with ≤ 2 preemptions", "with no preemption", or for no bound "(no preemption bound)". */
function boundWords(coverage: Pick<DfsCoverage, 'preemptionBound'>): string {
  const bound = coverage.preemptionBound;
  if (!Number.isFinite(bound)) return '(no preemption bound)';
  return bound === 0 ? 'with no preemption' : `with ≤ ${plural(bound, 'preemption')}`;
}

/** "3 schedules were made fair after 10,000 steps of spinning; …", or nothing. */
function madeFairWords(coverage: Pick<DfsCoverage, 'madeFair'>): string {
  if (!(coverage.madeFair > 0)) return '';
  const were = coverage.madeFair === 1 ? 'was' : 'were';
  return (
    ` ${plural(coverage.madeFair, 'schedule')} ${were} made fair after ${UNFAIR_STEPS.toLocaleString('en-US')} steps of spinning;` +
    ` the choices after that point were not explored.`
  );
}

/**
 * What a DFS hunt that found nothing covered, in one sentence a user can trust:
 * "Explored all 1,284 schedules with ≤ 2 preemptions: no deadlock, livelock, uncaught exception or failed assert.", or
 * "Explored 20,000 schedules with ≤ 2 preemptions without finding a bug, but not all of them: <why>."
 */
export function coverageWords(coverage: DfsCoverage, explored: number): string {
  if (coverage.complete) {
    const which = Number.isFinite(coverage.preemptionBound)
      ? `${coverage.schedules === 1 ? 'the only schedule' : `all ${plural(coverage.schedules, 'schedule')}`} ${boundWords(coverage)}`
      : `every schedule (no preemption bound), ${plural(coverage.schedules, 'schedule')} in all`;
    return `Explored ${which}: ${NOTHING_FOUND}.${madeFairWords(coverage)}`;
  }
  const why = coverage.incomplete ? `: ${coverage.incomplete.replace(/[.\s]+$/, '')}` : '';
  return (
    `Explored ${plural(explored, 'schedule')} ${boundWords(coverage)} without finding a bug, but not all of them${why}.` +
    madeFairWords(coverage)
  );
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
    const what = FOUND_WORDS[found.kind];
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
