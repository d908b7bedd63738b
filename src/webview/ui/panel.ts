/**
 * The panel: the page that wires its rooms together. It lays out the page (summary, toolbar,
 * lanes canvas, overview, legend, sidebar) and hands each room its part:
 *   view.ts         what every room reads: the run shown, the view state, sizes, hover, selection
 *   toolbar.ts      the buttons and filters above the lanes
 *   interaction.ts  wheel, pointer and keys: how zoom and pan feel
 *   selection.ts    clicks, hover and tooltips (hitTest.ts: what is under the pointer)
 *   sidebar.ts      deadlock inspector, findings, GIL statistics, locks list
 *   frameLoop.ts    one requestAnimationFrame paints a frame (draw.ts, then the overview)
 *   summary.ts, legend.ts  the run's header; the legend and the screen-reader list of lanes
 * This class is the panel's API for main.ts, the compare view, the tests and the bench. The
 * same class runs in the VS Code webview and in the standalone report; what differs is the Host.
 *
 * A run that failed (a deadlock, a livelock, an uncaught exception or a failed assert:
 * layout/failure.ts) opens on its failure: the first view spans the failure and what led to it,
 * its threads stand out and the first of them is selected, and the sidebar explains it. Only the
 * first view: a view restored from the host's state is kept, and later zooming is the user's.
 */
import type { LockOrderInversion } from '../../analysis/lockOrder';
import type { DataRace } from '../../analysis/races';
import type { RunAbout, SourceText, ViewState } from '../../shared/protocol';
import { formatDurationNs } from '../../shared/wording';
import { failureRange, type Failure } from '../layout/failure';
import { clear, el } from './dom';
import type { HitTarget } from './frame';
import { FrameLoop, type FrameStats } from './frameLoop';
import type { PanelHost } from './host';
import { Interaction } from './interaction';
import { renderLaneList, renderLegend } from './legend';
import { Selection } from './selection';
import { Sidebar } from './sidebar';
import { RunSummary } from './summary';
import { readTheme } from './theme';
import { Toolbar } from './toolbar';
import { View, type Model } from './view';

export class Panel {
  private readonly view: View;
  private readonly canvas: HTMLCanvasElement;
  private readonly overviewCanvas: HTMLCanvasElement;
  private readonly spacer: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly laneList: HTMLOListElement;
  private readonly summary = new RunSummary();
  private readonly toolbar: Toolbar;
  private readonly sidebar: Sidebar;
  private readonly selection: Selection;
  private readonly input: Interaction;
  private readonly frames: FrameLoop;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Told of every change of the visible range, as offsets from the run's start (the compare view links two panels). */
  onRangeChange: ((startOffsetNs: number, endOffsetNs: number) => void) | undefined;

  constructor(
    root: HTMLElement,
    private readonly host: PanelHost,
    initial: ViewState | undefined,
  ) {
    const view = (this.view = new View(initial));
    this.toolbar = new Toolbar(host, view, {
      fitAll: () => this.fitAll(),
      zoomIn: () => this.input.zoomIn(),
      zoomOut: () => this.input.zoomOut(),
      showFailure: () => this.showFailure(),
      toggleHandoffs: () => this.toggleHandoffs(),
      filtersChanged: () => {
        this.relayout();
        this.viewChanged();
      },
    });
    this.canvas = el('canvas', {
      className: 'lanes',
      attrs: { tabindex: '0', role: 'img', 'aria-label': 'Swimlanes', 'aria-describedby': 'lane-list keys-help' },
    });
    this.spacer = el('div', { className: 'vscroll-spacer' });
    const scroller = el('div', { className: 'vscroll', attrs: { 'aria-hidden': 'true' } }, [this.spacer]);
    this.overviewCanvas = el('canvas', {
      className: 'overview',
      attrs: {
        tabindex: '0',
        role: 'slider',
        'aria-label': 'Overview of the whole run: click or use the arrow keys to move the view',
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-valuenow': '0',
      },
    });
    this.legend = el('div', { className: 'legend', attrs: { 'aria-label': 'Legend' } });
    this.laneList = el('ol', { className: 'sr-only lane-list', attrs: { id: 'lane-list', 'aria-label': 'Lanes, one per thread' } });
    const keysHelp = el('p', {
      className: 'sr-only',
      attrs: { id: 'keys-help' },
      text: 'Keys: left and right arrows pan, plus and minus zoom, 0 fits the whole run, up and down arrows move between threads, H toggles hand-off arrows, Escape clears the selection. Drag to pan, drag on the time axis or shift-drag to zoom into a range, wheel or pinch to zoom.',
    });
    this.sidebar = new Sidebar(view, host.kind, () => this.viewChanged());
    const frame = { requestFrame: () => this.frames.request(), viewChanged: () => this.viewChanged() };
    this.selection = new Selection(view, this.canvas, this.laneList, this.sidebar, host, frame);
    this.frames = new FrameLoop(view, this.canvas, this.overviewCanvas, scroller, {
      rangeSelectionCssPx: () => this.input.rangeSelectionCssPx(),
      painted: (output) => this.toolbar.showHandoffNote(output),
    });
    this.input = new Interaction(view, this.canvas, this.overviewCanvas, scroller, this.selection, {
      ...frame,
      setRange: (startNs, endNs) => this.setRange(startNs, endNs),
      toggleHandoffs: () => this.toggleHandoffs(),
    });
    const timeline = el('section', { className: 'timeline', attrs: { 'aria-label': 'Timeline' } }, [
      this.toolbar.element,
      el('div', { className: 'canvas-wrap' }, [this.canvas, scroller]),
      this.overviewCanvas,
      this.legend,
      this.laneList,
      keysHelp,
    ]);
    clear(root);
    root.append(
      el('div', { className: 'app' }, [
        this.summary.element,
        this.summary.bannerSlot,
        el('div', { className: 'main' }, [timeline, this.sidebar.element]),
        this.selection.tooltip,
        this.selection.status,
      ]),
    );
    new ResizeObserver(() => this.frames.resize()).observe(this.canvas.parentElement!);
    // VS Code changes the theme by switching body classes; the standalone report follows the OS.
    new MutationObserver(() => this.refreshTheme()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.refreshTheme());
  }

  // ---------------------------------------------------------------------------------------
  // Loading

  showProgress(text: string): void {
    this.summary.showProgress(text);
  }

  showError(message: string): void {
    this.summary.showError(message);
  }

  /**
   * Shows a run: the view `restored` if it fits the run, else the run's `failure` (from
   * failureOf; undefined: it did not fail) in focus, else the whole run.
   */
  setModel(model: Model, sources: SourceText[], restored: ViewState | undefined, about: RunAbout = {}, failure?: Failure): void {
    const kept = this.view.load(model, sources, restored, about, this.overviewCanvas, failure);
    this.toolbar.showFilters();
    this.toolbar.showFailure();
    this.summary.show(model, about, this.canvas);
    this.renderLegend();
    this.sidebar.render(this.selection);
    this.relayout();
    this.refreshTheme();
    this.frames.resize();
    this.toolbar.showHandoffs();
    // The first view of a failed run: its range is set already (View.load); now its threads.
    if (failure && !kept) this.selection.focusFailure(failure);
    this.frames.request();
  }

  /** Puts the view on the run's failure again (the toolbar's button): its range, threads and sidebar entry. */
  showFailure(): void {
    const { model, failure } = this.view;
    if (!model || !failure) return;
    const range = failureRange(failure, model.startNs, model.endNs) ?? this.view.fitRange();
    this.setRange(range.startNs, range.endNs);
    this.selection.focusFailure(failure);
  }

  /**
   * Shows what the analyses found (src/analysis/lockOrder.ts, races.ts): lock-order inversions,
   * and races when the run recorded shared accesses (undefined: not checked). They come after
   * the first frame, since they read every event.
   */
  setFindings(lockOrder: LockOrderInversion[], races: DataRace[] | undefined): void {
    const model = this.view.model;
    if (!model) return;
    model.lockOrder = lockOrder;
    model.races = races;
    this.sidebar.render(this.selection);
  }

  /** Highlights a primitive's holds by name (the host asks when a lock is hovered in the editor). */
  highlightByName(name: string): void {
    this.selection.highlightByName(name);
  }

  restoreView(state: ViewState): void {
    const view = this.view;
    if (!view.model) {
      view.state = state;
      return;
    }
    view.state = { ...state };
    this.toolbar.showFilters();
    this.relayout();
    this.sidebar.render(this.selection);
    this.toolbar.showHandoffs();
    this.frames.request();
  }

  // ---------------------------------------------------------------------------------------
  // Test and bench hooks (window.__threadlanes)

  get stats(): FrameStats {
    return this.frames.stats;
  }

  viewState(): ViewState {
    const state = this.view.state;
    return { ...state, lockSort: { ...state.lockSort } };
  }

  /** What the last frame drew, in page CSS pixels, so tests can point at a hold bar. */
  hitTargets(): HitTarget[] {
    const rect = this.canvas.getBoundingClientRect();
    return (this.frames.lastFrame?.hitTargets ?? []).map((t) => ({ ...t, xCssPx: t.xCssPx + rect.left, yCssPx: t.yCssPx + rect.top }));
  }

  /** How the run shown failed (undefined: it did not), as the view opened on it. */
  failure(): Failure | undefined {
    return this.view.failure;
  }

  /** What stands out in the lanes: the selected lane's thread, and the threads and primitives highlighted with it. */
  highlighted(): { selectedThread: string | undefined; threads: string[]; objects: string[]; siteIndex: number | undefined } {
    const { model, findingPicked, findingHover, selectedLaneIndex, state } = this.view;
    if (!model) return { selectedThread: undefined, threads: [], objects: [], siteIndex: undefined };
    const focus = findingHover ?? findingPicked;
    const name = (tid: number) => model.threads.find((t) => t.tid === tid)?.name ?? `thread ${tid}`;
    return {
      selectedThread: selectedLaneIndex !== undefined ? model.threads[selectedLaneIndex]?.name : undefined,
      threads: (focus?.tids ?? []).map(name),
      objects: (focus?.objectIds ?? []).map((id) => this.view.primitiveById.get(id)?.name ?? `object ${id}`),
      siteIndex: state.selectedSiteIndex,
    };
  }

  laneNames(): string[] {
    return this.view.layout.boxes.map((b) => this.view.model!.threads[b.laneIndex].name);
  }

  /** Resolves after the next painted frame with how long it took. */
  nextFrame(): Promise<number> {
    return this.frames.next();
  }

  // ---------------------------------------------------------------------------------------
  // The visible range

  setRange(startNs: number, endNs: number): void {
    const model = this.view.model;
    if (!model) return;
    const shown = this.view.showRange(startNs, endNs);
    this.viewChanged();
    this.onRangeChange?.(shown.startNs - model.startNs, shown.endNs - model.startNs);
  }

  zoomBy(factor: number, anchorCssPx?: number): void {
    this.input.zoomBy(factor, anchorCssPx);
  }

  panBy(deltaCssPx: number): void {
    this.input.panBy(deltaCssPx);
  }

  fitAll(): void {
    this.input.fitAll();
  }

  /** The compare view: let the view span `spanNs` from the run's start and fit it (both runs then share one scale). */
  shareSpan(spanNs: number): void {
    this.view.sharedSpanNs = spanNs;
    if (!this.view.model) return;
    const range = this.view.fitRange();
    this.view.showRange(range.startNs, range.endNs);
    this.viewChanged();
  }

  /** Shows the range [startOffsetNs, endOffsetNs] from the run's start, without telling onRangeChange (it came from there). */
  showOffsets(startOffsetNs: number, endOffsetNs: number): void {
    const model = this.view.model;
    if (!model) return;
    this.view.showRange(model.startNs + startOffsetNs, model.startNs + endOffsetNs);
    this.viewChanged();
  }

  // ---------------------------------------------------------------------------------------
  // Wiring

  private toggleHandoffs(): void {
    this.view.state.showHandoffs = !this.view.state.showHandoffs;
    this.toolbar.showHandoffs();
    this.viewChanged();
  }

  private refreshTheme(): void {
    const context = this.canvas.getContext('2d');
    if (!context) return;
    this.view.theme = readTheme(document.documentElement, context, window.devicePixelRatio || 1);
    this.renderLegend();
    this.sidebar.render(this.selection);
    this.frames.request();
  }

  private renderLegend(): void {
    if (this.view.theme) renderLegend(this.legend, this.view.theme, this.view.model);
  }

  private relayout(): void {
    const model = this.view.model;
    if (!model) return;
    this.view.relayout(model);
    this.spacer.style.height = `${this.view.layout.totalHeightCssPx}px`;
    renderLaneList(this.laneList, this.view);
  }

  /** The view state changed: a frame, the overview's slider values, and (debounced) the host keeps the state. */
  private viewChanged(): void {
    this.frames.request();
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      const state = this.viewState();
      this.host.saveState(state);
      this.host.post({ type: 'viewState', state });
    }, 300);
    const { model, state } = this.view;
    const span = model ? model.endNs - model.startNs : 1;
    this.overviewCanvas.setAttribute('aria-valuenow', String(model ? Math.round(((state.startNs - model.startNs) / span) * 100) : 0));
    this.overviewCanvas.setAttribute(
      'aria-valuetext',
      model ? `showing ${formatDurationNs(state.startNs - model.startNs)} to ${formatDurationNs(state.endNs - model.startNs)}` : '',
    );
  }
}
