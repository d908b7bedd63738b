/**
 * The overview strip: the whole run at a glance (how many threads run, wait, are blocked, per
 * column, from the coarse levels of detail) with the visible range outlined. The summary is
 * painted once per size/theme into an offscreen canvas; each frame only copies it and draws
 * the window.
 */
import { type TimelineModel } from '../../analysis/model';
import { THREAD_STATE_COUNT, ThreadState } from '../../trace/format';
import { GUTTER_CSS_PX } from './frame';
import { withAlpha, type Theme } from './theme';

export const OVERVIEW_CSS_PX = 36;

/** Drawn bottom to top; shares are of the time of the threads alive there (before start and after the end do not count). */
const STACK: ThreadState[] = [
  ThreadState.Running,
  ThreadState.Starting,
  ThreadState.Sleeping,
  ThreadState.WaitingForGil,
  ThreadState.Waiting,
  ThreadState.Blocked,
];

/** Per column, the time all lanes spent in each state (from the level of detail just finer than a column). */
function overviewColumns(model: TimelineModel, columns: number): Float64Array {
  const out = new Float64Array(columns * THREAD_STATE_COUNT);
  const spanNs = Math.max(1, model.endNs - model.startNs);
  const columnNs = spanNs / columns;
  for (const lane of model.threads) {
    // The coarsest level whose buckets are no wider than a column; a lane with few intervals
    // may have only buckets wider than that: then its intervals (few) are spread over the columns.
    let level = -1;
    for (let k = 0; k < lane.lod.length; k++) if (lane.lod[k].bucketNs <= columnNs) level = k;
    const lod = level >= 0 ? lane.lod[level] : undefined;
    if (lod) {
      const originNs = lod.originNs ?? model.startNs;
      const buckets = lod.timeInState.length / THREAD_STATE_COUNT;
      for (let b = 0; b < buckets; b++) {
        const column = Math.min(columns - 1, Math.floor((originNs - model.startNs + (b + 0.5) * lod.bucketNs) / columnNs));
        if (column < 0) continue;
        for (let s = 0; s < THREAD_STATE_COUNT; s++) out[column * THREAD_STATE_COUNT + s] += lod.timeInState[b * THREAD_STATE_COUNT + s];
      }
      continue;
    }
    const c = lane.states;
    for (let i = 0; i < c.count; i++) {
      const from = Math.max(0, c.startNs[i] - model.startNs);
      const to = Math.min(spanNs, c.endNs[i] - model.startNs);
      for (let column = Math.floor(from / columnNs); column < columns && column * columnNs < to; column++) {
        const overlap = Math.min(to, (column + 1) * columnNs) - Math.max(from, column * columnNs);
        if (overlap > 0) out[column * THREAD_STATE_COUNT + c.state[i]] += overlap;
      }
    }
  }
  return out;
}

export class Overview {
  private cache: HTMLCanvasElement | undefined;
  private cacheKey = '';

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly model: TimelineModel,
  ) {}

  /** x in CSS px of the strip ↔ time: the strip maps the whole run onto the time area's width. */
  timeNsAt(xCssPx: number, widthCssPx: number): number {
    const span = this.model.endNs - this.model.startNs;
    return this.model.startNs + ((xCssPx - GUTTER_CSS_PX) / Math.max(1, widthCssPx - GUTTER_CSS_PX)) * span;
  }

  draw(theme: Theme, widthCssPx: number, devicePixelRatio: number, visible: { startNs: number; endNs: number }): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const widthDevicePx = Math.round(widthCssPx * devicePixelRatio);
    const heightDevicePx = Math.round(OVERVIEW_CSS_PX * devicePixelRatio);
    const key = `${widthDevicePx}x${heightDevicePx}:${theme.background}:${theme.stateColor.join()}`;
    if (key !== this.cacheKey || !this.cache) {
      this.cache = this.paintSummary(theme, widthCssPx, devicePixelRatio);
      this.cacheKey = key;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.cache, 0, 0);
    ctx.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    const timeWidth = widthCssPx - GUTTER_CSS_PX;
    const span = Math.max(1, this.model.endNs - this.model.startNs);
    const x0 = GUTTER_CSS_PX + ((visible.startNs - this.model.startNs) / span) * timeWidth;
    const x1 = GUTTER_CSS_PX + ((visible.endNs - this.model.startNs) / span) * timeWidth;
    const left = Math.max(GUTTER_CSS_PX, x0);
    const right = Math.min(widthCssPx, Math.max(x1, x0 + 2));
    // Shade what is outside the view, outline the view.
    ctx.fillStyle = withAlpha(theme.background, 0.6);
    ctx.fillRect(GUTTER_CSS_PX, 0, Math.max(0, left - GUTTER_CSS_PX), OVERVIEW_CSS_PX);
    ctx.fillRect(right, 0, Math.max(0, widthCssPx - right), OVERVIEW_CSS_PX);
    ctx.strokeStyle = theme.focus;
    ctx.lineWidth = 2;
    ctx.strokeRect(left + 1, 1, Math.max(2, right - left - 2), OVERVIEW_CSS_PX - 2);
    ctx.lineWidth = 1;
  }

  private paintSummary(theme: Theme, widthCssPx: number, devicePixelRatio: number): HTMLCanvasElement {
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(widthCssPx * devicePixelRatio));
    canvas.height = Math.max(1, Math.round(OVERVIEW_CSS_PX * devicePixelRatio));
    const ctx = canvas.getContext('2d');
    if (!ctx) return canvas;
    ctx.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    ctx.fillStyle = theme.widgetBackground;
    ctx.fillRect(0, 0, widthCssPx, OVERVIEW_CSS_PX);
    ctx.fillStyle = theme.muted;
    ctx.font = `11px ${theme.font}`;
    ctx.textBaseline = 'middle';
    ctx.fillText('whole run', 8, OVERVIEW_CSS_PX / 2);
    const timeWidth = Math.max(1, Math.floor(widthCssPx - GUTTER_CSS_PX));
    const columns = overviewColumns(this.model, timeWidth);
    // Each column shows how the live threads' time there was shared out (a column's buckets may
    // cover a little more or less time than its neighbour's: shares keep the strip even).
    const usable = OVERVIEW_CSS_PX - 6;
    for (let c = 0; c < timeWidth; c++) {
      let total = 0;
      for (const s of STACK) total += columns[c * THREAD_STATE_COUNT + s];
      if (total <= 0) continue;
      let y = OVERVIEW_CSS_PX - 3;
      for (const s of STACK) {
        const h = (columns[c * THREAD_STATE_COUNT + s] / total) * usable;
        if (h <= 0) continue;
        ctx.fillStyle =
          s === ThreadState.Sleeping || s === ThreadState.Starting ? withAlpha(theme.stateColor[s], 0.5) : theme.stateColor[s];
        ctx.fillRect(GUTTER_CSS_PX + c, y - h, 1, h);
        y -= h;
      }
    }
    ctx.strokeStyle = theme.border;
    ctx.strokeRect(0.5, 0.5, widthCssPx - 1, OVERVIEW_CSS_PX - 1);
    return canvas;
  }
}
