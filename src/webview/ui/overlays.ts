/**
 * What is drawn over the lanes: the deadlock (its threads' final waits, the holds of its locks,
 * the instant it was found) and the hand-off arrows from a release to the acquire it unblocked.
 */
import { lowerBound, upperBound } from '../../shared/search';
import { HOLD_ROW_CSS_PX, STATE_BAR_CSS_PX } from '../layout/lanes';
import { GUTTER_CSS_PX, lanesTopCssPx, type FrameInput, type FrameOutput, type LaneY } from './frame';
import { withAlpha } from './theme';

/** Beyond this many hand-offs in view the arrows would be a smear: ask to zoom in instead. */
const MAX_HANDOFFS_DRAWN = 400;

export function drawDeadlock(input: FrameInput, laneY: LaneY): void {
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

export function drawHandoffs(input: FrameInput, laneY: LaneY, out: FrameOutput): void {
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
