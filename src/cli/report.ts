/**
 * The CLI's JSON report — a contract other tools depend on (see README "CLI"):
 * { outcome, durationMs, events, threads: [{ name, finalState, exception? }],
 *   locks: [{ name, kind, acquisitions, contended, waitMs }], deadlock?: { cycle: [...] },
 *   lockOrder: [{ locks, edges: [{ from, to, thread, holdSite, acquireSite }], explanation }],
 *   races: [{ object, index, kinds, accesses: [{ thread, site, access }], count, explanation }], racesChecked,
 *   output: [{ thread, text }], error?: { message, site, kind, exitCode? }, truncated?, outputDropped?, warnings?,
 *   mode, wallMs, schedule?, explored?, found?: { seed, strategy, depth?, bound?, path?, pathText?, outcome, kind, summary },
 *   coverage?: { complete, schedules, preemptionBound (null: no bound), pruned, beyondBound, madeFair, incomplete? },
 *   gil?: { switches, forcedSwitches, switchIntervalMs, holdMs, waitMs } }
 * Extra fields may be added; none of these is ever removed or renamed.
 */
import { lockOrderInversions } from '../analysis/lockOrder';
import { findRaces } from '../analysis/races';
import { lockStats } from '../analysis/stats';
import { gilStats } from '../analysis/gil';
import { formatSite } from '../trace/format';
import type { RunResult, ScheduleInfo } from '../harness/types';
import type { ExploreResult, Finding } from '../harness/explore';

export interface JsonReport {
  outcome: RunResult['outcome'];
  /** The run's duration on its clock: virtual in controlled mode. */
  durationMs: number;
  /** Real (wall-clock) duration of the run. */
  wallMs: number;
  mode: string;
  /** Controlled mode: the schedule (strategy, seed, depth, bound, steps) — enough to replay it. */
  schedule?: ScheduleInfo;
  /** GIL mode: how often the GIL changed hands (forced: by the switch interval), and each thread's time holding and waiting for it. */
  gil?: {
    switches: number;
    forcedSwitches: number;
    switchIntervalMs: number;
    holdMs: Record<string, number>;
    waitMs: Record<string, number>;
  };
  /** A hunt (--explore): schedules run, and the first failing one. */
  explored?: number;
  /** kind: deadlock | livelock | exception | assert; DFS: path and pathText (--replay takes pathText; "" is the default schedule). */
  found?: Pick<Finding, 'seed' | 'strategy' | 'outcome' | 'kind'> & Partial<Finding>;
  /**
   * A DFS hunt: what it covered. complete: every schedule within the bound was run (up to
   * reordering independent steps); schedules: those of the search at the bound (the lower bounds,
   * searched first, add to `explored`); preemptionBound: null for no bound (JSON has no Infinity).
   */
  coverage?: {
    complete: boolean;
    schedules: number;
    preemptionBound: number | null;
    pruned: number;
    beyondBound: number;
    madeFair: number;
    incomplete?: string;
  };
  events: number;
  threads: {
    name: string;
    finalState: string;
    daemon?: boolean;
    pool?: string;
    exception?: { name: string; message: string; site: string };
  }[];
  locks: { name: string; kind: string; acquisitions: number; contended: number; waitMs: number; maxWaitMs: number; maxHoldMs: number }[];
  deadlock?: {
    kind: string;
    explanation: string;
    cycle: { thread: string; holds: string[]; waitsFor: string; waitsForKind: string; heldBy: string[]; site: string }[];
  };
  /** Lock-order inversions: potential deadlocks, also when this run did not deadlock. Always present. */
  lockOrder: {
    locks: string[];
    edges: { from: string; to: string; thread: string; holdSite: string; acquireSite: string }[];
    explanation: string;
    deadlockedInThisRun: boolean;
  }[];
  /** Data races on Value / SharedArray, one per pair of sites. Always present; empty when not checked. */
  races: {
    object: string;
    index: number;
    kinds: string[];
    accesses: { thread: string; site: string; access: 'read' | 'write' }[];
    count: number;
    explanation: string;
  }[];
  /** False when the run did not record shared accesses (run it with --record-shared). */
  racesChecked: boolean;
  output: { thread: string; stream: string; text: string }[];
  /** exitCode: MainThread called process.exit(exitCode). */
  error?: { message: string; site: string; kind: string; exitCode?: number };
  truncated?: string;
  /** Lines of output past the output cap (not in `output`). */
  outputDropped?: number;
  /** What is worth saying but is not an error (a snippet with nothing to run). */
  warnings?: string[];
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export interface JsonReportOptions {
  /** The run recorded Value / SharedArray accesses (`recordShared`); unknown: checked if any access was recorded. */
  recordShared?: boolean;
  /** The report is of a hunt's result. */
  hunt?: ExploreResult;
}

function gilReport(result: RunResult): Pick<JsonReport, 'gil'> {
  const stats = gilStats(result.trace);
  if (!stats) return {};
  const rounded = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v)]));
  return {
    gil: {
      switches: stats.switches,
      forcedSwitches: stats.forcedSwitches,
      switchIntervalMs: result.trace.header.gil?.switchIntervalMs ?? 5,
      holdMs: rounded(stats.holdMs),
      waitMs: rounded(stats.waitMs),
    },
  };
}

function huntReport(hunt: ExploreResult): Pick<JsonReport, 'explored' | 'found' | 'coverage'> {
  const { found, coverage } = hunt;
  return {
    explored: hunt.explored,
    ...(found ? { found: found.strategy === 'dfs' ? { ...found, path: found.path ?? [], pathText: found.pathText ?? '' } : found } : {}),
    ...(coverage
      ? {
          coverage: {
            complete: coverage.complete,
            schedules: coverage.schedules,
            preemptionBound: Number.isFinite(coverage.preemptionBound) ? coverage.preemptionBound : null,
            pruned: coverage.pruned,
            beyondBound: coverage.beyondBound,
            madeFair: coverage.madeFair,
            ...(coverage.incomplete !== undefined ? { incomplete: coverage.incomplete } : {}),
          },
        }
      : {}),
  };
}

export function toJsonReport(result: RunResult, options: JsonReportOptions = {}): JsonReport {
  const { header } = result.trace;
  const raceReport = options.recordShared === false ? undefined : findRaces(result.trace);
  const racesChecked = raceReport !== undefined && (options.recordShared === true || raceReport.accesses > 0);
  const exceptionOf = new Map(header.exceptions.map((e) => [e.tid, e]));
  return {
    outcome: result.outcome,
    durationMs: round(result.durationMs),
    wallMs: round(result.wallMs),
    mode: header.mode ?? 'free',
    ...(result.schedule ? { schedule: result.schedule } : {}),
    ...gilReport(result),
    ...(options.hunt ? huntReport(options.hunt) : {}),
    events: result.events,
    threads: header.threads.map((t) => {
      const e = exceptionOf.get(t.tid);
      return {
        name: t.name,
        finalState: t.finalState,
        ...(t.daemon ? { daemon: true } : {}),
        ...(t.pool ? { pool: t.pool } : {}),
        ...(e ? { exception: { name: e.name, message: e.message, site: e.siteId ? formatSite(header.sites, e.siteId) : '' } } : {}),
      };
    }),
    locks: lockStats(result.trace).map((s) => ({
      name: s.name,
      kind: s.kind,
      acquisitions: s.acquisitions,
      contended: s.contended,
      waitMs: round(s.waitMs),
      maxWaitMs: round(s.maxWaitMs),
      maxHoldMs: round(s.maxHoldMs),
    })),
    ...(result.deadlock
      ? {
          deadlock: {
            kind: result.deadlock.kind,
            explanation: result.deadlock.explanation,
            cycle: result.deadlock.cycle.map((e) => ({
              thread: e.thread,
              holds: e.holds,
              waitsFor: e.waitsFor,
              waitsForKind: e.waitsForKind,
              heldBy: e.heldBy,
              site: e.site,
            })),
          },
        }
      : {}),
    lockOrder: lockOrderInversions(result.trace).map((inversion) => ({
      locks: inversion.locks,
      edges: inversion.edges.map((e) => ({ from: e.from, to: e.to, thread: e.thread, holdSite: e.holdSite, acquireSite: e.acquireSite })),
      explanation: inversion.explanation,
      deadlockedInThisRun: inversion.deadlockedInThisRun,
    })),
    races: (racesChecked ? raceReport.races : []).map((race) => ({
      object: race.object,
      index: race.index,
      kinds: race.kinds,
      accesses: race.accesses.map((a) => ({ thread: a.thread, site: a.site, access: a.access })),
      count: race.count,
      explanation: race.explanation,
    })),
    racesChecked,
    output: header.output.map((o) => ({ thread: o.thread, stream: o.stream, text: o.text })),
    ...(result.error
      ? {
          error: {
            message: result.error.message,
            site: result.error.site,
            kind: result.error.kind,
            ...(result.error.exitCode !== undefined ? { exitCode: result.error.exitCode } : {}),
          },
        }
      : {}),
    ...(result.truncated ? { truncated: result.truncated } : {}),
    ...(result.outputDropped ? { outputDropped: result.outputDropped } : {}),
    ...(result.warnings?.length ? { warnings: result.warnings } : {}),
  };
}
