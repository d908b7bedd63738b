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

/** "seed 4, strategy pct (depth 2)": a schedule, named so it can be replayed. The depth is said for PCT only. */
export function scheduleWords(schedule: { strategy: Strategy; seed: number; depth?: number | undefined }): string {
  const depth = schedule.strategy === 'pct' && schedule.depth !== undefined ? ` (depth ${schedule.depth})` : '';
  return `seed ${schedule.seed}, strategy ${schedule.strategy}${depth}`;
}
