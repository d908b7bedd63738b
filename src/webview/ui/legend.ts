/**
 * What the lanes mean, in words: the legend under the overview (a swatch per thread state, the
 * GIL lane's colours, output markers, hold bars) and, for screen readers, the list of lanes
 * (each thread, its kind, how it ended and what it still held).
 */
import { ThreadState, WAIT_KIND_NAMES } from '../../trace/format';
import { clear, el } from './dom';
import { STATE_WORDS, stateBarShare, type Theme } from './theme';
import type { Model, View } from './view';

/** The legend's order of states; GIL mode adds WaitingForGil after Waiting. */
const LEGEND_STATES: ThreadState[] = [
  ThreadState.Running,
  ThreadState.Blocked,
  ThreadState.Waiting,
  ThreadState.Sleeping,
  ThreadState.Starting,
  ThreadState.NotStarted,
  ThreadState.Finished,
  ThreadState.Failed,
];

/** Where the legend says more than STATE_WORDS. */
const LEGEND_WORDS: Partial<Record<ThreadState, string>> = {
  [ThreadState.Waiting]: 'waiting (condition, event, queue, join…)',
  [ThreadState.Failed]: 'failed ✕',
};

export function renderLegend(legend: HTMLElement, theme: Theme, model: Model | undefined): void {
  clear(legend);
  const states = [...LEGEND_STATES];
  // GIL mode only: a state the other modes never have.
  if (model?.gil) states.splice(3, 0, ThreadState.WaitingForGil);
  const dpr = window.devicePixelRatio || 1;
  for (const state of states) {
    const swatch = el('canvas', { className: 'legend-swatch', attrs: { 'aria-hidden': 'true' } });
    swatch.width = Math.round(26 * dpr);
    swatch.height = Math.round(14 * dpr);
    swatch.style.width = '26px';
    swatch.style.height = '14px';
    const ctx = swatch.getContext('2d');
    if (ctx) {
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const h = Math.max(2, 14 * stateBarShare(state));
      ctx.fillStyle = theme.stateFill[state];
      ctx.fillRect(0, (14 - h) / 2, 26, h);
    }
    legend.append(
      el('span', { className: 'legend-item', attrs: { 'data-state': String(state) } }, [
        swatch,
        el('span', { text: LEGEND_WORDS[state] ?? STATE_WORDS[state] }),
      ]),
    );
  }
  if (model?.gil) {
    const chips = el('span', { className: 'legend-gil', attrs: { 'aria-hidden': 'true' } });
    for (const color of theme.threadColor.slice(0, Math.min(3, model.threads.length))) {
      const chip = el('span', { className: 'legend-gil-chip' });
      chip.style.backgroundColor = color;
      chips.append(chip);
    }
    legend.append(
      el('span', { className: 'legend-item' }, [
        chips,
        el('span', { text: "GIL lane: who holds the GIL (the colour beside each thread's name)" }),
      ]),
    );
  }
  legend.append(
    el('span', { className: 'legend-item' }, [
      el('span', { className: 'legend-glyph', text: '▼', attrs: { 'aria-hidden': 'true' } }),
      el('span', { text: 'output' }),
    ]),
  );
  legend.append(
    el('span', { className: 'legend-item' }, [
      el('span', { className: 'legend-hold', attrs: { 'aria-hidden': 'true' } }),
      el('span', { text: 'hold (under each lane, one row per lock)' }),
    ]),
  );
}

/** The screen-reader list of the lanes shown, in their order. */
export function renderLaneList(laneList: HTMLElement, view: View): void {
  const model = view.model!;
  clear(laneList);
  const heldAtEnd = (laneIndex: number) => {
    const holds = model.holds[laneIndex];
    const names = new Set<string>();
    for (let i = holds.count - 1; i >= 0 && names.size < 20; i--)
      if (holds.heldAtEnd[i]) names.add(view.primitiveById.get(holds.objectId[i])?.name ?? '?');
    return [...names];
  };
  for (const box of view.layout.boxes) {
    const lane = model.threads[box.laneIndex];
    const held = heldAtEnd(box.laneIndex);
    const kind = lane.pool !== undefined ? `pool thread (${lane.pool})` : lane.daemon ? 'daemon thread' : 'thread';
    const columns = lane.states;
    const last = columns.count - 1;
    let ending: string = lane.finalState;
    if (last >= 0 && (columns.state[last] === ThreadState.Blocked || columns.state[last] === ThreadState.Waiting)) {
      ending =
        `${STATE_WORDS[columns.state[last]]} ${WAIT_KIND_NAMES[columns.waitKind[last]] ?? ''} ${view.primitiveById.get(columns.objectId[last])?.name ?? ''}`
          .replace(/\s+/g, ' ')
          .trim();
    }
    const li = el('li', { attrs: { 'data-tid': String(lane.tid) } }, [
      el('span', { className: 'lane-name', text: lane.name }),
      el('span', { text: `: ${kind}; at the end ${ending}${held.length ? `; holds ${held.join(', ')}` : ''}.` }),
    ]);
    laneList.append(li);
  }
}
