/**
 * Paints one frame of the swimlanes onto the canvas: axis, lanes (state runs), hold bars,
 * markers, hand-offs, the deadlock's segments and highlights. It only draws and records what it
 * drew (hit targets for tests and tooltips); layout and time↔pixel conversions come from
 * layout/ and one TimeScale. The canvas transform is CSS pixels (× devicePixelRatio).
 */
import { type PrimitiveInfo, type TimelineModel, type TimelineQueries } from '../../analysis/model';
import { HOLD_ROW_CSS_PX, STATE_BAR_CSS_PX, visibleBoxes, type LaneBox, type LaneLayout, type LaneRows } from '../layout/lanes';

import { holdBars, stateRuns } from '../layout/runs';

import { lowerBound, upperBound } from '../../shared/search';

import { ticks, type TimeScale } from '../layout/timeScale';

import { stateBarShare, withAlpha, type Theme } from './theme';
import { ThreadState } from '../../trace/format';


export const GUTTER_CSS_PX = 184;
export const AXIS_CSS_PX = 28;
/** GIL mode: the GIL lane, fixed under the axis above the (scrolling) thread lanes. */
export const GIL_LANE_CSS_PX = 26;
const GIL_BAR_CSS_PX = 18;

/** Where the thread lanes begin: under the axis, and under the GIL lane in GIL mode. */
export function lanesTopCssPx(model: TimelineModel | undefined): number {
  return AXIS_CSS_PX + (model?.gil ? GIL_LANE_CSS_PX : 0);
}

/** A thread's colour slot on the GIL lane: its lane position (MainThread first). */
export function threadColorSlot(model: TimelineModel, tid: number, slots: number): number {
  const laneIndex = model.threads.findIndex((lane) => lane.tid === tid);
  return (laneIndex < 0 ? tid : laneIndex) % slots;
}
/** Beyond this many hand-offs in view the arrows would be a smear: ask to zoom in instead. */
export const MAX_HANDOFFS_DRAWN = 400;
const MAX_HIT_TARGETS = 4000;

export interface HitTarget {
  kind: 'hold' | 'blocked' | 'waiting' | 'gil-wait' | 'gil' | 'marker' | 'lane';
  tid: number;
  thread: string;
  objectId?: number;
  name?: string;
  /** CSS pixels relative to the canvas. */
  xCssPx: number;
  yCssPx: number;
  widthCssPx: number;
  heightCssPx: number;
  startNs?: number;
  endNs?: number;
}

/** Per lane, markers sorted by time (indices into model.markers). */
export interface MarkerIndex {
  timeNs: Float64Array;
  marker: Uint32Array;
}

export interface DeadlockHighlight {
  /** Interval indices per lane index that take part in the cycle (the final blocked segment). */
  segments: { laneIndex: number; interval: number }[];
  /** Holds (lane index, hold index) of the primitives in the cycle, held at the deadlock. */
  holds: { laneIndex: number; hold: number }[];
  detectedAtNs: number;
}

export interface FrameInput {
  context: CanvasRenderingContext2D;
  model: TimelineModel & TimelineQueries;
  rows: LaneRows[];
  primitiveById: Map<number, PrimitiveInfo>;
  layout: LaneLayout;
  theme: Theme;
  /** The time area (right of the gutter). */
  scale: TimeScale;
  widthCssPx: number;
  heightCssPx: number;
  devicePixelRatio: number;
  scrollTopCssPx: number;
  /** The primitive whose holds stand out (hovered or picked); the others are dimmed. */
  highlightObjectId: number | undefined;
  /** Several primitives that stand out when no single one does (a potential deadlock's locks, hovered or picked in the sidebar). */
  highlightObjectIds?: ReadonlySet<number>;
  /** Lanes that stand out with the selected one (the threads of a potential deadlock or a race). */
  highlightLaneIndices?: ReadonlySet<number>;
  selectedLaneIndex: number | undefined;
  showHandoffs: boolean;
  /** Hand-offs sorted by acquire time: indices into model.handoffs and their acquire times. */
  handoffOrder: Uint32Array;
  handoffAcquireNs: Float64Array;
  markers: MarkerIndex[];
  deadlock: DeadlockHighlight | undefined;
  /** The deadlock entry picked in the inspector: its segment is drawn with the focus colour. */
  selectedDeadlockTid: number | undefined;
  cursorNs: number | undefined;
  rangeSelectionCssPx: { from: number; to: number } | undefined;
  /** Said in the lane area when no lane shows (no thread ran; the filter hides every lane). */
  emptyMessage: string | undefined;
}

export interface FrameOutput {
  hitTargets: HitTarget[];
  handoffsInView: number;
  handoffsDrawn: number;
}

export function drawFrame(input: FrameInput): FrameOutput {
  const { context: ctx, theme, scale, widthCssPx, heightCssPx, devicePixelRatio: dpr } = input;
  const out: FrameOutput = { hitTargets: [], handoffsInView: 0, handoffsDrawn: 0 };
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, widthCssPx, heightCssPx);
  const lanesTop = lanesTopCssPx(input.model);
  const lanesHeightCssPx = heightCssPx - lanesTop;
  const boxes = visibleBoxes(input.layout, input.scrollTopCssPx, lanesHeightCssPx);
  const laneY = (cssPx: number) => lanesTop + cssPx - input.scrollTopCssPx;
  const tickList = ticks(scale, input.model.startNs);

  // Lane backgrounds and grid, clipped to the lane area.
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, lanesTop, widthCssPx, lanesHeightCssPx);
  ctx.clip();
  boxes.forEach((box) => {
    const position = input.layout.boxes.indexOf(box);
    if (box.laneIndex === input.selectedLaneIndex || input.highlightLaneIndices?.has(box.laneIndex)) {
      ctx.fillStyle = withAlpha(theme.focus, 0.12);
      ctx.fillRect(0, laneY(box.topCssPx), widthCssPx, box.heightCssPx);
    } else if (position % 2 === 1) {
      ctx.fillStyle = withAlpha(theme.foreground, 0.03);
      ctx.fillRect(0, laneY(box.topCssPx), widthCssPx, box.heightCssPx);
    }
  });
  ctx.strokeStyle = withAlpha(theme.foreground, 0.08);
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const tick of tickList) {
    const x = Math.round(GUTTER_CSS_PX + scale.timeNsToCssPx(tick.timeNs)) + 0.5;
    ctx.moveTo(x, lanesTop);
    ctx.lineTo(x, heightCssPx);
  }
  ctx.stroke();

  // The time area: clip so bars never run into the gutter.
  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER_CSS_PX, lanesTop, scale.widthCssPx, lanesHeightCssPx);
  ctx.clip();
  for (const box of boxes) drawLane(input, box, laneY, out);
  drawDeadlock(input, laneY);
  if (input.showHandoffs) drawHandoffs(input, laneY, out);
  if (input.cursorNs !== undefined) {
    const x = GUTTER_CSS_PX + scale.timeNsToCssPx(input.cursorNs);
    ctx.strokeStyle = withAlpha(theme.foreground, 0.45);
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, lanesTop);
    ctx.lineTo(Math.round(x) + 0.5, heightCssPx);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.restore();

  // Gutter: names over the lanes.
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, lanesTop, GUTTER_CSS_PX, lanesHeightCssPx);
  for (const box of boxes) drawLaneName(input, box, laneY, out);
  if (input.emptyMessage && boxes.length === 0) {
    ctx.font = font(theme, 13);
    ctx.fillStyle = theme.muted;
    ctx.textBaseline = 'top';
    ctx.fillText(input.emptyMessage, GUTTER_CSS_PX + 16, lanesTop + 16);
  }
  ctx.strokeStyle = theme.border;
  ctx.beginPath();
  ctx.moveTo(GUTTER_CSS_PX - 0.5, lanesTop);
  ctx.lineTo(GUTTER_CSS_PX - 0.5, heightCssPx);
  ctx.stroke();
  ctx.restore();

  if (input.model.gil) drawGilLane(input, tickList, out);
  drawAxis(input, tickList);
  if (input.rangeSelectionCssPx) {
    const from = Math.max(GUTTER_CSS_PX, Math.min(input.rangeSelectionCssPx.from, input.rangeSelectionCssPx.to));
    const to = Math.min(widthCssPx, Math.max(input.rangeSelectionCssPx.from, input.rangeSelectionCssPx.to));
    ctx.fillStyle = withAlpha(theme.focus, 0.18);
    ctx.fillRect(from, 0, to - from, heightCssPx);
    ctx.strokeStyle = theme.focus;
    ctx.strokeRect(from + 0.5, 0.5, to - from - 1, heightCssPx - 1);
  }
  return out;
}

function font(theme: Theme, sizeCssPx: number, weight = ''): string {
  return `${weight ? `${weight} ` : ''}${sizeCssPx}px ${theme.font}`;
}

function pushTarget(out: FrameOutput, target: HitTarget): void {
  if (out.hitTargets.length < MAX_HIT_TARGETS) out.hitTargets.push(target);
}

function drawLane(input: FrameInput, box: LaneBox, laneY: (cssPx: number) => number, out: FrameOutput): void {
  const { context: ctx, model, theme, scale, devicePixelRatio: dpr } = input;
  const lane = model.threads[box.laneIndex];
  const stateTop = laneY(box.stateTopCssPx);
  const toCss = (devicePx: number) => GUTTER_CSS_PX + devicePx / dpr;
  for (const run of stateRuns(lane, scale, model.startNs)) {
    const share = stateBarShare(run.state);
    const height = Math.max(2, STATE_BAR_CSS_PX * share);
    const top = stateTop + (STATE_BAR_CSS_PX - height) / 2;
    const x0 = toCss(run.x0DevicePx);
    const width = Math.max(1 / dpr, (run.x1DevicePx - run.x0DevicePx) / dpr);
    ctx.fillStyle = theme.stateFill[run.state];
    ctx.fillRect(x0, top, width, height);
    if (run.state === ThreadState.Blocked || run.state === ThreadState.Waiting || run.state === ThreadState.WaitingForGil) {
      pushTarget(out, {
        kind: run.state === ThreadState.Blocked ? 'blocked' : run.state === ThreadState.Waiting ? 'waiting' : 'gil-wait', tid: lane.tid, thread: lane.name,
        xCssPx: x0, yCssPx: stateTop, widthCssPx: width, heightCssPx: STATE_BAR_CSS_PX,
        startNs: scale.devicePxToTimeNs(run.x0DevicePx), endNs: scale.devicePxToTimeNs(run.x1DevicePx),
      });
    }
  }
  // A failed thread ends with a cross, so failure is not only the colour of a thin line.
  if (lane.finalState === 'failed' && lane.endNs !== undefined && lane.endNs >= scale.startNs && lane.endNs <= scale.endNs) {
    const x = GUTTER_CSS_PX + scale.timeNsToCssPx(lane.endNs);
    const y = stateTop + STATE_BAR_CSS_PX / 2;
    ctx.strokeStyle = theme.error;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x - 5, y - 5); ctx.lineTo(x + 5, y + 5);
    ctx.moveTo(x + 5, y - 5); ctx.lineTo(x - 5, y + 5);
    ctx.stroke();
    ctx.lineWidth = 1;
  }

  // Hold bars, one row per primitive.
  const holds = model.holds[box.laneIndex];
  const rows = input.rows[box.laneIndex].holdRows;
  ctx.font = font(theme, 10);
  ctx.textBaseline = 'middle';
  rows.forEach((row, r) => {
    const top = laneY(box.holdRowTopsCssPx[r]) + 1;
    const height = HOLD_ROW_CSS_PX - 2;
    for (const bar of holdBars(row, holds, scale)) {
      const objectId = holds.objectId[bar.holdIndex];
      const primitive = input.primitiveById.get(objectId);
      const color = theme.holdColor[(primitive?.colorIndex ?? 0) % theme.holdColor.length];
      const highlighted = input.highlightObjectId !== undefined ? input.highlightObjectId === objectId : input.highlightObjectIds?.has(objectId);
      const dimmed = highlighted === false;
      const x0 = toCss(bar.x0DevicePx);
      // A hold shorter than a pixel still shows, two pixels wide.
      const width = Math.max(2, (bar.x1DevicePx - bar.x0DevicePx) / dpr);
      ctx.globalAlpha = dimmed ? 0.22 : 1;
      ctx.fillStyle = color;
      ctx.fillRect(x0, top, width, height);
      if (holds.heldAtEnd[bar.holdIndex] && bar.holds === 1) {
        // Held at the end: a ragged right edge says "still held".
        ctx.fillStyle = theme.background;
        const right = x0 + width;
        for (let y = top; y < top + height; y += 4) ctx.fillRect(right - 3, y, 3, 2);
      }
      if (highlighted) {
        ctx.strokeStyle = theme.foreground;
        ctx.strokeRect(x0 + 0.5, top + 0.5, Math.max(0, width - 1), height - 1);
      }
      const label = bar.holds === 1 && primitive ? holdLabel(primitive.kind, primitive.name, holds.depth[bar.holdIndex]) : '';
      if (label && width > 24) {
        const fitted = fitText(ctx, label, width - 6);
        // A label cut to one or two letters says nothing: leave it to the gutter and the tooltip.
        if (fitted && (fitted === label || fitted.length >= 5)) {
          ctx.fillStyle = theme.holdText[(primitive?.colorIndex ?? 0) % theme.holdText.length];
          ctx.fillText(fitted, x0 + 3, top + height / 2 + 0.5);
        }
      }
      ctx.globalAlpha = 1;
      pushTarget(out, {
        kind: 'hold', tid: lane.tid, thread: lane.name, objectId, name: primitive?.name ?? '',
        xCssPx: x0, yCssPx: top, widthCssPx: width, heightCssPx: height,
        startNs: holds.startNs[bar.holdIndex], endNs: holds.endNs[bar.holdIndex],
      });
    }
  });

  // Markers: output and exceptions on the lane, the text on hover.
  const index = input.markers[box.laneIndex];
  if (index && index.timeNs.length) {
    const from = lowerBound(index.timeNs, index.timeNs.length, scale.startNs);
    const to = upperBound(index.timeNs, index.timeNs.length, scale.endNs);
    let lastX = -Infinity;
    for (let k = from; k < to; k++) {
      const marker = model.markers[index.marker[k]];
      const x = GUTTER_CSS_PX + scale.timeNsToCssPx(marker.timeNs);
      if (x - lastX < 4 && marker.kind !== 'exception') continue;
      lastX = x;
      drawMarker(ctx, theme, marker.kind, x, stateTop);
      pushTarget(out, {
        kind: 'marker', tid: lane.tid, thread: lane.name, name: marker.text.slice(0, 200),
        xCssPx: x - 4, yCssPx: stateTop - 2, widthCssPx: 8, heightCssPx: 10, startNs: marker.timeNs, endNs: marker.timeNs,
      });
      // Many markers in one pixel column: jump to the next column instead of visiting each.
      if (to - k > 64) {
        const next = lowerBound(index.timeNs, index.timeNs.length, scale.cssPxToTimeNs(x - GUTTER_CSS_PX + 4));
        if (next > k + 1) k = next - 1;
      }
    }
  }
}

export function holdLabel(kind: string, name: string, depth: number): string {
  if (kind === 'RLock' && depth > 1) return `${name} (depth ${depth})`;
  return name;
}

function drawMarker(ctx: CanvasRenderingContext2D, theme: Theme, kind: string, x: number, stateTop: number): void {
  if (kind === 'exception') {
    ctx.fillStyle = theme.error;
    ctx.beginPath();
    ctx.arc(x, stateTop + STATE_BAR_CSS_PX / 2, 6, 0, Math.PI * 2);
    ctx.fill();
    ctx.strokeStyle = theme.background;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x - 3, stateTop + STATE_BAR_CSS_PX / 2 - 3); ctx.lineTo(x + 3, stateTop + STATE_BAR_CSS_PX / 2 + 3);
    ctx.moveTo(x + 3, stateTop + STATE_BAR_CSS_PX / 2 - 3); ctx.lineTo(x - 3, stateTop + STATE_BAR_CSS_PX / 2 + 3);
    ctx.stroke();
    ctx.lineWidth = 1;
    return;
  }
  // Output: a small downward triangle on the top edge of the state bar (stderr: outlined in red).
  ctx.fillStyle = kind === 'stderr' ? theme.error : theme.foreground;
  ctx.beginPath();
  ctx.moveTo(x - 4, stateTop - 3);
  ctx.lineTo(x + 4, stateTop - 3);
  ctx.lineTo(x, stateTop + 4);
  ctx.closePath();
  ctx.fill();
  ctx.strokeStyle = theme.background;
  ctx.stroke();
}

/** The longest prefix of `text` (with an ellipsis) that fits in `widthCssPx`, or '' if not even one letter. */
export function fitText(ctx: CanvasRenderingContext2D, text: string, widthCssPx: number): string {
  if (ctx.measureText(text).width <= widthCssPx) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= widthCssPx) low = mid;
    else high = mid - 1;
  }
  return low === 0 ? '' : `${text.slice(0, low)}…`;
}

/** Like fitText, but cuts the middle: thread names often differ only at the end (ThreadPoolExecutor-0_1). */
export function fitTextMiddle(ctx: CanvasRenderingContext2D, text: string, widthCssPx: number): string {
  if (ctx.measureText(text).width <= widthCssPx) return text;
  let low = 0;
  let high = text.length;
  const cut = (keep: number) => `${text.slice(0, Math.ceil(keep / 2))}…${text.slice(text.length - Math.floor(keep / 2))}`;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (ctx.measureText(cut(mid)).width <= widthCssPx) low = mid;
    else high = mid - 1;
  }
  return low === 0 ? '' : cut(low);
}

function drawLaneName(input: FrameInput, box: LaneBox, laneY: (cssPx: number) => number, out: FrameOutput): void {
  const { context: ctx, model, theme } = input;
  const lane = model.threads[box.laneIndex];
  const y = laneY(box.stateTopCssPx) + STATE_BAR_CSS_PX / 2;
  const inDeadlock = model.deadlock?.entries.some((e) => e.tid === lane.tid);
  const tag = lane.pool !== undefined ? 'pool' : lane.daemon ? 'daemon' : '';
  ctx.textBaseline = 'middle';
  ctx.font = font(theme, 10);
  const tagWidth = tag ? ctx.measureText(tag).width + 8 : 0;
  ctx.font = font(theme, 12, box.laneIndex === input.selectedLaneIndex ? '600' : '');
  ctx.fillStyle = inDeadlock ? theme.error : theme.foreground;
  const name = fitTextMiddle(ctx, lane.name, GUTTER_CSS_PX - 16 - tagWidth - (inDeadlock ? 14 : 0) - (model.gil ? 14 : 0)) || lane.name.slice(0, 1);
  let x = 8;
  if (model.gil) {
    // GIL mode: the thread's colour on the GIL lane, beside its name.
    ctx.fillStyle = theme.threadColor[threadColorSlot(model, lane.tid, theme.threadColor.length)];
    ctx.fillRect(x, y - 5, 10, 10);
    x += 14;
    ctx.fillStyle = inDeadlock ? theme.error : theme.foreground;
  }
  if (inDeadlock) {
    // A warning glyph marks the threads of the cycle (besides the colour).
    ctx.fillText('⚠', x, y);
    x += 14;
  }
  ctx.fillText(name, x, y);
  if (tag) {
    const left = x + ctx.measureText(name).width + 6;
    ctx.font = font(theme, 10);
    ctx.strokeStyle = theme.muted;
    ctx.strokeRect(left + 0.5, y - 7.5, tagWidth - 2, 14);
    ctx.fillStyle = theme.muted;
    ctx.fillText(tag, left + 3, y + 0.5);
  }
  pushTarget(out, {
    kind: 'lane', tid: lane.tid, thread: lane.name,
    xCssPx: 0, yCssPx: laneY(box.topCssPx), widthCssPx: GUTTER_CSS_PX, heightCssPx: box.heightCssPx,
  });
  // Hold rows are labelled in the gutter too, so a row reads even when its bars are thin.
  const rows = input.rows[box.laneIndex].holdRows;
  ctx.font = font(theme, 10);
  ctx.fillStyle = theme.muted;
  ctx.textAlign = 'right';
  rows.forEach((row, r) => {
    const primitive = input.primitiveById.get(row.objectId);
    const label = primitive ? `${primitive.name} · ${primitive.kind}` : 'other locks';
    const fitted = fitTextMiddle(ctx, label, GUTTER_CSS_PX - 28);
    ctx.fillText(fitted, GUTTER_CSS_PX - 8, laneY(box.holdRowTopsCssPx[r]) + HOLD_ROW_CSS_PX / 2);
  });
  ctx.textAlign = 'left';
}

/**
 * The GIL lane: one bar per hold in the holder's colour, its name inside when it fits. Many
 * holds in view (a switch every 5 ms over a long run): one column per device pixel, the holder
 * at the pixel's middle, so the cost is the width, not the number of holds.
 */
function drawGilLane(input: FrameInput, tickList: { timeNs: number }[], out: FrameOutput): void {
  const { context: ctx, model, theme, scale, widthCssPx, devicePixelRatio: dpr } = input;
  const gil = model.gil!;
  const top = AXIS_CSS_PX;
  const barTop = top + (GIL_LANE_CSS_PX - GIL_BAR_CSS_PX) / 2;
  ctx.fillStyle = theme.widgetBackground;
  ctx.fillRect(0, top, widthCssPx, GIL_LANE_CSS_PX);
  ctx.strokeStyle = withAlpha(theme.foreground, 0.08);
  ctx.beginPath();
  for (const tick of tickList) {
    const x = Math.round(GUTTER_CSS_PX + scale.timeNsToCssPx(tick.timeNs)) + 0.5;
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + GIL_LANE_CSS_PX);
  }
  ctx.stroke();
  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER_CSS_PX, top, scale.widthCssPx, GIL_LANE_CSS_PX);
  ctx.clip();
  const slots = theme.threadColor.length;
  const colorOf = new Map<number, number>();
  const slotOf = (tid: number) => {
    let slot = colorOf.get(tid);
    if (slot === undefined) colorOf.set(tid, (slot = threadColorSlot(model, tid, slots)));
    return slot;
  };
  const first = Math.max(0, upperBound(gil.endNs, gil.count, scale.startNs) - 1);
  const last = upperBound(gil.startNs, gil.count, scale.endNs);
  const widthDevicePx = scale.widthCssPx * dpr;
  const nameOf = new Map(model.threads.map((lane) => [lane.tid, lane.name]));
  if (last - first > widthDevicePx) {
    for (let px = 0; px < widthDevicePx; px++) {
      const i = upperBound(gil.startNs, gil.count, scale.devicePxToTimeNs(px + 0.5)) - 1;
      if (i < 0 || gil.endNs[i] < scale.devicePxToTimeNs(px)) continue;
      ctx.fillStyle = theme.threadColor[slotOf(gil.tid[i])];
      ctx.fillRect(GUTTER_CSS_PX + px / dpr, barTop, 1 / dpr, GIL_BAR_CSS_PX);
    }
  } else {
    ctx.font = font(theme, 10);
    ctx.textBaseline = 'middle';
    for (let i = first; i < last; i++) {
      const x0 = GUTTER_CSS_PX + scale.timeNsToCssPx(gil.startNs[i]);
      const width = Math.max(1 / dpr, scale.timeNsToCssPx(gil.endNs[i]) - scale.timeNsToCssPx(gil.startNs[i]));
      const slot = slotOf(gil.tid[i]);
      ctx.fillStyle = theme.threadColor[slot];
      ctx.fillRect(x0, barTop, width, GIL_BAR_CSS_PX);
      const name = nameOf.get(gil.tid[i]) ?? `#${gil.tid[i]}`;
      if (width > 30) {
        const fitted = fitTextMiddle(ctx, name, width - 6);
        if (fitted && (fitted === name || fitted.length >= 4)) {
          ctx.fillStyle = theme.threadText[slot];
          ctx.fillText(fitted, Math.max(x0, GUTTER_CSS_PX) + 3, barTop + GIL_BAR_CSS_PX / 2 + 0.5);
        }
      }
      pushTarget(out, {
        kind: 'gil', tid: gil.tid[i], thread: name, xCssPx: x0, yCssPx: barTop, widthCssPx: width, heightCssPx: GIL_BAR_CSS_PX,
        startNs: gil.startNs[i], endNs: gil.endNs[i],
      });
    }
  }
  ctx.restore();
  ctx.font = font(theme, 12, '600');
  ctx.textBaseline = 'middle';
  ctx.fillStyle = theme.foreground;
  ctx.fillText('GIL', 8, top + GIL_LANE_CSS_PX / 2);
  ctx.font = font(theme, 10);
  ctx.fillStyle = theme.muted;
  ctx.fillText(`${gil.switches.toLocaleString('en-US')} switches, ${gil.forcedSwitches.toLocaleString('en-US')} forced`, 40, top + GIL_LANE_CSS_PX / 2);
  ctx.strokeStyle = theme.border;
  ctx.beginPath();
  ctx.moveTo(0, top + GIL_LANE_CSS_PX - 0.5);
  ctx.lineTo(widthCssPx, top + GIL_LANE_CSS_PX - 0.5);
  ctx.moveTo(GUTTER_CSS_PX - 0.5, top);
  ctx.lineTo(GUTTER_CSS_PX - 0.5, top + GIL_LANE_CSS_PX);
  ctx.stroke();
}

function drawAxis(input: FrameInput, tickList: { timeNs: number; label: string }[]): void {
  const { context: ctx, theme, scale, widthCssPx } = input;
  ctx.fillStyle = theme.widgetBackground;
  ctx.fillRect(0, 0, widthCssPx, AXIS_CSS_PX);
  ctx.strokeStyle = theme.border;
  ctx.beginPath();
  ctx.moveTo(0, AXIS_CSS_PX - 0.5);
  ctx.lineTo(widthCssPx, AXIS_CSS_PX - 0.5);
  ctx.stroke();
  ctx.font = font(theme, 11);
  ctx.textBaseline = 'middle';
  ctx.fillStyle = theme.muted;
  ctx.fillText('threads', 8, AXIS_CSS_PX / 2);
  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER_CSS_PX, 0, scale.widthCssPx, AXIS_CSS_PX);
  ctx.clip();
  // The deadlock's flag goes first; tick labels that would run into it are left out.
  let flag: { left: number; right: number } | undefined;
  const deadlock = input.deadlock;
  if (deadlock && deadlock.detectedAtNs >= scale.startNs && deadlock.detectedAtNs <= scale.endNs) {
    const x = GUTTER_CSS_PX + scale.timeNsToCssPx(deadlock.detectedAtNs);
    ctx.font = font(theme, 11, '600');
    const text = 'deadlock found';
    const width = ctx.measureText(text).width + 8;
    const left = x - width - 2 < GUTTER_CSS_PX ? x + 2 : x - width - 2;
    flag = { left, right: left + width };
    ctx.fillStyle = theme.error;
    ctx.fillRect(left, 4, width, AXIS_CSS_PX - 10);
    ctx.fillStyle = theme.background;
    ctx.fillText(text, left + 4, AXIS_CSS_PX / 2 - 1);
  }
  ctx.font = font(theme, 11);
  ctx.strokeStyle = theme.muted;
  ctx.fillStyle = theme.foreground;
  ctx.beginPath();
  for (const tick of tickList) {
    const x = Math.round(GUTTER_CSS_PX + scale.timeNsToCssPx(tick.timeNs)) + 0.5;
    ctx.moveTo(x, AXIS_CSS_PX - 6);
    ctx.lineTo(x, AXIS_CSS_PX);
    const labelRight = x + 3 + ctx.measureText(tick.label).width;
    if (flag && labelRight > flag.left - 4 && x + 3 < flag.right + 4) continue;
    ctx.fillText(tick.label, x + 3, AXIS_CSS_PX / 2 - 1);
  }
  ctx.stroke();
  if (input.cursorNs !== undefined) {
    const x = GUTTER_CSS_PX + scale.timeNsToCssPx(input.cursorNs);
    const label = formatOffset(input.cursorNs - input.model.startNs);
    ctx.font = font(theme, 11);
    const width = ctx.measureText(label).width + 8;
    const left = Math.min(Math.max(GUTTER_CSS_PX, x - width / 2), GUTTER_CSS_PX + scale.widthCssPx - width);
    ctx.fillStyle = theme.foreground;
    ctx.fillRect(left, 3, width, AXIS_CSS_PX - 8);
    ctx.fillStyle = theme.background;
    ctx.fillText(label, left + 4, AXIS_CSS_PX / 2 - 1);
  }
  ctx.restore();
}

/** A time on the axis, relative to the run's start, with enough digits to tell neighbours apart. */
export function formatOffset(offsetNs: number): string {
  const ns = Math.abs(offsetNs);
  if (ns >= 1e9) return `${(offsetNs / 1e9).toFixed(4)} s`;
  if (ns >= 1e6) return `${(offsetNs / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(offsetNs / 1e3).toFixed(2)} µs`;
  return `${offsetNs.toFixed(0)} ns`;
}

function drawDeadlock(input: FrameInput, laneY: (cssPx: number) => number): void {
  const { context: ctx, model, theme, scale, deadlock } = input;
  if (!deadlock) return;
  const boxOf = new Map(input.layout.boxes.map((b) => [b.laneIndex, b]));
  ctx.lineWidth = 2;
  for (const { laneIndex, interval } of deadlock.segments) {
    const box = boxOf.get(laneIndex);
    if (!box) continue;
    const columns = model.threads[laneIndex].states;
    const x0 = GUTTER_CSS_PX + Math.max(-4, scale.timeNsToCssPx(columns.startNs[interval]));
    const x1 = GUTTER_CSS_PX + Math.min(scale.widthCssPx + 4, scale.timeNsToCssPx(columns.endNs[interval]));
    if (x1 < GUTTER_CSS_PX || x0 > GUTTER_CSS_PX + scale.widthCssPx) continue;
    const selected = model.threads[laneIndex].tid === input.selectedDeadlockTid;
    ctx.strokeStyle = selected ? theme.focus : theme.error;
    ctx.lineWidth = selected ? 3 : 2;
    ctx.strokeRect(x0 - 1, laneY(box.stateTopCssPx) - 2, Math.max(3, x1 - x0 + 2), STATE_BAR_CSS_PX + 4);
  }
  ctx.lineWidth = 2;
  ctx.strokeStyle = theme.error;
  ctx.setLineDash([4, 2]);
  for (const { laneIndex, hold } of deadlock.holds) {
    const box = boxOf.get(laneIndex);
    if (!box) continue;
    const holds = model.holds[laneIndex];
    const rowIndex = input.rows[laneIndex].holdRows.findIndex((row) => row.objectId === holds.objectId[hold]);
    if (rowIndex < 0) continue;
    const x0 = GUTTER_CSS_PX + Math.max(-4, scale.timeNsToCssPx(holds.startNs[hold]));
    const x1 = GUTTER_CSS_PX + Math.min(scale.widthCssPx + 4, scale.timeNsToCssPx(holds.endNs[hold]));
    if (x1 < GUTTER_CSS_PX || x0 > GUTTER_CSS_PX + scale.widthCssPx) continue;
    ctx.strokeRect(x0, laneY(box.holdRowTopsCssPx[rowIndex]), Math.max(3, x1 - x0), HOLD_ROW_CSS_PX);
  }
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
  const x = GUTTER_CSS_PX + scale.timeNsToCssPx(deadlock.detectedAtNs);
  ctx.strokeStyle = theme.error;
  ctx.setLineDash([6, 3]);
  ctx.beginPath();
  ctx.moveTo(Math.round(x) + 0.5, lanesTopCssPx(model));
  ctx.lineTo(Math.round(x) + 0.5, input.heightCssPx);
  ctx.stroke();
  ctx.setLineDash([]);
}

function drawHandoffs(input: FrameInput, laneY: (cssPx: number) => number, out: FrameOutput): void {
  const { context: ctx, model, theme, scale } = input;
  const count = input.handoffOrder.length;
  if (!count) return;
  // Hand-offs are short: those acquired in view (plus a margin for their release) are the ones to draw.
  const from = lowerBound(input.handoffAcquireNs, count, scale.startNs);
  const to = upperBound(input.handoffAcquireNs, count, scale.endNs + scale.durationNs * 0.1);
  out.handoffsInView = to - from;
  if (to - from > MAX_HANDOFFS_DRAWN) return;
  const boxOf = new Map(input.layout.boxes.map((b) => [model.threads[b.laneIndex].tid, b]));
  ctx.strokeStyle = withAlpha(theme.foreground, 0.7);
  ctx.fillStyle = withAlpha(theme.foreground, 0.7);
  ctx.lineWidth = 1.25;
  for (let k = from; k < to; k++) {
    const handoff = model.handoffs[input.handoffOrder[k]];
    const fromBox = boxOf.get(handoff.fromTid);
    const toBox = boxOf.get(handoff.toTid);
    if (!fromBox || !toBox) continue;
    const x0 = GUTTER_CSS_PX + scale.timeNsToCssPx(handoff.releaseNs);
    const x1 = GUTTER_CSS_PX + scale.timeNsToCssPx(handoff.acquireNs);
    const downward = toBox.topCssPx > fromBox.topCssPx;
    const y0 = laneY(fromBox.stateTopCssPx) + (downward ? STATE_BAR_CSS_PX : 0);
    const y1 = laneY(toBox.stateTopCssPx) + (downward ? 0 : STATE_BAR_CSS_PX);
    const bend = Math.max(12, Math.abs(y1 - y0) / 3);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(x0 + bend / 2, y0 + (downward ? bend : -bend), x1 - bend / 2, y1 + (downward ? -bend : bend), x1, y1);
    ctx.stroke();
    // Arrow head pointing into the acquiring lane.
    const direction = downward ? 1 : -1;
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 4, y1 - 7 * direction);
    ctx.lineTo(x1 + 3, y1 - 6 * direction);
    ctx.closePath();
    ctx.fill();
    out.handoffsDrawn++;
  }
  ctx.lineWidth = 1;
}
