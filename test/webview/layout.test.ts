/**
 * The panel's pure layout (no browser): time scale and ticks, where a failed run opens, the
 * host ↔ panel protocol's validation, and the drawing runs checked against slow,
 * obviously-correct references on random lanes (property tests).
 */
import { strict as assert } from 'node:assert';

import { type HoldColumns, type ThreadLane } from '../../src/analysis/model';
import { buildLod } from '../../src/analysis/lod';

import { firstHoldEndingAfter, holdsAt, type HoldRow } from '../../src/webview/layout/lanes';

import { failureRange, type Failure } from '../../src/webview/layout/failure';

import { holdBars, stateRuns } from '../../src/webview/layout/runs';

import { clampRange, ticks, TimeScale, zoomRange } from '../../src/webview/layout/timeScale';

import { parseFromPanel, parseToPanel, parseViewState } from '../../src/shared/protocol';
import { THREAD_STATE_COUNT, ThreadState } from '../../src/trace/format';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A lane of `count` contiguous intervals from 0, with lengths spread over six orders of magnitude. */
function randomLane(next: () => number, count: number): ThreadLane {
  const startNs = new Float64Array(count);
  const endNs = new Float64Array(count);
  const state = new Uint8Array(count);
  let t = 0;
  for (let i = 0; i < count; i++) {
    startNs[i] = t;
    t += Math.floor(10 ** (next() * 6));
    endNs[i] = t;
    state[i] = [ThreadState.Running, ThreadState.Blocked, ThreadState.Waiting, ThreadState.Sleeping][Math.floor(next() * 4)];
  }
  const states = {
    count,
    startNs,
    endNs,
    state,
    objectId: new Uint32Array(count),
    waitKind: new Uint8Array(count),
    siteId: new Uint32Array(count),
  };
  return { tid: 1, name: 'T', daemon: false, finalState: 'finished', states, lod: buildLod(states, 0, t) };
}

describe('webview: layout', () => {
  it('converts time and pixels through one TimeScale and zooms around the anchor', () => {
    const scale = new TimeScale(1000, 3000, 200, 2);
    assert.equal(scale.timeNsToCssPx(2000), 100);
    assert.equal(scale.cssPxToTimeNs(50), 1500);
    assert.equal(scale.timeNsToDevicePx(2000), 200);
    const zoomed = zoomRange(scale, 0.5, 50);
    assert.equal(zoomed.startNs, 1250);
    assert.equal(zoomed.endNs, 2250);
    const clamped = clampRange(-1e9, 1e12, 0, 1e6);
    assert.ok(clamped.startNs >= -1e6 * 0.05 && clamped.endNs <= 1e6 * 1.05);
    assert.ok(clampRange(500, 500, 0, 1e6).endNs - 500 >= 100, 'no narrower than 100 ns');
  });

  it('opens on a failure: its stretch and room before it, within the run, never narrower than 20 µs, or the whole run', () => {
    const failure = (fromNs: number, toNs: number): Failure => ({
      kind: 'deadlock',
      atNs: toNs,
      fromNs,
      toNs,
      laneIndices: [],
      objectIds: [],
      siteId: 0,
      title: '',
    });
    // A run of 1 s failing over 100 µs in its middle: 160 µs shown, most of the room before the stretch.
    const middle = failureRange(failure(500_000_000, 500_100_000), 0, 1e9)!;
    assert.ok(Math.abs(middle.endNs - middle.startNs - 160_000) < 1e-6);
    assert.ok(middle.startNs < 500_000_000 - 40_000 && middle.endNs > 500_100_000 && middle.endNs < 500_100_000 + 20_000);
    // A failure of one step: 20 µs around it.
    const step = failureRange(failure(500_000_000, 500_001_000), 0, 1e9)!;
    assert.equal(Math.round(step.endNs - step.startNs), 20_000);
    assert.ok(step.startNs < 500_000_000 && step.endNs > 500_001_000);
    // At the very end of the run: the range is moved left, not cut, and stays within the fitted run.
    const end = failureRange(failure(999_990_000, 1e9), 0, 1e9)!;
    assert.ok(end.endNs <= 1e9 * 1.03 && end.startNs <= 999_990_000 && end.endNs >= 1e9);
    // At its start likewise.
    const start = failureRange(failure(0, 1_000), 0, 1e9)!;
    assert.ok(start.startNs >= -1e9 * 0.01 && start.endNs >= 1_000);
    // A stretch that is most of the run: the whole run.
    assert.equal(failureRange(failure(100, 900_000_000), 0, 1e9), undefined);
    assert.equal(failureRange(failure(0, 10_000), 0, 15_000), undefined, 'a run shorter than the narrowest view');
  });

  it('labels ticks at 1-2-5 steps in one readable unit', () => {
    assert.deepEqual(
      ticks(new TimeScale(0, 1e6, 500, 1), 0).map((t) => t.label),
      ['0', '0.2 ms', '0.4 ms', '0.6 ms', '0.8 ms', '1.0 ms'],
    );
    assert.deepEqual(
      ticks(new TimeScale(697.7e6, 697.9e6, 450, 1), 0).map((t) => t.label),
      ['697.70 ms', '697.75 ms', '697.80 ms', '697.85 ms', '697.90 ms'],
    );
    const labels = ticks(new TimeScale(0, 4e9, 800, 1), 0).map((t) => t.label);
    assert.deepEqual(labels, ['0', '0.5 s', '1.0 s', '1.5 s', '2.0 s', '2.5 s', '3.0 s', '3.5 s', '4.0 s']);
  });

  it('validates what the host sends and what the panel posts', () => {
    const view = {
      version: 1,
      startNs: 0,
      endNs: 10,
      scrollTopCssPx: 0,
      filterText: '',
      laneFilter: 'all',
      showHandoffs: true,
      lockSort: { key: 'waitNs', descending: true },
    };
    assert.deepEqual(parseToPanel({ type: 'load', requestId: 1, trace: new Uint8Array([1, 2]) })?.type, 'load');
    assert.equal(parseToPanel({ type: 'load', requestId: 1, trace: 'AAA=' }), undefined, 'a trace must be bytes');
    assert.equal(parseToPanel({ type: 'load', requestId: 1, trace: new Uint8Array(), sources: [{ file: 1 }] }), undefined);
    assert.equal(parseToPanel({ type: 'highlight' }), undefined);
    assert.equal(parseToPanel({ type: 'eval', code: 'alert(1)' }), undefined, 'unknown types are refused');
    assert.equal(parseToPanel(null), undefined);
    assert.deepEqual(parseToPanel({ type: 'restoreView', state: view }), { type: 'restoreView', state: view });
    assert.equal(parseViewState({ ...view, endNs: -1 }), undefined);
    assert.deepEqual(parseFromPanel({ type: 'reveal', file: 'a.ts', line: 3, col: 5 }), { type: 'reveal', file: 'a.ts', line: 3, col: 5 });
    assert.equal(parseFromPanel({ type: 'reveal', file: 'a.ts', line: 0, col: 5 }), undefined);
  });

  it('state runs: sorted, inside the view, no gaps where the lane has time, every wide interval drawn in its state (random lanes)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const lane = randomLane(next, 1 + Math.floor(next() * 3000));
      const totalNs = lane.states.endNs[lane.states.count - 1];
      const from = next() * totalNs * 0.9;
      const to = from + Math.max(200, next() ** 3 * totalNs);
      const dpr = next() < 0.5 ? 1 : 2;
      const scale = new TimeScale(from, to, 300 + Math.floor(next() * 700), dpr);
      const widthDevicePx = scale.widthCssPx * dpr;
      const runs = stateRuns(lane, scale, 0);
      let previousEnd = -Infinity;
      for (const run of runs) {
        assert.ok(
          run.x0DevicePx >= 0 && run.x1DevicePx <= widthDevicePx + 1e-6 && run.x1DevicePx > run.x0DevicePx,
          `seed ${seed}: run inside the view`,
        );
        assert.ok(run.x0DevicePx >= previousEnd - 1.0001, `seed ${seed}: runs in order`);
        previousEnd = run.x1DevicePx;
      }
      // Reference: every whole device pixel the lane covers in the view is covered by some run.
      const lastPixel = Math.min(widthDevicePx, Math.floor(scale.timeNsToDevicePx(totalNs))) - 1;
      const firstPixel = Math.max(0, Math.ceil(scale.timeNsToDevicePx(0)));
      for (let p = firstPixel; p <= lastPixel; p += 7) {
        assert.ok(
          runs.some((r) => r.x0DevicePx <= p + 0.5 && r.x1DevicePx >= p + 0.5),
          `seed ${seed}: pixel ${p} is drawn`,
        );
      }
      // Reference: an interval wider than 3 device pixels shows in its own state in its middle.
      for (let i = 0; i < lane.states.count; i++) {
        const x0 = Math.max(0, scale.timeNsToDevicePx(lane.states.startNs[i]));
        const x1 = Math.min(widthDevicePx, scale.timeNsToDevicePx(lane.states.endNs[i]));
        if (x1 - x0 < 3 || scale.nsPerDevicePx >= lane.lod[0].bucketNs) continue;
        const mid = (x0 + x1) / 2;
        const run = runs.find((r) => r.x0DevicePx <= mid && r.x1DevicePx >= mid);
        assert.equal(run?.state, lane.states.state[i], `seed ${seed}: interval ${i} drawn in its state`);
      }
      assert.ok(runs.length <= 2 * widthDevicePx + 2, `seed ${seed}: at most about one run per pixel (${runs.length})`);
    }
  });

  it('level of detail: a lane summarised into buckets keeps the time of each state', () => {
    const next = random(3);
    const lane = randomLane(next, 5000);
    for (const level of lane.lod) {
      const sums = new Array<number>(THREAD_STATE_COUNT).fill(0);
      for (let k = 0; k < level.timeInState.length; k++) sums[k % THREAD_STATE_COUNT] += level.timeInState[k];
      const reference = new Array<number>(THREAD_STATE_COUNT).fill(0);
      for (let i = 0; i < lane.states.count; i++) reference[lane.states.state[i]] += lane.states.endNs[i] - lane.states.startNs[i];
      sums.forEach((sum, s) => assert.ok(Math.abs(sum - reference[s]) <= 1e-4 * (reference[s] + 1), `state ${s}`));
    }
  });

  it('hold bars and hover searches find exactly the holds a linear scan finds (random rows)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const count = 1 + Math.floor(next() * 2000);
      const overlapping = next() < 0.3;
      const startNs = new Float64Array(count);
      const endNs = new Float64Array(count);
      let t = 0;
      for (let i = 0; i < count; i++) {
        t += Math.floor(10 ** (next() * 5));
        startNs[i] = t;
        endNs[i] = t + Math.floor(10 ** (next() * (overlapping ? 6 : 4)));
        if (!overlapping) t = endNs[i];
      }
      const holds: HoldColumns = {
        count,
        startNs,
        endNs,
        objectId: new Uint32Array(count).fill(3),
        depth: new Uint16Array(count).fill(1),
        siteId: new Uint32Array(count),
        heldAtEnd: new Uint8Array(count),
      };
      let maxEndNs: Float64Array | undefined;
      if (overlapping) {
        maxEndNs = new Float64Array(count);
        let running = -Infinity;
        for (let i = 0; i < count; i++) maxEndNs[i] = running = Math.max(running, endNs[i]);
      }
      const row: HoldRow = { objectId: 3, index: undefined, count, overlapping, maxEndNs };
      const last = overlapping ? Math.max(...endNs) : endNs[count - 1];
      const from = next() * last;
      const scale = new TimeScale(from, from + Math.max(100, next() ** 2 * last), 500, 1);
      const bars = holdBars(row, holds, scale);
      for (let i = 0; i < count; i++) {
        if (endNs[i] <= scale.startNs || startNs[i] >= scale.endNs) continue;
        const x = Math.max(0, Math.min(scale.widthCssPx - 0.5, scale.timeNsToDevicePx(startNs[i])));
        assert.ok(
          bars.some((b) => b.x0DevicePx <= x + 1 && b.x1DevicePx >= x - 1),
          `seed ${seed}: hold ${i} is drawn`,
        );
      }
      assert.ok(bars.length <= 2 * 500 + 2, `seed ${seed}: at most about one bar per pixel`);
      for (let probe = 0; probe < 20; probe++) {
        const at = next() * last;
        const expected = [];
        for (let i = 0; i < count; i++) if (startNs[i] <= at && endNs[i] >= at) expected.push(i);
        assert.deepEqual(
          holdsAt(row, holds, at).sort((a, b) => a - b),
          overlapping ? expected : expected.slice(0, 1),
          `seed ${seed}: holds at ${at}`,
        );
        const first = firstHoldEndingAfter(row, holds, at);
        assert.ok(first === count || (overlapping ? maxEndNs![first] > at : endNs[first] > at));
      }
    }
  });
});
