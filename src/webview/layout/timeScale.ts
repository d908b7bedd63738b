/**
 * The one conversion between time and screen (speedscope's habit): every time is `…Ns`
 * (ns since the run's epoch), every horizontal position `…CssPx` (CSS pixels from the left of
 * the time area) or `…DevicePx` (canvas pixels). Pure: no DOM.
 */
export class TimeScale {
  constructor(
    /** The time at the left edge of the time area. */
    readonly startNs: number,
    /** The time at the right edge. */
    readonly endNs: number,
    /** Width of the time area. */
    readonly widthCssPx: number,
    readonly devicePixelRatio: number,
  ) {}

  get durationNs(): number {
    return this.endNs - this.startNs;
  }

  get nsPerCssPx(): number {
    return this.durationNs / Math.max(1, this.widthCssPx);
  }

  get nsPerDevicePx(): number {
    return this.nsPerCssPx / this.devicePixelRatio;
  }

  timeNsToCssPx(timeNs: number): number {
    return ((timeNs - this.startNs) / this.durationNs) * this.widthCssPx;
  }

  cssPxToTimeNs(cssPx: number): number {
    return this.startNs + (cssPx / Math.max(1, this.widthCssPx)) * this.durationNs;
  }

  timeNsToDevicePx(timeNs: number): number {
    return this.timeNsToCssPx(timeNs) * this.devicePixelRatio;
  }

  devicePxToTimeNs(devicePx: number): number {
    return this.cssPxToTimeNs(devicePx / this.devicePixelRatio);
  }

  withRange(startNs: number, endNs: number): TimeScale {
    return new TimeScale(startNs, endNs, this.widthCssPx, this.devicePixelRatio);
  }
}

/** Room left on each side of the run when it is fitted (and as far as panning goes), as a share of the run. */
const FIT_MARGIN = 0.03;

/** The whole run with a little room on each side, so what happens at the very end is not on the edge. */
export function fitRange(boundsStartNs: number, boundsEndNs: number): { startNs: number; endNs: number } {
  const spanNs = Math.max(MIN_VISIBLE_NS, boundsEndNs - boundsStartNs);
  return { startNs: boundsStartNs - spanNs * 0.01, endNs: boundsStartNs + spanNs * (1 + FIT_MARGIN) };
}

/** The narrowest view: 100 ns across the whole time area. */
const MIN_VISIBLE_NS = 100;

/**
 * Keeps a visible range inside [boundsStartNs, boundsEndNs] (with a little margin) and no
 * narrower than MIN_VISIBLE_NS. Pure: the view asks this after every zoom and pan.
 */
export function clampRange(startNs: number, endNs: number, boundsStartNs: number, boundsEndNs: number): { startNs: number; endNs: number } {
  const boundsNs = Math.max(MIN_VISIBLE_NS, boundsEndNs - boundsStartNs);
  const marginNs = boundsNs * FIT_MARGIN;
  const lowNs = boundsStartNs - marginNs;
  const highNs = boundsStartNs + boundsNs + marginNs;
  let durationNs = Math.min(Math.max(endNs - startNs, MIN_VISIBLE_NS), highNs - lowNs);
  if (!Number.isFinite(durationNs) || durationNs <= 0) durationNs = highNs - lowNs;
  let from = Number.isFinite(startNs) ? startNs : lowNs;
  if (from < lowNs) from = lowNs;
  if (from + durationNs > highNs) from = highNs - durationNs;
  return { startNs: from, endNs: from + durationNs };
}

/** Zooms by `factor` (< 1 zooms in) keeping the time under `anchorCssPx` where it is. */
export function zoomRange(scale: TimeScale, factor: number, anchorCssPx: number): { startNs: number; endNs: number } {
  const anchorNs = scale.cssPxToTimeNs(anchorCssPx);
  return {
    startNs: anchorNs - (anchorNs - scale.startNs) * factor,
    endNs: anchorNs + (scale.endNs - anchorNs) * factor,
  };
}

export function panRange(scale: TimeScale, deltaCssPx: number): { startNs: number; endNs: number } {
  const deltaNs = deltaCssPx * scale.nsPerCssPx;
  return { startNs: scale.startNs + deltaNs, endNs: scale.endNs + deltaNs };
}

interface Tick {
  timeNs: number;
  label: string;
}

/**
 * Axis ticks at 1-2-5 steps, at least `minSpacingCssPx` apart, labelled relative to `originNs`
 * (the run's first instant) in one unit chosen by the step: s, ms, µs or ns.
 */
export function ticks(scale: TimeScale, originNs: number, minSpacingCssPx = 90): Tick[] {
  const minStepNs = scale.nsPerCssPx * minSpacingCssPx;
  if (!(minStepNs > 0) || !Number.isFinite(minStepNs)) return [];
  const magnitude = 10 ** Math.floor(Math.log10(minStepNs));
  const stepNs = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= minStepNs) ?? 10 * magnitude;
  // One unit for the whole axis, chosen by the largest offset shown (so 697.75 ms, not 697750 µs),
  // with as many decimals as the step needs.
  const largestNs = Math.max(Math.abs(scale.startNs - originNs), Math.abs(scale.endNs - originNs), stepNs);
  const unit =
    largestNs >= 1e9
      ? { ns: 1e9, name: 's' }
      : largestNs >= 1e6
        ? { ns: 1e6, name: 'ms' }
        : largestNs >= 1e3
          ? { ns: 1e3, name: 'µs' }
          : { ns: 1, name: 'ns' };
  const decimals = Math.min(9, Math.max(0, Math.ceil(-Math.log10(stepNs / unit.ns) - 1e-9)));
  const out: Tick[] = [];
  const first = Math.ceil((scale.startNs - originNs) / stepNs);
  const last = Math.floor((scale.endNs - originNs) / stepNs);
  for (let i = first; i <= last && out.length < 1000; i++) {
    const relativeNs = i * stepNs;
    const value = relativeNs / unit.ns;
    out.push({ timeNs: originNs + relativeNs, label: i === 0 ? '0' : `${value.toFixed(decimals)} ${unit.name}` });
  }
  return out;
}
