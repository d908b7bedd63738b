/**
 * GIL mode's room of the panel: the GIL lane under the axis (who holds the GIL, in the
 * holder's colour), its tooltip (who holds it, since when, who waits for it) and the sidebar's
 * GIL section (each thread's share of the GIL, its time waiting for it, the switches). Text
 * only: user strings never become HTML.
 */
import type { GilView } from '../../analysis/model';
import { upperBound } from '../../shared/search';
import { ThreadState } from '../../trace/format';
import { threadName } from '../layout/deadlock';
import { formatDurationNs } from '../../shared/wording';
import { drawGridLines, formatOffset } from './axis';
import { fitTextMiddle, font } from './canvasText';
import { el } from './dom';
import { AXIS_CSS_PX, GIL_LANE_CSS_PX, GUTTER_CSS_PX, pushTarget, threadColorSlot, type FrameInput, type FrameOutput } from './frame';
import { tooltipAt, tooltipRow, tooltipTitle } from './tooltip';
import type { Model } from './view';

const GIL_BAR_CSS_PX = 18;

/**
 * The GIL lane: one bar per hold in the holder's colour, its name inside when it fits. Many
 * holds in view (a switch every 5 ms over a long run): one column per device pixel, the holder
 * at the pixel's middle, so the cost is the width, not the number of holds.
 */
export function drawGilLane(input: FrameInput, tickList: { timeNs: number }[], out: FrameOutput): void {
  const { context: ctx, model, theme, scale, widthCssPx, devicePixelRatio: dpr } = input;
  const gil = model.gil!;
  const top = AXIS_CSS_PX;
  const barTop = top + (GIL_LANE_CSS_PX - GIL_BAR_CSS_PX) / 2;
  ctx.fillStyle = theme.widgetBackground;
  ctx.fillRect(0, top, widthCssPx, GIL_LANE_CSS_PX);
  drawGridLines(input, tickList, top, top + GIL_LANE_CSS_PX);
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
        kind: 'gil',
        tid: gil.tid[i],
        thread: name,
        xCssPx: x0,
        yCssPx: barTop,
        widthCssPx: width,
        heightCssPx: GIL_BAR_CSS_PX,
        startNs: gil.startNs[i],
        endNs: gil.endNs[i],
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
  ctx.fillText(
    `${gil.switches.toLocaleString('en-US')} switches, ${gil.forcedSwitches.toLocaleString('en-US')} forced`,
    40,
    top + GIL_LANE_CSS_PX / 2,
  );
  ctx.strokeStyle = theme.border;
  ctx.beginPath();
  ctx.moveTo(0, top + GIL_LANE_CSS_PX - 0.5);
  ctx.lineTo(widthCssPx, top + GIL_LANE_CSS_PX - 0.5);
  ctx.moveTo(GUTTER_CSS_PX - 0.5, top);
  ctx.lineTo(GUTTER_CSS_PX - 0.5, top + GIL_LANE_CSS_PX);
  ctx.stroke();
}

/** Threads waiting for the GIL at `timeNs`, longest-waiting first. */
function gilWaitersAt(model: Model, timeNs: number): { tid: number; sinceNs: number }[] {
  const out: { tid: number; sinceNs: number }[] = [];
  model.threads.forEach((lane, laneIndex) => {
    const i = model.stateAt(laneIndex, timeNs);
    if (i >= 0 && lane.states.state[i] === ThreadState.WaitingForGil) out.push({ tid: lane.tid, sinceNs: lane.states.startNs[i] });
  });
  return out.sort((a, b) => a.sinceNs - b.sinceNs);
}

/** The GIL at an instant: its holder (hold `holdIndex`, or -1 when nobody holds it), since when, and who waits. */
export function gilTooltip(model: Model, holdIndex: number, timeNs: number): HTMLElement {
  const gil = model.gil!;
  const box = el('div', { className: 'tt-body', attrs: { 'data-testid': 'gil-tooltip' } }, [
    tooltipTitle('GIL', 'global interpreter lock'),
  ]);
  if (holdIndex < 0) {
    box.append(tooltipRow('Held by', 'nobody (every thread blocks, sleeps or has ended)'));
  } else {
    const startNs = gil.startNs[holdIndex];
    box.append(tooltipRow('Held by', threadName(model, gil.tid[holdIndex])));
    box.append(
      tooltipRow(
        'Since',
        `${formatOffset(startNs - model.startNs)}, ${formatDurationNs(timeNs - startNs)} so far (this hold: ${formatDurationNs(gil.endNs[holdIndex] - startNs)})`,
      ),
    );
  }
  const waiters = gilWaitersAt(model, timeNs);
  box.append(
    tooltipRow(
      'Waiting for it',
      waiters.length ? waiters.map((w) => `${threadName(model, w.tid)} (${formatDurationNs(timeNs - w.sinceNs)})`).join(', ') : 'nobody',
    ),
  );
  if (gil.switchIntervalMs !== undefined) box.append(tooltipRow('Switch interval', `${gil.switchIntervalMs} ms`));
  box.append(tooltipAt(model, timeNs));
  return box;
}

/** A thread's share of the time anyone held the GIL (0…1). */
function gilShares(gil: GilView): Map<number, number> {
  const total = gil.perThread.reduce((sum, thread) => sum + thread.holdNs, 0);
  return new Map(gil.perThread.map((thread) => [thread.tid, total > 0 ? thread.holdNs / total : 0]));
}

/** The sidebar's GIL section: per thread, share of the GIL, time holding it, time waiting for it, forced switches. */
export function gilSection(model: Model, threadColor: (tid: number) => string): HTMLElement {
  const gil = model.gil!;
  const shares = gilShares(gil);
  const body = el('tbody');
  const order = new Map(model.threads.map((lane, i) => [lane.tid, i]));
  for (const thread of [...gil.perThread].sort((a, b) => (order.get(a.tid) ?? a.tid) - (order.get(b.tid) ?? b.tid))) {
    const swatch = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
    swatch.style.backgroundColor = threadColor(thread.tid);
    body.append(
      el('tr', { attrs: { 'data-tid': String(thread.tid) } }, [
        el('th', { className: 'name', attrs: { scope: 'row' } }, [
          el('span', { className: 'lock-line' }, [swatch, el('span', { className: 'lock-name', text: threadName(model, thread.tid) })]),
        ]),
        el('td', {
          className: 'number',
          text: `${Math.round((shares.get(thread.tid) ?? 0) * 100)}%`,
          attrs: { 'data-testid': 'gil-share' },
        }),
        el('td', { className: 'number', text: formatDurationNs(thread.holdNs) }),
        el('td', { className: 'number', text: formatDurationNs(thread.waitNs) }),
        el('td', { className: 'number', text: thread.forcedSwitches.toLocaleString('en-US') }),
      ]),
    );
  }
  const head = el('tr', {}, [
    el('th', { className: 'name', text: 'Thread', attrs: { scope: 'col' } }),
    el('th', { text: 'Share', title: 'Share of the time anyone held the GIL', attrs: { scope: 'col' } }),
    el('th', { text: 'Held', title: 'Time holding the GIL', attrs: { scope: 'col' } }),
    el('th', { text: 'GIL wait', title: 'Time able to run but waiting for the GIL', attrs: { scope: 'col' } }),
    el('th', { text: 'Forced', title: 'Times the switch interval made it give the GIL up', attrs: { scope: 'col' } }),
  ]);
  const interval = gil.switchIntervalMs !== undefined ? ` by the ${gil.switchIntervalMs} ms switch interval` : ' by the switch interval';
  return el(
    'section',
    { className: 'panel-section gil-section', attrs: { 'aria-labelledby': 'gil-heading', 'data-testid': 'gil-section' } },
    [
      el('h2', { text: 'GIL', attrs: { id: 'gil-heading' } }),
      el('p', {
        className: 'gil-switches',
        attrs: { 'data-testid': 'gil-switches' },
        text: `${gil.switches.toLocaleString('en-US')} switches between threads, ${gil.forcedSwitches.toLocaleString('en-US')} of them forced${interval}.`,
      }),
      el('table', { className: 'locks gil-table', attrs: { 'aria-label': 'Each thread and the GIL' } }, [el('thead', {}, [head]), body]),
    ],
  );
}
