/**
 * Paints one frame of the swimlanes onto the canvas, in order: lane backgrounds and grid, each
 * visible lane (state runs, hold bars, markers), the overlays (the deadlock, hand-off arrows,
 * the cursor), the name gutter, the GIL lane and the axis. It only draws and records what it
 * drew (hit targets for tests); layout and time↔pixel conversions come from layout/ and one
 * TimeScale. The canvas transform is CSS pixels (× devicePixelRatio). What a frame is drawn
 * from is frame.ts; the overlays, the axis and the GIL lane are painted by overlays.ts,
 * axis.ts and gil.ts.
 */
import { THREAD_STATE_NAMES, ThreadState } from '../../trace/format';
import { HOLD_ROW_CSS_PX, STATE_BAR_CSS_PX, visibleBoxes, type LaneBox } from '../layout/lanes';
import { holdBars, stateRuns } from '../layout/runs';
import { ticks } from '../layout/timeScale';
import { lowerBound, upperBound } from '../../shared/search';
import { drawAxis, drawGridLines } from './axis';
import { fitText, fitTextMiddle, font } from './canvasText';
import { GUTTER_CSS_PX, lanesTopCssPx, pushTarget, threadColorSlot, type FrameInput, type FrameOutput, type LaneY } from './frame';
import { drawGilLane } from './gil';
import { drawDeadlock, drawHandoffs } from './overlays';
import { stateBarShare, withAlpha, type Theme } from './theme';

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
  ctx.lineWidth = 1;
  drawGridLines(input, tickList, lanesTop, heightCssPx);

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

function drawLane(input: FrameInput, box: LaneBox, laneY: LaneY, out: FrameOutput): void {
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
        kind: THREAD_STATE_NAMES[run.state],
        tid: lane.tid,
        thread: lane.name,
        xCssPx: x0,
        yCssPx: stateTop,
        widthCssPx: width,
        heightCssPx: STATE_BAR_CSS_PX,
        startNs: scale.devicePxToTimeNs(run.x0DevicePx),
        endNs: scale.devicePxToTimeNs(run.x1DevicePx),
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
    ctx.moveTo(x - 5, y - 5);
    ctx.lineTo(x + 5, y + 5);
    ctx.moveTo(x + 5, y - 5);
    ctx.lineTo(x - 5, y + 5);
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
      const highlighted =
        input.highlightObjectId !== undefined ? input.highlightObjectId === objectId : input.highlightObjectIds?.has(objectId);
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
        kind: 'hold',
        tid: lane.tid,
        thread: lane.name,
        objectId,
        name: primitive?.name ?? '',
        xCssPx: x0,
        yCssPx: top,
        widthCssPx: width,
        heightCssPx: height,
        startNs: holds.startNs[bar.holdIndex],
        endNs: holds.endNs[bar.holdIndex],
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
        kind: 'marker',
        tid: lane.tid,
        thread: lane.name,
        name: marker.text.slice(0, 200),
        xCssPx: x - 4,
        yCssPx: stateTop - 2,
        widthCssPx: 8,
        heightCssPx: 10,
        startNs: marker.timeNs,
        endNs: marker.timeNs,
      });
      // Many markers in one pixel column: jump to the next column instead of visiting each.
      if (to - k > 64) {
        const next = lowerBound(index.timeNs, index.timeNs.length, scale.cssPxToTimeNs(x - GUTTER_CSS_PX + 4));
        if (next > k + 1) k = next - 1;
      }
    }
  }
}

function holdLabel(kind: string, name: string, depth: number): string {
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
    ctx.moveTo(x - 3, stateTop + STATE_BAR_CSS_PX / 2 - 3);
    ctx.lineTo(x + 3, stateTop + STATE_BAR_CSS_PX / 2 + 3);
    ctx.moveTo(x + 3, stateTop + STATE_BAR_CSS_PX / 2 - 3);
    ctx.lineTo(x - 3, stateTop + STATE_BAR_CSS_PX / 2 + 3);
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

function drawLaneName(input: FrameInput, box: LaneBox, laneY: LaneY, out: FrameOutput): void {
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
  const name =
    fitTextMiddle(ctx, lane.name, GUTTER_CSS_PX - 16 - tagWidth - (inDeadlock ? 14 : 0) - (model.gil ? 14 : 0)) || lane.name.slice(0, 1);
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
    kind: 'lane',
    tid: lane.tid,
    thread: lane.name,
    xCssPx: 0,
    yCssPx: laneY(box.topCssPx),
    widthCssPx: GUTTER_CSS_PX,
    heightCssPx: box.heightCssPx,
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
