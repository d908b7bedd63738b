/**
 * The time axis along the top of the lanes canvas (tick labels relative to the run's start,
 * the deadlock's flag, the cursor's time) and the grid lines its ticks draw below it.
 * formatOffset is how every part of the panel says "when" (the axis, the tooltips, the GIL lane).
 */
import { font } from './canvasText';
import { AXIS_CSS_PX, GUTTER_CSS_PX, type FrameInput } from './frame';
import { withAlpha } from './theme';

export function drawAxis(input: FrameInput, tickList: { timeNs: number; label: string }[]): void {
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

/** The grid: a faint vertical line at each tick, from `topCssPx` down to `bottomCssPx` (under the lanes and across the GIL lane). */
export function drawGridLines(input: FrameInput, tickList: { timeNs: number }[], topCssPx: number, bottomCssPx: number): void {
  const { context: ctx, theme, scale } = input;
  ctx.strokeStyle = withAlpha(theme.foreground, 0.08);
  ctx.beginPath();
  for (const tick of tickList) {
    const x = Math.round(GUTTER_CSS_PX + scale.timeNsToCssPx(tick.timeNs)) + 0.5;
    ctx.moveTo(x, topCssPx);
    ctx.lineTo(x, bottomCssPx);
  }
  ctx.stroke();
}

/** A time on the axis, relative to the run's start, with enough digits to tell neighbours apart. */
export function formatOffset(offsetNs: number): string {
  const ns = Math.abs(offsetNs);
  if (ns >= 1e9) return `${(offsetNs / 1e9).toFixed(4)} s`;
  if (ns >= 1e6) return `${(offsetNs / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(offsetNs / 1e3).toFixed(2)} µs`;
  return `${offsetNs.toFixed(0)} ns`;
}
