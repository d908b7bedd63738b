/**
 * What every room of the panel reads and writes: the run shown (the model and the indexes built
 * once per model), the view state the host keeps (range, scroll, filters, selection), the
 * canvas's size, and what the pointer and the selection point at. Data and small derived
 * helpers (the time scale, where the lanes begin); no DOM of its own.
 */
import type { PrimitiveInfo, TimelineModel, TimelineQueries } from '../../analysis/model';
import type { RunAbout, SourceText, ViewState } from '../../shared/protocol';
import { deadlockHighlight, type DeadlockHighlight } from '../layout/deadlock';
import { failureRange, type Failure } from '../layout/failure';
import { buildHoldRows, layoutLanes, type LaneLayout, type LaneRows } from '../layout/lanes';
import { clampRange, fitRange, TimeScale } from '../layout/timeScale';
import type { FindingFocus } from './findings';
import { GUTTER_CSS_PX, lanesTopCssPx, type MarkerIndex } from './frame';
import { Overview } from './overview';
import type { Theme } from './theme';

export type Model = TimelineModel & TimelineQueries;

export class View {
  model: Model | undefined;
  sources: SourceText[] = [];
  about: RunAbout = {};
  rows: LaneRows[] = [];
  layout: LaneLayout = { boxes: [], bottomsCssPx: new Float64Array(0), totalHeightCssPx: 0 };
  primitiveById = new Map<number, PrimitiveInfo>();
  markerIndex: MarkerIndex[] = [];
  handoffOrder = new Uint32Array(0);
  handoffAcquireNs = new Float64Array(0);
  deadlock: DeadlockHighlight | undefined;
  /** How the run failed (layout/failure.ts), if it did: the view opens on it. */
  failure: Failure | undefined;
  /** The overview strip of the run shown (it maps the strip's x to time). */
  overview: Overview | undefined;
  theme: Theme | undefined;

  state: ViewState;
  widthCssPx = 0;
  heightCssPx = 0;
  devicePixelRatio = 1;
  hoverObjectId: number | undefined;
  selectedLaneIndex: number | undefined;
  cursorNs: number | undefined;
  /** The instant the locks list's tooltips speak of: the last hovered time, else the deadlock or the end. */
  instantNs = 0;
  /** A potential deadlock or race under the pointer, and the one picked: their locks and lanes stand out. */
  findingHover: FindingFocus | undefined;
  findingPicked: FindingFocus | undefined;
  /** The compare view: the time the view may span from the run's start (the longer run's), so two runs share a scale. */
  sharedSpanNs = 0;

  constructor(initial: ViewState | undefined) {
    this.state = initial ?? defaultViewState(0, 1);
  }

  /**
   * Takes a new run: builds its indexes, and the view `restored` if it overlaps the run, else
   * the run's failure (failureRange) or the whole run. Returns whether `restored` was taken.
   */
  load(
    model: Model,
    sources: SourceText[],
    restored: ViewState | undefined,
    about: RunAbout,
    overviewCanvas: HTMLCanvasElement,
    failure?: Failure,
  ): boolean {
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
    this.deadlock = model.deadlock ? deadlockHighlight(model, model.deadlock) : undefined;
    this.failure = failure;
    this.findingHover = undefined;
    this.findingPicked = undefined;
    this.selectedLaneIndex = undefined;
    this.instantNs = model.deadlock ? model.deadlock.detectedAtNs : (failure?.atNs ?? model.endNs);
    const fit = defaultViewState(model.startNs, model.endNs);
    const taken = Boolean(restored && restored.endNs > model.startNs && restored.startNs < model.endNs);
    const opening = failure && failureRange(failure, model.startNs, model.endNs);
    this.state = taken
      ? { ...fit, ...restored }
      : { ...fit, ...opening, showHandoffs: model.handoffs.length > 0 && model.handoffs.length <= 2000 };
    this.overview = new Overview(overviewCanvas, model);
    return taken;
  }

  /** Lays the lanes out again (after a filter changed); a selected lane the filter hides is let go. */
  relayout(model: Model): void {
    this.layout = layoutLanes(model, this.rows, this.state.filterText, this.state.laneFilter);
    if (this.selectedLaneIndex !== undefined && !this.layout.boxes.some((b) => b.laneIndex === this.selectedLaneIndex))
      this.selectedLaneIndex = undefined;
  }

  /** The time area's scale for the visible range; undefined before a run or while the canvas has no room. */
  scale(): TimeScale | undefined {
    if (!this.model || this.widthCssPx <= GUTTER_CSS_PX) return undefined;
    return new TimeScale(this.state.startNs, this.state.endNs, this.widthCssPx - GUTTER_CSS_PX, this.devicePixelRatio);
  }

  /** Where the thread lanes begin (under the GIL lane in GIL mode). */
  lanesTop(): number {
    return lanesTopCssPx(this.model);
  }

  /** The end of the time the view may show: the run's end, or further when it shares a scale with a longer run. */
  domainEndNs(): number {
    const model = this.model!;
    return Math.max(model.endNs, model.startNs + this.sharedSpanNs);
  }

  /** Shows [startNs, endNs] as far as the run allows (see clampRange); returns the range shown. Needs a model. */
  showRange(startNs: number, endNs: number): { startNs: number; endNs: number } {
    const model = this.model!;
    const clamped = clampRange(startNs, endNs, model.startNs, this.domainEndNs());
    this.state.startNs = clamped.startNs;
    this.state.endNs = clamped.endNs;
    return clamped;
  }

  /** The whole run (or the shared span), with a little room on each side. Needs a model. */
  fitRange(): { startNs: number; endNs: number } {
    return fitRange(this.model!.startNs, this.domainEndNs());
  }
}

function defaultViewState(startNs: number, endNs: number): ViewState {
  const range = fitRange(startNs, Math.max(endNs, startNs + 1));
  return {
    version: 1,
    startNs: range.startNs,
    endNs: range.endNs,
    scrollTopCssPx: 0,
    filterText: '',
    laneFilter: 'all',
    showHandoffs: true,
    lockSort: { key: 'waitNs', descending: true },
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
