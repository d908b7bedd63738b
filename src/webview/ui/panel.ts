/**
 * The panel: owns the view state, the DOM, the input handling and the frame loop. One
 * requestAnimationFrame paints a frame (drawFrame + the overview); everything else only asks
 * for one. The same class runs in the VS Code webview and in the standalone report; what
 * differs is the Host.
 */
import { type PrimitiveInfo, type TimelineModel, type TimelineQueries } from '../../analysis/model';
import type { LockOrderInversion } from '../../analysis/lockOrder';
import type { DataRace } from '../../analysis/races';
import { siteText } from '../layout/deadlock';

import { boxAt, buildHoldRows, holdsAt, layoutLanes, LANE_FILTERS, STATE_BAR_CSS_PX, type LaneLayout, type LaneRows } from '../layout/lanes';

import { lowerBound } from '../../shared/search';

import { clampRange, fitRange, formatDurationNs, panRange, TimeScale, zoomRange } from '../layout/timeScale';

import type { FromPanel, RunAbout, SourceText, ViewState } from '../../shared/protocol';
import { ThreadState, WAIT_KIND_NAMES } from '../../trace/format';

import { clear, el } from './dom';

import { gilSection, gilTooltip } from './gil';

import { AXIS_CSS_PX, drawFrame, GIL_LANE_CSS_PX, GUTTER_CSS_PX, lanesTopCssPx, threadColorSlot, type DeadlockHighlight, type FrameOutput, type HitTarget, type MarkerIndex } from './draw';

import { DeadlockInspector, deadlockBanner } from './inspector';

import { FindingsView, type FindingFocus } from './findings';

import { LocksList } from './locksList';

import { Overview, OVERVIEW_CSS_PX } from './overview';

import { readTheme, STATE_WORDS, stateBarShare, type Theme } from './theme';

import { lockTooltip, markerTooltip, stateTooltip, threadTooltip } from './tooltip';


export type Model = TimelineModel & TimelineQueries;

/** What the panel needs from whoever hosts it. */
export interface PanelHost {
  /** 'vscode': a webview with an extension behind it; 'standalone': the HTML report. */
  readonly kind: 'vscode' | 'standalone';
  post(message: FromPanel): void;
  /** Keeps the view across hide/show (vscode.setState); may do nothing. */
  saveState(state: ViewState): void;
  /** False: no Re-run, Find deadlock or Export buttons (a run of the compare view; default true in VS Code). */
  readonly runActions?: boolean;
}

export interface LoadTimings {
  decodeMs: number;
  modelMs: number;
}

/** Numbers the tests and the bench read through window.__threadlanes. */
export interface FrameStats {
  /** performance.now() when the first frame of a loaded run had been painted. */
  firstFrameAtMs: number | undefined;
  /** How long painting each frame took (ms), the latest last; at most 1000 kept. */
  frameMs: number[];
  frames: number;
}

const ZOOM_STEP = 1.25;

export class Panel {
  private readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly overviewCanvas: HTMLCanvasElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly status: HTMLElement;
  private readonly laneList: HTMLOListElement;
  private readonly summary: HTMLElement;
  private readonly bannerSlot: HTMLElement;
  private readonly sidebar: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly handoffButton: HTMLButtonElement;
  private readonly filterInput: HTMLInputElement;
  private readonly filterSelect: HTMLSelectElement;
  private readonly handoffNote: HTMLElement;

  private model: Model | undefined;
  private rows: LaneRows[] = [];
  private layout: LaneLayout = { boxes: [], totalHeightCssPx: 0 };
  private primitiveById = new Map<number, PrimitiveInfo>();
  private markerIndex: MarkerIndex[] = [];
  private handoffOrder = new Uint32Array(0);
  private handoffAcquireNs = new Float64Array(0);
  private deadlock: DeadlockHighlight | undefined;
  private sources: SourceText[] = [];
  private about: RunAbout = {};
  private inspector: DeadlockInspector | undefined;
  private locksList: LocksList | undefined;
  private findings: FindingsView | undefined;
  /** A potential deadlock or race under the pointer, and the one picked: their locks and lanes stand out. */
  private findingHover: FindingFocus | undefined;
  private findingPicked: FindingFocus | undefined;
  private overview: Overview | undefined;
  private theme: Theme | undefined;

  private state: ViewState;
  private widthCssPx = 0;
  private heightCssPx = 0;
  private devicePixelRatio = 1;
  private hoverObjectId: number | undefined;
  private selectedLaneIndex: number | undefined;
  private cursorNs: number | undefined;
  /** The instant the locks list's tooltips speak of: the last hovered time, else the deadlock or the end. */
  private instantNs = 0;
  private drag: { mode: 'pan' | 'range' | 'overview'; startXCssPx: number; startYCssPx: number; startRange: { startNs: number; endNs: number }; startScrollTop: number; moved: boolean; currentXCssPx: number } | undefined;
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private pinch: { distance: number; range: { startNs: number; endNs: number }; centerCssPx: number } | undefined;
  private frameRequested = false;
  /** The compare view: the time the view may span from the run's start (the longer run's), so two runs share a scale. */
  private sharedSpanNs = 0;
  /** Told of every change of the visible range, as offsets from the run's start (the compare view links two panels). */
  onRangeChange: ((startOffsetNs: number, endOffsetNs: number) => void) | undefined;
  private lastFrame: FrameOutput | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  readonly stats: FrameStats = { firstFrameAtMs: undefined, frameMs: [], frames: 0 };
  private readonly frameWaiters: ((ms: number) => void)[] = [];

  constructor(root: HTMLElement, private readonly host: PanelHost, initial: ViewState | undefined) {
    this.root = root;
    this.state = initial ?? defaultViewState(0, 1);
    this.summary = el('header', { className: 'summary', attrs: { 'aria-label': 'Run summary' } }, [el('span', { className: 'muted', text: 'Waiting for a run…' })]);
    this.bannerSlot = el('div', { className: 'banner-slot' });
    this.handoffButton = el('button', { className: 'toggle', text: 'Hand-offs', title: 'Show arrows from each release to the acquire it unblocked (H)', attrs: { 'aria-pressed': 'false' } });
    this.filterInput = el('input', { className: 'filter', attrs: { type: 'search', placeholder: 'Filter threads by name', 'aria-label': 'Filter threads by name', spellcheck: 'false' } });
    this.filterSelect = el('select', { className: 'filter-state', attrs: { 'aria-label': 'Show threads' } });
    for (const filter of LANE_FILTERS) this.filterSelect.append(el('option', { text: filter.label, attrs: { value: filter.id } }));
    const button = (text: string, title: string, action: () => void) => {
      const b = el('button', { text, title, attrs: { 'aria-label': title } });
      b.addEventListener('click', action);
      return b;
    };
    this.handoffNote = el('span', { className: 'muted handoff-note', attrs: { 'aria-live': 'polite' } });
    const toolbar = el('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'View' } }, [
      button('Fit all', 'Fit the whole run (0)', () => this.fitAll()),
      button('−', 'Zoom out (−)', () => this.zoomBy(ZOOM_STEP)),
      button('+', 'Zoom in (+)', () => this.zoomBy(1 / ZOOM_STEP)),
      this.handoffButton,
      this.handoffNote,
      el('span', { className: 'spacer' }),
      this.filterInput,
      this.filterSelect,
      // Only a host with an extension behind it can save files (the HTML report is already one).
      ...(host.kind === 'vscode' && host.runActions !== false ? [
        el('span', { className: 'toolbar-sep', attrs: { 'aria-hidden': 'true' } }),
        button('Re-run', 'Run the snippet again (after Find deadlock: replay the schedule it found)', () => this.host.post({ type: 'rerun' })),
        button('Find deadlock', 'Run the snippet under many controlled schedules until one deadlocks or raises', () => this.host.post({ type: 'findDeadlock' })),
        el('span', { className: 'toolbar-sep', attrs: { 'aria-hidden': 'true' } }),
        el('span', { className: 'muted', text: 'Export', attrs: { 'aria-hidden': 'true' } }),
        button('Chrome trace', 'Export the run as Chrome Trace Event JSON (opens in Perfetto, chrome://tracing)', () => this.host.post({ type: 'export', format: 'chrome' })),
        button('HTML report', 'Export the run as one self-contained HTML page', () => this.host.post({ type: 'export', format: 'html' })),
      ] : []),
    ]);
    this.canvas = el('canvas', {
      className: 'lanes',
      attrs: {
        tabindex: '0',
        role: 'img',
        'aria-label': 'Swimlanes',
        'aria-describedby': 'lane-list keys-help',
      },
    });
    this.spacer = el('div', { className: 'vscroll-spacer' });
    this.scroller = el('div', { className: 'vscroll', attrs: { 'aria-hidden': 'true' } }, [this.spacer]);
    this.overviewCanvas = el('canvas', { className: 'overview', attrs: { tabindex: '0', role: 'slider', 'aria-label': 'Overview of the whole run: click or use the arrow keys to move the view', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' } });
    this.legend = el('div', { className: 'legend', attrs: { 'aria-label': 'Legend' } });
    this.laneList = el('ol', { className: 'sr-only lane-list', attrs: { id: 'lane-list', 'aria-label': 'Lanes, one per thread' } });
    const keysHelp = el('p', { className: 'sr-only', attrs: { id: 'keys-help' }, text: 'Keys: left and right arrows pan, plus and minus zoom, 0 fits the whole run, up and down arrows move between threads, H toggles hand-off arrows, Escape clears the selection. Drag to pan, drag on the time axis or shift-drag to zoom into a range, wheel or pinch to zoom.' });
    this.sidebar = el('aside', { className: 'sidebar', attrs: { 'aria-label': 'Deadlocks, races and locks' } });
    this.tooltip = el('div', { className: 'tooltip', attrs: { role: 'tooltip', id: 'tooltip' } });
    this.tooltip.hidden = true;
    this.status = el('div', { className: 'sr-only', attrs: { 'aria-live': 'polite', id: 'status' } });
    const timeline = el('section', { className: 'timeline', attrs: { 'aria-label': 'Timeline' } }, [
      toolbar,
      el('div', { className: 'canvas-wrap' }, [this.canvas, this.scroller]),
      this.overviewCanvas,
      this.legend,
      this.laneList,
      keysHelp,
    ]);
    clear(root);
    root.append(el('div', { className: 'app' }, [this.summary, this.bannerSlot, el('div', { className: 'main' }, [timeline, this.sidebar]), this.tooltip, this.status]));
    this.bindInput();
    new ResizeObserver(() => this.resize()).observe(this.canvas.parentElement!);
    // VS Code changes the theme by switching body classes; the standalone report follows the OS.
    new MutationObserver(() => this.refreshTheme()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.refreshTheme());
  }

  // ---------------------------------------------------------------------------------------
  // Loading

  showProgress(text: string): void {
    clear(this.summary);
    this.summary.append(el('span', { className: 'muted', text }));
  }

  showError(message: string): void {
    clear(this.summary);
    this.summary.append(el('span', { className: 'outcome outcome-error', text: 'Cannot show this run' }), el('span', { className: 'summary-error', text: message }));
  }

  setModel(model: Model, sources: SourceText[], restored: ViewState | undefined, about: RunAbout = {}): void {
    this.model = model;
    this.sources = sources;
    this.about = about;
    this.rows = buildHoldRows(model);
    this.primitiveById = new Map(model.primitives.map((p) => [p.id, p]));
    this.markerIndex = buildMarkerIndex(model);
    // Hand-offs by acquire time (the model lists them in time order already; sort only if not).
    const acquireNs = new Float64Array(model.handoffs.length);
    for (let i = 0; i < acquireNs.length; i++) acquireNs[i] = model.handoffs[i].acquireNs;
    let sorted = true;
    for (let i = 1; i < acquireNs.length && sorted; i++) if (acquireNs[i] < acquireNs[i - 1]) sorted = false;
    const order = new Uint32Array(acquireNs.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (!sorted) order.sort((a, b) => acquireNs[a] - acquireNs[b]);
    this.handoffOrder = order;
    this.handoffAcquireNs = sorted ? acquireNs : Float64Array.from(order, (i) => acquireNs[i]);
    this.deadlock = model.deadlock ? deadlockHighlight(model) : undefined;
    this.findingHover = undefined;
    this.findingPicked = undefined;
    this.instantNs = model.deadlock ? model.deadlock.detectedAtNs : model.endNs;
    const fit = defaultViewState(model.startNs, model.endNs);
    this.state = restored && restored.endNs > model.startNs && restored.startNs < model.endNs ? { ...fit, ...restored } : { ...fit, showHandoffs: model.handoffs.length > 0 && model.handoffs.length <= 2000 };
    this.overview = new Overview(this.overviewCanvas, model);
    this.filterInput.value = this.state.filterText;
    this.filterSelect.value = this.state.laneFilter;
    this.renderSummary();
    this.renderLegend();
    this.renderSidebar();
    this.relayout();
    this.refreshTheme();
    this.resize();
    this.updateHandoffButton();
    this.requestFrame();
  }

  /**
   * Shows what the analyses found (src/analysis/lockOrder.ts, races.ts): lock-order inversions,
   * and races when the run recorded shared accesses (undefined: not checked). They come after
   * the first frame, since they read every event.
   */
  setFindings(lockOrder: LockOrderInversion[], races: DataRace[] | undefined): void {
    const model = this.model;
    if (!model) return;
    model.lockOrder = lockOrder;
    model.races = races;
    this.renderSidebar();
  }

  /** Highlights a primitive's holds by name (the host asks when a lock is hovered in the editor). */
  highlightByName(name: string): void {
    const primitive = this.model?.primitives.find((p) => p.name === name);
    this.hoverObjectId = primitive?.id;
    this.requestFrame();
  }

  restoreView(state: ViewState): void {
    if (!this.model) {
      this.state = state;
      return;
    }
    this.state = { ...state };
    this.filterInput.value = state.filterText;
    this.filterSelect.value = state.laneFilter;
    this.relayout();
    this.renderSidebar();
    this.updateHandoffButton();
    this.requestFrame();
  }

  // ---------------------------------------------------------------------------------------
  // Test and bench hooks (window.__threadlanes)

  viewState(): ViewState {
    return { ...this.state, lockSort: { ...this.state.lockSort } };
  }

  /** What the last frame drew, in page CSS pixels, so tests can point at a hold bar. */
  hitTargets(): HitTarget[] {
    const rect = this.canvas.getBoundingClientRect();
    return (this.lastFrame?.hitTargets ?? []).map((t) => ({ ...t, xCssPx: t.xCssPx + rect.left, yCssPx: t.yCssPx + rect.top }));
  }

  laneNames(): string[] {
    return this.layout.boxes.map((b) => this.model!.threads[b.laneIndex].name);
  }

  /** Resolves after the next painted frame with how long it took. */
  nextFrame(): Promise<number> {
    this.requestFrame();
    return new Promise((resolve) => this.frameWaiters.push(resolve));
  }

  setRange(startNs: number, endNs: number): void {
    if (!this.model) return;
    const clamped = clampRange(startNs, endNs, this.model.startNs, this.domainEndNs());
    this.state.startNs = clamped.startNs;
    this.state.endNs = clamped.endNs;
    this.viewChanged();
    this.onRangeChange?.(clamped.startNs - this.model.startNs, clamped.endNs - this.model.startNs);
  }

  zoomBy(factor: number, anchorCssPx?: number): void {
    const scale = this.scale();
    if (!scale) return;
    const range = zoomRange(scale, factor, anchorCssPx ?? scale.widthCssPx / 2);
    this.setRange(range.startNs, range.endNs);
  }

  panBy(deltaCssPx: number): void {
    const scale = this.scale();
    if (!scale) return;
    const range = panRange(scale, deltaCssPx);
    this.setRange(range.startNs, range.endNs);
  }

  fitAll(): void {
    if (!this.model) return;
    const range = fitRange(this.model.startNs, this.domainEndNs());
    this.setRange(range.startNs, range.endNs);
  }

  /** The end of the time the view may show: the run's end, or further when it shares a scale with a longer run. */
  private domainEndNs(): number {
    const model = this.model!;
    return Math.max(model.endNs, model.startNs + this.sharedSpanNs);
  }

  /** The compare view: let the view span `spanNs` from the run's start and fit it (both runs then share one scale). */
  shareSpan(spanNs: number): void {
    this.sharedSpanNs = spanNs;
    if (!this.model) return;
    const range = fitRange(this.model.startNs, this.domainEndNs());
    const clamped = clampRange(range.startNs, range.endNs, this.model.startNs, this.domainEndNs());
    this.state.startNs = clamped.startNs;
    this.state.endNs = clamped.endNs;
    this.viewChanged();
  }

  /** Shows the range [startOffsetNs, endOffsetNs] from the run's start, without telling onRangeChange (it came from there). */
  showOffsets(startOffsetNs: number, endOffsetNs: number): void {
    if (!this.model) return;
    const clamped = clampRange(this.model.startNs + startOffsetNs, this.model.startNs + endOffsetNs, this.model.startNs, this.domainEndNs());
    this.state.startNs = clamped.startNs;
    this.state.endNs = clamped.endNs;
    this.viewChanged();
  }

  /** The model shown (the compare view reads the runs' spans). */
  get shownModel(): Model | undefined {
    return this.model;
  }

  // ---------------------------------------------------------------------------------------
  // Frame loop

  requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this.paint());
  }

  private scale(): TimeScale | undefined {
    if (!this.model || this.widthCssPx <= GUTTER_CSS_PX) return undefined;
    return new TimeScale(this.state.startNs, this.state.endNs, this.widthCssPx - GUTTER_CSS_PX, this.devicePixelRatio);
  }

  private paint(): void {
    this.frameRequested = false;
    const model = this.model;
    const scale = this.scale();
    const context = this.canvas.getContext('2d');
    if (!model || !scale || !context || !this.theme) return;
    const started = performance.now();
    const finding = this.findingHover ?? this.findingPicked;
    const maxScroll = Math.max(0, this.layout.totalHeightCssPx - (this.heightCssPx - this.lanesTop()));
    this.state.scrollTopCssPx = Math.min(Math.max(0, this.state.scrollTopCssPx), maxScroll);
    this.lastFrame = drawFrame({
      context, model, rows: this.rows, primitiveById: this.primitiveById, layout: this.layout, theme: this.theme, scale,
      widthCssPx: this.widthCssPx, heightCssPx: this.heightCssPx, devicePixelRatio: this.devicePixelRatio,
      scrollTopCssPx: this.state.scrollTopCssPx,
      highlightObjectId: this.hoverObjectId ?? this.state.selectedObjectId,
      highlightObjectIds: finding?.objectIds.length ? new Set(finding.objectIds) : undefined,
      highlightLaneIndices: finding ? new Set(finding.tids.map((tid) => model.threads.findIndex((t) => t.tid === tid)).filter((i) => i >= 0)) : undefined,
      selectedLaneIndex: this.selectedLaneIndex,
      showHandoffs: this.state.showHandoffs,
      handoffOrder: this.handoffOrder, handoffAcquireNs: this.handoffAcquireNs,
      markers: this.markerIndex,
      deadlock: this.deadlock,
      selectedDeadlockTid: this.state.selectedSiteIndex !== undefined ? model.deadlock?.entries[this.state.selectedSiteIndex]?.tid : undefined,
      cursorNs: this.cursorNs,
      rangeSelectionCssPx: this.drag?.mode === 'range' ? { from: this.drag.startXCssPx, to: this.drag.currentXCssPx } : undefined,
      emptyMessage: model.threads.length === 0 ? 'No thread ran.' : 'No thread matches the filter.',
    });
    this.overview?.draw(this.theme, this.widthCssPx, this.devicePixelRatio, this.state);
    if (Math.abs(this.scroller.scrollTop - this.state.scrollTopCssPx) > 1) this.scroller.scrollTop = this.state.scrollTopCssPx;
    this.updateHandoffNote();
    const elapsed = performance.now() - started;
    this.stats.frames++;
    this.stats.frameMs.push(elapsed);
    if (this.stats.frameMs.length > 1000) this.stats.frameMs.splice(0, this.stats.frameMs.length - 1000);
    if (this.stats.firstFrameAtMs === undefined) this.stats.firstFrameAtMs = performance.now();
    for (const resolve of this.frameWaiters.splice(0)) resolve(elapsed);
  }

  private resize(): void {
    const wrap = this.canvas.parentElement!;
    const rect = wrap.getBoundingClientRect();
    this.devicePixelRatio = window.devicePixelRatio || 1;
    this.widthCssPx = Math.max(0, Math.floor(rect.width - this.scrollbarWidth()));
    this.heightCssPx = Math.max(0, Math.floor(rect.height));
    this.canvas.style.width = `${this.widthCssPx}px`;
    this.canvas.style.height = `${this.heightCssPx}px`;
    this.canvas.width = Math.round(this.widthCssPx * this.devicePixelRatio);
    this.canvas.height = Math.round(this.heightCssPx * this.devicePixelRatio);
    this.overviewCanvas.style.width = `${this.widthCssPx}px`;
    this.overviewCanvas.style.height = `${OVERVIEW_CSS_PX}px`;
    this.overviewCanvas.width = Math.round(this.widthCssPx * this.devicePixelRatio);
    this.overviewCanvas.height = Math.round(OVERVIEW_CSS_PX * this.devicePixelRatio);
    this.scroller.style.top = `${this.lanesTop()}px`;
    this.requestFrame();
  }

  /** Where the thread lanes begin (under the GIL lane in GIL mode). */
  private lanesTop(): number {
    return lanesTopCssPx(this.model);
  }

  private scrollbarWidth(): number {
    return this.scroller.offsetWidth;
  }

  private refreshTheme(): void {
    const context = this.canvas.getContext('2d');
    if (!context) return;
    this.theme = readTheme(document.documentElement, context, window.devicePixelRatio || 1);
    this.renderLegend();
    this.renderSidebar();
    this.requestFrame();
  }

  private relayout(): void {
    if (!this.model) return;
    this.layout = layoutLanes(this.model, this.rows, this.state.filterText, this.state.laneFilter);
    this.spacer.style.height = `${this.layout.totalHeightCssPx}px`;
    if (this.selectedLaneIndex !== undefined && !this.layout.boxes.some((b) => b.laneIndex === this.selectedLaneIndex)) this.selectedLaneIndex = undefined;
    this.renderLaneList();
  }

  private viewChanged(): void {
    this.requestFrame();
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      const state = this.viewState();
      this.host.saveState(state);
      this.host.post({ type: 'viewState', state });
    }, 300);
    const span = this.model ? this.model.endNs - this.model.startNs : 1;
    this.overviewCanvas.setAttribute('aria-valuenow', String(this.model ? Math.round(((this.state.startNs - this.model.startNs) / span) * 100) : 0));
    this.overviewCanvas.setAttribute('aria-valuetext', this.model ? `showing ${formatDurationNs(this.state.startNs - this.model.startNs)} to ${formatDurationNs(this.state.endNs - this.model.startNs)}` : '');
  }

  // ---------------------------------------------------------------------------------------
  // DOM parts

  private renderSummary(): void {
    const model = this.model!;
    clear(this.summary);
    const outcome = {
      completed: { text: 'Completed', className: 'outcome-completed', icon: '✓' },
      deadlock: { text: 'Deadlock', className: 'outcome-deadlock', icon: '⚠' },
      timeout: { text: 'Timed out', className: 'outcome-timeout', icon: '⚠' },
      error: { text: 'Error', className: 'outcome-error', icon: '✕' },
    }[model.outcome];
    const file = model.file.split(/[\\/]/).pop() ?? model.file;
    this.summary.append(
      el('span', { className: `outcome ${outcome.className}`, attrs: { 'data-testid': 'outcome' } }, [el('span', { text: outcome.icon, attrs: { 'aria-hidden': 'true' } }), ` ${outcome.text}`]),
      el('span', { className: 'summary-file', text: file, title: model.file }),
      el('span', { className: 'summary-facts', text: summaryFacts(model, this.about) }),
    );
    if (this.about.note) this.summary.append(el('span', { className: 'summary-note', text: this.about.note, attrs: { 'data-testid': 'run-note' } }));
    if (model.truncated) this.summary.append(el('span', { className: 'summary-warning', text: `Recording was cut short by the ${model.truncated} limit; the trace keeps what came before.` }));
    if (model.error) this.summary.append(el('span', { className: 'summary-error', text: `${model.error.site ? `${model.error.site}: ` : ''}${model.error.message}` }));
    else if (model.outcome === 'error' && model.threads.length === 0) this.summary.append(el('span', { className: 'summary-error', text: 'The run failed before any thread ran.' }));
    clear(this.bannerSlot);
    if (model.deadlock) this.bannerSlot.append(deadlockBanner(model, model.deadlock));
    this.canvas.setAttribute('aria-label', `Swimlanes of ${model.threads.length} threads over ${formatDurationNs(model.endNs - model.startNs)}${model.deadlock ? ', ending in a deadlock' : ''}`);
  }

  private renderSidebar(): void {
    const model = this.model;
    if (!model || !this.theme) return;
    const theme = this.theme;
    const scrollTop = this.sidebar.scrollTop;
    clear(this.sidebar);
    if (model.deadlock) {
      this.inspector = new DeadlockInspector(model, model.deadlock, this.sources, {
        site: (index) => this.selectSite(index),
        thread: (tid) => this.selectLane(model.threads.findIndex((t) => t.tid === tid)),
        primitive: (objectId) => this.selectObject(objectId),
      });
      this.inspector.showSite(this.state.selectedSiteIndex, false);
      this.sidebar.append(this.inspector.element);
    }
    // The entries are new: the one under the pointer, if any, says so when the pointer moves.
    this.findingHover = undefined;
    this.findings = new FindingsView(model, this.sources, this.host.kind, {
      hover: (focus) => {
        this.findingHover = focus;
        this.requestFrame();
      },
      pick: (focus) => this.pickFinding(focus),
      site: (siteId, tid, button) => this.selectFindingSite(siteId, tid, button),
    });
    this.findings.markPicked(this.findingPicked?.key);
    this.sidebar.append(...this.findings.elements);
    this.locksList = new LocksList(model, (i) => theme.holdColor[i % theme.holdColor.length], {
      hover: (objectId, anchor) => this.hoverLockInList(objectId, anchor),
      select: (objectId) => this.selectObject(objectId),
      sort: (key, descending) => {
        this.state.lockSort = { key, descending };
        this.locksList?.render(key, descending, this.state.selectedObjectId);
        this.viewChanged();
      },
    });
    this.locksList.render(this.state.lockSort.key, this.state.lockSort.descending, this.state.selectedObjectId);
    if (model.gil) this.sidebar.append(gilSection(model, (tid) => theme.threadColor[threadColorSlot(model, tid, theme.threadColor.length)]));
    this.sidebar.append(this.locksList.element);
    this.sidebar.scrollTop = scrollTop;
  }

  private renderLegend(): void {
    const theme = this.theme;
    if (!theme) return;
    clear(this.legend);
    const states: [ThreadState, string][] = [
      [ThreadState.Running, 'running'], [ThreadState.Blocked, 'blocked on a lock'], [ThreadState.Waiting, 'waiting (condition, event, queue, join…)'],
      [ThreadState.Sleeping, 'sleeping'], [ThreadState.Starting, 'starting'], [ThreadState.NotStarted, 'not started'], [ThreadState.Finished, 'finished'], [ThreadState.Failed, 'failed ✕'],
    ];
    // GIL mode only: a state the other modes never have.
    if (this.model?.gil) states.splice(3, 0, [ThreadState.WaitingForGil, 'waiting for the GIL']);
    const dpr = window.devicePixelRatio || 1;
    for (const [state, label] of states) {
      const swatch = el('canvas', { className: 'legend-swatch', attrs: { 'aria-hidden': 'true' } });
      swatch.width = Math.round(26 * dpr);
      swatch.height = Math.round(14 * dpr);
      swatch.style.width = '26px';
      swatch.style.height = '14px';
      const ctx = swatch.getContext('2d');
      if (ctx) {
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        const h = Math.max(2, 14 * stateBarShare(state));
        ctx.fillStyle = theme.stateFill[state];
        ctx.fillRect(0, (14 - h) / 2, 26, h);
      }
      this.legend.append(el('span', { className: 'legend-item', attrs: { 'data-state': String(state) } }, [swatch, el('span', { text: label })]));
    }
    if (this.model?.gil) {
      const chips = el('span', { className: 'legend-gil', attrs: { 'aria-hidden': 'true' } });
      for (const color of theme.threadColor.slice(0, Math.min(3, this.model.threads.length))) {
        const chip = el('span', { className: 'legend-gil-chip' });
        chip.style.backgroundColor = color;
        chips.append(chip);
      }
      this.legend.append(el('span', { className: 'legend-item' }, [chips, el('span', { text: 'GIL lane: who holds the GIL (the colour beside each thread\'s name)' })]));
    }
    this.legend.append(el('span', { className: 'legend-item' }, [el('span', { className: 'legend-glyph', text: '▼', attrs: { 'aria-hidden': 'true' } }), el('span', { text: 'output' })]));
    this.legend.append(el('span', { className: 'legend-item' }, [el('span', { className: 'legend-hold', attrs: { 'aria-hidden': 'true' } }), el('span', { text: 'hold (under each lane, one row per lock)' })]));
  }

  private renderLaneList(): void {
    const model = this.model!;
    clear(this.laneList);
    const heldAtEnd = (laneIndex: number) => {
      const holds = model.holds[laneIndex];
      const names = new Set<string>();
      for (let i = holds.count - 1; i >= 0 && names.size < 20; i--) if (holds.heldAtEnd[i]) names.add(this.primitiveById.get(holds.objectId[i])?.name ?? '?');
      return [...names];
    };
    for (const box of this.layout.boxes) {
      const lane = model.threads[box.laneIndex];
      const held = heldAtEnd(box.laneIndex);
      const kind = lane.pool !== undefined ? `pool thread (${lane.pool})` : lane.daemon ? 'daemon thread' : 'thread';
      const columns = lane.states;
      const last = columns.count - 1;
      let ending: string = lane.finalState;
      if (last >= 0 && (columns.state[last] === ThreadState.Blocked || columns.state[last] === ThreadState.Waiting)) {
        ending = `${STATE_WORDS[columns.state[last]]} ${WAIT_KIND_NAMES[columns.waitKind[last]] ?? ''} ${this.primitiveById.get(columns.objectId[last])?.name ?? ''}`.replace(/\s+/g, ' ').trim();
      }
      const li = el('li', { attrs: { 'data-tid': String(lane.tid) } }, [
        el('span', { className: 'lane-name', text: lane.name }),
        el('span', { text: `: ${kind}; at the end ${ending}${held.length ? `; holds ${held.join(', ')}` : ''}.` }),
      ]);
      this.laneList.append(li);
    }
  }

  private updateHandoffButton(): void {
    this.handoffButton.setAttribute('aria-pressed', String(this.state.showHandoffs));
    this.handoffButton.classList.toggle('on', this.state.showHandoffs);
    this.handoffButton.disabled = !this.model || this.model.handoffs.length === 0;
    this.handoffButton.title = this.model && this.model.handoffs.length === 0 ? 'No hand-offs in this run (no thread waited for a lock another released)' : 'Show arrows from each release to the acquire it unblocked (H)';
  }

  private updateHandoffNote(): void {
    const frame = this.lastFrame;
    const text = this.state.showHandoffs && frame && frame.handoffsInView > frame.handoffsDrawn && frame.handoffsDrawn === 0
      ? `${frame.handoffsInView.toLocaleString('en-US')} hand-offs here: zoom in to see them`
      : '';
    if (this.handoffNote.textContent !== text) this.handoffNote.textContent = text;
  }

  // ---------------------------------------------------------------------------------------
  // Selection

  private selectObject(objectId: number): void {
    this.state.selectedObjectId = this.state.selectedObjectId === objectId ? undefined : objectId;
    this.locksList?.render(this.state.lockSort.key, this.state.lockSort.descending, this.state.selectedObjectId);
    const name = this.state.selectedObjectId !== undefined ? this.primitiveById.get(objectId)?.name : undefined;
    this.announce(name ? `Highlighting the holds of ${name}` : 'Highlight cleared');
    this.viewChanged();
  }

  private selectLane(laneIndex: number): void {
    if (laneIndex < 0 || !this.model) return;
    this.selectedLaneIndex = laneIndex;
    const box = this.layout.boxes.find((b) => b.laneIndex === laneIndex);
    if (box) {
      const viewHeight = this.heightCssPx - this.lanesTop();
      if (box.topCssPx < this.state.scrollTopCssPx) this.state.scrollTopCssPx = box.topCssPx;
      else if (box.topCssPx + box.heightCssPx > this.state.scrollTopCssPx + viewHeight) this.state.scrollTopCssPx = box.topCssPx + box.heightCssPx - viewHeight;
    }
    const item = this.laneList.children[this.layout.boxes.findIndex((b) => b.laneIndex === laneIndex)];
    this.announce(item?.textContent ?? this.model.threads[laneIndex].name);
    this.viewChanged();
  }

  /** Picks a deadlock site: marks it, highlights that thread's blocked segment, and asks the host to reveal it. */
  selectSite(entryIndex: number): void {
    const model = this.model;
    const entry = model?.deadlock?.entries[entryIndex];
    if (!model || !entry) return;
    this.state.selectedSiteIndex = entryIndex;
    this.selectLane(model.threads.findIndex((t) => t.tid === entry.tid));
    const site = model.sites[entry.siteId];
    const reveal = Boolean(site && entry.siteId !== 0);
    if (site && reveal) this.host.post({ type: 'reveal', file: site.file, line: site.line, col: site.col });
    this.inspector?.showSite(entryIndex, reveal && this.host.kind === 'vscode');
    this.announce(site ? `${model.threads.find((t) => t.tid === entry.tid)?.name ?? ''} is blocked at ${siteText(model, entry.siteId, true)}` : 'No site recorded');
    this.viewChanged();
  }

  /** Picks a potential deadlock or a race (again: lets it go): its locks and lanes stay highlighted. */
  private pickFinding(focus: FindingFocus): void {
    this.findingPicked = this.findingPicked?.key === focus.key ? undefined : focus;
    this.findings?.markPicked(this.findingPicked?.key);
    this.announce(this.findingPicked ? 'Highlighting its locks and threads' : 'Highlight cleared');
    this.requestFrame();
  }

  /** A site of a potential deadlock or a race: asks the host to reveal it and shows it under the finding's section. */
  private selectFindingSite(siteId: number, tid: number, button: HTMLElement): void {
    const model = this.model;
    const site = model?.sites[siteId];
    if (!model || !site || siteId === 0) return;
    this.host.post({ type: 'reveal', file: site.file, line: site.line, col: site.col });
    this.findings?.showSite(button, this.host.kind === 'vscode');
    this.selectLane(model.threads.findIndex((t) => t.tid === tid));
    this.announce(`${siteText(model, siteId, true)}${this.host.kind === 'vscode' ? ' opened in the editor' : ''}`);
  }

  private announce(text: string): void {
    this.status.textContent = text;
  }

  // ---------------------------------------------------------------------------------------
  // Hover and tooltips

  private hoverLockInList(objectId: number | undefined, anchor: HTMLElement | undefined): void {
    this.hoverObjectId = objectId;
    this.requestFrame();
    if (objectId === undefined || !anchor || !this.model) {
      this.hideTooltip();
      return;
    }
    const rect = anchor.getBoundingClientRect();
    this.showTooltip(lockTooltip(this.model, objectId, this.instantNs), rect.left - 8, rect.top, 'left');
  }

  private hoverAt(xCssPx: number, yCssPx: number, clientX: number, clientY: number): void {
    const model = this.model;
    const scale = this.scale();
    if (!model || !scale) return;
    const hit = this.hitTest(xCssPx, yCssPx);
    const previousObject = this.hoverObjectId;
    this.hoverObjectId = hit?.objectId;
    const inTime = xCssPx >= GUTTER_CSS_PX;
    const cursor = inTime ? scale.cssPxToTimeNs(xCssPx - GUTTER_CSS_PX) : undefined;
    if (cursor !== this.cursorNs || previousObject !== this.hoverObjectId) {
      this.cursorNs = cursor;
      this.requestFrame();
    }
    if (cursor !== undefined) this.instantNs = cursor;
    if (!hit) {
      this.hideTooltip();
      return;
    }
    // Near the right end of the lanes the tooltip opens to the left, over the lanes, not the side panel.
    const canvasRight = this.canvas.getBoundingClientRect().right;
    if (clientX > canvasRight - 440) this.showTooltip(hit.content(), clientX - 14, clientY + 16, 'left');
    else this.showTooltip(hit.content(), clientX + 14, clientY + 16, 'right');
  }

  /** What is under a point of the canvas (CSS px): found from the layout and the model (binary searches), not from what was drawn. */
  private hitTest(xCssPx: number, yCssPx: number): { objectId?: number; content: () => HTMLElement } | undefined {
    const model = this.model!;
    const scale = this.scale()!;
    if (yCssPx < AXIS_CSS_PX) return undefined;
    if (model.gil && yCssPx < AXIS_CSS_PX + GIL_LANE_CSS_PX) {
      if (xCssPx < GUTTER_CSS_PX) return undefined;
      const timeNs = scale.cssPxToTimeNs(xCssPx - GUTTER_CSS_PX);
      const hold = model.gilHoldAt(timeNs);
      return { content: () => gilTooltip(model, hold, timeNs) };
    }
    const found = boxAt(this.layout, yCssPx - this.lanesTop() + this.state.scrollTopCssPx);
    if (!found) return undefined;
    const { box, part, holdRow } = found;
    const laneIndex = box.laneIndex;
    if (xCssPx < GUTTER_CSS_PX) return { content: () => threadTooltip(model, laneIndex) };
    const timeNs = scale.cssPxToTimeNs(xCssPx - GUTTER_CSS_PX);
    const toleranceNs = scale.nsPerCssPx * 3;
    if (part === 'hold') {
      const row = this.rows[laneIndex].holdRows[holdRow];
      const holds = model.holds[laneIndex];
      const hits = holdsAt(row, holds, timeNs, toleranceNs);
      if (!hits.length) return undefined;
      const hold = row.index ? row.index[hits[0]] : hits[0];
      const objectId = holds.objectId[hold];
      const instant = Math.min(Math.max(timeNs, holds.startNs[hold]), holds.endNs[hold]);
      return { objectId, content: () => lockTooltip(model, objectId, instant, { laneIndex, hold }) };
    }
    if (part !== 'state') return undefined;
    // Markers sit on the state bar: they win within a few pixels.
    const index = this.markerIndex[laneIndex];
    if (index && index.timeNs.length) {
      const k = lowerBound(index.timeNs, index.timeNs.length, timeNs - toleranceNs * 1.5);
      if (k < index.timeNs.length && index.timeNs[k] <= timeNs + toleranceNs * 1.5) {
        const marker = model.markers[index.marker[k]];
        return { content: () => markerTooltip(model, marker) };
      }
    }
    const interval = model.stateAt(laneIndex, timeNs);
    if (interval < 0) return undefined;
    const columns = model.threads[laneIndex].states;
    const state = columns.state[interval] as ThreadState;
    const objectId = columns.objectId[interval];
    if ((state === ThreadState.Blocked || state === ThreadState.Waiting) && objectId && this.primitiveById.has(objectId)) {
      const kind = this.primitiveById.get(objectId)!.kind;
      if (kind === 'Lock' || kind === 'RLock' || kind === 'Semaphore' || kind === 'BoundedSemaphore') {
        return { objectId, content: () => lockTooltip(model, objectId, timeNs) };
      }
    }
    // Thin states only show on their line: do not pop up over empty space above and below it.
    return { content: () => stateTooltip(model, laneIndex, interval, timeNs) };
  }

  private showTooltip(content: HTMLElement, x: number, y: number, side: 'left' | 'right'): void {
    clear(this.tooltip);
    this.tooltip.append(content);
    this.tooltip.hidden = false;
    const width = this.tooltip.offsetWidth;
    const height = this.tooltip.offsetHeight;
    let left = side === 'left' ? x - width : x;
    if (left + width > window.innerWidth - 4) left = x - width - 28;
    if (side === 'left' && left < 4) left = x + 28;
    left = Math.max(4, left);
    const top = Math.max(4, Math.min(y, window.innerHeight - height - 4));
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${top}px`;
  }

  private hideTooltip(): void {
    if (!this.tooltip.hidden) this.tooltip.hidden = true;
  }

  // ---------------------------------------------------------------------------------------
  // Input

  private bindInput(): void {
    const canvas = this.canvas;
    const local = (event: MouseEvent) => {
      const rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    };
    canvas.addEventListener('wheel', (event) => {
      if (!this.model) return;
      event.preventDefault();
      const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? this.heightCssPx : 1;
      const dx = event.deltaX * unit;
      const dy = event.deltaY * unit;
      const { x } = local(event);
      const anchor = Math.max(0, x - GUTTER_CSS_PX);
      if (event.ctrlKey || event.metaKey) {
        // Trackpad pinch arrives as ctrl+wheel with small deltas.
        this.zoomBy(Math.exp(dy * 0.01), anchor);
      } else if (event.shiftKey) {
        this.scrollLanesBy(dy || dx);
      } else if (Math.abs(dx) > Math.abs(dy)) {
        this.panBy(dx);
      } else {
        this.zoomBy(Math.exp(dy * 0.002), anchor);
      }
    }, { passive: false });
    canvas.addEventListener('pointerdown', (event) => {
      if (!this.model) return;
      canvas.focus();
      canvas.setPointerCapture(event.pointerId);
      const { x, y } = local(event);
      this.pointers.set(event.pointerId, { x, y });
      if (this.pointers.size === 2) {
        const [a, b] = [...this.pointers.values()];
        this.pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, range: { startNs: this.state.startNs, endNs: this.state.endNs }, centerCssPx: (a.x + b.x) / 2 - GUTTER_CSS_PX };
        this.drag = undefined;
        return;
      }
      const mode = y < AXIS_CSS_PX || event.shiftKey ? 'range' : 'pan';
      this.drag = { mode, startXCssPx: x, startYCssPx: y, startRange: { startNs: this.state.startNs, endNs: this.state.endNs }, startScrollTop: this.state.scrollTopCssPx, moved: false, currentXCssPx: x };
    });
    canvas.addEventListener('pointermove', (event) => {
      const { x, y } = local(event);
      if (this.pointers.has(event.pointerId)) this.pointers.set(event.pointerId, { x, y });
      if (this.pinch && this.pointers.size === 2) {
        const [a, b] = [...this.pointers.values()];
        const distance = Math.hypot(a.x - b.x, a.y - b.y) || 1;
        const scale = this.scale();
        if (scale) {
          const base = scale.withRange(this.pinch.range.startNs, this.pinch.range.endNs);
          const range = zoomRange(base, this.pinch.distance / distance, this.pinch.centerCssPx);
          this.setRange(range.startNs, range.endNs);
        }
        return;
      }
      const drag = this.drag;
      if (drag) {
        drag.currentXCssPx = x;
        if (Math.abs(x - drag.startXCssPx) > 3 || Math.abs(y - drag.startYCssPx) > 3) drag.moved = true;
        if (!drag.moved) return;
        this.hideTooltip();
        if (drag.mode === 'pan') {
          const scale = this.scale();
          if (!scale) return;
          const base = scale.withRange(drag.startRange.startNs, drag.startRange.endNs);
          const range = panRange(base, drag.startXCssPx - x);
          this.state.scrollTopCssPx = drag.startScrollTop + (drag.startYCssPx - y);
          this.setRange(range.startNs, range.endNs);
        } else {
          this.requestFrame();
        }
        return;
      }
      this.hoverAt(x, y, event.clientX, event.clientY);
    });
    const end = (event: PointerEvent) => {
      this.pointers.delete(event.pointerId);
      if (this.pinch) {
        if (this.pointers.size < 2) this.pinch = undefined;
        return;
      }
      const drag = this.drag;
      this.drag = undefined;
      if (!drag) return;
      const { x, y } = local(event);
      if (drag.mode === 'range' && drag.moved) {
        const scale = this.scale();
        const from = Math.min(drag.startXCssPx, x) - GUTTER_CSS_PX;
        const to = Math.max(drag.startXCssPx, x) - GUTTER_CSS_PX;
        if (scale && to - from > 4) this.setRange(scale.cssPxToTimeNs(Math.max(0, from)), scale.cssPxToTimeNs(to));
        else this.requestFrame();
        return;
      }
      if (!drag.moved && event.type === 'pointerup') this.clickAt(x, y);
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('pointerleave', () => {
      if (this.drag) return;
      this.cursorNs = undefined;
      this.hoverObjectId = undefined;
      this.hideTooltip();
      this.requestFrame();
    });
    canvas.addEventListener('keydown', (event) => this.onKey(event));
    canvas.addEventListener('blur', () => this.hideTooltip());

    this.scroller.addEventListener('scroll', () => {
      if (Math.abs(this.scroller.scrollTop - this.state.scrollTopCssPx) > 1) {
        this.state.scrollTopCssPx = this.scroller.scrollTop;
        this.viewChanged();
      }
    });

    const overview = this.overviewCanvas;
    let overviewDragging = false;
    const moveOverview = (event: PointerEvent) => {
      if (!this.overview || !this.model) return;
      const rect = overview.getBoundingClientRect();
      const center = this.overview.timeNsAt(event.clientX - rect.left, this.widthCssPx);
      const half = (this.state.endNs - this.state.startNs) / 2;
      this.setRange(center - half, center + half);
    };
    overview.addEventListener('pointerdown', (event) => {
      overviewDragging = true;
      overview.setPointerCapture(event.pointerId);
      moveOverview(event);
    });
    overview.addEventListener('pointermove', (event) => {
      if (overviewDragging) moveOverview(event);
    });
    overview.addEventListener('pointerup', () => (overviewDragging = false));
    overview.addEventListener('keydown', (event) => this.onKey(event));

    this.handoffButton.addEventListener('click', () => this.toggleHandoffs());
    this.filterInput.addEventListener('input', () => {
      this.state.filterText = this.filterInput.value;
      this.relayout();
      this.viewChanged();
    });
    this.filterSelect.addEventListener('change', () => {
      this.state.laneFilter = this.filterSelect.value;
      this.relayout();
      this.viewChanged();
    });
  }

  private toggleHandoffs(): void {
    this.state.showHandoffs = !this.state.showHandoffs;
    this.updateHandoffButton();
    this.viewChanged();
  }

  private scrollLanesBy(deltaCssPx: number): void {
    this.state.scrollTopCssPx += deltaCssPx;
    this.viewChanged();
  }

  private clickAt(xCssPx: number, yCssPx: number): void {
    if (!this.model || yCssPx < this.lanesTop()) return;
    const found = boxAt(this.layout, yCssPx - this.lanesTop() + this.state.scrollTopCssPx);
    if (!found) {
      this.selectedLaneIndex = undefined;
      this.requestFrame();
      return;
    }
    const hit = this.hitTest(xCssPx, yCssPx);
    this.selectedLaneIndex = found.box.laneIndex;
    if (hit?.objectId !== undefined) this.selectObject(hit.objectId);
    else this.selectLane(found.box.laneIndex);
  }

  private onKey(event: KeyboardEvent): void {
    if (!this.model || event.altKey || event.ctrlKey || event.metaKey) return;
    const scale = this.scale();
    const width = scale?.widthCssPx ?? 0;
    let handled = true;
    switch (event.key) {
      case 'ArrowLeft':
        this.panBy(-width * (event.shiftKey ? 0.5 : 0.1));
        break;
      case 'ArrowRight':
        this.panBy(width * (event.shiftKey ? 0.5 : 0.1));
        break;
      case '+':
      case '=':
        this.zoomBy(1 / ZOOM_STEP);
        break;
      case '-':
      case '_':
        this.zoomBy(ZOOM_STEP);
        break;
      case '0':
      case 'Home':
      case 'f':
        this.fitAll();
        break;
      case 'ArrowDown':
      case 'ArrowUp': {
        const boxes = this.layout.boxes;
        if (!boxes.length) break;
        const at = boxes.findIndex((b) => b.laneIndex === this.selectedLaneIndex);
        const next = at < 0 ? 0 : Math.min(boxes.length - 1, Math.max(0, at + (event.key === 'ArrowDown' ? 1 : -1)));
        this.selectLane(boxes[next].laneIndex);
        break;
      }
      case 'PageDown':
        this.scrollLanesBy(this.heightCssPx - this.lanesTop() - STATE_BAR_CSS_PX);
        break;
      case 'PageUp':
        this.scrollLanesBy(-(this.heightCssPx - this.lanesTop() - STATE_BAR_CSS_PX));
        break;
      case 'h':
      case 'H':
        this.toggleHandoffs();
        break;
      case 'Escape':
        this.state.selectedObjectId = undefined;
        this.findingPicked = undefined;
        this.findings?.markPicked(undefined);
        this.selectedLaneIndex = undefined;
        this.hoverObjectId = undefined;
        this.hideTooltip();
        this.locksList?.render(this.state.lockSort.key, this.state.lockSort.descending, undefined);
        this.viewChanged();
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  }
}

/** "7.0 µs virtual time · 3 threads · 41 events · controlled mode · seed 4, strategy pct (depth 2)". */
export function summaryFacts(model: Pick<Model, 'durationMs' | 'threads' | 'events' | 'mode'>, about: RunAbout): string {
  // A controlled run's clock is virtual (src/runtime/schedule.ts): it says nothing of how long the run took.
  const duration = `${formatDurationNs(model.durationMs * 1e6)}${model.mode === 'controlled' ? ' virtual time' : ''}`;
  const facts = [duration, `${model.threads.length} thread${model.threads.length === 1 ? '' : 's'}`, `${model.events.toLocaleString('en-US')} events`, `${model.mode} mode`];
  const schedule = about.schedule;
  if (schedule) facts.push(`seed ${schedule.seed}, strategy ${schedule.strategy}${schedule.depth !== undefined ? ` (depth ${schedule.depth})` : ''}`);
  return facts.join(' · ');
}

export function defaultViewState(startNs: number, endNs: number): ViewState {
  const range = fitRange(startNs, Math.max(endNs, startNs + 1));
  return {
    version: 1, startNs: range.startNs, endNs: range.endNs, scrollTopCssPx: 0, filterText: '', laneFilter: 'all',
    showHandoffs: true, lockSort: { key: 'waitNs', descending: true },
  };
}

function buildMarkerIndex(model: Model): MarkerIndex[] {
  const perLane = model.threads.map(() => [] as number[]);
  const laneOf = new Map(model.threads.map((t, i) => [t.tid, i]));
  model.markers.forEach((marker, i) => {
    const lane = laneOf.get(marker.tid);
    if (lane !== undefined) perLane[lane].push(i);
  });
  return perLane.map((indices) => {
    indices.sort((a, b) => model.markers[a].timeNs - model.markers[b].timeNs);
    return { timeNs: Float64Array.from(indices, (i) => model.markers[i].timeNs), marker: Uint32Array.from(indices) };
  });
}

/** The segments and holds that make the deadlock: each entry's wait at the moment it was found, and what it holds then. */
function deadlockHighlight(model: Model): DeadlockHighlight {
  const deadlock = model.deadlock!;
  const segments: DeadlockHighlight['segments'] = [];
  const holds: DeadlockHighlight['holds'] = [];
  for (const entry of deadlock.entries) {
    const laneIndex = model.threads.findIndex((t) => t.tid === entry.tid);
    if (laneIndex < 0) continue;
    let interval = model.stateAt(laneIndex, deadlock.detectedAtNs);
    const columns = model.threads[laneIndex].states;
    if (interval < 0 || (columns.state[interval] !== ThreadState.Blocked && columns.state[interval] !== ThreadState.Waiting)) {
      // The detector's clock may be a hair off the lane's: take the last wait of the lane.
      for (let i = columns.count - 1; i >= 0; i--) {
        if (columns.state[i] === ThreadState.Blocked || columns.state[i] === ThreadState.Waiting) {
          interval = i;
          break;
        }
      }
    }
    if (interval >= 0) segments.push({ laneIndex, interval });
    const laneHolds = model.holds[laneIndex];
    for (const objectId of entry.holds) {
      for (let i = laneHolds.count - 1; i >= 0; i--) {
        if (laneHolds.objectId[i] === objectId && laneHolds.startNs[i] <= deadlock.detectedAtNs && laneHolds.endNs[i] >= deadlock.detectedAtNs - 1) {
          holds.push({ laneIndex, hold: i });
          break;
        }
      }
    }
  }
  return { segments, holds, detectedAtNs: deadlock.detectedAtNs };
}

