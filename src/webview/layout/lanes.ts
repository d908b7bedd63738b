/**
 * Lane layout: which lanes show (filter), where each sits vertically, and the hold rows under
 * each lane (one per primitive the thread ever held). Pure: model in, numbers out; the view
 * draws and hit-tests with it. Vertical positions are `…CssPx` from the top of the lane area.
 */
import { type HoldColumns, type TimelineModel } from '../../analysis/model';
import { upperBound, upperBoundVia } from '../../shared/search';
import { THREAD_STATE_COUNT, ThreadState } from '../../trace/format';

export const STATE_BAR_CSS_PX = 20;
export const HOLD_ROW_CSS_PX = 14;
const LANE_GAP_CSS_PX = 8;
/** Rows beyond this many primitives per lane are folded into the last row (rare; 200 locks held by one thread). */
const MAX_HOLD_ROWS = 8;

/** The holds of one thread on one primitive, in start order, as indices into the thread's HoldColumns. */
export interface HoldRow {
  objectId: number;
  /** Indices into holds[laneIndex], sorted by start; undefined = all of them (the thread held only this). */
  index: Uint32Array | undefined;
  count: number;
  /** Holds in this row may overlap (Semaphore permits, a folded row): then searches use maxEndNs. */
  overlapping: boolean;
  /** Running maximum of end times (only when overlapping): makes "first hold that ends after t" a binary search. */
  maxEndNs: Float64Array | undefined;
}

export interface LaneRows {
  laneIndex: number;
  holdRows: HoldRow[];
}

/** Builds the hold rows of every lane once per model (O(holds)). Internal primitives are left out. */
export function buildHoldRows(model: TimelineModel): LaneRows[] {
  const internal = new Set(model.primitives.filter((p) => p.internal).map((p) => p.id));
  // One thread's holds of one Lock or RLock never overlap (one owner at a time; an RLock's
  // nested acquires are one hold): no need to look.
  const exclusive = new Set(model.primitives.filter((p) => p.kind === 'Lock' || p.kind === 'RLock').map((p) => p.id));
  const order = new Map(model.primitives.map((p, i) => [p.id, i]));
  return model.threads.map((_lane, laneIndex) => {
    const holds = model.holds[laneIndex];
    if (!holds || holds.count === 0) return { laneIndex, holdRows: [] };
    // Most threads hold one lock (a counter's thread, a million times): one row, no index.
    const firstObject = holds.objectId[0];
    let single = !internal.has(firstObject);
    for (let i = 1; i < holds.count && single; i++) if (holds.objectId[i] !== firstObject) single = false;
    if (single) return { laneIndex, holdRows: [finishRow(firstObject, undefined, holds.count, holds, false, exclusive.has(firstObject))] };
    const countByObject = new Map<number, number>();
    for (let i = 0; i < holds.count; i++) {
      const objectId = holds.objectId[i];
      if (internal.has(objectId)) continue;
      countByObject.set(objectId, (countByObject.get(objectId) ?? 0) + 1);
    }
    const objects = [...countByObject.keys()].sort((a, b) => (order.get(a) ?? a) - (order.get(b) ?? b));
    if (objects.length === 1 && countByObject.get(objects[0]) === holds.count) {
      return { laneIndex, holdRows: [finishRow(objects[0], undefined, holds.count, holds, false, exclusive.has(objects[0]))] };
    }
    const rowOf = new Map<number, number>();
    objects.forEach((objectId, i) => rowOf.set(objectId, Math.min(i, MAX_HOLD_ROWS - 1)));
    const rowCount = Math.min(objects.length, MAX_HOLD_ROWS);
    const sizes = new Array<number>(rowCount).fill(0);
    for (const [objectId, count] of countByObject) sizes[rowOf.get(objectId)!] += count;
    const indices = sizes.map((size) => new Uint32Array(size));
    const filled = new Array<number>(rowCount).fill(0);
    for (let i = 0; i < holds.count; i++) {
      const row = rowOf.get(holds.objectId[i]);
      if (row !== undefined) indices[row][filled[row]++] = i;
    }
    return {
      laneIndex,
      holdRows: indices.map((index, row) => {
        const folded = row === MAX_HOLD_ROWS - 1 && objects.length > MAX_HOLD_ROWS;
        return finishRow(folded ? 0 : objects[row], index, index.length, holds, folded, !folded && exclusive.has(objects[row]));
      }),
    };
  });
}

function finishRow(
  objectId: number,
  index: Uint32Array | undefined,
  count: number,
  holds: HoldColumns,
  folded = false,
  exclusive = false,
): HoldRow {
  let overlapping = folded;
  let previousEnd = -Infinity;
  for (let k = 0; k < count && !overlapping && !exclusive; k++) {
    const i = index ? index[k] : k;
    if (holds.startNs[i] < previousEnd) overlapping = true;
    previousEnd = holds.endNs[i];
  }
  let maxEndNs: Float64Array | undefined;
  if (overlapping) {
    maxEndNs = new Float64Array(count);
    let running = -Infinity;
    for (let k = 0; k < count; k++) {
      running = Math.max(running, holds.endNs[index ? index[k] : k]);
      maxEndNs[k] = running;
    }
  }
  return { objectId, index, count, overlapping, maxEndNs };
}

/** The first position k in the row whose hold ends after `timeNs` (every later one starts after the earlier). */
export function firstHoldEndingAfter(row: HoldRow, holds: HoldColumns, timeNs: number): number {
  if (row.maxEndNs) return upperBound(row.maxEndNs, row.count, timeNs);
  return row.index ? upperBoundVia(holds.endNs, row.index, row.count, timeNs) : upperBound(holds.endNs, row.count, timeNs);
}

/** The holds of a row that cover `timeNs` (positions in the row). */
export function holdsAt(row: HoldRow, holds: HoldColumns, timeNs: number, toleranceNs = 0): number[] {
  const out: number[] = [];
  for (let k = firstHoldEndingAfter(row, holds, timeNs - toleranceNs); k < row.count; k++) {
    const i = row.index ? row.index[k] : k;
    if (holds.startNs[i] > timeNs + toleranceNs) break;
    if (holds.endNs[i] >= timeNs - toleranceNs) out.push(k);
    if (!row.overlapping) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Filters and vertical layout

export const LANE_FILTERS: { id: string; label: string }[] = [
  { id: 'all', label: 'All threads' },
  { id: 'blocked', label: 'Ever blocked on a lock' },
  { id: 'waiting', label: 'Ever waiting' },
  { id: 'holds', label: 'Held a lock' },
  { id: 'alive', label: 'Alive at the end' },
  { id: 'failed', label: 'Failed' },
  { id: 'deadlock', label: 'In the deadlock' },
  { id: 'daemon', label: 'Daemon or pool' },
];

/** Time a lane spent in `state`, from its coarsest level of detail (one number per bucket there). */
function timeInState(model: TimelineModel, laneIndex: number, state: ThreadState): number {
  const lod = model.threads[laneIndex].lod;
  const top = lod[lod.length - 1];
  if (!top) {
    const columns = model.threads[laneIndex].states;
    let sum = 0;
    for (let i = 0; i < columns.count; i++) if (columns.state[i] === state) sum += columns.endNs[i] - columns.startNs[i] || 1;
    return sum;
  }
  let sum = 0;
  for (let k = state; k < top.timeInState.length; k += THREAD_STATE_COUNT) sum += top.timeInState[k];
  return sum;
}

function laneMatches(model: TimelineModel, rows: LaneRows[], laneIndex: number, filterText: string, laneFilter: string): boolean {
  const lane = model.threads[laneIndex];
  const needle = filterText.trim().toLowerCase();
  if (needle && !lane.name.toLowerCase().includes(needle) && !(lane.target ?? '').toLowerCase().includes(needle)) return false;
  switch (laneFilter) {
    case 'blocked':
      return timeInState(model, laneIndex, ThreadState.Blocked) > 0;
    case 'waiting':
      return timeInState(model, laneIndex, ThreadState.Waiting) > 0;
    case 'holds':
      return rows[laneIndex].holdRows.length > 0;
    case 'alive':
      return lane.finalState !== 'finished' && lane.finalState !== 'failed' && lane.finalState !== 'not-started';
    case 'failed':
      return lane.finalState === 'failed';
    case 'deadlock':
      return Boolean(model.deadlock?.entries.some((e) => e.tid === lane.tid));
    case 'daemon':
      return lane.daemon || lane.pool !== undefined;
    default:
      return true;
  }
}

export interface LaneBox {
  laneIndex: number;
  topCssPx: number;
  heightCssPx: number;
  /** The state bar. */
  stateTopCssPx: number;
  holdRowTopsCssPx: number[];
}

export interface LaneLayout {
  boxes: LaneBox[];
  /** Each box's bottom edge (topCssPx + heightCssPx), in order: what finding a box by height searches. */
  bottomsCssPx: Float64Array;
  totalHeightCssPx: number;
}

export function layoutLanes(model: TimelineModel, rows: LaneRows[], filterText: string, laneFilter: string): LaneLayout {
  const boxes: LaneBox[] = [];
  let top = 0;
  model.threads.forEach((_lane, laneIndex) => {
    if (!laneMatches(model, rows, laneIndex, filterText, laneFilter)) return;
    const holdRows = rows[laneIndex].holdRows.length;
    const holdRowTopsCssPx = Array.from(
      { length: holdRows },
      (_, r) => top + LANE_GAP_CSS_PX / 2 + STATE_BAR_CSS_PX + 2 + r * HOLD_ROW_CSS_PX,
    );
    const heightCssPx = LANE_GAP_CSS_PX + STATE_BAR_CSS_PX + (holdRows ? 2 + holdRows * HOLD_ROW_CSS_PX : 0);
    boxes.push({ laneIndex, topCssPx: top, heightCssPx, stateTopCssPx: top + LANE_GAP_CSS_PX / 2, holdRowTopsCssPx });
    top += heightCssPx;
  });
  return { boxes, bottomsCssPx: Float64Array.from(boxes, (box) => box.topCssPx + box.heightCssPx), totalHeightCssPx: top };
}

/** The boxes that intersect [scrollTop, scrollTop + height): lanes are virtualised. */
export function visibleBoxes(layout: LaneLayout, scrollTopCssPx: number, heightCssPx: number): LaneBox[] {
  const { boxes } = layout;
  const out: LaneBox[] = [];
  for (
    let i = upperBound(layout.bottomsCssPx, boxes.length, scrollTopCssPx);
    i < boxes.length && boxes[i].topCssPx < scrollTopCssPx + heightCssPx;
    i++
  )
    out.push(boxes[i]);
  return out;
}

/** The lane box and what part of it is under a vertical position (lane coordinates). */
export function boxAt(layout: LaneLayout, yCssPx: number): { box: LaneBox; part: 'state' | 'hold' | 'gap'; holdRow: number } | undefined {
  const box = layout.boxes[upperBound(layout.bottomsCssPx, layout.boxes.length, yCssPx)];
  if (!box || yCssPx < box.topCssPx) return undefined;
  if (yCssPx >= box.stateTopCssPx && yCssPx < box.stateTopCssPx + STATE_BAR_CSS_PX) return { box, part: 'state', holdRow: -1 };
  for (let r = 0; r < box.holdRowTopsCssPx.length; r++) {
    const top = box.holdRowTopsCssPx[r];
    if (yCssPx >= top && yCssPx < top + HOLD_ROW_CSS_PX) return { box, part: 'hold', holdRow: r };
  }
  return { box, part: 'gap', holdRow: -1 };
}
