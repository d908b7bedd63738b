/**
 * What the extension keeps of a run: a small summary the child runner computes from the trace
 * (so the extension host never derives intervals from millions of events), and the pure
 * functions that turn it into Problems, decorations and hovers. No `vscode` here: the
 * extension maps these plain records onto its API, and test/extension/ tests them directly.
 */
import { ThreadState, EventKind, WAIT_KIND_NAMES, type Outcome, type Trace } from '../trace/format';

import { forEachEvent } from '../trace/events';
import { deriveIntervals, IntervalEnd } from '../trace/intervals';
import { lockOrderInversions } from '../analysis/lockOrder';
import { findRaces } from '../analysis/races';
import { formatDurationNs, plural } from '../shared/wording';

/** A place in a file; line and col are 1-based. */
export interface SourcePlace {
  file: string;
  line: number;
  col: number;
}

interface HolderAtEnd {
  thread: string;
  /** RLock depth or semaphore permits; 1 for a Lock. */
  count: number;
  /** Where it acquired the primitive. */
  site?: SourcePlace;
  sinceNs: number;
}

interface WaiterAtEnd {
  thread: string;
  /** What kind of wait (lock, condition, queue, …). */
  waitKind: string;
  /** The blocking call. */
  site?: SourcePlace;
  sinceNs: number;
}

/** A primitive and who owned and waited for it when the run ended (or deadlocked). */
export interface PrimitiveAtEnd {
  id: number;
  name: string;
  kind: string;
  /** Where it was constructed. */
  constructedAt?: SourcePlace;
  /** The variable or property the constructor's result was assigned to. */
  declaredAs?: string;
  holders: HolderAtEnd[];
  waiters: WaiterAtEnd[];
}

interface DeadlockedThread {
  thread: string;
  holds: string[];
  waitsFor: string;
  waitsForKind: string;
  heldBy: string[];
  site?: SourcePlace;
}

/** One way a thread took two locks: `to` at `acquireSite` while holding `from` (taken at `holdSite`). */
interface LockOrderStep {
  from: string;
  to: string;
  thread: string;
  holdSite?: SourcePlace;
  acquireSite?: SourcePlace;
}

/** A lock-order inversion this run did not deadlock on (src/analysis/lockOrder.ts). */
interface PotentialDeadlock {
  /** The cycle's locks; steps[i] goes from locks[i] to the next. */
  locks: string[];
  steps: LockOrderStep[];
  explanation: string;
}

/** A data race on a Value or a SharedArray element (src/analysis/races.ts). */
interface SharedRace {
  /** `counter`, or `slots[2]` for a SharedArray element. */
  location: string;
  accesses: { thread: string; access: 'read' | 'write'; site?: SourcePlace }[];
  /** How many racing pairs were seen between these two sites. */
  count: number;
  explanation: string;
}

interface SnippetProblem {
  kind: string;
  message: string;
  place?: SourcePlace;
}

export interface RunSummary {
  file: string;
  outcome: Outcome;
  durationMs: number;
  events: number;
  /** ns since the run's epoch at which the end state holds. */
  endNs: number;
  primitives: PrimitiveAtEnd[];
  deadlock?: { kind: 'cycle' | 'all-blocked'; explanation: string; threads: DeadlockedThread[] };
  /** Why the run failed (syntax, an exception in MainThread, a usage error, a limit). */
  error?: SnippetProblem;
  /** Exceptions that ended other threads. */
  threadExceptions: (SnippetProblem & { thread: string })[];
  truncated?: string;
  /** Lock-order inversions the run did not deadlock on (its own deadlock is `deadlock`). */
  potentialDeadlocks?: PotentialDeadlock[];
  /** Data races; absent when the run recorded no Value / SharedArray access (run without recordShared). */
  races?: SharedRace[];
  /**
   * Each API call site (`left.acquire()`: the site is at `acquire`) and the primitives its
   * events named during the run: what the receiver expression referred to, whatever its text.
   */
  callSites: CallSiteObjects[];
}

interface CallSiteObjects extends SourcePlace {
  /** Ids of the ownable primitives (PrimitiveAtEnd.id) the call used, in id order. */
  objectIds: number[];
}

/** Parses "file:line:col" or "file:line" (the file may itself contain colons). */
export function parseSite(site: string): SourcePlace | undefined {
  const match = /^(.*?):(\d+)(?::(\d+))?$/.exec(site);
  if (!match) return undefined;
  const line = Number(match[2]);
  if (!(line >= 1)) return undefined;
  return { file: match[1], line, col: match[3] ? Math.max(1, Number(match[3])) : 1 };
}

/** Most potential deadlocks and races kept (each is a Problem or two; the CLI's JSON has them all). */
const MOST_FINDINGS = 50;

/** The kinds the hover explains (threads and plain values have no owner). */
const OWNABLE = new Set([
  'Lock',
  'RLock',
  'Condition',
  'Semaphore',
  'BoundedSemaphore',
  'Event',
  'Barrier',
  'Queue',
  'LifoQueue',
  'PriorityQueue',
  'Future',
]);

export interface SummaryInput {
  trace: Trace;
  durationMs: number;
  events: number;
  error?: { message: string; site: string; kind: string; line?: number; col?: number };
}

export function summarize({ trace, durationMs, events, error }: SummaryInput): RunSummary {
  const { header } = trace;
  const placeOf = (siteId: number): SourcePlace | undefined => {
    const site = siteId > 0 ? header.sites[siteId] : undefined;
    return site && site.line >= 1 ? { file: site.file, line: site.line, col: Math.max(1, site.col) } : undefined;
  };
  const threadName = (tid: number) => header.threads.find((t) => t.tid === tid)?.name ?? `thread ${tid}`;
  const objectName = (id: number) => header.objects.find((o) => o.id === id)?.name ?? `#${id}`;

  const primitives = new Map<number, PrimitiveAtEnd>();
  for (const object of header.objects) {
    if (!OWNABLE.has(object.kind) || object.internal) continue;
    const site = header.sites[object.siteId];
    primitives.set(object.id, {
      id: object.id,
      name: object.name,
      kind: object.kind,
      constructedAt: placeOf(object.siteId),
      ...(site?.declaredAs ? { declaredAs: site.declaredAs } : {}),
      holders: [],
      waiters: [],
    });
  }

  let endNs = 0;
  try {
    const intervals = deriveIntervals(trace);
    endNs = intervals.endNs;
    for (const thread of intervals.threads) {
      if (!thread) continue;
      const name = threadName(thread.tid);
      const { holds, states } = thread;
      for (let i = 0; i < holds.count; i++) {
        if (!holds.heldAtEnd[i]) continue;
        const primitive = primitives.get(holds.objectId[i]);
        primitive?.holders.push({
          thread: name,
          count: Math.max(1, holds.depth[i]),
          site: placeOf(holds.siteId[i]),
          sinceNs: holds.startNs[i],
        });
      }
      const last = states.count - 1;
      if (
        last >= 0 &&
        states.ending[last] === IntervalEnd.OpenAtEnd &&
        (states.state[last] === ThreadState.Blocked || states.state[last] === ThreadState.Waiting)
      ) {
        const primitive = primitives.get(states.objectId[last]);
        primitive?.waiters.push({
          thread: name,
          waitKind: WAIT_KIND_NAMES[states.arg[last] & 0xff] ?? 'wait',
          site: placeOf(states.siteId[last]),
          sinceNs: states.startNs[last],
        });
      }
    }
  } catch {
    // A trace that breaks its invariants still gets Problems and the panel; only hovers lose owners.
  }

  // Which primitives each call site used (construction sites are the declarations' business).
  const constructionSites = new Set(header.objects.map((o) => o.siteId));
  const usedAt = new Map<number, Set<number>>();
  let sharedAccesses = 0;
  for (const bytes of trace.events) {
    if (!bytes) continue;
    forEachEvent(bytes, (_timeNs, kind, objectId, siteId) => {
      if (kind === EventKind.SharedRead || kind === EventKind.SharedWrite) sharedAccesses++;
      if (siteId <= 0 || constructionSites.has(siteId) || !primitives.has(objectId)) return;
      let ids = usedAt.get(siteId);
      if (!ids) usedAt.set(siteId, (ids = new Set()));
      ids.add(objectId);
    });
  }
  const callSites: CallSiteObjects[] = [];
  for (const [siteId, ids] of usedAt) {
    const where = placeOf(siteId);
    if (where) callSites.push({ ...where, objectIds: [...ids].sort((a, b) => a - b) });
  }

  const summary: RunSummary = {
    file: header.file,
    outcome: header.outcome,
    durationMs,
    events,
    endNs,
    primitives: [...primitives.values()],
    callSites,
    threadExceptions: header.exceptions
      .filter((exception) => exception.tid !== 0)
      .map((exception) => ({
        thread: threadName(exception.tid),
        kind: 'exception',
        message: `${exception.name}: ${exception.message}`,
        place: placeOf(exception.siteId),
      })),
    ...(header.truncated ? { truncated: header.truncated } : {}),
  };
  if (header.deadlock) {
    summary.deadlock = {
      kind: header.deadlock.kind,
      explanation: header.deadlock.explanation,
      threads: header.deadlock.cycle.map((entry) => ({
        thread: threadName(entry.tid),
        holds: entry.holds.map(objectName),
        waitsFor: objectName(entry.waitsFor),
        waitsForKind: WAIT_KIND_NAMES[entry.waitKind & 0xff] ?? 'wait',
        heldBy: entry.heldBy.map(threadName),
        site: placeOf(entry.siteId),
      })),
    };
  }
  try {
    const inversions = lockOrderInversions(trace).filter((inversion) => !inversion.deadlockedInThisRun);
    if (inversions.length) {
      summary.potentialDeadlocks = inversions.slice(0, MOST_FINDINGS).map((inversion) => ({
        locks: inversion.locks,
        steps: inversion.edges.map((edge) => ({
          from: edge.from,
          to: edge.to,
          thread: edge.thread,
          holdSite: placeOf(edge.holdSiteId),
          acquireSite: placeOf(edge.acquireSiteId),
        })),
        explanation: inversion.explanation,
      }));
    }
    // Without recorded accesses there is nothing to check (and the check would still read every event).
    if (sharedAccesses > 0) {
      const arrays = new Set(header.objects.filter((o) => o.kind === 'SharedArray').map((o) => o.id));
      summary.races = findRaces(trace)
        .races.slice(0, MOST_FINDINGS)
        .map((race) => ({
          location: arrays.has(race.objectId) ? `${race.object}[${race.index}]` : race.object,
          accesses: race.accesses.map((a) => ({ thread: a.thread, access: a.access, site: placeOf(a.siteId) })),
          count: race.count,
          explanation: race.explanation,
        }));
    }
  } catch {
    // A trace that breaks its invariants still gets its Problems; only the findings are lost.
  }
  const failure: SummaryInput['error'] = error ?? header.error;
  if (failure) {
    const place = failure.line ? { file: header.file, line: failure.line, col: failure.col ?? 1 } : parseSite(failure.site);
    summary.error = { kind: failure.kind, message: failure.message, ...(place ? { place } : {}) };
  }
  return summary;
}

// ---------------------------------------------------------------------------------------
// Problems and decorations

type ProblemSeverity = 'error' | 'warning';

export interface ProblemEntry {
  file: string;
  line: number;
  col: number;
  severity: ProblemSeverity;
  message: string;
  code: string;
  /** Other places the message speaks of (the other half of a potential deadlock or a race). */
  related?: (SourcePlace & { message: string })[];
}

const ERROR_WORDS: Record<string, string> = {
  syntax: 'The snippet does not compile',
  exception: 'MainThread raised an exception',
  usage: 'Threadlanes cannot run this',
  limit: 'The run hit a limit',
  livelock: 'Livelock',
  internal: 'Threadlanes failed',
};

/**
 * One Problems entry per snippet error (a livelock too: at the line the thread spins on), per
 * blocked thread of a deadlock, per thread that died.
 */
export function problemsOf(summary: RunSummary): ProblemEntry[] {
  const problems: ProblemEntry[] = [];
  const { error } = summary;
  if (error && error.kind !== 'cancelled') {
    const place = error.place ?? { file: summary.file, line: 1, col: 1 };
    // The harness's livelock message starts "livelock: …": say it once.
    const message = error.kind === 'livelock' ? error.message.replace(/^livelock:\s*/i, '') : error.message;
    problems.push({ ...place, severity: 'error', code: error.kind, message: `${ERROR_WORDS[error.kind] ?? 'Error'}: ${message}` });
  }
  for (const entry of summary.deadlock?.threads ?? []) {
    if (!entry.site) continue;
    problems.push({ ...entry.site, severity: 'error', code: 'deadlock', message: deadlockLine(entry) });
  }
  for (const exception of summary.threadExceptions) {
    if (!exception.place) continue;
    problems.push({
      ...exception.place,
      severity: 'warning',
      code: 'thread-exception',
      message: `${exception.thread} ended with ${exception.message}`,
    });
  }
  for (const inversion of summary.potentialDeadlocks ?? []) problems.push(...potentialDeadlockProblems(inversion));
  for (const race of summary.races ?? []) problems.push(...raceProblems(race));
  return problems;
}

/** "bank-transfer.ts:24": a place in a message (the Problems panel shows the file of the problem itself). */
function placeWords(place: SourcePlace | undefined): string {
  return place ? `${place.file.split(/[\\/]/).pop()}:${place.line}` : 'an unknown line';
}

/**
 * One warning at each step's acquire site: "Potential deadlock: bob is taken here while holding
 * alice (pay-bob), and alice while holding bob at bank-transfer.ts:24 (pay-alice). …".
 */
function potentialDeadlockProblems(inversion: PotentialDeadlock): ProblemEntry[] {
  const problems: ProblemEntry[] = [];
  inversion.steps.forEach((step, i) => {
    if (!step.acquireSite) return;
    const others = inversion.steps.filter((_, j) => j !== i);
    const rest = others.map((other) => `${other.to} while holding ${other.from} at ${placeWords(other.acquireSite)} (${other.thread})`);
    const held = step.holdSite ? `, taken at ${placeWords(step.holdSite)}` : '';
    problems.push({
      ...step.acquireSite,
      severity: 'warning',
      code: 'potential-deadlock',
      message:
        `Potential deadlock: ${step.to} is taken here while holding ${step.from}${held} (${step.thread}), and ${rest.join(', and ')}. ` +
        'This run did not deadlock, another may: take the locks in one order everywhere.',
      related: [
        ...(step.holdSite ? [{ ...step.holdSite, message: `${step.thread} takes ${step.from} here` }] : []),
        ...others
          .filter((other) => other.acquireSite)
          .map((other) => ({ ...other.acquireSite!, message: `${other.thread} takes ${other.to} here while holding ${other.from}` })),
      ],
    });
  });
  return problems;
}

const samePlace = (a: SourcePlace, b: SourcePlace) => a.line === b.line && a.col === b.col && samePath(a.file, b.file);

/** A warning at each access of a race (one when both are at the same place). */
function raceProblems(race: SharedRace): ProblemEntry[] {
  const [first, second] = race.accesses;
  if (!first || !second) return [];
  const verb = (access: 'read' | 'write') => (access === 'write' ? 'writes' : 'reads');
  const times = race.count > 1 ? ` (${plural(race.count, 'time')})` : '';
  const advice = 'Guard both with the same Lock.';
  if (first.site && second.site && samePlace(first.site, second.site)) {
    return [
      {
        ...first.site,
        severity: 'warning',
        code: 'data-race',
        message: `Data race on ${race.location}: ${first.thread} ${verb(first.access)} and ${second.thread} ${verb(second.access)} it here with nothing ordering them${times}. ${advice}`,
      },
    ];
  }
  const problems: ProblemEntry[] = [];
  for (const [access, other] of [
    [first, second],
    [second, first],
  ] as const) {
    if (!access.site) continue;
    problems.push({
      ...access.site,
      severity: 'warning',
      code: 'data-race',
      message: `Data race on ${race.location}: ${access.thread} ${verb(access.access)} it here, and ${other.thread} ${verb(other.access)} it at ${placeWords(other.site)} with nothing ordering them${times}. ${advice}`,
      ...(other.site ? { related: [{ ...other.site, message: `${other.thread} ${verb(other.access)} ${race.location} here` }] } : {}),
    });
  }
  return problems;
}

/** "Kant waits here for fork 3, held by Descartes (deadlock)". */
function deadlockLine(entry: DeadlockedThread): string {
  const heldBy = entry.heldBy.length ? `, held by ${entry.heldBy.join(', ')}` : '';
  const holds = entry.holds.length ? ` while holding ${entry.holds.join(', ')}` : '';
  return `Deadlock: ${entry.thread} waits here for ${entry.waitsFor}${heldBy}${holds}.`;
}

/** The text decorations show after the blocking lines (one per line; several threads share a line). */
export function blockingLineNotes(summary: RunSummary): { file: string; line: number; text: string }[] {
  const byLine = new Map<string, { file: string; line: number; parts: string[] }>();
  for (const entry of summary.deadlock?.threads ?? []) {
    if (!entry.site) continue;
    const key = `${entry.site.file}\n${entry.site.line}`;
    const note = byLine.get(key) ?? { file: entry.site.file, line: entry.site.line, parts: [] };
    note.parts.push(`${entry.thread} waits here for ${entry.waitsFor}${entry.heldBy.length ? `, held by ${entry.heldBy.join(', ')}` : ''}`);
    byLine.set(key, note);
  }
  return [...byLine.values()].map(({ file, line, parts }) => ({ file, line, text: parts.join(' · ') }));
}

// ---------------------------------------------------------------------------------------
// Hovers

/**
 * The primitives an identifier names, found through its declaration: the construction site
 * the trace records lies in the declaration's initializer, on the declaration's line after the
 * declared name (`const fork1 = new Lock("fork 1")`, `lock = new Lock()` in a class). A name
 * that merely reads the same elsewhere is never matched: only the position counts.
 */
export function primitivesDeclaredAt(summary: RunSummary, file: string, declaration: { line: number; col: number }): PrimitiveAtEnd[] {
  const onLine = summary.primitives.filter(
    (p) =>
      p.constructedAt &&
      samePath(p.constructedAt.file, file) &&
      p.constructedAt.line === declaration.line &&
      p.constructedAt.col > declaration.col,
  );
  if (onLine.length === 0) return [];
  // Several constructions on one line (`const a = new Lock(), b = new Lock()`): the nearest after the name.
  const nearestCol = Math.min(...onLine.map((p) => p.constructedAt!.col));
  return onLine.filter((p) => p.constructedAt!.col === nearestCol);
}

/**
 * The primitives an identifier referred to at a call, from the run: `left` in `left.acquire()`,
 * `forks` in `forks[i].acquire()` (the elements it used), `lock` in `this.lock.release()`. The
 * call's site (at the method name) must follow the identifier on its line with only index
 * accesses and a dot between; the events at that site name the objects the call used.
 * `lineText` is the line's text; `wordEnd` is the 0-based column just after the identifier.
 */
export function primitivesUsedAt(summary: RunSummary, file: string, line: number, lineText: string, wordEnd: number): PrimitiveAtEnd[] {
  const ids = new Set<number>();
  for (const site of summary.callSites ?? []) {
    if (site.line !== line || !samePath(site.file, file) || site.col - 1 <= wordEnd) continue;
    const between = lineText.slice(wordEnd, site.col - 1);
    if (!/^(\s*\[[^[\]]*\])*\s*\??\.\s*$/.test(between)) continue;
    for (const id of site.objectIds) ids.add(id);
  }
  return summary.primitives.filter((p) => ids.has(p.id));
}

/**
 * `const forks = [fork1, fork2, fork3];` — the 0-based columns of the identifiers an array
 * literal initializer lists on the declaration's line (each one resolved through its own
 * declaration by the caller). Empty when the line declares something else.
 */
export function arrayElementColumns(lineText: string, nameCol: number): number[] {
  const match = /^[A-Za-z_$][\w$]*\s*(?::[^=]*)?=\s*\[/.exec(lineText.slice(nameCol));
  if (!match) return [];
  const start = nameCol + match[0].length;
  const end = lineText.indexOf(']', start);
  const body = lineText.slice(start, end < 0 ? undefined : end);
  const columns: number[] = [];
  for (const element of body.matchAll(/(^|,)\s*([A-Za-z_$][\w$]*)\s*(?=,|$)/g)) {
    columns.push(start + element.index + element[0].length - element[2].length);
  }
  return columns;
}

export function samePath(a: string, b: string): boolean {
  const normalise = (p: string) => p.replace(/\\/g, '/').replace(/^([a-z]):/i, (_, d: string) => `${d.toLowerCase()}:`);
  return normalise(a) === normalise(b);
}

const place = (p?: SourcePlace) => (p ? `line ${p.line}` : 'an unknown line');
const elapsedSince = (summary: RunSummary, sinceNs: number) => formatDurationNs(summary.endNs - sinceNs);

/** Markdown lines for one primitive at the end of the run (the hover's body). */
export function describeAtEnd(summary: RunSummary, primitive: PrimitiveAtEnd): string[] {
  const when = summary.outcome === 'deadlock' ? 'at the deadlock' : 'when the run ended';
  const lines = [
    `**${primitive.kind} "${primitive.name}"** ${when} (${summary.outcome}, ${formatDurationNs(summary.durationMs * 1e6)}):`,
    '',
  ];
  if (primitive.holders.length === 0) lines.push('- owner: nobody');
  for (const holder of primitive.holders) {
    const count = holder.count > 1 ? ` (${primitive.kind === 'RLock' ? 'depth' : 'permits'} ${holder.count})` : '';
    lines.push(
      `- owner: **${holder.thread}**${count}, acquired at ${place(holder.site)}, held for ${elapsedSince(summary, holder.sinceNs)}`,
    );
  }
  if (primitive.waiters.length === 0) lines.push('- waiting: nobody');
  for (const waiter of primitive.waiters) {
    lines.push(
      `- waiting: **${waiter.thread}** (${waiter.waitKind}) at ${place(waiter.site)}, for ${elapsedSince(summary, waiter.sinceNs)}`,
    );
  }
  return lines;
}
