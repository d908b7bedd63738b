/**
 * The host ↔ panel protocol: one typed module both sides import (after
 * vscode-hexeditor's shared/protocol.ts). Messages are discriminated unions keyed on `type`.
 * The host is the VS Code extension (src/extension/) or, in the standalone HTML report, a
 * small in-page stand-in. Pure: no DOM, no vscode.
 *
 * Requests carry a `requestId`; the answer names the same id (`MessageHandler.request`).
 */
import { STRATEGIES, type Strategy } from '../trace/format';

/** The view the user has (zoom, scroll, selection): the host may persist it (vscode.setState). */
export interface ViewState {
  version: 1;
  /** The visible time range, ns since the run's epoch. */
  startNs: number;
  endNs: number;
  /** Vertical scroll of the lanes. */
  scrollTopCssPx: number;
  /** A primitive picked in the locks list or the deadlock graph (its holds stay highlighted). */
  selectedObjectId?: number;
  /** A deadlock site picked in the inspector (index into the deadlock's entries). */
  selectedSiteIndex?: number;
  /** Lanes shown: name substring and a state filter (see LANE_FILTERS in view/lanes). */
  filterText: string;
  laneFilter: string;
  showHandoffs: boolean;
  lockSort: { key: string; descending: boolean };
}

/** A source file's text, so the standalone report can show a site without an editor. */
export interface SourceText {
  file: string;
  text: string;
}

// ---------------------------------------------------------------------------------------
// The standalone report: the CLI (src/export/html.ts) inlines the trace; src/webview/standalone.ts reads it.

/** Described by <script type="application/json" id="threadlanes-meta">. */
export interface EmbeddedMeta {
  /** How the (packed) trace was compressed. */
  encoding: 'gzip' | 'none';
  /** How the trace was packed (src/trace/packing.ts), or null: the bytes are the .tltrace itself. */
  packing: { timeDelta: boolean; constantPlanes: number[] } | null;
  /** Size of the .tltrace. */
  traceBytes: number;
  /** Size after decompression (the packed trace). */
  bytes: number;
  /** Size of the compressed bytes (before base64). */
  encodedBytes: number;
  parts: number;
  sources: SourceText[];
}

export const META_ID = 'threadlanes-meta';
export const TRACE_PART_CLASS = 'threadlanes-trace';

// ---------------------------------------------------------------------------------------
// Host → panel

/** What the host knows of a run beyond its trace. */
export interface RunAbout {
  /** Controlled mode: the schedule that ran; the same strategy, seed and depth (for DFS, path) replay it. */
  schedule?: { strategy: Strategy; seed: number; depth?: number; steps?: number; path?: [number, number][] };
  /** A sentence the host has to say about the run (what a hunt for a deadlock found). */
  note?: string;
  /** A DFS hunt that found nothing: how much of the schedule space it explored (the panel's coverage badge). */
  coverage?: HuntCoverage;
}

/** What a DFS hunt covered (harness/dfs.ts DfsCoverage, as the panel needs it). */
export interface HuntCoverage {
  /** Every schedule within the bound was explored: the snippet cannot fail within it. */
  complete: boolean;
  /** Schedules explored (complete) or run before the search stopped (incomplete). */
  schedules: number;
  /** Most preemptions per schedule; null: no bound. */
  preemptionBound: number | null;
  /** Schedules made fair after spinning (their later choices were not explored). */
  madeFair?: number;
  /** Why the search is not complete, in words. */
  incomplete?: string;
}

/** One run of the compare view: a heading ("free mode") and the trace, as `load` has it. */
export interface CompareRun {
  label: string;
  trace: Uint8Array;
  about?: RunAbout;
}

/** How many runs the compare view shows, one above the other. */
const COMPARE_RUNS = 2;

export type ToPanel =
  /** Show this run: the trace in the binary `.tltrace` form (src/trace/file.ts). Answered by `loaded`. */
  | { type: 'load'; requestId: number; trace: Uint8Array; sources?: SourceText[]; about?: RunAbout }
  /** Show two runs of one snippet one above the other on one time scale (free, then GIL mode). Answered by `loaded`. */
  | { type: 'compare'; requestId: number; runs: CompareRun[]; sources?: SourceText[] }
  /** A run is under way (the panel shows progress until the next `load`). */
  | { type: 'progress'; phase: 'bundling' | 'running' | 'stopping'; elapsedMs: number; threads: number; events: number }
  /** A hunt for a deadlock is under way: schedules run so far, of at most `schedules`. */
  | { type: 'exploring'; explored: number; schedules: number }
  /** Highlight a primitive's holds, by name (hovering a lock in the editor). Empty name: none. */
  | { type: 'highlight'; primitiveName: string }
  /** Restore a view the host kept (when the webview cannot keep it itself). */
  | { type: 'restoreView'; state: ViewState };

// ---------------------------------------------------------------------------------------
// Panel → host

export type FromPanel =
  /** The panel has started and can take messages. */
  | { type: 'ready' }
  /** The answer to `load`: ok, or why the trace could not be shown. */
  | { type: 'loaded'; requestId: number; ok: boolean; message?: string; threads?: number; events?: number }
  /** Open the editor at a site (a deadlock's blocking call, an acquire site). 1-based. */
  | { type: 'reveal'; file: string; line: number; col: number }
  /** The view changed (debounced); the host may keep it. */
  | { type: 'viewState'; state: ViewState }
  /** Something the host should log (unknown messages, load errors). */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** Save the shown run as a file (VS Code only): Chrome Trace Event JSON (Perfetto) or the standalone HTML report. */
  | { type: 'export'; format: ExportFormat }
  /** Run the snippet again (VS Code only); after a hunt found a schedule, that schedule. */
  | { type: 'rerun' }
  /** Hunt for a deadlocking schedule in controlled mode (VS Code only; the Find deadlock command). */
  | { type: 'findDeadlock' };

export type ExportFormat = 'chrome' | 'html';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['chrome', 'html'];

export type MessageOf<Union extends { type: string }, Type extends Union['type']> = Extract<Union, { type: Type }>;

// ---------------------------------------------------------------------------------------
// Validation: messages cross a trust boundary; check every field before use.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const integer = (value: unknown): value is number => Number.isSafeInteger(value);
const count = (value: unknown): value is number => integer(value) && value >= 0;

/** Most choices a DFS path the panel is told of may have. */
const MAX_PATH = 100_000;

function parsePath(value: unknown): [number, number][] | undefined {
  if (!Array.isArray(value) || value.length > MAX_PATH) return undefined;
  const path: [number, number][] = [];
  for (const step of value as unknown[]) {
    if (!Array.isArray(step) || step.length !== 2 || !count(step[0]) || !count(step[1])) return undefined;
    path.push([step[0], step[1]]);
  }
  return path;
}

function parseCoverage(value: unknown): HuntCoverage | undefined {
  if (!isRecord(value) || typeof value.complete !== 'boolean' || !count(value.schedules)) return undefined;
  const { preemptionBound, madeFair, incomplete } = value;
  if (preemptionBound !== null && !count(preemptionBound)) return undefined;
  if (madeFair !== undefined && !count(madeFair)) return undefined;
  if (incomplete !== undefined && typeof incomplete !== 'string') return undefined;
  return {
    complete: value.complete,
    schedules: value.schedules,
    preemptionBound,
    ...(madeFair !== undefined ? { madeFair } : {}),
    ...(incomplete !== undefined ? { incomplete: incomplete.slice(0, 500) } : {}),
  };
}

export function parseViewState(value: unknown): ViewState | undefined {
  if (!isRecord(value) || value.version !== 1) return undefined;
  const { startNs, endNs, scrollTopCssPx, selectedObjectId, selectedSiteIndex, filterText, laneFilter, showHandoffs, lockSort } = value;
  if (!finite(startNs) || !finite(endNs) || !(endNs > startNs) || !finite(scrollTopCssPx)) return undefined;
  if (selectedObjectId !== undefined && !integer(selectedObjectId)) return undefined;
  if (selectedSiteIndex !== undefined && !integer(selectedSiteIndex)) return undefined;
  if (typeof filterText !== 'string' || typeof laneFilter !== 'string' || typeof showHandoffs !== 'boolean') return undefined;
  if (!isRecord(lockSort) || typeof lockSort.key !== 'string' || typeof lockSort.descending !== 'boolean') return undefined;
  return {
    version: 1,
    startNs,
    endNs,
    scrollTopCssPx: Math.max(0, scrollTopCssPx),
    ...(selectedObjectId !== undefined ? { selectedObjectId } : {}),
    ...(selectedSiteIndex !== undefined ? { selectedSiteIndex } : {}),
    filterText: filterText.slice(0, 200),
    laneFilter: laneFilter.slice(0, 40),
    showHandoffs,
    lockSort: { key: lockSort.key.slice(0, 40), descending: lockSort.descending },
  };
}

function parseRunAbout(value: unknown): RunAbout | undefined {
  if (!isRecord(value)) return undefined;
  const about: RunAbout = {};
  if (value.schedule !== undefined) {
    const schedule = value.schedule;
    if (!isRecord(schedule) || !(STRATEGIES as readonly unknown[]).includes(schedule.strategy) || !integer(schedule.seed)) return undefined;
    if (schedule.depth !== undefined && !integer(schedule.depth)) return undefined;
    if (schedule.steps !== undefined && !integer(schedule.steps)) return undefined;
    const path = schedule.path === undefined ? undefined : parsePath(schedule.path);
    if (schedule.path !== undefined && (!path || schedule.strategy !== 'dfs')) return undefined;
    about.schedule = {
      strategy: schedule.strategy as Strategy,
      seed: schedule.seed,
      ...(schedule.depth !== undefined ? { depth: schedule.depth } : {}),
      ...(schedule.steps !== undefined ? { steps: schedule.steps } : {}),
      ...(path ? { path } : {}),
    };
  }
  if (value.note !== undefined) {
    if (typeof value.note !== 'string') return undefined;
    about.note = value.note.slice(0, 1000);
  }
  if (value.coverage !== undefined) {
    const coverage = parseCoverage(value.coverage);
    if (!coverage) return undefined;
    about.coverage = coverage;
  }
  return about;
}

function toBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return undefined;
}

function parseSources(value: unknown): SourceText[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const sources: SourceText[] = [];
  for (const source of value as unknown[]) {
    if (!isRecord(source) || typeof source.file !== 'string' || typeof source.text !== 'string') return undefined;
    sources.push({ file: source.file, text: source.text });
  }
  return sources;
}

function parseCompareRun(value: unknown): CompareRun | undefined {
  if (!isRecord(value) || typeof value.label !== 'string') return undefined;
  const trace = toBytes(value.trace);
  if (!trace) return undefined;
  const about = value.about === undefined ? undefined : parseRunAbout(value.about);
  if (value.about !== undefined && !about) return undefined;
  return { label: value.label.slice(0, 200), trace, ...(about ? { about } : {}) };
}

/** A message from the host, checked field by field; undefined (and logged by the caller) if malformed. */
export function parseToPanel(value: unknown): ToPanel | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  switch (value.type) {
    case 'load': {
      const trace = toBytes(value.trace);
      if (!integer(value.requestId) || !trace) return undefined;
      const sources = value.sources === undefined ? undefined : parseSources(value.sources);
      if (value.sources !== undefined && !sources) return undefined;
      const about = value.about === undefined ? undefined : parseRunAbout(value.about);
      if (value.about !== undefined && !about) return undefined;
      return { type: 'load', requestId: value.requestId, trace, ...(sources ? { sources } : {}), ...(about ? { about } : {}) };
    }
    case 'compare': {
      if (!integer(value.requestId) || !Array.isArray(value.runs) || value.runs.length !== COMPARE_RUNS) return undefined;
      const runs: CompareRun[] = [];
      for (const raw of value.runs as unknown[]) {
        const run = parseCompareRun(raw);
        if (!run) return undefined;
        runs.push(run);
      }
      const sources = value.sources === undefined ? undefined : parseSources(value.sources);
      if (value.sources !== undefined && !sources) return undefined;
      return { type: 'compare', requestId: value.requestId, runs, ...(sources ? { sources } : {}) };
    }
    case 'progress': {
      const { phase, elapsedMs, threads, events } = value;
      if (phase !== 'bundling' && phase !== 'running' && phase !== 'stopping') return undefined;
      if (!finite(elapsedMs) || !integer(threads) || !integer(events)) return undefined;
      return { type: 'progress', phase, elapsedMs, threads, events };
    }
    case 'exploring': {
      const { explored, schedules } = value;
      if (!integer(explored) || !integer(schedules) || explored < 0 || schedules < 1) return undefined;
      return { type: 'exploring', explored, schedules };
    }
    case 'highlight':
      return typeof value.primitiveName === 'string' ? { type: 'highlight', primitiveName: value.primitiveName } : undefined;
    case 'restoreView': {
      const state = parseViewState(value.state);
      return state ? { type: 'restoreView', state } : undefined;
    }
    default:
      return undefined;
  }
}

/** A message from the panel, checked (the extension validates too: the webview runs user strings). */
export function parseFromPanel(value: unknown): FromPanel | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    case 'loaded': {
      if (!integer(value.requestId) || typeof value.ok !== 'boolean') return undefined;
      const message = typeof value.message === 'string' ? value.message : undefined;
      return {
        type: 'loaded',
        requestId: value.requestId,
        ok: value.ok,
        ...(message !== undefined ? { message } : {}),
        ...(integer(value.threads) ? { threads: value.threads } : {}),
        ...(integer(value.events) ? { events: value.events } : {}),
      };
    }
    case 'reveal': {
      const { file, line, col } = value;
      if (typeof file !== 'string' || !integer(line) || !integer(col) || line < 1 || col < 1) return undefined;
      return { type: 'reveal', file, line, col };
    }
    case 'viewState': {
      const state = parseViewState(value.state);
      return state ? { type: 'viewState', state } : undefined;
    }
    case 'log': {
      const { level, message } = value;
      if ((level !== 'info' && level !== 'warn' && level !== 'error') || typeof message !== 'string') return undefined;
      return { type: 'log', level, message };
    }
    case 'export':
      return (EXPORT_FORMATS as readonly unknown[]).includes(value.format)
        ? { type: 'export', format: value.format as ExportFormat }
        : undefined;
    case 'rerun':
      return { type: 'rerun' };
    case 'findDeadlock':
      return { type: 'findDeadlock' };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Dispatch, the same shape on both sides

type Handler<Union extends { type: string }, Type extends Union['type']> = (message: MessageOf<Union, Type>) => void;

/**
 * Dispatches validated messages to handlers registered per type, and matches answers to
 * requests by `requestId`. Unknown or malformed messages go to `onUnknown` (logged, never
 * silently dropped).
 */
export class MessageHandler<In extends { type: string }, Out extends { type: string }> {
  private readonly handlers = new Map<string, (message: In) => void>();
  private readonly pending = new Map<number, (message: In) => void>();
  private nextRequestId = 1;

  constructor(
    private readonly parse: (raw: unknown) => In | undefined,
    private readonly post: (message: Out) => void,
    private readonly onUnknown: (raw: unknown) => void,
  ) {}

  registerHandler<Type extends In['type']>(type: Type, handler: Handler<In, Type>): void {
    this.handlers.set(type, handler as (message: In) => void);
  }

  send(message: Out): void {
    this.post(message);
  }

  /** Sends a request and resolves with the answer that names the same requestId. */
  request<Answer extends In>(make: (requestId: number) => Out): Promise<Answer> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      this.pending.set(requestId, resolve as (message: In) => void);
      this.post(make(requestId));
    });
  }

  handle(raw: unknown): void {
    const message = this.parse(raw);
    if (!message) {
      this.onUnknown(raw);
      return;
    }
    const requestId = (message as { requestId?: unknown }).requestId;
    if (typeof requestId === 'number' && this.pending.has(requestId)) {
      const resolve = this.pending.get(requestId)!;
      this.pending.delete(requestId);
      resolve(message);
      return;
    }
    const handler = this.handlers.get(message.type);
    if (handler) handler(message);
    else this.onUnknown(raw);
  }
}
