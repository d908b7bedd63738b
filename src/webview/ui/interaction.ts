/**
 * All input on the lanes, and how zoom and pan feel: the wheel (zoom, or pan when it moves
 * sideways, or scroll the lanes with shift), the pointer (drag to pan, drag on the time axis or
 * shift-drag to zoom into a range, pinch with two fingers, click), the keys, the overview strip
 * and the lanes' scrollbar. The steps and factors are here; the time↔screen arithmetic is
 * layout/timeScale.ts. What a click or a hover picks is selection.ts.
 */
import { STATE_BAR_CSS_PX } from '../layout/lanes';
import { panRange, zoomRange } from '../layout/timeScale';
import { AXIS_CSS_PX, GUTTER_CSS_PX } from './frame';
import type { Selection } from './selection';
import type { View } from './view';

/** One step of the zoom buttons and the +/− keys. */
const ZOOM_STEP = 1.25;
/** Wheel zoom: the factor is exp(deltaY × this) per wheel event (deltaY in CSS px). */
const WHEEL_ZOOM_RATE = 0.002;
/** A trackpad pinch arrives as ctrl+wheel with small deltas: zoom faster per pixel. */
const PINCH_WHEEL_ZOOM_RATE = 0.01;
/** Wheel deltas in lines (deltaMode 1) → CSS px. */
const WHEEL_LINE_CSS_PX = 16;
/** Arrow keys pan this share of the width (with shift: the larger). */
const KEY_PAN_SHARE = 0.1;
const KEY_PAN_SHARE_SHIFT = 0.5;
/** A press that moves less than this (CSS px) and is released is a click, not a drag. */
const DRAG_THRESHOLD_CSS_PX = 3;
/** A range dragged out narrower than this is not zoomed into. */
const MIN_RANGE_CSS_PX = 4;

type Range = { startNs: number; endNs: number };

export interface InteractionActions {
  /** Show this range (it is kept inside the run). */
  setRange(startNs: number, endNs: number): void;
  /** The view state changed: a frame, and the host keeps it. */
  viewChanged(): void;
  requestFrame(): void;
  toggleHandoffs(): void;
}

export class Interaction {
  private drag:
    | {
        mode: 'pan' | 'range';
        startXCssPx: number;
        startYCssPx: number;
        startRange: Range;
        startScrollTop: number;
        moved: boolean;
        currentXCssPx: number;
      }
    | undefined;
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private pinch: { distance: number; range: Range; centerCssPx: number } | undefined;

  constructor(
    private readonly view: View,
    private readonly canvas: HTMLCanvasElement,
    private readonly overviewCanvas: HTMLCanvasElement,
    private readonly scroller: HTMLElement,
    private readonly selection: Selection,
    private readonly actions: InteractionActions,
  ) {
    this.bindLanes();
    this.bindScroller();
    this.bindOverview();
  }

  /** The range being dragged out on the lanes (drawn as a band), if any. */
  rangeSelectionCssPx(): { from: number; to: number } | undefined {
    return this.drag?.mode === 'range' ? { from: this.drag.startXCssPx, to: this.drag.currentXCssPx } : undefined;
  }

  // ---------------------------------------------------------------------------------------
  // Zoom, pan, scroll

  /** Zooms by `factor` (< 1 zooms in) around `anchorCssPx` in the time area (default: its middle). */
  zoomBy(factor: number, anchorCssPx?: number): void {
    const scale = this.view.scale();
    if (!scale) return;
    const range = zoomRange(scale, factor, anchorCssPx ?? scale.widthCssPx / 2);
    this.actions.setRange(range.startNs, range.endNs);
  }

  zoomIn(): void {
    this.zoomBy(1 / ZOOM_STEP);
  }

  zoomOut(): void {
    this.zoomBy(ZOOM_STEP);
  }

  panBy(deltaCssPx: number): void {
    const scale = this.view.scale();
    if (!scale) return;
    const range = panRange(scale, deltaCssPx);
    this.actions.setRange(range.startNs, range.endNs);
  }

  fitAll(): void {
    if (!this.view.model) return;
    const range = this.view.fitRange();
    this.actions.setRange(range.startNs, range.endNs);
  }

  private scrollLanesBy(deltaCssPx: number): void {
    this.view.state.scrollTopCssPx += deltaCssPx;
    this.actions.viewChanged();
  }

  // ---------------------------------------------------------------------------------------
  // The lanes canvas: wheel, pointer, keys

  private bindLanes(): void {
    const canvas = this.canvas;
    const view = this.view;
    const local = (event: MouseEvent) => {
      const rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    };
    canvas.addEventListener(
      'wheel',
      (event) => {
        if (!view.model) return;
        event.preventDefault();
        const unit = event.deltaMode === 1 ? WHEEL_LINE_CSS_PX : event.deltaMode === 2 ? view.heightCssPx : 1;
        const dx = event.deltaX * unit;
        const dy = event.deltaY * unit;
        const { x } = local(event);
        const anchor = Math.max(0, x - GUTTER_CSS_PX);
        if (event.ctrlKey || event.metaKey) {
          this.zoomBy(Math.exp(dy * PINCH_WHEEL_ZOOM_RATE), anchor);
        } else if (event.shiftKey) {
          this.scrollLanesBy(dy || dx);
        } else if (Math.abs(dx) > Math.abs(dy)) {
          this.panBy(dx);
        } else {
          this.zoomBy(Math.exp(dy * WHEEL_ZOOM_RATE), anchor);
        }
      },
      { passive: false },
    );
    canvas.addEventListener('pointerdown', (event) => {
      if (!view.model) return;
      canvas.focus();
      canvas.setPointerCapture(event.pointerId);
      const { x, y } = local(event);
      this.pointers.set(event.pointerId, { x, y });
      if (this.pointers.size === 2) {
        const [a, b] = [...this.pointers.values()];
        this.pinch = {
          distance: Math.hypot(a.x - b.x, a.y - b.y) || 1,
          range: { startNs: view.state.startNs, endNs: view.state.endNs },
          centerCssPx: (a.x + b.x) / 2 - GUTTER_CSS_PX,
        };
        this.drag = undefined;
        return;
      }
      const mode = y < AXIS_CSS_PX || event.shiftKey ? 'range' : 'pan';
      this.drag = {
        mode,
        startXCssPx: x,
        startYCssPx: y,
        startRange: { startNs: view.state.startNs, endNs: view.state.endNs },
        startScrollTop: view.state.scrollTopCssPx,
        moved: false,
        currentXCssPx: x,
      };
    });
    canvas.addEventListener('pointermove', (event) => {
      const { x, y } = local(event);
      if (this.pointers.has(event.pointerId)) this.pointers.set(event.pointerId, { x, y });
      if (this.pinch && this.pointers.size === 2) {
        const [a, b] = [...this.pointers.values()];
        const distance = Math.hypot(a.x - b.x, a.y - b.y) || 1;
        const scale = view.scale();
        if (scale) {
          const base = scale.withRange(this.pinch.range.startNs, this.pinch.range.endNs);
          const range = zoomRange(base, this.pinch.distance / distance, this.pinch.centerCssPx);
          this.actions.setRange(range.startNs, range.endNs);
        }
        return;
      }
      const drag = this.drag;
      if (drag) {
        drag.currentXCssPx = x;
        if (Math.abs(x - drag.startXCssPx) > DRAG_THRESHOLD_CSS_PX || Math.abs(y - drag.startYCssPx) > DRAG_THRESHOLD_CSS_PX)
          drag.moved = true;
        if (!drag.moved) return;
        this.selection.hideTooltip();
        if (drag.mode === 'pan') {
          const scale = view.scale();
          if (!scale) return;
          const base = scale.withRange(drag.startRange.startNs, drag.startRange.endNs);
          const range = panRange(base, drag.startXCssPx - x);
          view.state.scrollTopCssPx = drag.startScrollTop + (drag.startYCssPx - y);
          this.actions.setRange(range.startNs, range.endNs);
        } else {
          this.actions.requestFrame();
        }
        return;
      }
      this.selection.hover(x, y, event.clientX, event.clientY);
    });
    const end = (event: PointerEvent) => {
      this.pointers.delete(event.pointerId);
      if (this.pinch) {
        if (this.pointers.size < 2) this.pinch = undefined;
        return;
      }
      const drag = this.drag;
      this.drag = undefined;
      if (!drag) return;
      const { x, y } = local(event);
      if (drag.mode === 'range' && drag.moved) {
        const scale = view.scale();
        const from = Math.min(drag.startXCssPx, x) - GUTTER_CSS_PX;
        const to = Math.max(drag.startXCssPx, x) - GUTTER_CSS_PX;
        if (scale && to - from > MIN_RANGE_CSS_PX) this.actions.setRange(scale.cssPxToTimeNs(Math.max(0, from)), scale.cssPxToTimeNs(to));
        else this.actions.requestFrame();
        return;
      }
      if (!drag.moved && event.type === 'pointerup') this.selection.click(x, y);
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('pointerleave', () => {
      if (this.drag) return;
      this.selection.leave();
    });
    canvas.addEventListener('keydown', (event) => this.onKey(event));
    canvas.addEventListener('blur', () => this.selection.hideTooltip());
  }

  private onKey(event: KeyboardEvent): void {
    const view = this.view;
    if (!view.model || event.altKey || event.ctrlKey || event.metaKey) return;
    const scale = view.scale();
    const width = scale?.widthCssPx ?? 0;
    let handled = true;
    switch (event.key) {
      case 'ArrowLeft':
        this.panBy(-width * (event.shiftKey ? KEY_PAN_SHARE_SHIFT : KEY_PAN_SHARE));
        break;
      case 'ArrowRight':
        this.panBy(width * (event.shiftKey ? KEY_PAN_SHARE_SHIFT : KEY_PAN_SHARE));
        break;
      case '+':
      case '=':
        this.zoomIn();
        break;
      case '-':
      case '_':
        this.zoomOut();
        break;
      case '0':
      case 'Home':
      case 'f':
        this.fitAll();
        break;
      case 'ArrowDown':
      case 'ArrowUp': {
        const boxes = view.layout.boxes;
        if (!boxes.length) break;
        const at = boxes.findIndex((b) => b.laneIndex === view.selectedLaneIndex);
        const next = at < 0 ? 0 : Math.min(boxes.length - 1, Math.max(0, at + (event.key === 'ArrowDown' ? 1 : -1)));
        this.selection.selectLane(boxes[next].laneIndex);
        break;
      }
      case 'PageDown':
        this.scrollLanesBy(view.heightCssPx - view.lanesTop() - STATE_BAR_CSS_PX);
        break;
      case 'PageUp':
        this.scrollLanesBy(-(view.heightCssPx - view.lanesTop() - STATE_BAR_CSS_PX));
        break;
      case 'h':
      case 'H':
        this.actions.toggleHandoffs();
        break;
      case 'Escape':
        this.selection.clear();
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  }

  // ---------------------------------------------------------------------------------------
  // The lanes' scrollbar and the overview strip

  private bindScroller(): void {
    this.scroller.addEventListener('scroll', () => {
      if (Math.abs(this.scroller.scrollTop - this.view.state.scrollTopCssPx) > 1) {
        this.view.state.scrollTopCssPx = this.scroller.scrollTop;
        this.actions.viewChanged();
      }
    });
  }

  /** Pressing or dragging on the strip centres the view there; the keys work as on the lanes. */
  private bindOverview(): void {
    const overview = this.overviewCanvas;
    const view = this.view;
    let dragging = false;
    const move = (event: PointerEvent) => {
      if (!view.overview || !view.model) return;
      const rect = overview.getBoundingClientRect();
      const center = view.overview.timeNsAt(event.clientX - rect.left, view.widthCssPx);
      const half = (view.state.endNs - view.state.startNs) / 2;
      this.actions.setRange(center - half, center + half);
    };
    overview.addEventListener('pointerdown', (event) => {
      dragging = true;
      overview.setPointerCapture(event.pointerId);
      move(event);
    });
    overview.addEventListener('pointermove', (event) => {
      if (dragging) move(event);
    });
    overview.addEventListener('pointerup', () => (dragging = false));
    overview.addEventListener('keydown', (event) => this.onKey(event));
  }
}
