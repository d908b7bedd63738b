/**
 * Settings reading: the `threadlanes.*` configuration, and the runner request a run, a replay
 * or a hunt is made of (the settings, and controlled mode for a hunt or a replay).
 */
import * as vscode from 'vscode';
import { STRATEGIES, type Mode, type Strategy } from '../trace/format';
import type { Replay } from './hunt';
import type { ExploreRequest, RunRequest } from './runner/protocol';

/** How a snippet is run: once (replaying a schedule, or as the settings say), or a hunt. */
export type RunKind = { kind: 'run'; replay?: Replay } | { kind: 'hunt' };

export function setting<T>(key: string, fallback: T): T {
  return vscode.workspace.getConfiguration('threadlanes').get<T>(key, fallback);
}

/** The limits every run has, whatever its mode. */
export function runLimits(): { timeoutSeconds: number; maxEvents: number; recordShared: boolean } {
  return {
    timeoutSeconds: setting('timeoutSeconds', 10),
    maxEvents: setting('maxEvents', 20_000_000),
    recordShared: setting<boolean>('recordShared', false) === true,
  };
}

/** DFS's preemption bound (threadlanes.preemptions): an integer ≥ 0, or null for no bound; anything else is the default, 2. */
function preemptionsSetting(value: unknown): number | null {
  if (value === null) return null;
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : 2;
}

/** What to ask the runner for: the settings, and for a hunt or a replay, controlled mode. */
export function requestFor(file: string, source: string, how: RunKind): RunRequest | ExploreRequest {
  const configured = setting<Mode>('mode', 'free');
  const mode: Mode =
    how.kind === 'hunt' || (how.kind === 'run' && how.replay) || configured === 'controlled'
      ? 'controlled'
      : configured === 'gil'
        ? 'gil'
        : 'free';
  const strategy = setting<Strategy>('strategy', 'random');
  const seed = setting<number | null>('seed', null);
  const schedule: Partial<Replay> =
    how.kind === 'run' && how.replay
      ? how.replay
      : {
          strategy: STRATEGIES.includes(strategy) ? strategy : 'random',
          depth: setting('depth', 2),
          ...(seed !== null ? { seed } : {}),
        };
  const limits = runLimits();
  const settings = {
    file,
    source,
    mode,
    ...limits,
    // Controlled mode always checks for data races: its scheduler sees every access anyway.
    recordShared: limits.recordShared || mode === 'controlled',
    ...(mode === 'controlled' ? schedule : {}),
  };
  return how.kind === 'hunt'
    ? {
        type: 'explore',
        ...settings,
        seed: settings.seed ?? 0,
        schedules: Math.max(1, Math.floor(setting('exploreSchedules', 200))),
        ...(settings.strategy === 'dfs' ? { preemptions: preemptionsSetting(setting<unknown>('preemptions', 2)) } : {}),
      }
    : { type: 'run', ...settings };
}
