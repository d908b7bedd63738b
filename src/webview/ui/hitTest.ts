/**
 * What is under a point of the lanes canvas (CSS px): the GIL lane, a thread's name, a hold, a
 * marker, a wait on a lock or a state, and the tooltip it gets. Found from the layout and the
 * model (binary searches), never from what was drawn, so it costs the same at any zoom.
 */
import { lowerBound } from '../../shared/search';
import { ThreadState } from '../../trace/format';
import { boxAt, holdsAt } from '../layout/lanes';
import { AXIS_CSS_PX, GIL_LANE_CSS_PX, GUTTER_CSS_PX } from './frame';
import { gilTooltip } from './gil';
import { lockTooltip, markerTooltip, stateTooltip, threadTooltip } from './tooltip';
import type { View } from './view';

/** What a point hits: the primitive it is about, if any (it gets highlighted), and the tooltip's content. */
export interface Hit {
  objectId?: number;
  content: () => HTMLElement;
}

/** Needs a model and a scale (the caller has checked). */
export function hitTest(view: View, xCssPx: number, yCssPx: number): Hit | undefined {
  const model = view.model!;
  const scale = view.scale()!;
  if (yCssPx < AXIS_CSS_PX) return undefined;
  if (model.gil && yCssPx < AXIS_CSS_PX + GIL_LANE_CSS_PX) {
    if (xCssPx < GUTTER_CSS_PX) return undefined;
    const timeNs = scale.cssPxToTimeNs(xCssPx - GUTTER_CSS_PX);
    const hold = model.gilHoldAt(timeNs);
    return { content: () => gilTooltip(model, hold, timeNs) };
  }
  const found = boxAt(view.layout, yCssPx - view.lanesTop() + view.state.scrollTopCssPx);
  if (!found) return undefined;
  const { box, part, holdRow } = found;
  const laneIndex = box.laneIndex;
  if (xCssPx < GUTTER_CSS_PX) return { content: () => threadTooltip(model, laneIndex) };
  const timeNs = scale.cssPxToTimeNs(xCssPx - GUTTER_CSS_PX);
  const toleranceNs = scale.nsPerCssPx * 3;
  if (part === 'hold') {
    const row = view.rows[laneIndex].holdRows[holdRow];
    const holds = model.holds[laneIndex];
    const hits = holdsAt(row, holds, timeNs, toleranceNs);
    if (!hits.length) return undefined;
    const hold = row.index ? row.index[hits[0]] : hits[0];
    const objectId = holds.objectId[hold];
    const instant = Math.min(Math.max(timeNs, holds.startNs[hold]), holds.endNs[hold]);
    return { objectId, content: () => lockTooltip(model, objectId, instant, { laneIndex, hold }) };
  }
  if (part !== 'state') return undefined;
  // Markers sit on the state bar: they win within a few pixels.
  const index = view.markerIndex[laneIndex];
  if (index && index.timeNs.length) {
    const k = lowerBound(index.timeNs, index.timeNs.length, timeNs - toleranceNs * 1.5);
    if (k < index.timeNs.length && index.timeNs[k] <= timeNs + toleranceNs * 1.5) {
      const marker = model.markers[index.marker[k]];
      return { content: () => markerTooltip(model, marker) };
    }
  }
  const interval = model.stateAt(laneIndex, timeNs);
  if (interval < 0) return undefined;
  const columns = model.threads[laneIndex].states;
  const state = columns.state[interval] as ThreadState;
  const objectId = columns.objectId[interval];
  if ((state === ThreadState.Blocked || state === ThreadState.Waiting) && objectId && view.primitiveById.has(objectId)) {
    const kind = view.primitiveById.get(objectId)!.kind;
    if (kind === 'Lock' || kind === 'RLock' || kind === 'Semaphore' || kind === 'BoundedSemaphore') {
      return { objectId, content: () => lockTooltip(model, objectId, timeNs) };
    }
  }
  // Thin states only show on their line: do not pop up over empty space above and below it.
  return { content: () => stateTooltip(model, laneIndex, interval, timeNs) };
}
