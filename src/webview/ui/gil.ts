/**
 * GIL mode's parts of the panel besides the lane itself (drawn in draw.ts): the GIL lane's
 * tooltip (who holds the GIL, since when, who waits for it) and the sidebar's GIL section
 * (each thread's share of the GIL, its time waiting for it, the switches). Text only: user
 * strings never become HTML.
 */
import type { GilView, TimelineModel, TimelineQueries } from '../../analysis/model';
import { threadName } from '../layout/deadlock';

import { formatDurationNs } from '../layout/timeScale';

import { el } from './dom';

import { formatOffset } from './draw';
import { ThreadState } from '../../trace/format';


type Model = TimelineModel & TimelineQueries;

/** Threads waiting for the GIL at `timeNs`, longest-waiting first. */
export function gilWaitersAt(model: Model, timeNs: number): { tid: number; sinceNs: number }[] {
  const out: { tid: number; sinceNs: number }[] = [];
  model.threads.forEach((lane, laneIndex) => {
    const i = model.stateAt(laneIndex, timeNs);
    if (i >= 0 && lane.states.state[i] === ThreadState.WaitingForGil) out.push({ tid: lane.tid, sinceNs: lane.states.startNs[i] });
  });
  return out.sort((a, b) => a.sinceNs - b.sinceNs);
}

function row(label: string, value: string): HTMLElement {
  return el('div', { className: 'tt-row' }, [el('span', { className: 'tt-label', text: label }), el('span', { className: 'tt-value', text: value })]);
}

/** The GIL at an instant: its holder (hold `holdIndex`, or -1 when nobody holds it), since when, and who waits. */
export function gilTooltip(model: Model, holdIndex: number, timeNs: number): HTMLElement {
  const gil = model.gil!;
  const box = el('div', { className: 'tt-body', attrs: { 'data-testid': 'gil-tooltip' } }, [
    el('div', { className: 'tt-title' }, [el('span', { className: 'tt-name', text: 'GIL' }), el('span', { className: 'tt-kind', text: 'global interpreter lock' })]),
  ]);
  if (holdIndex < 0) {
    box.append(row('Held by', 'nobody (every thread blocks, sleeps or has ended)'));
  } else {
    const startNs = gil.startNs[holdIndex];
    box.append(row('Held by', threadName(model, gil.tid[holdIndex])));
    box.append(row('Since', `${formatOffset(startNs - model.startNs)}, ${formatDurationNs(timeNs - startNs)} so far (this hold: ${formatDurationNs(gil.endNs[holdIndex] - startNs)})`));
  }
  const waiters = gilWaitersAt(model, timeNs);
  box.append(row('Waiting for it', waiters.length ? waiters.map((w) => `${threadName(model, w.tid)} (${formatDurationNs(timeNs - w.sinceNs)})`).join(', ') : 'nobody'));
  if (gil.switchIntervalMs !== undefined) box.append(row('Switch interval', `${gil.switchIntervalMs} ms`));
  box.append(el('div', { className: 'tt-at', text: `at ${formatOffset(timeNs - model.startNs)}` }));
  return box;
}

/** A thread's share of the time anyone held the GIL (0…1). */
export function gilShares(gil: GilView): Map<number, number> {
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
    body.append(el('tr', { attrs: { 'data-tid': String(thread.tid) } }, [
      el('th', { className: 'name', attrs: { scope: 'row' } }, [el('span', { className: 'lock-line' }, [swatch, el('span', { className: 'lock-name', text: threadName(model, thread.tid) })])]),
      el('td', { className: 'number', text: `${Math.round((shares.get(thread.tid) ?? 0) * 100)}%`, attrs: { 'data-testid': 'gil-share' } }),
      el('td', { className: 'number', text: formatDurationNs(thread.holdNs) }),
      el('td', { className: 'number', text: formatDurationNs(thread.waitNs) }),
      el('td', { className: 'number', text: thread.forcedSwitches.toLocaleString('en-US') }),
    ]));
  }
  const head = el('tr', {}, [
    el('th', { className: 'name', text: 'Thread', attrs: { scope: 'col' } }),
    el('th', { text: 'Share', title: 'Share of the time anyone held the GIL', attrs: { scope: 'col' } }),
    el('th', { text: 'Held', title: 'Time holding the GIL', attrs: { scope: 'col' } }),
    el('th', { text: 'GIL wait', title: 'Time able to run but waiting for the GIL', attrs: { scope: 'col' } }),
    el('th', { text: 'Forced', title: 'Times the switch interval made it give the GIL up', attrs: { scope: 'col' } }),
  ]);
  const interval = gil.switchIntervalMs !== undefined ? ` by the ${gil.switchIntervalMs} ms switch interval` : ' by the switch interval';
  return el('section', { className: 'panel-section gil-section', attrs: { 'aria-labelledby': 'gil-heading', 'data-testid': 'gil-section' } }, [
    el('h2', { text: 'GIL', attrs: { id: 'gil-heading' } }),
    el('p', { className: 'gil-switches', attrs: { 'data-testid': 'gil-switches' }, text: `${gil.switches.toLocaleString('en-US')} switches between threads, ${gil.forcedSwitches.toLocaleString('en-US')} of them forced${interval}.` }),
    el('table', { className: 'locks gil-table', attrs: { 'aria-label': 'Each thread and the GIL' } }, [el('thead', {}, [head]), body]),
  ]);
}
