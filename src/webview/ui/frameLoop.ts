/**
 * The frame loop: one requestAnimationFrame paints a frame (draw.ts's drawFrame, then the
 * overview strip); everything else only asks for one, and asking twice before it comes still
 * paints once. It also sizes the canvases to their box and keeps the numbers the tests and the
 * bench read (FrameStats).
 */
import { drawFrame } from './draw';
import type { FrameOutput } from './frame';
import { OVERVIEW_CSS_PX } from './overview';
import type { View } from './view';

/** Numbers the tests and the bench read through window.__threadlanes. */
export interface FrameStats {
  /** performance.now() when the first frame of a loaded run had been painted. */
  firstFrameAtMs: number | undefined;
  /** How long painting each frame took (ms), the latest last; at most 1000 kept. */
  frameMs: number[];
  frames: number;
}

/** What a frame reads from the other rooms, and tells them when it is painted. */
export interface FrameSources {
  /** The range being dragged out on the lanes (interaction.ts), drawn as a band. */
  rangeSelectionCssPx(): { from: number; to: number } | undefined;
  painted(frame: FrameOutput): void;
}

export class FrameLoop {
  readonly stats: FrameStats = { firstFrameAtMs: undefined, frameMs: [], frames: 0 };
  /** What the last frame drew (its hit targets are the tests' handle on the lanes). */
  lastFrame: FrameOutput | undefined;
  private requested = false;
  private readonly waiters: ((ms: number) => void)[] = [];

  constructor(
    private readonly view: View,
    private readonly canvas: HTMLCanvasElement,
    private readonly overviewCanvas: HTMLCanvasElement,
    private readonly scroller: HTMLElement,
    private readonly sources: FrameSources,
  ) {}

  request(): void {
    if (this.requested) return;
    this.requested = true;
    requestAnimationFrame(() => this.paint());
  }

  /** Resolves after the next painted frame with how long it took. */
  next(): Promise<number> {
    this.request();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Fits both canvases to the lanes' box (less the scrollbar) at the device's pixel ratio. */
  resize(): void {
    const view = this.view;
    const wrap = this.canvas.parentElement!;
    const rect = wrap.getBoundingClientRect();
    view.devicePixelRatio = window.devicePixelRatio || 1;
    view.widthCssPx = Math.max(0, Math.floor(rect.width - this.scroller.offsetWidth));
    view.heightCssPx = Math.max(0, Math.floor(rect.height));
    this.canvas.style.width = `${view.widthCssPx}px`;
    this.canvas.style.height = `${view.heightCssPx}px`;
    this.canvas.width = Math.round(view.widthCssPx * view.devicePixelRatio);
    this.canvas.height = Math.round(view.heightCssPx * view.devicePixelRatio);
    this.overviewCanvas.style.width = `${view.widthCssPx}px`;
    this.overviewCanvas.style.height = `${OVERVIEW_CSS_PX}px`;
    this.overviewCanvas.width = Math.round(view.widthCssPx * view.devicePixelRatio);
    this.overviewCanvas.height = Math.round(OVERVIEW_CSS_PX * view.devicePixelRatio);
    this.scroller.style.top = `${view.lanesTop()}px`;
    this.request();
  }

  private paint(): void {
    this.requested = false;
    const view = this.view;
    const model = view.model;
    const scale = view.scale();
    const context = this.canvas.getContext('2d');
    if (!model || !scale || !context || !view.theme) return;
    const started = performance.now();
    const state = view.state;
    const finding = view.findingHover ?? view.findingPicked;
    const maxScroll = Math.max(0, view.layout.totalHeightCssPx - (view.heightCssPx - view.lanesTop()));
    state.scrollTopCssPx = Math.min(Math.max(0, state.scrollTopCssPx), maxScroll);
    this.lastFrame = drawFrame({
      context,
      model,
      rows: view.rows,
      primitiveById: view.primitiveById,
      layout: view.layout,
      theme: view.theme,
      scale,
      widthCssPx: view.widthCssPx,
      heightCssPx: view.heightCssPx,
      devicePixelRatio: view.devicePixelRatio,
      scrollTopCssPx: state.scrollTopCssPx,
      highlightObjectId: view.hoverObjectId ?? state.selectedObjectId,
      highlightObjectIds: finding?.objectIds.length ? new Set(finding.objectIds) : undefined,
      highlightLaneIndices: finding
        ? new Set(finding.tids.map((tid) => model.threads.findIndex((t) => t.tid === tid)).filter((i) => i >= 0))
        : undefined,
      selectedLaneIndex: view.selectedLaneIndex,
      showHandoffs: state.showHandoffs,
      handoffOrder: view.handoffOrder,
      handoffAcquireNs: view.handoffAcquireNs,
      markers: view.markerIndex,
      deadlock: view.deadlock,
      selectedDeadlockTid: state.selectedSiteIndex !== undefined ? model.deadlock?.entries[state.selectedSiteIndex]?.tid : undefined,
      cursorNs: view.cursorNs,
      rangeSelectionCssPx: this.sources.rangeSelectionCssPx(),
      emptyMessage: model.threads.length === 0 ? 'No thread ran.' : 'No thread matches the filter.',
    });
    view.overview?.draw(view.theme, view.widthCssPx, view.devicePixelRatio, state);
    if (Math.abs(this.scroller.scrollTop - state.scrollTopCssPx) > 1) this.scroller.scrollTop = state.scrollTopCssPx;
    this.sources.painted(this.lastFrame);
    const elapsed = performance.now() - started;
    this.stats.frames++;
    this.stats.frameMs.push(elapsed);
    if (this.stats.frameMs.length > 1000) this.stats.frameMs.splice(0, this.stats.frameMs.length - 1000);
    if (this.stats.firstFrameAtMs === undefined) this.stats.firstFrameAtMs = performance.now();
    for (const resolve of this.waiters.splice(0)) resolve(elapsed);
  }
}
