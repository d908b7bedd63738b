/**
 * Words every surface uses the same way — the panel, the text report, the extension's status
 * line and notifications: durations for people, counted nouns, how a schedule is named, and what
 * a hunt found or covered. Pure: no DOM, no Node, no vscode.
 */
import type { Strategy } from '../trace/format';

/** A duration for people: "812 ms", "1.25 s", "37.5 µs", "420 ns". */
export function formatDurationNs(durationNs: number): string {
  const ns = Math.abs(durationNs);
  const sign = durationNs < 0 ? '−' : '';
  if (ns >= 1e9) return `${sign}${threeFigures(ns / 1e9)} s`;
  if (ns >= 1e6) return `${sign}${threeFigures(ns / 1e6)} ms`;
  if (ns >= 1e3) return `${sign}${threeFigures(ns / 1e3)} µs`;
  return `${sign}${Math.round(ns)} ns`;
}

function threeFigures(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** "1 schedule", "1,284 schedules". */
export function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

/** A DFS path as `--replay` takes it: "3:1,7:0" (at decision 3 run thread 1, at decision 7 thread 0). */
export function pathText(path: readonly (readonly [number, number])[]): string {
  return path.map(([decision, tid]) => `${decision}:${tid}`).join(',');
}

/**
 * A schedule, named so it can be replayed: "seed 4, strategy pct (depth 2)" (the depth is said
 * for PCT only); for DFS its path, "DFS, path 3:1,7:0", or "DFS, default schedule" when it
 * takes no choice that differs from the default.
 */
export function scheduleWords(schedule: {
  strategy: Strategy;
  seed: number;
  depth?: number | undefined;
  path?: readonly (readonly [number, number])[] | undefined;
}): string {
  if (schedule.strategy === 'dfs') return schedule.path?.length ? `DFS, path ${pathText(schedule.path)}` : 'DFS, default schedule';
  const depth = schedule.strategy === 'pct' && schedule.depth !== undefined ? ` (depth ${schedule.depth})` : '';
  return `seed ${schedule.seed}, strategy ${schedule.strategy}${depth}`;
}

/** What a hunt found (harness/explore.ts FindingKind), as a noun: "a deadlock", "a failed assert". */
const FINDING_WORDS = {
  deadlock: 'a deadlock',
  livelock: 'a livelock',
  exception: 'an uncaught exception',
  assert: 'a failed assert',
} as const;

export function findingWords(kind: keyof typeof FINDING_WORDS): string {
  return FINDING_WORDS[kind];
}

/** What every hunt looks for, in the words of a hunt that found none of it. */
export const NOTHING_FOUND = 'no deadlock, livelock, uncaught exception or failed assert';

/**
 * Steps a schedule may spin before the scheduler makes it fair (the harness's default,
 * UNFAIR_STEPS in runtime/schedule.ts, which this pure layer cannot import).
 */
const UNFAIR_STEPS = 10_000;

/** What a DFS hunt covered: the fields of harness/dfs.ts DfsCoverage the words need. */
interface Coverage {
  complete: boolean;
  schedules: number;
  /** Infinity: no bound. */
  preemptionBound: number;
  madeFair: number;
  incomplete?: string | undefined;
}

/** "with ≤ 2 preemptions", "with no preemption", or for no bound "(no preemption bound)". */
export function boundWords(coverage: Pick<Coverage, 'preemptionBound'>): string {
  const bound = coverage.preemptionBound;
  if (!Number.isFinite(bound)) return '(no preemption bound)';
  return bound === 0 ? 'with no preemption' : `with ≤ ${plural(bound, 'preemption')}`;
}

/** "3 schedules were made fair after 10,000 steps of spinning; …", or nothing. */
function madeFairWords(coverage: Pick<Coverage, 'madeFair'>): string {
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
export function coverageWords(coverage: Coverage, explored: number): string {
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
