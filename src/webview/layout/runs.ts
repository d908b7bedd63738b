/**
 * What to draw for one lane in the visible range, in device pixels: runs of one state, and hold
 * bars. Cost is proportional to the width in pixels, never to the number of intervals:
 *   - zoomed out, from the model's level of detail (one column per bucket just under a pixel);
 *   - zoomed in, from the state intervals by binary search, jumping over sub-pixel stretches.
 * Pure: the view fills rectangles from these.
 */
import { type HoldColumns, type ThreadLane } from '../../analysis/model';
import type { TimeScale } from './timeScale';
import { upperBound } from '../../shared/search';

import { firstHoldEndingAfter, type HoldRow } from './lanes';
import { THREAD_STATE_COUNT, ThreadState } from '../../trace/format';

interface StateRun {
  x0DevicePx: number;
  x1DevicePx: number;
  state: ThreadState;
}

/**
 * Which state a pixel that mixes several shows: a short block or wait matters more than long
 * running (the text swimlane weighs them the same way); nothing recorded shows nothing.
 */
const WEIGHT: number[] = [];
WEIGHT[ThreadState.NotStarted] = 0.05;
WEIGHT[ThreadState.Starting] = 0.5;
WEIGHT[ThreadState.Running] = 1;
WEIGHT[ThreadState.Blocked] = 6;
WEIGHT[ThreadState.Waiting] = 4;
WEIGHT[ThreadState.Sleeping] = 0.8;
WEIGHT[ThreadState.Finished] = 0.05;
WEIGHT[ThreadState.Failed] = 0.1;
WEIGHT[ThreadState.WaitingForGil] = 3;

function dominantState(timeInState: ArrayLike<number>, offset: number): ThreadState | -1 {
  let best = -1;
  let bestWeight = 0;
  for (let s = 0; s < THREAD_STATE_COUNT; s++) {
    const weight = timeInState[offset + s] * WEIGHT[s];
    if (weight > bestWeight) {
      bestWeight = weight;
      best = s;
    }
  }
  return best;
}

/** The level of detail to draw from: the coarsest whose bucket is at most a device pixel; -1: draw intervals. */
function pickLodLevel(lane: ThreadLane, nsPerDevicePx: number): number {
  let level = -1;
  for (let k = 0; k < lane.lod.length; k++) if (lane.lod[k].bucketNs <= nsPerDevicePx) level = k;
  return level;
}

function pushRun(out: StateRun[], x0: number, x1: number, state: ThreadState): void {
  const last = out[out.length - 1];
  if (last && last.state === state && x0 <= last.x1DevicePx + 0.01) {
    last.x1DevicePx = Math.max(last.x1DevicePx, x1);
    return;
  }
  out.push({ x0DevicePx: x0, x1DevicePx: x1, state });
}

/**
 * State runs of `lane` across the visible range. `lodOriginNs` is where bucket 0 of every
 * level starts (the model's startNs) when the level does not say.
 */
export function stateRuns(lane: ThreadLane, scale: TimeScale, lodOriginNs: number): StateRun[] {
  const out: StateRun[] = [];
  const widthDevicePx = scale.widthCssPx * scale.devicePixelRatio;
  const level = pickLodLevel(lane, scale.nsPerDevicePx);
  if (level >= 0) {
    const { bucketNs, timeInState } = lane.lod[level];
    lodOriginNs = lane.lod[level].originNs ?? lodOriginNs;
    const buckets = timeInState.length / THREAD_STATE_COUNT;
    const first = Math.max(0, Math.floor((scale.startNs - lodOriginNs) / bucketNs));
    const last = Math.min(buckets - 1, Math.floor((scale.endNs - lodOriginNs) / bucketNs));
    for (let b = first; b <= last; b++) {
      const state = dominantState(timeInState, b * THREAD_STATE_COUNT);
      if (state < 0) continue;
      const x0 = scale.timeNsToDevicePx(lodOriginNs + b * bucketNs);
      const x1 = scale.timeNsToDevicePx(lodOriginNs + (b + 1) * bucketNs);
      pushRun(out, Math.max(0, x0), Math.min(widthDevicePx, Math.max(x1, x0 + 1)), state as ThreadState);
    }
    return out;
  }
  const columns = lane.states;
  let i = upperBound(columns.endNs, columns.count, scale.startNs);
  // An interval may end exactly at the left edge and have no length: start from the one covering it.
  while (i < columns.count && columns.startNs[i] < scale.endNs) {
    const x0 = scale.timeNsToDevicePx(columns.startNs[i]);
    const x1 = scale.timeNsToDevicePx(columns.endNs[i]);
    // Wide, or crossing into the next pixel: drawn as it is (the next pixel starts with it).
    if (x1 - x0 >= 1 || Math.floor(x0) !== Math.floor(x1)) {
      pushRun(out, Math.max(0, x0), Math.min(widthDevicePx, x1), columns.state[i]);
      i++;
      continue;
    }
    // Sub-pixel: this device pixel mixes the intervals that end before its right edge.
    const pixel = Math.floor(x0);
    const pixelEndNs = scale.devicePxToTimeNs(pixel + 1);
    const next = Math.max(i + 1, upperBound(columns.endNs, columns.count, pixelEndNs));
    let best = columns.state[i] as ThreadState;
    for (let k = i + 1; k < next && k < i + 32; k++) {
      const state = columns.state[k] as ThreadState;
      if (WEIGHT[state] > WEIGHT[best]) best = state;
    }
    if (columns.endNs[i] > columns.startNs[i] || best === ThreadState.Blocked || best === ThreadState.Waiting) {
      pushRun(out, Math.max(0, pixel), Math.min(widthDevicePx, pixel + 1), best);
    }
    i = next;
  }
  return out;
}

interface HoldBar {
  x0DevicePx: number;
  x1DevicePx: number;
  /** Index into the thread's HoldColumns of the first hold in this bar (a 1-px bar may stand for many). */
  holdIndex: number;
  /** How many holds the bar stands for. */
  holds: number;
}

/** Hold bars of one row across the visible range; sub-pixel holds are gathered into one pixel. */
export function holdBars(row: HoldRow, holds: HoldColumns, scale: TimeScale): HoldBar[] {
  const out: HoldBar[] = [];
  const widthDevicePx = scale.widthCssPx * scale.devicePixelRatio;
  let k = firstHoldEndingAfter(row, holds, scale.startNs);
  while (k < row.count) {
    const i = row.index ? row.index[k] : k;
    if (holds.startNs[i] >= scale.endNs) break;
    const x0 = scale.timeNsToDevicePx(holds.startNs[i]);
    const x1 = scale.timeNsToDevicePx(holds.endNs[i]);
    if (x1 - x0 >= 1 || Math.floor(x0) !== Math.floor(x1)) {
      out.push({ x0DevicePx: Math.max(-1, x0), x1DevicePx: Math.min(widthDevicePx + 1, x1), holdIndex: i, holds: 1 });
      k++;
      continue;
    }
    const pixel = Math.floor(x0);
    const next = Math.max(k + 1, firstHoldEndingAfter(row, holds, scale.devicePxToTimeNs(pixel + 1)));
    const last = out[out.length - 1];
    if (last && last.x1DevicePx >= pixel) {
      last.x1DevicePx = Math.max(last.x1DevicePx, pixel + 1);
      last.holds += next - k;
    } else {
      out.push({ x0DevicePx: pixel, x1DevicePx: pixel + 1, holdIndex: i, holds: next - k });
    }
    k = next;
  }
  return out;
}
