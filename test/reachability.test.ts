/**
 * Issue 11, item 2: every sequentially consistent interleaving of visible operations is
 * reachable. For small programs (MainThread and two workers of straight-line operations on Locks,
 * a Value, a Queue and an Event), the set of outcomes (deadlock or not, and the output lines in
 * order, the last of them the final state) that unbounded DFS reaches,
 * `explore({ strategy: 'dfs', preemptions: Infinity, keepGoing: true })`, must equal the set an
 * enumerator over an abstract model of the same program reaches (test/reachability-model.ts,
 * written without the runtime). A missing outcome is an interleaving the scheduler cannot reach;
 * an extra one is a behaviour the model (Python's threading) does not allow.
 *
 * Cost (a loaded 2-core machine): a schedule costs ~3–15 ms, and DFS runs some 1–3 schedules per
 * interleaving of the model (it runs the levels of its preemption bound 0, 1, 2 first). The
 * generators bound a program by the model's interleaving count. Three workers are left out: even
 * one statement each takes DFS over 2,000 schedules; MainThread's own statements make a third
 * thread instead.
 *
 * Memory: a run's state stays reachable after the run (the watcher's Atomics.waitAsync on the
 * doorbell, harness/watcher.ts, is never resolved, and V8 keeps every pending waitAsync promise).
 * While each run had a fresh ~22 MB heap and 1.5 MB rings, RSS grew ~2–4 MB a schedule and a
 * few thousand schedules took the machine to 24 GB. Hunts now reuse the heap and rings (so a
 * leaked run costs kilobytes), and each hunt here is cancelled, failing the test, if the process
 * passes MAX_RSS_MB.
 *
 * Longer hunts by hand: REACH_RUNS=200 REACH_SEED=7 npx mocha test/reachability.test.ts
 * (REACH_SHRINK=1 shrinks a failing program first; REACH_VERBOSE=1 prints each program's numbers).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { explore } from '../src/harness/explore';
import type { RunResult } from '../src/harness/types';
import {
  compile,
  deadlockingPrograms,
  leafItem,
  locked,
  outcomeText,
  programs,
  referenceOutcomes,
  type Compiled,
  type Generated,
  type Program,
} from './reachability-model';

/** A hunt is cancelled if the process passes this (the test fails saying so). */
const MAX_RSS_MB = 2048;
/** Most schedules a program's hunt may run (over every preemption level); none comes near it. */
const MAX_SCHEDULES = 3000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-reach-'));
let files = 0;
const verbose = process.env.REACH_VERBOSE !== undefined;

function outcomeOf(r: RunResult): string {
  const output = r.trace.header.output.map((o) => o.text);
  if (r.outcome === 'completed') return outcomeText(false, output);
  if (r.outcome === 'deadlock') return outcomeText(true, output);
  return `${r.outcome} (${r.error?.message ?? ''}): ${output.join(' | ')}`;
}

interface Explored {
  outcomes: Set<string>;
  /** Schedules run, over every preemption level of the search. */
  runs: number;
  /** Schedules of the last level (the one that covered everything). */
  schedules: number;
  deadlocked: number;
  complete: boolean;
  incomplete?: string;
  ms: number;
}

async function dfsOutcomes(source: string): Promise<Explored> {
  const file = path.join(dir, `program-${++files}.ts`);
  fs.writeFileSync(file, source);
  const outcomes = new Set<string>();
  const abort = new AbortController();
  let deadlocked = 0;
  let tooBig: string | undefined;
  const started = performance.now();
  const hunt = await explore({
    file,
    mode: 'controlled',
    strategy: 'dfs',
    preemptions: Infinity,
    keepGoing: true,
    schedules: MAX_SCHEDULES,
    timeoutSeconds: 30,
    signal: abort.signal,
    onSchedule: (n, r) => {
      outcomes.add(outcomeOf(r));
      if (r.outcome === 'deadlock') deadlocked++;
      const rssMb = process.memoryUsage.rss() / 2 ** 20;
      if (rssMb > MAX_RSS_MB && !abort.signal.aborted) {
        tooBig = `the process reached ${Math.round(rssMb)} MB RSS after ${n} schedules (limit ${MAX_RSS_MB} MB): runs are leaking memory`;
        abort.abort();
      }
    },
  });
  if (tooBig) assert.fail(tooBig);
  return {
    outcomes,
    runs: hunt.explored,
    schedules: hunt.coverage?.schedules ?? 0,
    deadlocked,
    complete: hunt.coverage?.complete === true,
    incomplete: hunt.coverage?.incomplete,
    ms: performance.now() - started,
  };
}

const show = (outcomes: Iterable<string>) => [...outcomes].sort().map((o) => `    ${o}`);

/** Explore `program` both ways and compare; a failure's message has everything needed to reproduce it. */
async function checkProgram(compiled: Compiled, reference = referenceOutcomes(compiled)!): Promise<Explored> {
  const explored = await dfsOutcomes(compiled.source);
  assert.ok(
    explored.complete,
    `DFS did not complete: ${explored.incomplete ?? 'no reason given'} (${explored.runs} schedules run)\nprogram:\n${compiled.source}`,
  );
  const missing = [...reference.outcomes].filter((o) => !explored.outcomes.has(o));
  const extra = [...explored.outcomes].filter((o) => !reference.outcomes.has(o));
  if (missing.length > 0 || extra.length > 0) {
    assert.fail(
      [
        `DFS and the reference model disagree (DFS: ${explored.schedules} schedules in the last level, ${explored.runs} in all)`,
        `  missing (the model reaches them, DFS never did):`,
        ...show(missing),
        `  extra (DFS reached them, the model cannot):`,
        ...show(extra),
        `  both reach:`,
        ...show([...reference.outcomes].filter((o) => explored.outcomes.has(o))),
        `program:`,
        compiled.source,
      ].join('\n'),
    );
  }
  if (verbose) {
    console.log(
      `      paths ${reference.paths} (deadlocking ${reference.deadlockPaths}), outcomes ${reference.outcomes.size}; ` +
        `DFS ${explored.schedules}/${explored.runs} schedules, ${explored.deadlocked} deadlocked, ${Math.round(explored.ms)} ms`,
    );
  }
  return explored;
}

/** The model's outcomes for `program`, checked against DFS; returns them for the test to pin. */
async function outcomesOf(program: Program): Promise<string[]> {
  const compiled = compile(program);
  const reference = referenceOutcomes(compiled)!;
  await checkProgram(compiled, reference);
  return [...reference.outcomes].sort();
}

async function property(arbitrary: fc.Arbitrary<Generated>, numRuns: number, seed: number): Promise<void> {
  const runs = process.env.REACH_RUNS ? Number(process.env.REACH_RUNS) : numRuns;
  await fc.assert(
    fc.asyncProperty(arbitrary, async ({ compiled, reference }) => {
      await checkProgram(compiled, reference);
    }),
    // Shrinking reruns DFS on many programs: by hand only (REACH_SHRINK=1).
    { numRuns: runs, seed: Number(process.env.REACH_SEED ?? seed), endOnFailure: process.env.REACH_SHRINK === undefined },
  );
}

const [A, B] = [0, 1];

describe('reachability: unbounded DFS reaches every interleaving, and nothing else (issue 11, item 2)', function () {
  this.timeout(600_000);

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a lost update: two racy increments end at 1 or 2, printed in either order', async () => {
    const incr = leafItem({ k: 'incr' }, true);
    assert.deepEqual(await outcomesOf({ preload: [], workers: [[incr], [incr]], main: [] }), [
      'ok: a1 | b1 | 1 0 0 false',
      'ok: a1 | b1 | 2 0 0 false',
      'ok: b1 | a1 | 1 0 0 false',
      'ok: b1 | a1 | 2 0 0 false',
    ]);
  });

  it('ABBA: the deadlock is reachable, and so is each order of the two critical sections', async () => {
    const ab = locked(A, [locked(B, [], true)]);
    const ba = locked(B, [locked(A, [], true)]);
    assert.deepEqual(await outcomesOf({ preload: [], workers: [[ab], [ba]], main: [] }), [
      'deadlock: ',
      'ok: a1 | b1 | 0 0 0 false',
      'ok: b1 | a1 | 0 0 0 false',
    ]);
  });

  it('check-then-act on a queue holding one item: either consumer can block in get() for good', async () => {
    // got.value = q.empty() ? -1 : q.get(): the one that found it empty may write last.
    const take = leafItem({ k: 'take' }, true);
    assert.deepEqual(await outcomesOf({ preload: [9], workers: [[take], [take]], main: [] }), [
      'deadlock: a1',
      'deadlock: b1',
      'ok: a1 | b1 | 0 -1 0 false',
      'ok: a1 | b1 | 0 9 0 false',
      'ok: b1 | a1 | 0 -1 0 false',
      'ok: b1 | a1 | 0 9 0 false',
    ]);
  });

  it('Event: a waiter woken by set() passes even if clear() comes before it runs again; one that comes after the clear() waits for good', async () => {
    const workers = [[leafItem({ k: 'evwait' }, true)], [leafItem({ k: 'evset' }), leafItem({ k: 'evclear' }, true)]];
    assert.deepEqual(await outcomesOf({ preload: [], workers, main: [] }), [
      'deadlock: b1',
      'ok: a1 | b1 | 0 0 0 false',
      'ok: b1 | a1 | 0 0 0 false',
    ]);
  });

  it('MainThread as a third thread: its write races with both workers', async () => {
    const assign = (n: number) => leafItem({ k: 'assign', n }, true);
    assert.deepEqual(await outcomesOf({ preload: [], workers: [[assign(1)], [assign(2)]], main: [assign(3)] }), [
      'ok: a1 | b1 | m1 | 3 0 0 false',
      'ok: a1 | m1 | b1 | 2 0 0 false',
      'ok: b1 | a1 | m1 | 3 0 0 false',
      'ok: b1 | m1 | a1 | 1 0 0 false',
      'ok: m1 | a1 | b1 | 2 0 0 false',
      'ok: m1 | b1 | a1 | 1 0 0 false',
    ]);
  });

  it('generated programs: DFS reaches exactly the model outcomes', async () => {
    await property(programs({ statements: 4, paths: 150, deadlockPaths: 20 }), 30, 42);
  });

  it('generated programs that deadlock in some schedules: DFS reaches exactly the model outcomes', async () => {
    await property(deadlockingPrograms({ statements: 4, paths: 250, deadlockPaths: 40 }), 8, 42);
  });
});
