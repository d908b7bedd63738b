/** Find deadlock and controlled runs: the words the extension shows, and the panel ↔ host messages they add. */
import * as assert from 'node:assert/strict';
import { aboutRun, durationWords, huntWords, replayOf } from '../../src/extension/hunt';
import type { DfsCoverage } from '../../src/harness/dfs';
import { parseFromPanel, parseToPanel } from '../../src/shared/protocol';
import { coverageWords, scheduleWords } from '../../src/shared/wording';
import { coverageBadge, summaryFacts } from '../../src/webview/ui/summary';

const coverage: DfsCoverage = {
  complete: true,
  schedules: 1_284,
  preemptionBound: 2,
  pruned: 310,
  beyondBound: 0,
  madeFair: 0,
  statesSeen: 0,
};

const found = {
  seed: 2,
  strategy: 'pct' as const,
  depth: 2,
  bound: 11,
  outcome: 'deadlock' as const,
  kind: 'deadlock' as const,
  summary: 'Deadlock: worker-1 holds lockA …',
};

describe('extension: Find deadlock and controlled runs', () => {
  it('says what a hunt found, and which schedule Re-run replays', () => {
    assert.equal(
      huntWords({ explored: 3, huntMs: 240, found }, 0, 'pct'),
      'Found a deadlock after 3 schedules — seed 2, strategy pct (depth 2). Re-run replays it.',
    );
    assert.equal(
      huntWords(
        { explored: 1, huntMs: 20, found: { ...found, strategy: 'random', seed: 0, outcome: 'exception', kind: 'exception' } },
        0,
        'random',
      ),
      'Found an uncaught exception after 1 schedule — seed 0, strategy random. Re-run replays it.',
    );
    assert.deepEqual(replayOf({ explored: 3, huntMs: 240, found }), { strategy: 'pct', seed: 2, depth: 2, bound: 11 });
    assert.equal(replayOf({ explored: 200, huntMs: 900 }), undefined);
  });

  it('says what kind of bug a hunt found', () => {
    const words = (kind: 'deadlock' | 'livelock' | 'exception' | 'assert') =>
      huntWords(
        {
          explored: 4,
          huntMs: 20,
          found: { ...found, strategy: 'random', seed: 3, kind, outcome: kind === 'assert' ? 'exception' : kind },
        },
        0,
        'random',
      );
    assert.equal(words('deadlock'), 'Found a deadlock after 4 schedules — seed 3, strategy random. Re-run replays it.');
    assert.equal(words('livelock'), 'Found a livelock after 4 schedules — seed 3, strategy random. Re-run replays it.');
    assert.equal(words('exception'), 'Found an uncaught exception after 4 schedules — seed 3, strategy random. Re-run replays it.');
    assert.equal(words('assert'), 'Found a failed assert after 4 schedules — seed 3, strategy random. Re-run replays it.');
  });

  it('names a DFS finding by its path, and Re-run replays that path', () => {
    const dfsFound = {
      seed: 0,
      strategy: 'dfs' as const,
      path: [
        [3, 1],
        [7, 0],
      ] as [number, number][],
      pathText: '3:1,7:0',
      outcome: 'exception' as const,
      kind: 'assert' as const,
      summary: 'AssertionError: buffer is empty (in consumer-2)',
    };
    const hunt = {
      explored: 12,
      huntMs: 80,
      found: dfsFound,
      coverage: { ...coverage, incomplete: 'stopped at the first failing schedule' },
    };
    assert.equal(huntWords(hunt, 0, 'dfs'), 'Found a failed assert after 12 schedules — DFS path 3:1,7:0. Re-run replays it.');
    assert.deepEqual(replayOf(hunt), {
      strategy: 'dfs',
      seed: 0,
      path: [
        [3, 1],
        [7, 0],
      ],
    });
    const atOnce = {
      explored: 1,
      huntMs: 5,
      found: { ...dfsFound, path: [], pathText: '', kind: 'deadlock' as const, outcome: 'deadlock' as const },
    };
    assert.equal(huntWords(atOnce, 0, 'dfs'), 'Found a deadlock after 1 schedule — the default schedule. Re-run replays it.');
    assert.deepEqual(replayOf(atOnce), { strategy: 'dfs', seed: 0, path: [] });
    // The badge is for a hunt that found nothing: a finding shows itself.
    assert.equal(aboutRun({ strategy: 'dfs', seed: 0, steps: 9, path: [[3, 1]] }, 'Found…', hunt).coverage, undefined);
  });

  it('names a DFS schedule by its path', () => {
    assert.equal(
      scheduleWords({
        strategy: 'dfs',
        seed: 0,
        path: [
          [3, 1],
          [7, 0],
        ],
      }),
      'DFS, path 3:1,7:0',
    );
    assert.equal(scheduleWords({ strategy: 'dfs', seed: 0, path: [] }), 'DFS, default schedule');
    assert.equal(scheduleWords({ strategy: 'dfs', seed: 0 }), 'DFS, default schedule');
    assert.equal(
      durationWords(0.0087, 6.45, { strategy: 'dfs', seed: 0, steps: 10, path: [[2, 1]] }),
      '8.70 µs virtual time (DFS, path 2:1, 10 steps; 6.45 ms wall)',
    );
  });

  it('says how many schedules and which seeds a hunt tried when it found nothing', () => {
    assert.equal(
      huntWords({ explored: 200, huntMs: 900 }, 0, 'random'),
      'No deadlock, livelock or exception in 200 schedules (strategy random, seeds 0–199)',
    );
    assert.equal(huntWords({ explored: 1, huntMs: 9 }, 7, 'rr'), 'No deadlock, livelock or exception in 1 schedule (strategy rr, seed 7)');
  });

  it('says what a DFS hunt that found nothing covered: proved within the bound, or not all of it', () => {
    assert.equal(
      huntWords({ explored: 1_400, huntMs: 900, coverage }, 0, 'dfs'),
      'Explored all 1,284 schedules with ≤ 2 preemptions: no deadlock, livelock, uncaught exception or failed assert.',
    );
    assert.equal(
      coverageWords({ ...coverage, preemptionBound: 1 }, 1_400),
      'Explored all 1,284 schedules with ≤ 1 preemption: no deadlock, livelock, uncaught exception or failed assert.',
    );
    assert.equal(
      coverageWords({ ...coverage, schedules: 1, preemptionBound: 0 }, 1),
      'Explored the only schedule with no preemption: no deadlock, livelock, uncaught exception or failed assert.',
    );
    assert.equal(
      coverageWords({ ...coverage, preemptionBound: Infinity }, 1_400),
      'Explored every schedule (no preemption bound), 1,284 schedules in all: no deadlock, livelock, uncaught exception or failed assert.',
    );
    assert.equal(
      coverageWords({ ...coverage, madeFair: 3 }, 1_400),
      'Explored all 1,284 schedules with ≤ 2 preemptions: no deadlock, livelock, uncaught exception or failed assert. ' +
        '3 schedules were made fair after 10,000 steps of spinning; the choices after that point were not explored.',
    );
    assert.match(coverageWords({ ...coverage, madeFair: 1 }, 1_400), / 1 schedule was made fair after 10,000 steps of spinning;/);
    const stopped = { ...coverage, complete: false, schedules: 19_000, incomplete: 'stopped at the budget of 20000 schedules' };
    assert.equal(
      huntWords({ explored: 20_000, huntMs: 9_000, coverage: stopped }, 0, 'dfs'),
      'Explored 20,000 schedules with ≤ 2 preemptions without finding a bug, but not all of them: stopped at the budget of 20000 schedules.',
    );
    assert.equal(
      coverageWords({ ...stopped, preemptionBound: Infinity, incomplete: undefined }, 20_000),
      'Explored 20,000 schedules (no preemption bound) without finding a bug, but not all of them.',
    );
  });

  it('tells the panel what a DFS hunt covered, and the panel shows a badge', () => {
    const proved = aboutRun({ strategy: 'dfs', seed: 0, steps: 31, path: [] }, 'Explored all …', {
      explored: 1_400,
      huntMs: 900,
      coverage,
    });
    assert.deepEqual(proved, {
      schedule: { strategy: 'dfs', seed: 0, steps: 31, path: [] },
      note: 'Explored all …',
      coverage: { complete: true, schedules: 1_284, preemptionBound: 2 },
    });
    assert.deepEqual(coverageBadge(proved.coverage), {
      text: 'proved · 1,284 schedules · ≤ 2 preemptions',
      title: 'Every schedule (≤ 2 preemptions) was explored: no deadlock, livelock, uncaught exception or failed assert.',
      proved: true,
    });
    const unbounded = aboutRun(undefined, 'x', {
      explored: 50,
      huntMs: 9,
      coverage: { ...coverage, schedules: 40, preemptionBound: Infinity, madeFair: 2 },
    });
    assert.deepEqual(unbounded.coverage, { complete: true, schedules: 40, preemptionBound: null, madeFair: 2 });
    assert.equal(coverageBadge(unbounded.coverage).text, 'proved · 40 schedules · no preemption bound');
    assert.match(coverageBadge(unbounded.coverage).title, /2 schedules were made fair after spinning/);
    const partial = aboutRun(undefined, 'x', {
      explored: 200,
      huntMs: 9,
      coverage: { ...coverage, complete: false, schedules: 150, incomplete: 'stopped at the budget of 200 schedules' },
    });
    assert.deepEqual(partial.coverage, {
      complete: false,
      schedules: 200,
      preemptionBound: 2,
      incomplete: 'stopped at the budget of 200 schedules',
    });
    assert.deepEqual(coverageBadge(partial.coverage), {
      text: 'incomplete',
      title: '200 schedules (≤ 2 preemptions) explored without finding a bug, but not all of them: stopped at the budget of 200 schedules.',
      proved: false,
    });
    const model = { durationMs: 0.0087, threads: [{}, {}], events: 41, mode: 'controlled' as const } as unknown as Parameters<
      typeof summaryFacts
    >[0];
    assert.equal(
      summaryFacts(model, { schedule: { strategy: 'dfs', seed: 0, path: [[4, 1]] } }),
      '8.70 µs virtual time · 2 threads · 41 events · controlled mode · DFS, path 4:1',
    );
  });

  it("says a controlled run's duration is virtual, with its schedule", () => {
    assert.equal(durationWords(812.4, 812.4, undefined), '812 ms');
    assert.equal(
      durationWords(0.0087, 6.45, { strategy: 'pct', seed: 2, depth: 2, bound: 11, steps: 10 }),
      '8.70 µs virtual time (seed 2, strategy pct (depth 2), 10 steps; 6.45 ms wall)',
    );
    const about = aboutRun(
      { strategy: 'random', seed: 4, depth: 2, steps: 10 },
      'Found a deadlock after 5 schedules — seed 4, strategy random. Re-run replays it.',
    );
    assert.deepEqual(about, {
      schedule: { strategy: 'random', seed: 4, steps: 10 },
      note: 'Found a deadlock after 5 schedules — seed 4, strategy random. Re-run replays it.',
    });
    const model = { durationMs: 0.0087, threads: [{}, {}, {}], events: 41, mode: 'controlled' as const } as unknown as Parameters<
      typeof summaryFacts
    >[0];
    assert.equal(summaryFacts(model, about), '8.70 µs virtual time · 3 threads · 41 events · controlled mode · seed 4, strategy random');
    assert.equal(summaryFacts({ ...model, mode: 'free' }, {}), '8.70 µs · 3 threads · 41 events · free mode');
  });

  it("validates the panel's Re-run and Find deadlock messages", () => {
    assert.deepEqual(parseFromPanel({ type: 'findDeadlock' }), { type: 'findDeadlock' });
    assert.deepEqual(
      parseFromPanel({ type: 'findDeadlock', schedules: 1e9 }),
      { type: 'findDeadlock' },
      'the host decides how many schedules, not the panel',
    );
    assert.deepEqual(parseFromPanel({ type: 'rerun', seed: 3 }), { type: 'rerun' });
    assert.equal(parseFromPanel({ type: 'finddeadlock' }), undefined);
    assert.equal(parseFromPanel('findDeadlock'), undefined);
  });

  it("validates what the host says beside a run, and a hunt's progress", () => {
    const trace = new Uint8Array([1, 2, 3]);
    const about = { schedule: { strategy: 'pct', seed: 2, depth: 2, steps: 10 }, note: 'Found a deadlock' };
    assert.deepEqual(parseToPanel({ type: 'load', requestId: 1, trace, about }), { type: 'load', requestId: 1, trace, about });
    assert.deepEqual(parseToPanel({ type: 'load', requestId: 1, trace, about: { schedule: { strategy: 'rr', seed: 0, extra: 1 } } }), {
      type: 'load',
      requestId: 1,
      trace,
      about: { schedule: { strategy: 'rr', seed: 0 } },
    });
    assert.equal(parseToPanel({ type: 'load', requestId: 1, trace, about: { schedule: { strategy: 'bfs', seed: 0 } } }), undefined);
    assert.equal(parseToPanel({ type: 'load', requestId: 1, trace, about: { schedule: { strategy: 'pct', seed: 1.5 } } }), undefined);
    assert.equal(parseToPanel({ type: 'load', requestId: 1, trace, about: { note: 42 } }), undefined);
    assert.equal(parseToPanel({ type: 'load', requestId: 1, trace, about: 'seed 2' }), undefined);
    assert.deepEqual(parseToPanel({ type: 'exploring', explored: 37, schedules: 200 }), {
      type: 'exploring',
      explored: 37,
      schedules: 200,
    });
    assert.equal(parseToPanel({ type: 'exploring', explored: -1, schedules: 200 }), undefined);
    assert.equal(parseToPanel({ type: 'exploring', explored: 3, schedules: 0 }), undefined);
  });

  it("validates a DFS schedule's path and a hunt's coverage beside a run", () => {
    const trace = new Uint8Array([1, 2, 3]);
    const load = (about: unknown) => parseToPanel({ type: 'load', requestId: 1, trace, about });
    const schedule = {
      strategy: 'dfs',
      seed: 0,
      steps: 40,
      path: [
        [3, 1],
        [7, 0],
      ],
    };
    const coverage = { complete: true, schedules: 1284, preemptionBound: 2, madeFair: 1 };
    assert.deepEqual(load({ schedule, coverage }), { type: 'load', requestId: 1, trace, about: { schedule, coverage } });
    assert.deepEqual(load({ schedule: { ...schedule, path: [] } }), {
      type: 'load',
      requestId: 1,
      trace,
      about: { schedule: { ...schedule, path: [] } },
    });
    const unbounded = { complete: false, schedules: 20000, preemptionBound: null, incomplete: 'stopped at the budget of 20000 schedules' };
    assert.deepEqual(load({ coverage: { ...unbounded, pruned: 12 } }), {
      type: 'load',
      requestId: 1,
      trace,
      about: { coverage: unbounded },
    });
    assert.equal(
      (load({ coverage: { ...unbounded, incomplete: 'x'.repeat(5000) } }) as { about: { coverage: { incomplete: string } } }).about.coverage
        .incomplete.length,
      500,
    );
    // A path belongs to DFS, and is a list of [decision, thread] pairs of non-negative integers.
    assert.equal(load({ schedule: { ...schedule, strategy: 'random' } }), undefined);
    assert.equal(load({ schedule: { ...schedule, path: '3:1,7:0' } }), undefined);
    assert.equal(load({ schedule: { ...schedule, path: [[3, 1, 2]] } }), undefined);
    assert.equal(load({ schedule: { ...schedule, path: [[3, -1]] } }), undefined);
    assert.equal(load({ schedule: { ...schedule, path: [[1.5, 0]] } }), undefined);
    assert.equal(load({ schedule: { ...schedule, path: new Array(100_001).fill([0, 0]) } }), undefined);
    for (const bad of [
      { ...coverage, complete: 'yes' },
      { ...coverage, schedules: -1 },
      { ...coverage, schedules: undefined },
      { ...coverage, preemptionBound: undefined },
      { ...coverage, preemptionBound: 1.5 },
      { ...coverage, preemptionBound: -2 },
      { ...coverage, madeFair: 'some' },
      { ...coverage, incomplete: 42 },
      'proved',
      null,
    ]) {
      assert.equal(load({ coverage: bad }), undefined, JSON.stringify(bad));
    }
  });
});
