/**
 * The words for controlled runs and for Find deadlock's hunt: what the status line, the
 * notifications and the panel's summary say. Pure (no `vscode`), tested in test/extension/.
 */
import type { ScheduleInfo } from '../harness/types';
import type { Strategy } from '../trace/format';
import { formatDurationNs, plural, scheduleWords } from '../shared/wording';
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
  return {
    strategy: found.strategy,
    seed: found.seed,
    ...(found.depth !== undefined ? { depth: found.depth } : {}),
    ...(found.bound !== undefined ? { bound: found.bound } : {}),
  };
}

/**
 * What a hunt came to, in one sentence:
 * "Found a deadlock after 3 schedules — seed 2, strategy random. Re-run replays it." or
 * "No deadlock or exception in 200 schedules (strategy random, seeds 0–199)".
 */
export function huntWords(hunt: HuntResult, firstSeed: number, strategy: Strategy): string {
  const { found, explored } = hunt;
  if (found) {
    const what = found.outcome === 'deadlock' ? 'a deadlock' : 'an uncaught exception';
    return `Found ${what} after ${plural(explored, 'schedule')} — ${scheduleWords(found)}. Re-run replays it.`;
  }
  const seeds = explored <= 1 ? `seed ${firstSeed}` : `seeds ${firstSeed}–${firstSeed + explored - 1}`;
  return `No deadlock or exception in ${plural(explored, 'schedule')} (strategy ${strategy}, ${seeds})`;
}

/** What the panel is told beside the trace: the schedule, and the hunt's sentence. */
export function aboutRun(schedule: ScheduleInfo | undefined, huntSentence?: string): RunAbout {
  return {
    ...(schedule
      ? {
          schedule: {
            strategy: schedule.strategy,
            seed: schedule.seed,
            steps: schedule.steps,
            ...(schedule.strategy === 'pct' && schedule.depth !== undefined ? { depth: schedule.depth } : {}),
          },
        }
      : {}),
    ...(huntSentence ? { note: huntSentence } : {}),
  };
}
