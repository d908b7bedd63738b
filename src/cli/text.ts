/**
 * The CLI's human-readable report: summary, deadlock in words, potential deadlocks, data races,
 * lock table, text swimlane; and above it, for a hunt, what the hunt came to (huntText).
 */
import { lockOrderInversions } from '../analysis/lockOrder';
import { findRaces } from '../analysis/races';
import { gilByThread, type GilHold } from '../analysis/gil';
import { lanes, traceEndNs } from '../analysis/states';
import { NOTHING_FOUND, coverageWords, findingWords, formatDurationNs, pathText, plural, scheduleWords } from '../shared/wording';
import { lockStats } from '../analysis/stats';
import { formatSite, type ThreadStateName } from '../trace/format';
import { DEFAULTS, type RunResult } from '../harness/types';
import type { ExploreResult, Finding } from '../harness/explore';
import { cut, longNamesOf, nameText, oneLine, withShortNames } from './sanitize';

const GLYPH: Record<ThreadStateName | 'none', string> = {
  'not-started': ' ',
  finished: ' ',
  running: '█',
  blocked: 'X',
  waiting: '~',
  sleeping: '.',
  starting: '>',
  'gil-wait': '-',
  none: ' ',
  failed: '!',
};
const PRIORITY: ThreadStateName[] = ['blocked', 'waiting', 'gil-wait', 'running', 'sleeping', 'starting'];

/** Most potential deadlocks and races listed in full; the rest are counted. */
const MOST_FINDINGS = 10;
/** Most rows of the lock table; past it, the locks waited on longest are listed and the rest counted. */
const MOST_LOCKS = 20;

function scheduleText(result: RunResult): string {
  const s = result.schedule!;
  return `controlled, ${scheduleWords(s)}, ${plural(s.steps, 'step')}`;
}

export function textReport(result: RunResult, options: { width: number; color: boolean; recordShared?: boolean }): string {
  const { header } = result.trace;
  const paint = (code: string, text: string) => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  // Names the snippet chose are cut where they appear; every user string is made safe to print.
  const longNames = longNamesOf([...header.threads.map((t) => t.name), ...header.objects.map((o) => o.name)]);
  const line = (text: string) => withShortNames(text, longNames);
  const out: string[] = [''];
  const capWords = `${DEFAULTS.outputCapBytes / (1 << 20)} MiB`;
  const verdict = {
    completed: paint('32', 'completed'),
    deadlock: paint('31;1', 'DEADLOCK'),
    livelock: paint('31;1', 'LIVELOCK'),
    timeout: paint('33', 'timed out'),
    error:
      result.error?.kind === 'limit'
        ? paint('33', 'stopped at the event limit')
        : result.error?.kind === 'cancelled'
          ? paint('33', 'cancelled')
          : paint('31', 'error'),
  }[result.outcome];
  const clock = result.schedule
    ? `${result.durationMs.toFixed(1)} ms virtual (${result.wallMs.toFixed(0)} ms real) · ${scheduleText(result)}`
    : `${result.durationMs.toFixed(1)} ms`;
  out.push(
    `${verdict} · ${clock} · ${header.threads.length} thread${header.threads.length === 1 ? '' : 's'} · ${result.events.toLocaleString('en-US')} events`,
  );
  if (result.error && result.error.kind !== 'cancelled')
    out.push(paint('31', `${result.error.site ? `${oneLine(result.error.site)}: ` : ''}${line(result.error.message)}`));
  for (const warning of result.warnings ?? []) out.push(paint('33', `warning: ${line(warning)}`));
  if (result.truncated === 'events') out.push(paint('33', 'recording was cut short by the event limit; the trace keeps what came before'));
  if (result.outputDropped) {
    out.push(
      paint(
        '33',
        `${plural(result.outputDropped, 'line')} of output past the output cap (${capWords}) ${result.outputDropped === 1 ? 'was' : 'were'} dropped; every event was recorded`,
      ),
    );
  } else if (result.truncated === 'output') {
    out.push(paint('33', `output past the output cap (${capWords}) was dropped; every event was recorded`));
  }
  if (result.deadlock) {
    out.push('', paint('31;1', line(result.deadlock.explanation)));
    for (const entry of result.deadlock.cycle) {
      out.push(
        `  ${nameText(entry.thread).padEnd(14)} holds [${entry.holds.map(nameText).join(', ')}]  waits for ${nameText(entry.waitsFor)}${entry.heldBy.length ? ` (held by ${entry.heldBy.map(nameText).join(', ')})` : ''}  at ${oneLine(entry.site)}`,
      );
    }
  }
  for (const e of header.exceptions) {
    const thread = header.threads.find((t) => t.tid === e.tid)?.name ?? `thread ${e.tid}`;
    out.push(
      paint(
        '31',
        `${nameText(thread)}: ${nameText(e.name)}: ${line(e.message)}${e.siteId ? ` (at ${oneLine(formatSite(header.sites, e.siteId))})` : ''}`,
      ),
    );
  }
  // The run's own deadlock is explained above; other lock-order cycles could deadlock another run.
  const inversions = lockOrderInversions(result.trace).filter((inversion) => !inversion.deadlockedInThisRun);
  if (inversions.length) {
    out.push('', paint('33;1', `Potential deadlocks (${inversions.length})`));
    for (const inversion of inversions.slice(0, MOST_FINDINGS)) out.push(`  ${line(inversion.explanation)}`);
    if (inversions.length > MOST_FINDINGS) out.push(`  … and ${inversions.length - MOST_FINDINGS} more (see --json)`);
  }
  if (options.recordShared !== false) {
    const races = findRaces(result.trace).races;
    if (races.length) {
      out.push('', paint('33;1', `Data races (${races.length})`));
      for (const race of races.slice(0, MOST_FINDINGS)) out.push(`  ${line(race.explanation)}`);
      if (races.length > MOST_FINDINGS) out.push(`  … and ${races.length - MOST_FINDINGS} more (see --json)`);
    }
  } else if (header.objects.some((o) => o.kind === 'Value' || o.kind === 'SharedArray')) {
    // Silence here would read as "no race": say that nobody looked.
    out.push(
      '',
      paint('33', 'not checked for data races on Value / SharedArray: run with --record-shared (controlled mode always checks)'),
    );
  }
  const locks = lockStats(result.trace).filter((s) => s.acquisitions > 0 || s.failed > 0);
  if (locks.length) {
    // Many locks: the ones waited on longest (then acquired most), in their usual order.
    let shown = locks;
    if (locks.length > MOST_LOCKS) {
      const kept = new Set(
        [...locks].sort((a, b) => b.waitMs - a.waitMs || b.contended - a.contended || b.acquisitions - a.acquisitions).slice(0, MOST_LOCKS),
      );
      shown = locks.filter((s) => kept.has(s));
    }
    out.push('', 'lock                 kind              acquired  contended   wait ms  max hold ms');
    for (const s of shown) {
      out.push(
        `${cut(nameText(s.name), 20).padEnd(20)} ${nameText(s.kind).padEnd(16)} ${String(s.acquisitions).padStart(9)}  ${String(s.contended).padStart(9)}  ${s.waitMs.toFixed(2).padStart(8)}  ${s.maxHoldMs.toFixed(2).padStart(11)}`,
      );
    }
    if (locks.length > shown.length) {
      out.push(
        `… and ${plural(locks.length - shown.length, 'more lock')} (shown: the ${MOST_LOCKS} waited on longest; --json has them all)`,
      );
    }
  }
  const gil = gilByThread(result.trace);
  if (gil) out.push('', gilLine(gil));
  out.push('', ...swimlane(result, options.width, paint), '');
  return `${out.join('\n')}\n`;
}

/** "GIL: 12 switches (9 forced); held: MainThread 2%, T1 49%, T2 49%" — shares of the time anyone held it. */
function gilLine(gil: NonNullable<ReturnType<typeof gilByThread>>): string {
  const total = gil.perThread.reduce((sum, thread) => sum + thread.holdNs, 0);
  const shares = gil.perThread.map((thread) => `${nameText(thread.name)} ${total > 0 ? Math.round((thread.holdNs / total) * 100) : 0}%`);
  return `GIL: ${gil.switches} switch${gil.switches === 1 ? '' : 'es'} (${gil.forcedSwitches} forced); held: ${shares.join(', ')}`;
}

/** The GIL row's character for a thread: its tid in base 36 (0 = MainThread). */
function gilGlyph(tid: number): string {
  return tid < 36 ? tid.toString(36) : '+';
}

/** One character per column: who held the GIL longest in it (blank: nobody). */
function gilRow(holds: GilHold[], start: number, perColumn: number, columns: number): string {
  const time = Array.from({ length: columns }, () => new Map<number, number>());
  for (const hold of holds) {
    const from = Math.max(0, hold.startNs - start);
    const to = hold.endNs - start;
    if (to <= 0) continue;
    const first = Math.floor(from / perColumn);
    const last = Math.min(columns - 1, Math.floor(Math.max(from, to - 1) / perColumn));
    for (let c = first; c <= last; c++) {
      const share = Math.max(Math.min(to, (c + 1) * perColumn) - Math.max(from, c * perColumn), 1);
      time[c].set(hold.tid, (time[c].get(hold.tid) ?? 0) + share);
    }
  }
  return time
    .map((byTid) => {
      let holder = -1;
      let best = 0;
      for (const [tid, t] of byTid) if (t > best) [holder, best] = [tid, t];
      return holder < 0 ? ' ' : gilGlyph(holder);
    })
    .join('');
}

function swimlane(result: RunResult, width: number, paint: (code: string, text: string) => string): string[] {
  const { header } = result.trace;
  const allLanes = lanes(result.trace);
  // The axis starts when the first thread runs: worker start-up before that is not the snippet's.
  let origin = Infinity;
  for (const lane of allLanes) for (const i of lane.intervals) if (i.state !== 'starting' && i.startNs < origin) origin = i.startNs;
  const start = Number.isFinite(origin) ? origin : 0;
  const end = traceEndNs(result.trace) - start;
  if (end <= 0 || header.threads.length === 0) return [];
  const nameWidth = Math.min(18, Math.max(...header.threads.map((t) => nameText(t.name).length)) + 1);
  const columns = Math.max(10, width - nameWidth - 2);
  const perColumn = end / columns;
  const colors: Record<string, string> = {
    running: '32',
    blocked: '31',
    waiting: '33',
    sleeping: '36',
    starting: '90',
    'gil-wait': '35',
    failed: '31;1',
  };
  const rows = allLanes.map((lane) => {
    const thread = header.threads.find((t) => t.tid === lane.tid)!;
    const time = new Map<number, Map<ThreadStateName, number>>();
    for (const shifted of lane.intervals) {
      if (shifted.endNs <= start) continue;
      const interval = { ...shifted, startNs: Math.max(0, shifted.startNs - start), endNs: shifted.endNs - start };
      const first = Math.floor(interval.startNs / perColumn);
      const last = Math.min(columns - 1, Math.floor(Math.max(interval.startNs, interval.endNs - 1) / perColumn));
      for (let c = first; c <= last; c++) {
        const from = Math.max(interval.startNs, c * perColumn);
        const to = Math.min(interval.endNs, (c + 1) * perColumn);
        const byState = time.get(c) ?? new Map<ThreadStateName, number>();
        byState.set(interval.state, (byState.get(interval.state) ?? 0) + Math.max(to - from, 1));
        time.set(c, byState);
      }
    }
    let row = '';
    for (let c = 0; c < columns; c++) {
      const byState = time.get(c);
      if (!byState) {
        row +=
          lane.failed && lane.endNs !== undefined && Math.floor((lane.endNs - start) / perColumn) === c
            ? paint(colors.failed, GLYPH.failed)
            : GLYPH.none;
        continue;
      }
      // A short block matters more than long running: show it if it took a fair share of the column.
      let chosen: ThreadStateName = 'running';
      let best = -1;
      for (const state of PRIORITY) {
        const t = byState.get(state) ?? 0;
        // Blocks are made visible even when short; a GIL wait shows where it is at least half the column.
        const weight = state === 'blocked' || state === 'waiting' ? t * 4 : t;
        if (weight > best) {
          best = weight;
          chosen = state;
        }
      }
      row += paint(colors[chosen], GLYPH[chosen]);
    }
    const label = `${nameText(thread.name)}${thread.daemon ? '*' : ''}`.slice(0, nameWidth).padEnd(nameWidth);
    return `${label}│${row}│`;
  });
  const scale = `${''.padEnd(nameWidth)}0${formatDurationNs(end).padStart(columns + 1)}`;
  const gil = gilByThread(result.trace);
  const gilWait = gil ? `  ${GLYPH['gil-wait']} waiting for the GIL` : '';
  const legend = `${GLYPH.running} running  ${GLYPH.blocked} blocked on a lock  ${GLYPH.waiting} waiting (condition, event, queue, join…)  ${GLYPH.sleeping} sleeping  ${GLYPH.starting} starting${gilWait}${header.threads.some((t) => t.daemon) ? '  * daemon' : ''}`;
  if (!gil) return [...rows, scale, legend];
  // GIL mode: who holds the GIL, above the lanes; the key says whose character is whose.
  const gilLabel = 'GIL'.padEnd(nameWidth);
  const key = `GIL row: ${header.threads.map((t) => `${gilGlyph(t.tid)} ${nameText(t.name)}`).join('  ')}  (blank: nobody holds it)`;
  return [`${gilLabel}│${gilRow(gil.holds, start, perColumn, columns)}│`, ...rows, scale, legend, key];
}

// ── A hunt ─────────────────────────────────────────────────────────────────────────────────

/**
 * What a hunt (--explore) came to, printed above the report of the run it ended with: what it
 * found, after how many schedules, and the command that replays it; or what it tried and did
 * not find. A DFS hunt says what it covered (coverageWords, the extension's words too), and when
 * that is not every schedule within the bound, that it is no proof.
 */
export function huntText(hunt: ExploreResult, file: string, budget: number): string {
  const found = hunt.found;
  const seconds = hunt.huntMs / 1000;
  const rateIn = (unit: string) =>
    seconds > 0 ? ` in ${seconds.toFixed(2)} s${hunt.explored > 1 ? ` (${(hunt.explored / seconds).toFixed(0)} ${unit}/s)` : ''}` : '';
  const rate = rateIn('schedules');
  if (found) {
    return (
      `\nfound ${findingWords(found.kind)} after ${plural(hunt.explored, 'schedule')}${rate}: ${scheduleWords(found)}\n` +
      `replay it: ${replayCommand(file, found)}\n`
    );
  }
  if (hunt.coverage) {
    const coverage = hunt.coverage;
    const proof = coverage.complete
      ? ''
      : ` This is not a proof${hunt.explored >= budget ? ': a larger --explore n may cover them all' : ''}.`;
    // The search runs the smaller bounds first (0, 1, 2 preemptions), so it makes more runs than the bound has schedules.
    // Why it is incomplete can quote an error of the snippet's: keep it on one line, escaped.
    return `\n${oneLine(coverageWords(coverage, hunt.explored))}${proof}\n${plural(hunt.explored, 'run')}${rateIn('runs')}${hunt.explored > coverage.schedules ? ', the smaller bounds first' : ''}\n`;
  }
  if (hunt.outcome === 'timeout' || hunt.outcome === 'error') {
    const why =
      hunt.outcome === 'timeout'
        ? 'did not finish within the timeout (a thread may spin without giving the others a turn)'
        : hunt.error?.kind === 'cancelled'
          ? 'was cancelled'
          : `stopped: ${oneLine(hunt.error?.message ?? 'error')}`;
    return `\nthe hunt stopped after ${plural(hunt.explored, 'schedule')}: seed ${hunt.schedule?.seed ?? '?'} ${why}\n`;
  }
  const last = hunt.schedule?.seed ?? 0;
  const seeds = hunt.explored === 1 ? `seed ${last}` : `seeds ${last - hunt.explored + 1}–${last}`;
  return (
    `\nexplored ${plural(hunt.explored, 'schedule')}${rate}: ${NOTHING_FOUND} (strategy ${hunt.schedule?.strategy ?? DEFAULTS.strategy}, ${seeds})\n` +
    '(a sample of the schedules, not a proof: --strategy dfs explores every schedule within a preemption bound)\n'
  );
}

/** The command line that plays a finding again: its seed (and strategy, depth), or for DFS its path. */
function replayCommand(file: string, found: Finding): string {
  const schedule =
    found.strategy === 'dfs'
      ? `--replay ${(found.pathText ?? pathText(found.path ?? [])) || 'default'} --strategy dfs`
      : `--replay ${found.seed}${found.strategy !== DEFAULTS.strategy ? ` --strategy ${found.strategy}` : ''}${found.depth !== undefined ? ` --depth ${found.depth}` : ''}`;
  return `threadlanes run ${shellWord(oneLine(file))} ${schedule}`;
}

/** A word a POSIX shell reads back as it is: single-quoted when it has anything but safe characters. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
