/**
 * What one frame of the lanes canvas is drawn from and what it reports back: FrameInput,
 * FrameOutput and its hit targets, and the fixed geometry every painter and the hit test share
 * (the name gutter, the time axis, the GIL lane). The painters are draw.ts (the lanes),
 * overlays.ts (deadlock, hand-offs), axis.ts and gil.ts (the GIL lane).
 */
import type { PrimitiveInfo, TimelineModel, TimelineQueries } from '../../analysis/model';
import type { DeadlockHighlight } from '../layout/deadlock';
import type { LaneLayout, LaneRows } from '../layout/lanes';
import type { TimeScale } from '../layout/timeScale';
import type { Theme } from './theme';

export const GUTTER_CSS_PX = 184;
export const AXIS_CSS_PX = 28;
/** GIL mode: the GIL lane, fixed under the axis above the (scrolling) thread lanes. */
export const GIL_LANE_CSS_PX = 26;

/** Where the thread lanes begin: under the axis, and under the GIL lane in GIL mode. */
export function lanesTopCssPx(model: TimelineModel | undefined): number {
  return AXIS_CSS_PX + (model?.gil ? GIL_LANE_CSS_PX : 0);
}

/** A thread's colour slot on the GIL lane: its lane position (MainThread first). */
export function threadColorSlot(model: TimelineModel, tid: number, slots: number): number {
  const laneIndex = model.threads.findIndex((lane) => lane.tid === tid);
  return (laneIndex < 0 ? tid : laneIndex) % slots;
}

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

/** A lane-area position (CSS px from the top of all lanes) → canvas y, for the current scroll. */
export type LaneY = (cssPx: number) => number;

export function pushTarget(out: FrameOutput, target: HitTarget): void {
  if (out.hitTargets.length < MAX_HIT_TARGETS) out.hitTargets.push(target);
}
