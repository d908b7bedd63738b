/**
 * Level of detail for a lane: how long it spent in each state per bucket of time, at bucket
 * sizes that double from level to level, so the panel draws a lane in time proportional to
 * its width in pixels, not to its number of intervals (see LodLevel in model.ts).
 *
 * Every lane shares one grid: bucket b of a level covers
 * [originNs + b * bucketNs, originNs + (b + 1) * bucketNs), the coarsest level has
 * COARSEST_BUCKETS buckets spanning [originNs, endNs], and each finer level halves the bucket.
 * A lane gets as many levels as it has intervals to summarise (its finest level has at least as
 * many buckets as the lane has intervals, up to MAX_FINEST_BUCKETS), so a bucket at the finest
 * level stands for about one interval or less: below that the panel draws the intervals.
 *
 * Build cost: O(intervals + buckets) per lane (an interval adds to the buckets it covers, and
 * intervals never overlap).
 */
import { type LodLevel, type StateColumns } from './model';
import { THREAD_STATE_COUNT } from '../trace/format';

export const COARSEST_BUCKETS = 64;
/** 2^16 buckets × 9 states × 4 bytes = 2.25 MiB for a lane's finest level. */
const MAX_FINEST_BUCKETS = 1 << 16;

/** How many levels a lane with `intervals` intervals gets (at least 1). */
function lodLevelCount(intervals: number): number {
  let levels = 1;
  let buckets = COARSEST_BUCKETS;
  while (buckets < intervals && buckets < MAX_FINEST_BUCKETS) {
    buckets *= 2;
    levels++;
  }
  return levels;
}

/**
 * The levels of one lane over [originNs, endNs], finest first. Time outside that range is left
 * out; a lane whose intervals cover the range has buckets that each sum to their width.
 */
export function buildLod(states: StateColumns, originNs: number, endNs: number): LodLevel[] {
  const levels = lodLevelCount(states.count);
  const spanNs = Math.max(endNs - originNs, 1);
  const buckets = COARSEST_BUCKETS << (levels - 1);
  const bucketNs = spanNs / buckets;

  // The finest level, summed in float64 (the levels are stored as float32).
  let sums = new Float64Array(buckets * THREAD_STATE_COUNT);
  const { startNs, endNs: ends, state } = states;
  for (let i = 0; i < states.count; i++) {
    const from = Math.max(startNs[i], originNs);
    const to = Math.min(ends[i], endNs);
    if (to <= from) continue;
    const s = state[i];
    let b = Math.min(buckets - 1, Math.floor((from - originNs) / bucketNs));
    const last = Math.min(buckets - 1, Math.floor((to - originNs) / bucketNs));
    if (b === last) {
      sums[b * THREAD_STATE_COUNT + s] += to - from;
      continue;
    }
    // The first bucket's part, the whole buckets between, the last bucket's part; measured
    // from the same edges (origin + b × width) so the parts add up to the interval.
    let edge = originNs + (b + 1) * bucketNs;
    sums[b * THREAD_STATE_COUNT + s] += edge - from;
    for (b++; b < last; b++) {
      const next = originNs + (b + 1) * bucketNs;
      sums[b * THREAD_STATE_COUNT + s] += next - edge;
      edge = next;
    }
    sums[last * THREAD_STATE_COUNT + s] += to - edge;
  }

  const out: LodLevel[] = [];
  let count = buckets;
  let width = bucketNs;
  for (;;) {
    out.push({ bucketNs: width, originNs, bucketCount: count, timeInState: Float32Array.from(sums) });
    if (count <= COARSEST_BUCKETS) break;
    // The next level: bucket j is buckets 2j and 2j + 1 of this one.
    const half = count / 2;
    const next = new Float64Array(half * THREAD_STATE_COUNT);
    for (let j = 0; j < half; j++) {
      const a = 2 * j * THREAD_STATE_COUNT;
      const b = a + THREAD_STATE_COUNT;
      const o = j * THREAD_STATE_COUNT;
      for (let s = 0; s < THREAD_STATE_COUNT; s++) next[o + s] = sums[a + s] + sums[b + s];
    }
    sums = next;
    count = half;
    width *= 2;
  }
  return out;
}
