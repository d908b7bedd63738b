/**
 * GIL mode's derivation on a hand-written trace (test/webview/gilTrace.ts): the "waiting for the
 * GIL" state and what follows it, gilStats, the model's GIL view and query, lock statistics
 * across a Block cut by GIL waits, the text report's GIL row and line, the Chrome export's GIL
 * track. The property test in timeline.test.ts checks the states on random GIL traces.
 */
import * as assert from 'node:assert/strict';
import { gilStats } from '../src/analysis/gil';

import { lockStats } from '../src/analysis/stats';

import { buildTimeline } from '../src/analysis/timeline';

import { textReport } from '../src/cli/text';

import type { RunResult } from '../src/harness/types';
import { toChromeTrace } from '../src/export/chrome';

import { deriveIntervals } from '../src/trace/intervals';
import { LOCK_ID, gilTrace } from './webview/gilTrace';
import { ThreadState } from '../src/trace/format';

const MS = 1e6;

/** A thread's states as [activity, startMs, endMs]. */
function statesOf(tid: number, trace = gilTrace()): [number, number, number][] {
  const warnings: string[] = [];
  const states = deriveIntervals(trace, { onWarning: (message) => warnings.push(message) }).threads[tid].states;
  assert.deepEqual(warnings, []);
  const out: [number, number, number][] = [];
  for (let i = 0; i < states.count; i++) out.push([states.state[i], states.startNs[i] / MS, states.endNs[i] / MS]);
  return out;
}

function runResult(trace = gilTrace()): RunResult {
  return {
    trace,
    outcome: trace.header.outcome,
    durationMs: trace.header.durationMs,
    wallMs: trace.header.durationMs,
    events: 43,
  } as unknown as RunResult;
}

describe('GIL mode: derivation and statistics', () => {
  it('a thread waits for the GIL before it runs, then is Starting / Running again', () => {
    assert.deepEqual(statesOf(1), [
      [ThreadState.WaitingForGil, 1, 2],
      [ThreadState.Running, 2, 7],
      [ThreadState.WaitingForGil, 7, 8],
      [ThreadState.Running, 8, 25],
      [ThreadState.WaitingForGil, 25, 26],
      [ThreadState.Running, 26, 30],
    ]);
  });

  it('a GIL wait inside a Block returns to the Block, and carries its lock; a sleep is not cut by an uncontended GilAcquired', () => {
    const trace = gilTrace();
    const states = deriveIntervals(trace).threads[2].states;
    const rows: [number, number, number, number][] = [];
    for (let i = 0; i < states.count; i++) rows.push([states.state[i], states.startNs[i] / MS, states.endNs[i] / MS, states.objectId[i]]);
    assert.deepEqual(rows, [
      [ThreadState.WaitingForGil, 1, 7, 0],
      [ThreadState.Running, 7, 8, 0],
      [ThreadState.Blocked, 8, 20, LOCK_ID],
      // Woken by the release at 20, it waits for the GIL to take the lock…
      [ThreadState.WaitingForGil, 20, 25, LOCK_ID],
      // …and is back in its Block (empty: it took the lock at once) until the Unblock.
      [ThreadState.Blocked, 25, 25, LOCK_ID],
      [ThreadState.Running, 25, 26, 0],
      [ThreadState.Sleeping, 26, 35, 0],
      [ThreadState.Running, 35, 40, 0],
    ]);
  });

  it('the model has a "waiting for the GIL" lane state distinct from blocked and waiting', () => {
    const model = buildTimeline(gilTrace());
    const t2 = model.threads.findIndex((lane) => lane.name === 'T2');
    const at = (ms: number) => model.threads[t2].states.state[model.stateAt(t2, ms * MS)];
    assert.equal(at(3), ThreadState.WaitingForGil);
    assert.equal(at(10), ThreadState.Blocked);
    assert.equal(at(22), ThreadState.WaitingForGil);
    assert.equal(at(30), ThreadState.Sleeping);
    // A thread waiting for the GIL inside a Block does not wait on the lock then (it was woken).
    assert.deepEqual(model.waitersAt(LOCK_ID, 22 * MS), []);
    assert.deepEqual(
      model.waitersAt(LOCK_ID, 10 * MS).map((w) => w.tid),
      [2],
    );
  });

  it('gilStats: holds, shares, waits and switches (its API is kept)', () => {
    const stats = gilStats(gilTrace())!;
    assert.equal(stats.switches, 8);
    assert.equal(stats.forcedSwitches, 2);
    assert.deepEqual(stats.holdMs, { MainThread: 3, T1: 26, T2: 7 });
    assert.deepEqual(stats.waitMs, { MainThread: 0, T1: 3, T2: 11 });
    assert.deepEqual(
      stats.holds.map((h) => [h.tid, h.startNs / MS, h.endNs / MS]),
      [
        [0, 0, 2],
        [1, 2, 7],
        [2, 7, 8],
        [1, 8, 25],
        [2, 25, 26],
        [1, 26, 30],
        [0, 30, 30],
        [2, 35, 40],
        [0, 40, 41],
      ],
    );
    assert.equal(gilStats(gilTrace({ gil: false })), undefined);
  });

  it('the model carries the GIL view and answers who holds the GIL at an instant', () => {
    const model = buildTimeline(gilTrace());
    const gil = model.gil!;
    assert.equal(gil.switchIntervalMs, 5);
    assert.equal(gil.count, 9);
    assert.equal(gil.switches, 8);
    assert.equal(gil.forcedSwitches, 2);
    assert.deepEqual(
      gil.perThread.map((t) => [t.tid, t.holdNs / MS, t.waitNs / MS, t.forcedSwitches]),
      [
        [0, 3, 0, 0],
        [1, 26, 3, 2],
        [2, 7, 11, 0],
      ],
    );
    const holder = (ms: number) => {
      const i = model.gilHoldAt(ms * MS);
      return i < 0 ? -1 : gil.tid[i];
    };
    assert.deepEqual([0, 1, 5, 7.5, 10, 25.5, 28, 32, 36, 40.5, 41].map(holder), [0, 0, 1, 2, 1, 2, 1, -1, 2, 0, 0]);
    const free = buildTimeline(gilTrace({ gil: false }));
    assert.equal(free.gil, undefined);
    assert.equal(free.gilHoldAt(5 * MS), -1);
  });

  it('a lock wait is the whole Block, GIL waits inside it included', () => {
    const [lock] = lockStats(gilTrace());
    assert.equal(lock.name, 'L');
    assert.equal(lock.waitMs, 17);
    assert.equal(lock.maxWaitMs, 17);
    assert.equal(lock.contended, 1);
  });
});

describe('GIL mode: text report and Chrome export', () => {
  it('the text report has a GIL row above the lanes, a glyph for waiting for the GIL, and the GIL line', () => {
    const text = textReport(runResult(), { width: 60, color: false });
    const lines = text.split('\n');
    const gilRow = lines.findIndex((line) => line.startsWith('GIL ') && line.includes('│'));
    assert.ok(gilRow >= 0, text);
    assert.ok(lines[gilRow + 1].startsWith('MainThread'), 'the GIL row comes first');
    const row = lines[gilRow].split('│')[1];
    assert.match(row, /^0+1+/, 'MainThread, then T1');
    assert.ok(row.includes('2') && row.includes(' '), 'T2 holds it, and at times nobody does');
    assert.match(lines[gilRow + 3], /-/, 'T2 waits for the GIL');
    assert.ok(text.includes('- waiting for the GIL'), 'legend');
    assert.ok(text.includes('GIL row: 0 MainThread  1 T1  2 T2'), 'key');
    assert.ok(text.includes('GIL: 8 switches (2 forced); held: MainThread 8%, T1 72%, T2 19%'), text);
  });

  it('the text report of a free run says nothing of the GIL', () => {
    const text = textReport(runResult(gilTrace({ gil: false })), { width: 60, color: false });
    assert.ok(!text.includes('GIL'), text);
  });

  it('the Chrome export has a GIL track of holds and "waiting for the GIL" states', () => {
    const chrome = toChromeTrace(gilTrace());
    const gilTrack = chrome.traceEvents.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'GIL');
    assert.ok(gilTrack);
    const sort = chrome.traceEvents.find((e) => e.ph === 'M' && e.name === 'thread_sort_index' && e.tid === gilTrack.tid);
    assert.equal(sort?.args?.sort_index, -1);
    const holds = chrome.traceEvents.filter((e) => e.cat === 'gil');
    assert.deepEqual(
      holds.map((e) => [e.name, e.ts / 1000, (e.ts + e.dur!) / 1000, e.args?.released]),
      [
        ['MainThread', 0, 2, 'blocks'],
        ['T1', 2, 7, 'switch'],
        ['T2', 7, 8, 'blocks'],
        ['T1', 8, 25, 'switch'],
        ['T2', 25, 26, 'blocks'],
        ['T1', 26, 30, 'exits'],
        ['MainThread', 30, 30, 'blocks'],
        ['T2', 35, 40, 'exits'],
        ['MainThread', 40, 41, 'exits'],
      ],
    );
    assert.ok(holds.every((e) => e.tid === gilTrack.tid && e.ph === 'X'));
    const waits = chrome.traceEvents
      .filter((e) => e.cat === 'state' && e.name === 'waiting for the GIL')
      .sort((a, b) => a.tid - b.tid || a.ts - b.ts);
    assert.deepEqual(
      waits.map((e) => [e.tid, e.ts / 1000]),
      [
        [2, 1],
        [2, 7],
        [2, 25],
        [3, 1],
        [3, 20],
      ],
    );
    assert.deepEqual(waits.find((e) => e.tid === 3 && e.ts === 20_000)?.args, { inside: 'L' });
    assert.ok(!chrome.traceEvents.some((e) => e.ph === 'i' && /^gil-/.test(e.name)), 'no GIL instants');
    const free = toChromeTrace(gilTrace({ gil: false }));
    assert.ok(!free.traceEvents.some((e) => e.cat === 'gil' || e.args?.name === 'GIL'));
  });
});
