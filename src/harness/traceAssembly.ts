/**
 * The end of a run: the RunResult and its Trace (format in trace/format.ts), put together from
 * what the run collected once every worker has stopped, and the failed result of a snippet that
 * never ran (it did not bundle).
 *
 * Per thread, the drained chunks are joined into one stream, Output events' args are turned
 * from the thread's own output ordinals into indexes of header.output (-1: a line over the
 * cap), and inherited times are settled (timestamps.ts). Output and exceptions are put in time
 * order; an exception with a line but no site gets a new entry at the end of the site table.
 * Times: durationMs and header.endNs are on the run's clock; startedAt is wall-clock ISO time.
 */
import {
  ThreadState,
  EventKind,
  EVENT_BYTES,
  EVENT_WORDS,
  TRACE_FORMAT,
  TRACE_VERSION,
  WAIT_KIND_NAMES,
  type ExceptionInfo,
  type Outcome,
  type ThreadFinalState,
  type ThreadInfo,
  type Trace,
} from '../trace/format';
import { WORD_ARG, WORD_KIND_SEQ, kindOf } from '../trace/events';
import { H_S_CHOICES, H_S_STEP, T_STATE, threadBlockBase } from '../runtime/shared';
import { DEFAULT_SWITCH_INTERVAL_US } from '../runtime/gil';

import type { RunState, ThreadRecord } from './runState';
import { settleTimes } from './timestamps';
import type { DeadlockReport, RunOptions, RunResult, SnippetError } from './types';

/** The result of a run that has ended and whose workers have all stopped. */
export function runResult(
  state: RunState,
  outcome: Outcome,
  durationMs: number,
  wallMs: number,
  error: SnippetError | undefined,
  deadlock: DeadlockReport | undefined,
): Omit<RunResult, 'bundleMs' | 'startupMs'> {
  return {
    outcome,
    durationMs,
    wallMs,
    ...(state.schedule
      ? {
          schedule: { ...state.schedule, steps: Atomics.load(state.heap, H_S_STEP), choices: Atomics.load(state.heap, H_S_CHOICES) },
        }
      : {}),
    events: state.totalEvents,
    ...(deadlock ? { deadlock } : {}),
    ...(error ? { error } : {}),
    ...(state.truncated ? { truncated: state.truncated } : {}),
    ...(state.outputDropped ? { outputDropped: state.outputDropped } : {}),
    trace: buildTrace(state, outcome, durationMs, error, deadlock),
  };
}

/** A snippet that did not bundle: an error result with an empty trace, at once. */
export function failedBeforeRun(options: RunOptions, error: SnippetError, durationMs: number): Omit<RunResult, 'bundleMs' | 'startupMs'> {
  return {
    outcome: 'error',
    durationMs,
    wallMs: durationMs,
    events: 0,
    error,
    trace: {
      header: {
        format: TRACE_FORMAT,
        version: TRACE_VERSION,
        file: options.file,
        mode: options.mode ?? 'free',
        outcome: 'error',
        durationMs,
        startedAt: new Date().toISOString(),
        threads: [],
        objects: [],
        sites: [{ file: options.file, line: 0, col: 0 }],
        output: [],
        exceptions: [],
        eventCounts: [],
        error: { message: error.message, site: error.site, kind: error.kind },
      },
      events: [],
    },
  };
}

function buildTrace(state: RunState, outcome: Outcome, durationMs: number, error?: SnippetError, deadlock?: DeadlockReport): Trace {
  const records = [...state.threads.values()].sort((a, b) => a.tid - b.tid);
  const threads: ThreadInfo[] = records.map((r) => ({
    tid: r.tid,
    name: r.name,
    objectId: r.objectId,
    daemon: r.daemon,
    ...(r.pool ? { pool: r.pool } : {}),
    ...(r.target ? { target: r.target } : {}),
    finalState: finalState(state.heap, r),
  }));
  // Output from different threads arrives on different ports; order it by when it was written.
  const order = state.output.map((line, index) => ({ line, index })).sort((a, b) => a.line.timeNs - b.line.timeNs || a.index - b.index);
  const newIndex = new Map(order.map((entry, position) => [entry.index, position]));
  const output = order.map((entry) => entry.line);
  for (const r of records) r.outputOrdinals = r.outputOrdinals.map((i) => (i < 0 ? i : newIndex.get(i)!));
  const events: Uint8Array[] = [];
  const eventCounts: number[] = [];
  for (const r of records) {
    const joined = concat(r.chunks);
    rewriteOutputArgs(joined, r);
    events[r.tid] = joined;
    eventCounts[r.tid] = joined.byteLength / EVENT_BYTES;
  }
  settleTimes(events, new Set([...state.objects.values()].filter((o) => o.kind === 'Lock').map((o) => o.id)));
  const objects = [...state.objects.values()].sort((a, b) => a.id - b.id).map(({ base: _base, ...info }) => info);
  const exceptions = exceptionsWithSites(state);
  const mode = state.setup.mode;
  return {
    header: {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      file: state.options.file,
      mode,
      outcome,
      ...(mode === 'gil' ? { gil: { switchIntervalMs: DEFAULT_SWITCH_INTERVAL_US / 1000 } } : {}),
      waitsRecorded: true,
      durationMs,
      endNs: Math.round(durationMs * 1e6),
      startedAt: new Date(performance.timeOrigin + state.startedAt).toISOString(),
      threads,
      objects,
      sites: state.bundle.sites,
      output,
      exceptions,
      ...(state.truncated ? { truncated: state.truncated } : {}),
      ...(deadlock
        ? {
            deadlock: {
              kind: deadlock.kind,
              explanation: deadlock.explanation,
              detectedAtNs: deadlock.detectedAtNs,
              cycle: deadlock.cycle.map((e) => ({
                tid: e.tid,
                holds: e.holdsIds,
                waitsFor: e.waitsForId,
                waitKind: waitKindCode(e.waitsForKind),
                heldBy: e.heldByTids,
                siteId: e.siteId,
              })),
            },
          }
        : {}),
      ...(error ? { error: { message: error.message, site: error.site, kind: error.kind } } : {}),
      eventCounts,
    },
    events,
  };
}

/**
 * Output events carry the thread's own ordinal; the trace wants the index into header.output.
 * `bytes` is the harness's own aligned copy: its words are rewritten in place.
 */
function rewriteOutputArgs(bytes: Uint8Array, record: ThreadRecord): void {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  for (let w = 0; w < words.length; w += EVENT_WORDS) {
    if (kindOf(words[w + WORD_KIND_SEQ]) === EventKind.Output) words[w + WORD_ARG] = record.outputOrdinals[words[w + WORD_ARG]] ?? -1;
  }
}

/** The exceptions in time order, each with its site in the site table. */
function exceptionsWithSites(state: RunState): ExceptionInfo[] {
  const sites = state.bundle.sites;
  const ordered = [...state.exceptions].sort((a, b) => a.timeNs - b.timeNs || a.tid - b.tid);
  return ordered.map(({ line, col, ...info }) => {
    if (info.siteId || !line) return info;
    sites.push({ file: state.options.file, line, col: col ?? 1 });
    return { ...info, siteId: sites.length - 1 };
  });
}

function finalState(heap: Int32Array, record: ThreadRecord): ThreadFinalState {
  const state = Atomics.load(heap, threadBlockBase(record.tid) + T_STATE);
  switch (state) {
    case ThreadState.Finished:
      return 'finished';
    case ThreadState.Failed:
      return 'failed';
    case ThreadState.Blocked:
      return 'blocked';
    case ThreadState.Waiting:
      return 'waiting';
    case ThreadState.Sleeping:
      return 'sleeping';
    case ThreadState.Running:
    case ThreadState.Starting:
      return 'running';
    default:
      return 'not-started';
  }
}

/** A WaitKind's number from its name in WAIT_KIND_NAMES (0: unknown). */
function waitKindCode(name: string): number {
  const entry = Object.entries(WAIT_KIND_NAMES).find(([, n]) => n === name);
  return entry ? Number(entry[0]) : 0;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
