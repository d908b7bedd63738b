/**
 * How a run failed, and the stretch of time the panel opens on so that the failure is in view
 * (a schedule a hunt found is replayed and shown at its failure). Pure.
 *
 * Which failure: the one a hunt names (harness/explore.ts findingOf): the deadlock, else the
 * livelock, else the first uncaught exception or failed assert in any thread (a thread's
 * exception does not end the run, as in Python, but it is a bug, and a hunt stops at it).
 *
 * The stretch tells the failure with what led to it:
 *   deadlock   from the first of the cycle's blocking acquires to the moment the deadlock was
 *              found; and from the acquire of a lock its threads hold, if that came shortly
 *              before (within twice that stretch);
 *   exception  from what the thread did just before (its state before the one it threw in) to
 *              the moment it failed; the throw (the trace's exception time) is in between;
 *   livelock   from the last change of any thread's state (after it nothing happened but the
 *              spin) to the end of the run, when the spin was reported.
 * failureRange turns the stretch into the visible range: the stretch and some room around it,
 * or nothing (the whole run) when that would show most of the run anyway.
 */
import type { TimelineModel, TimelineQueries } from '../../analysis/model';
import { findingWords, formatDurationNs } from '../../shared/wording';
import { ThreadState, WaitKind, type ExceptionInfo } from '../../trace/format';
import { deadlockHighlight, explainDeadlock } from './deadlock';
import { fitRange } from './timeScale';

type Model = TimelineModel & TimelineQueries;

export interface Failure {
  /** As a hunt names what it found (harness/explore.ts FindingKind). */
  kind: 'deadlock' | 'livelock' | 'exception' | 'assert';
  /** The instant it happened: the deadlock was found, the exception thrown, the spin reported. */
  atNs: number;
  /** The stretch the view opens on (see above); fromNs <= atNs <= toNs. */
  fromNs: number;
  toNs: number;
  /** The threads it involves, by lane index; the first is the one to select. */
  laneIndices: number[];
  /** The primitives it involves (a deadlock's locks): they stand out in the lanes. */
  objectIds: number[];
  /** Deadlock: the entry of the thread that blocked last (it closed the cycle), picked in the inspector. */
  entryIndex?: number;
  /** The throw, the line the livelock spins on, the last blocking call (0: unknown). */
  siteId: number;
  /** In words: "AssertionError: consumer-2 woke up to an empty buffer", the livelock's or the deadlock's sentence. */
  title: string;
  /** An exception's stack (the user's frames), when there is one. */
  stack?: string;
}

/**
 * The failure of a run, or undefined when it did not fail (a timeout, a limit, an error outside
 * the snippet's threads is said by the summary, not focused on). `exceptions` are the trace
 * header's (their time is the throw's); without them the model's exception markers are used.
 */
export function failureOf(model: Model, exceptions: readonly ExceptionInfo[] = []): Failure | undefined {
  if (model.deadlock) return deadlockFailure(model);
  if (model.outcome === 'livelock') return livelockFailure(model);
  return exceptionFailure(model, exceptions);
}

/** Said when the view is put on the failure: "Showing a deadlock at 619 ms: Plato, Kant, Hume". */
export function failureWords(model: TimelineModel, failure: Failure): string {
  const names = failure.laneIndices.map((i) => model.threads[i]?.name).filter((name) => name !== undefined);
  const shown = names.length > 4 ? [...names.slice(0, 4), `${names.length - 4} more`] : names;
  return `Showing ${findingWords(failure.kind)} at ${formatDurationNs(failure.atNs - model.startNs)}${shown.length ? `: ${shown.join(', ')}` : ''}`;
}

/**
 * Narrowest view opened on a failure: about 20 steps of controlled mode's virtual clock (1 µs
 * a step), so a failure that took a step or two still shows the steps that led to it.
 */
const MIN_SPAN_NS = 20_000;
/** How far before a deadlock's blocking acquires a held lock's acquire still belongs to it, in lengths of the blocking stretch. */
const HOLD_CONTEXT = 2;
/** The view spans the stretch and this share of it more, most of it before (what led to the failure). */
const ROOM = 0.6;
const ROOM_BEFORE = 0.7;
/** A range that would span more than this share of the whole run's: show the whole run. */
const MOST_OF_THE_RUN = 0.8;

/** The range to open on: the failure's stretch and some room, kept within the run; undefined: the whole run. */
export function failureRange(failure: Failure, runStartNs: number, runEndNs: number): { startNs: number; endNs: number } | undefined {
  const fit = fitRange(runStartNs, Math.max(runEndNs, runStartNs + 1));
  const fitSpanNs = fit.endNs - fit.startNs;
  const stretchNs = Math.max(0, failure.toNs - failure.fromNs);
  const spanNs = Math.max(stretchNs * (1 + ROOM), MIN_SPAN_NS);
  if (!Number.isFinite(spanNs) || spanNs >= fitSpanNs * MOST_OF_THE_RUN) return undefined;
  let startNs = failure.fromNs - (spanNs - stretchNs) * ROOM_BEFORE;
  let endNs = startNs + spanNs;
  if (endNs > fit.endNs) {
    startNs -= endNs - fit.endNs;
    endNs = fit.endNs;
  }
  if (startNs < fit.startNs) {
    endNs += fit.startNs - startNs;
    startNs = fit.startNs;
  }
  return { startNs, endNs };
}

function deadlockFailure(model: Model): Failure {
  const deadlock = model.deadlock!;
  const highlight = deadlockHighlight(model, deadlock);
  const intervalOf = new Map(highlight.segments.map((s) => [s.laneIndex, s.interval]));
  const blocks = deadlock.entries.map((entry, entryIndex) => {
    const laneIndex = model.threads.findIndex((t) => t.tid === entry.tid);
    const interval = intervalOf.get(laneIndex);
    const startNs = laneIndex >= 0 && interval !== undefined ? model.threads[laneIndex].states.startNs[interval] : deadlock.detectedAtNs;
    return { entryIndex, laneIndex, startNs, join: entry.waitKind === WaitKind.Join };
  });
  // A join waits as a consequence (MainThread joining a deadlocked thread): the acquires tell the story, when there are any.
  const acquires = blocks.some((b) => !b.join) ? blocks.filter((b) => !b.join) : blocks;
  const blockedFromNs = acquires.reduce((earliest, b) => Math.min(earliest, b.startNs), deadlock.detectedAtNs);
  // The acquires of the locks they hold, when those came shortly before (a lock held since long ago shows as a bar into the view).
  const earliestHoldNs = blockedFromNs - (deadlock.detectedAtNs - blockedFromNs) * HOLD_CONTEXT;
  let fromNs = blockedFromNs;
  for (const { laneIndex, hold } of highlight.holds) {
    const startNs = model.holds[laneIndex].startNs[hold];
    if (startNs >= earliestHoldNs) fromNs = Math.min(fromNs, startNs);
  }
  // The thread that blocked last closed the cycle.
  const last = acquires.reduce<(typeof acquires)[number] | undefined>(
    (latest, b) => (!latest || b.startNs > latest.startNs ? b : latest),
    undefined,
  );
  const lanes = blocks.map((b) => b.laneIndex).filter((i) => i >= 0);
  if (last && last.laneIndex >= 0) lanes.unshift(last.laneIndex);
  const objectIds = new Set<number>();
  for (const entry of deadlock.entries) {
    objectIds.add(entry.waitsFor);
    for (const id of entry.holds) objectIds.add(id);
  }
  return {
    kind: 'deadlock',
    atNs: deadlock.detectedAtNs,
    fromNs: Math.max(model.startNs, fromNs),
    toNs: deadlock.detectedAtNs,
    laneIndices: [...new Set(lanes)],
    objectIds: [...objectIds].filter((id) => model.primitives.some((p) => p.id === id)),
    ...(last ? { entryIndex: last.entryIndex } : {}),
    siteId: last ? deadlock.entries[last.entryIndex].siteId : 0,
    title: explainDeadlock(model, deadlock),
  };
}

function livelockFailure(model: Model): Failure {
  const message = model.error?.message ?? 'livelock';
  // The harness says "livelock: <thread> spun 10,000 steps at <file:line> …": the longest thread name that fits.
  let named = -1;
  model.threads.forEach((thread, i) => {
    if (message.startsWith(`livelock: ${thread.name} spun `) && (named < 0 || thread.name.length > model.threads[named].name.length))
      named = i;
  });
  // The threads still running at the end spin too; the last change of any lane is where the spin began.
  const spinning: number[] = [];
  let quietSinceNs = model.startNs;
  model.threads.forEach((thread, i) => {
    const states = thread.states;
    if (states.count === 0) return;
    const last = states.count - 1;
    if (states.startNs[last] <= model.endNs) quietSinceNs = Math.max(quietSinceNs, states.startNs[last]);
    if (states.state[last] === ThreadState.Running) spinning.push(i);
  });
  const lanes = named >= 0 ? [named, ...spinning.filter((i) => i !== named)] : spinning;
  return {
    kind: 'livelock',
    atNs: model.endNs,
    fromNs: quietSinceNs,
    toNs: model.endNs,
    laneIndices: lanes,
    objectIds: [],
    siteId: siteIdOf(model, model.error?.site ?? ''),
    title: message.replace(/^livelock:\s*/i, ''),
  };
}

/** The id of a site given as "file:line" or "file:line:col" (0: none matches). */
function siteIdOf(model: Model, where: string): number {
  if (!where) return 0;
  const index = model.sites.findIndex(
    (site, id) => id !== 0 && site && (`${site.file}:${site.line}` === where || `${site.file}:${site.line}:${site.col}` === where),
  );
  return Math.max(0, index);
}

interface Raised {
  tid: number;
  thrownNs: number;
  failedNs: number;
  name: string;
  title: string;
  stack: string;
  siteId: number;
}

function exceptionFailure(model: Model, exceptions: readonly ExceptionInfo[]): Failure | undefined {
  const markers = model.markers.filter((m) => m.kind === 'exception');
  const raised: Raised[] = exceptions.length
    ? exceptions.map((exception) => {
        // A thread raises once; its marker is at the time the thread failed.
        const marker = markers.find((m) => m.tid === exception.tid);
        return {
          tid: exception.tid,
          thrownNs: exception.timeNs,
          failedNs: marker?.timeNs ?? exception.timeNs,
          name: exception.name,
          title: `${exception.name}: ${exception.message.trim()}`,
          stack: exception.stack,
          siteId: exception.siteId || marker?.siteId || 0,
        };
      })
    : markers.map((marker) => {
        const [title = '', ...stack] = marker.text.split('\n');
        return {
          tid: marker.tid,
          thrownNs: marker.timeNs,
          failedNs: marker.timeNs,
          name: title.split(':')[0],
          title,
          stack: stack.join('\n'),
          siteId: marker.siteId,
        };
      });
  const within = (timeNs: number) => Math.min(model.endNs, Math.max(model.startNs, timeNs));
  const laned = raised
    .map((r) => ({
      ...r,
      laneIndex: model.threads.findIndex((t) => t.tid === r.tid),
      thrownNs: within(r.thrownNs),
      failedNs: within(r.failedNs),
    }))
    .filter((r) => r.laneIndex >= 0)
    .sort((a, b) => a.thrownNs - b.thrownNs);
  const first = laned[0];
  if (!first) return undefined;
  const states = model.threads[first.laneIndex].states;
  let fromNs = Math.min(first.thrownNs, first.failedNs);
  const interval = model.stateAt(first.laneIndex, first.thrownNs);
  if (interval >= 0) {
    // What the thread was doing when it threw, and what it did just before (the wait it woke from).
    const before = interval - 1;
    fromNs = Math.min(
      fromNs,
      before >= 0 && states.state[before] !== ThreadState.NotStarted ? states.startNs[before] : states.startNs[interval],
    );
  }
  return {
    kind: first.name === 'AssertionError' ? 'assert' : 'exception',
    atNs: first.thrownNs,
    fromNs: Math.max(model.startNs, fromNs),
    toNs: Math.max(first.thrownNs, first.failedNs),
    laneIndices: [...new Set(laned.map((r) => r.laneIndex))],
    objectIds: [],
    siteId: first.siteId,
    title: first.title,
    ...(first.stack.trim() ? { stack: first.stack.trim() } : {}),
  };
}
