/** Find deadlock and controlled runs: the words the extension shows, and the panel ↔ host messages they add. */
import * as assert from 'node:assert/strict';
import { aboutRun, durationWords, huntWords, replayOf } from '../../src/extension/hunt';
import { parseFromPanel, parseToPanel } from '../../src/shared/protocol';
import { summaryFacts } from '../../src/webview/ui/summary';

const found = {
  seed: 2,
  strategy: 'pct' as const,
  depth: 2,
  bound: 11,
  outcome: 'deadlock' as const,
  summary: 'Deadlock: worker-1 holds lockA …',
};

describe('extension: Find deadlock and controlled runs', () => {
  it('says what a hunt found, and which schedule Re-run replays', () => {
    assert.equal(
      huntWords({ explored: 3, huntMs: 240, found }, 0, 'pct'),
      'Found a deadlock after 3 schedules — seed 2, strategy pct (depth 2). Re-run replays it.',
    );
    assert.equal(
      huntWords({ explored: 1, huntMs: 20, found: { ...found, strategy: 'random', seed: 0, outcome: 'exception' } }, 0, 'random'),
      'Found an uncaught exception after 1 schedule — seed 0, strategy random. Re-run replays it.',
    );
    assert.deepEqual(replayOf({ explored: 3, huntMs: 240, found }), { strategy: 'pct', seed: 2, depth: 2, bound: 11 });
    assert.equal(replayOf({ explored: 200, huntMs: 900 }), undefined);
  });

  it('says how many schedules and which seeds a hunt tried when it found nothing', () => {
    assert.equal(
      huntWords({ explored: 200, huntMs: 900 }, 0, 'random'),
      'No deadlock or exception in 200 schedules (strategy random, seeds 0–199)',
    );
    assert.equal(huntWords({ explored: 1, huntMs: 9 }, 7, 'rr'), 'No deadlock or exception in 1 schedule (strategy rr, seed 7)');
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
    assert.equal(parseToPanel({ type: 'load', requestId: 1, trace, about: { schedule: { strategy: 'dfs', seed: 0 } } }), undefined);
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
});
