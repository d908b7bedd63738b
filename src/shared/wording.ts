/**
 * Words every surface uses the same way — the panel, the text report, the extension's status
 * line and notifications: durations for people, counted nouns, and how a schedule is named.
 * Pure: no DOM, no Node, no vscode.
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
