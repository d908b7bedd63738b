/**
 * Lock-order inversions (src/analysis/lockOrder.ts): real runs through the harness, and
 * hand-made traces for what a run cannot be made to do on purpose (equal timestamps, a Lock
 * released by another thread, chosen gate sets).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockOrderGraph, lockOrderInversions, type LockOrderInversion } from '../src/analysis/lockOrder';
import { encodeEvents } from '../src/trace/file';
import {
  EventKind,
  TRACE_FORMAT,
  TRACE_VERSION,
  WAIT_TIMED,
  WaitKind,
  type ObjectKind,
  type Trace,
  type TraceEvent,
} from '../src/trace/format';
import { lineOf, runSnippet } from './helpers';
import { prng } from './prng';

const example = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'examples', name), 'utf8');

/** Each edge as "thread: from → to", sorted, for comparisons that do not depend on the order found. */
const edgesOf = (inversion: LockOrderInversion) => inversion.edges.map((e) => `${e.thread}: ${e.from} → ${e.to}`).sort();

describe('lock-order inversions', function () {
  this.timeout(60_000);

  describe('on real runs', () => {
    it('reports ABBA with both acquisition sites even though the run did not deadlock (the threads ran one after the other)', async () => {
      const source = `import { Lock, Thread } from "threadlanes";
const lockA = new Lock("A");
const lockB = new Lock("B");
function aThenB() {
  lockA.withLock(() => {
    lockB.withLock(() => {});
  });
}
function bThenA() {
  lockB.withLock(() => {
    lockA.withLock(() => {});
  });
}
export function main() {
  const first = new Thread({ target: aThenB, name: "first" });
  first.start();
  first.join();
  const second = new Thread({ target: bThenA, name: "second" });
  second.start();
  second.join();
}
`;
      const run = await runSnippet(source);
      assert.equal(run.result.outcome, 'completed');
      const inversions = lockOrderInversions(run.result.trace);
      assert.equal(inversions.length, 1);
      const [inversion] = inversions;
      assert.deepEqual([...inversion.locks].sort(), ['A', 'B']);
      assert.equal(inversion.deadlockedInThisRun, false);
      const site = (needle: string, from: number) => {
        const lines = source.split('\n');
        const index = lines.findIndex((line, i) => i >= from - 1 && line.includes(needle));
        return `${run.file}:${index + 1}`;
      };
      const aThenB = lineOf(source, 'function aThenB');
      const bThenA = lineOf(source, 'function bThenA');
      const first = inversion.edges.find((e) => e.thread === 'first')!;
      const second = inversion.edges.find((e) => e.thread === 'second')!;
      assert.deepEqual(
        { from: first.from, to: first.to, holdSite: first.holdSite, acquireSite: first.acquireSite },
        { from: 'A', to: 'B', holdSite: site('lockA.withLock', aThenB), acquireSite: site('lockB.withLock', aThenB) },
      );
      assert.deepEqual(
        { from: second.from, to: second.to, holdSite: second.holdSite, acquireSite: second.acquireSite },
        { from: 'B', to: 'A', holdSite: site('lockB.withLock', bThenA), acquireSite: site('lockA.withLock', bThenA) },
      );
      assert.match(inversion.explanation, /first takes B .* while holding A/);
      assert.match(inversion.explanation, /potential deadlock, even though this run did not deadlock/);
    });

    it('reports the potential deadlock of examples/bank-transfer.ts, whose run completes', async () => {
      const source = example('bank-transfer.ts');
      const run = await runSnippet(source, { recordShared: true });
      assert.equal(run.result.outcome, 'completed');
      assert.deepEqual(run.lines, ['alice 70, bob 130', 'alice 90, bob 110']);
      const [inversion, ...others] = lockOrderInversions(run.result.trace);
      assert.deepEqual(others, []);
      assert.deepEqual(edgesOf(inversion), ['pay-alice: bob → alice', 'pay-bob: alice → bob']);
      const outer = `${run.file}:${lineOf(source, 'fromLock.withLock(')}`;
      const inner = `${run.file}:${lineOf(source, 'toLock.withLock(')}`;
      assert.ok(inversion.edges.every((e) => e.holdSite === outer && e.acquireSite === inner));
    });

    it("reports the dining philosophers' five-lock cycle on the run that deadlocked (examples/dining-philosophers.ts)", async () => {
      const run = await runSnippet(example('dining-philosophers.ts'));
      assert.equal(run.result.outcome, 'deadlock');
      const inversions = lockOrderInversions(run.result.trace);
      assert.equal(inversions.length, 1);
      const [inversion] = inversions;
      assert.deepEqual(inversion.locks, ['fork 1', 'fork 2', 'fork 3', 'fork 4', 'fork 5']);
      assert.deepEqual(edgesOf(inversion), [
        'Confucius: fork 5 → fork 1',
        'Descartes: fork 3 → fork 4',
        'Hume: fork 4 → fork 5',
        'Kant: fork 2 → fork 3',
        'Plato: fork 1 → fork 2',
      ]);
      assert.equal(inversion.deadlockedInThisRun, true);
      const blocking = `${run.file}:${lineOf(example('dining-philosophers.ts'), 'right.acquire();')}`;
      assert.ok(
        inversion.edges.every((e) => e.acquireSite === blocking),
        'each reaches for the right fork at right.acquire()',
      );
    });

    it('reports the five-lock cycle when the philosophers eat one after another and nothing deadlocks', async () => {
      const source = example('dining-philosophers.ts')
        .replace('sleep(0.5)', 'sleep(0)')
        .replace(
          'for (const p of philosophers) p.start();\n  for (const p of philosophers) p.join();',
          'for (const p of philosophers) { p.start(); p.join(); }',
        );
      assert.match(source, /p\.start\(\); p\.join\(\);/);
      const run = await runSnippet(source);
      assert.equal(run.result.outcome, 'completed');
      const inversions = lockOrderInversions(run.result.trace);
      assert.equal(inversions.length, 1);
      assert.equal(inversions[0].locks.length, 5);
      assert.equal(inversions[0].deadlockedInThisRun, false);
    });

    it('reports nothing for the fixed philosophers (examples/dining-philosophers-fixed.ts), whose forks are nested', async () => {
      const run = await runSnippet(example('dining-philosophers-fixed.ts'));
      assert.equal(run.result.outcome, 'completed');
      assert.ok(lockOrderGraph(run.result.trace).length >= 5, 'every philosopher held one fork while taking the other');
      assert.deepEqual(lockOrderInversions(run.result.trace), []);
    });

    it('reports nothing when a single thread takes both orders', async () => {
      const run = await runSnippet(`import { Lock } from "threadlanes";
const lockA = new Lock("A");
const lockB = new Lock("B");
export function main() {
  lockA.withLock(() => { lockB.withLock(() => {}); });
  lockB.withLock(() => { lockA.withLock(() => {}); });
}
`);
      assert.equal(run.result.outcome, 'completed');
      assert.equal(lockOrderGraph(run.result.trace).length, 2, 'both orders are in the graph');
      assert.deepEqual(lockOrderInversions(run.result.trace), []);
    });

    it('reports nothing for RLock re-entry while holding another lock', async () => {
      // reenter: R, A, then R again (re-entry cannot block: no A → R edge). sameOrder: R then A.
      const run = await runSnippet(`import { Lock, RLock, Thread } from "threadlanes";
const r = new RLock("R");
const lockA = new Lock("A");
function reenter() {
  r.withLock(() => { lockA.withLock(() => { r.withLock(() => {}); }); });
}
function sameOrder() {
  r.withLock(() => { lockA.withLock(() => {}); });
}
export function main() {
  const threads = [new Thread({ target: reenter }), new Thread({ target: sameOrder })];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
}
`);
      assert.equal(run.result.outcome, 'completed');
      const names = lockOrderGraph(run.result.trace).map((e) => `${e.fromId}>${e.toId}`);
      assert.equal(names.length, 1, `only R → A: ${names.join(', ')}`);
      assert.deepEqual(lockOrderInversions(run.result.trace), []);
    });

    it('reports nothing when a gate lock is held around both orders', async () => {
      const run = await runSnippet(`import { Lock, Thread } from "threadlanes";
const gate = new Lock("gate");
const lockA = new Lock("A");
const lockB = new Lock("B");
function aThenB() {
  for (let i = 0; i < 20; i++) gate.withLock(() => { lockA.withLock(() => { lockB.withLock(() => {}); }); });
}
function bThenA() {
  for (let i = 0; i < 20; i++) gate.withLock(() => { lockB.withLock(() => { lockA.withLock(() => {}); }); });
}
export function main() {
  const threads = [new Thread({ target: aThenB }), new Thread({ target: bThenA })];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
}
`);
      assert.equal(run.result.outcome, 'completed');
      const graph = lockOrderGraph(run.result.trace);
      assert.ok(graph.length >= 2, 'A → B and B → A are both in the graph');
      assert.deepEqual(lockOrderInversions(run.result.trace), []);
    });

    it('reports nothing when the first lock is released before the second is taken', async () => {
      const run = await runSnippet(`import { Lock, Thread } from "threadlanes";
const lockA = new Lock("A");
const lockB = new Lock("B");
function oneThenOther() {
  lockA.withLock(() => {});
  lockB.withLock(() => {});
}
function bThenA() {
  lockB.withLock(() => { lockA.withLock(() => {}); });
}
export function main() {
  const threads = [new Thread({ target: oneThenOther }), new Thread({ target: bThenA })];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
}
`);
      assert.equal(run.result.outcome, 'completed');
      assert.equal(lockOrderGraph(run.result.trace).length, 1);
      assert.deepEqual(lockOrderInversions(run.result.trace), []);
    });
  });

  describe('in the CLI report (needs the build)', () => {
    const source = `import { Lock, Thread } from "threadlanes";
const lockA = new Lock("A");
const lockB = new Lock("B");
function aThenB() { lockA.withLock(() => { lockB.withLock(() => {}); }); }
function bThenA() { lockB.withLock(() => { lockA.withLock(() => {}); }); }
export function main() {
  const first = new Thread({ target: aThenB, name: "first" });
  first.start();
  first.join();
  const second = new Thread({ target: bThenA, name: "second" });
  second.start();
  second.join();
}
`;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-lockorder-')), 'abba.ts');
    fs.writeFileSync(file, source);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(__dirname, '..', 'dist', 'cli.js'), 'run', file, ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });

    it('--json has lockOrder with both edges and their sites', () => {
      const report = JSON.parse(cli('--json').stdout);
      assert.equal(report.outcome, 'completed');
      assert.equal(report.lockOrder.length, 1);
      const [inversion] = report.lockOrder;
      assert.deepEqual([...inversion.locks].sort(), ['A', 'B']);
      const line = (needle: string) => `${file}:${lineOf(source, needle)}`;
      assert.deepEqual(
        [...inversion.edges].sort((a: { thread: string }, b: { thread: string }) => a.thread.localeCompare(b.thread)),
        [
          { from: 'A', to: 'B', thread: 'first', holdSite: line('function aThenB'), acquireSite: line('function aThenB') },
          { from: 'B', to: 'A', thread: 'second', holdSite: line('function bThenA'), acquireSite: line('function bThenA') },
        ],
      );
      assert.equal(typeof inversion.explanation, 'string');
    });

    it('the text report has a "Potential deadlocks" section', () => {
      const { stdout, status } = cli('--no-color');
      assert.equal(status, 0);
      assert.match(stdout, /Potential deadlocks \(1\)\n {2}Lock-order inversion: /);
    });
  });

  describe('on hand-made traces', () => {
    const A = 2;
    const B = 3;
    const C = 4;
    const G = 5;
    const H = 6;
    const R = 7;
    const locks: [number, ObjectKind, string][] = [
      [A, 'Lock', 'A'],
      [B, 'Lock', 'B'],
      [C, 'Lock', 'C'],
      [G, 'Lock', 'G'],
      [H, 'Lock', 'H'],
      [R, 'RLock', 'R'],
    ];

    it("follows each thread's program order, not timestamps: a release and an acquire at the same instant are not nested", () => {
      const t = new TraceBuilder(locks);
      t.thread(1).at(5).acquire(A, 1).release(A).acquire(B, 2).release(B); // all at 5 ns
      t.thread(2).at(10).acquire(B, 3).acquire(A, 4).release(A).release(B);
      assert.deepEqual(lockOrderInversions(t.build()), []);
    });

    it('a gate protects only when both sides hold it: one side without it, or different gates, is an inversion', () => {
      const oneSide = new TraceBuilder(locks);
      oneSide.thread(1).acquire(G, 1).acquire(A, 2).acquire(B, 3).release(B).release(A).release(G);
      oneSide.thread(2).acquire(B, 4).acquire(A, 5).release(A).release(B);
      assert.equal(lockOrderInversions(oneSide.build()).length, 1);

      const differentGates = new TraceBuilder(locks);
      differentGates.thread(1).acquire(G, 1).acquire(A, 2).acquire(B, 3).release(B).release(A).release(G);
      differentGates.thread(2).acquire(H, 6).acquire(B, 4).acquire(A, 5).release(A).release(B).release(H);
      assert.equal(lockOrderInversions(differentGates.build()).length, 1);

      const sameGate = new TraceBuilder(locks);
      sameGate.thread(1).acquire(G, 1).acquire(A, 2).acquire(B, 3).release(B).release(A).release(G);
      sameGate.thread(2).acquire(G, 6).acquire(B, 4).acquire(A, 5).release(A).release(B).release(G);
      assert.deepEqual(lockOrderInversions(sameGate.build()), []);
    });

    it('chooses, among the recorded ways of taking an order, one that is not gated', () => {
      const t = new TraceBuilder(locks);
      t.thread(1)
        .acquire(G, 1)
        .acquire(A, 2)
        .acquire(B, 3)
        .release(B)
        .release(A)
        .release(G) // gated A → B
        .acquire(A, 7)
        .acquire(B, 8)
        .release(B)
        .release(A); // and the same order without the gate
      t.thread(2).acquire(G, 6).acquire(B, 4).acquire(A, 5).release(A).release(B).release(G);
      const [inversion] = lockOrderInversions(t.build());
      assert.ok(inversion);
      const first = inversion.edges.find((e) => e.thread === 'Thread-1')!;
      assert.deepEqual([first.holdSite, first.acquireSite], ['t.ts:7', 't.ts:8']);
    });

    it('a Lock released by another thread is no longer held', () => {
      const t = new TraceBuilder(locks);
      t.thread(1).at(1).acquire(A, 1).at(20).acquire(B, 2).release(B); // A was released by Thread-2 at 10
      t.thread(2).at(10).release(A, 1, 9);
      t.thread(3).at(30).acquire(B, 3).acquire(A, 4).release(A).release(B);
      assert.deepEqual(lockOrderInversions(t.build()), []);
      // Without that release, A → B and B → A are an inversion.
      const held = new TraceBuilder(locks);
      held.thread(1).at(1).acquire(A, 1).at(20).acquire(B, 2).release(B).release(A);
      held.thread(3).at(30).acquire(B, 3).acquire(A, 4).release(A).release(B);
      assert.equal(lockOrderInversions(held.build()).length, 1);
    });

    it('a cycle needs a different thread on each edge', () => {
      // Thread-1 takes A → B and, later and not nested, B → C; Thread-2 takes C → A.
      const twoThreads = new TraceBuilder(locks);
      twoThreads.thread(1).acquire(A, 1).acquire(B, 2).release(B).release(A).acquire(B, 3).acquire(C, 4).release(C).release(B);
      twoThreads.thread(2).acquire(C, 5).acquire(A, 6).release(A).release(C);
      assert.deepEqual(lockOrderInversions(twoThreads.build()), []);
      // With three threads it is a three-lock cycle.
      const threeThreads = new TraceBuilder(locks);
      threeThreads.thread(1).acquire(A, 1).acquire(B, 2).release(B).release(A);
      threeThreads.thread(2).acquire(B, 3).acquire(C, 4).release(C).release(B);
      threeThreads.thread(3).acquire(C, 5).acquire(A, 6).release(A).release(C);
      const inversions = lockOrderInversions(threeThreads.build());
      assert.equal(inversions.length, 1);
      assert.deepEqual(inversions[0].locks, ['A', 'B', 'C']);
      assert.deepEqual(edgesOf(inversions[0]), ['Thread-1: A → B', 'Thread-2: B → C', 'Thread-3: C → A']);
    });

    it('RLock depth: re-entry makes no edge, and the RLock is held until its depth returns to 0', () => {
      const t = new TraceBuilder(locks);
      // Thread-1: R (depth 1), A, R again (depth 2): no A → R. Release to depth 1: still held, so R → B.
      t.thread(1).acquireR(R, 1, 1).acquire(A, 2).acquireR(R, 3, 2).releaseR(R, 1).release(A).acquire(B, 4).release(B).releaseR(R, 0);
      t.thread(2).acquire(A, 5).acquireR(R, 6, 1).releaseR(R, 0).release(A); // A → R: inverts R → A
      t.thread(3).acquire(B, 7).acquireR(R, 8, 1).releaseR(R, 0).release(B); // B → R: inverts R → B
      const inversions = lockOrderInversions(t.build());
      assert.deepEqual(inversions.map((i) => [...i.locks].sort().join('')).sort(), ['AR', 'BR']);
      const ar = inversions.find((i) => i.locks.includes('A'))!;
      assert.deepEqual(edgesOf(ar), ['Thread-1: R → A', 'Thread-2: A → R']);
    });

    it('a long consistent hierarchy (30 nested locks, one order everywhere) is quick and reports nothing', () => {
      const chain = Array.from({ length: 30 }, (_, i) => 100 + i);
      const t = new TraceBuilder(chain.map((id): [number, ObjectKind, string] => [id, 'Lock', `L${id}`]));
      for (const tid of [1, 2]) {
        const thread = t.thread(tid);
        for (const id of chain) thread.acquire(id, id);
        for (const id of [...chain].reverse()) thread.release(id);
      }
      const trace = t.build();
      assert.equal(lockOrderGraph(trace).length, (30 * 29) / 2);
      const startedMs = performance.now();
      assert.deepEqual(lockOrderInversions(trace), []);
      assert.ok(performance.now() - startedMs < 1000);
    });

    it('agrees with a brute-force reference on random traces', () => {
      for (let seed = 1; seed <= 300; seed++) {
        const { trace, streams } = randomLockTrace(seed);
        const found = lockOrderInversions(trace)
          .map((inversion) => canonicalCycle(inversion.lockIds))
          .sort();
        assert.deepEqual(found, referenceCycles(streams), `seed ${seed}`);
      }
    });

    it('an acquire still blocked when the run ended is an edge; a timed one is not', () => {
      const blocked = new TraceBuilder(locks);
      blocked.thread(1).acquire(A, 1).block(B, 2);
      blocked.thread(2).acquire(B, 3).block(A, 4);
      const [inversion] = lockOrderInversions(blocked.build());
      assert.ok(inversion);
      assert.match(inversion.explanation, /tries to take/);
      const timed = new TraceBuilder(locks);
      timed.thread(1).acquire(A, 1).block(B, 2, true);
      timed.thread(2).acquire(B, 3).block(A, 4);
      assert.deepEqual(lockOrderInversions(timed.build()), []);
    });
  });
});

// ── random traces and the reference ───────────────────────────────────────────────────────

const RANDOM_LOCKS = [2, 3, 4, 5];
const RANDOM_RLOCK = 5;

type Step = { kind: 'acquire' | 'release'; lockId: number; siteId: number; depth: number };

/**
 * Three threads, each taking and releasing locks 2–4 (Lock) and 5 (RLock, re-entered at times)
 * at random from a few sites, nested or not, sometimes releasing out of order. Each thread's
 * program order is all that matters here (times are the step number).
 */
function randomLockTrace(seed: number): { trace: Trace; streams: Step[][] } {
  const random = prng(seed);
  const t = new TraceBuilder(
    RANDOM_LOCKS.map((id): [number, ObjectKind, string] => [id, id === RANDOM_RLOCK ? 'RLock' : 'Lock', `L${id}`]),
  );
  const streams: Step[][] = [];
  for (let tid = 1; tid <= 3; tid++) {
    const thread = t.thread(tid);
    const held: number[] = [];
    let depth = 0;
    const steps: Step[] = [];
    for (let i = 0; i < 14; i++) {
      const release = held.length > 0 && random() < 0.45;
      if (release) {
        // Mostly the last one taken; sometimes another.
        const index = random() < 0.8 ? held.length - 1 : Math.floor(random() * held.length);
        const lockId = held[index];
        if (lockId === RANDOM_RLOCK) {
          depth--;
          thread.releaseR(lockId, depth);
          if (depth === 0) held.splice(index, 1);
        } else {
          thread.release(lockId);
          held.splice(index, 1);
        }
        steps.push({ kind: 'release', lockId, siteId: 0, depth });
        continue;
      }
      const lockId = RANDOM_LOCKS[Math.floor(random() * RANDOM_LOCKS.length)];
      if (held.includes(lockId) && lockId !== RANDOM_RLOCK) continue;
      const siteId = 1 + Math.floor(random() * 3) + lockId * 10;
      if (lockId === RANDOM_RLOCK) {
        depth++;
        thread.acquireR(lockId, siteId, depth);
        if (depth === 1) held.push(lockId);
      } else {
        thread.acquire(lockId, siteId);
        held.push(lockId);
      }
      steps.push({ kind: 'acquire', lockId, siteId, depth });
    }
    streams.push(steps);
  }
  return { trace: t.build(), streams };
}

/** A cycle as text, rotated to start at its smallest lock. */
function canonicalCycle(lockIds: number[]): string {
  const start = lockIds.indexOf(Math.min(...lockIds));
  return [...lockIds.slice(start), ...lockIds.slice(0, start)].join('>');
}

/**
 * Every acquisition, with the full set of locks held then, from a plain walk of each thread; then
 * every sequence of distinct locks tried as a cycle, with every choice of one acquisition per
 * step: different threads, pairwise disjoint held sets.
 */
function referenceCycles(streams: Step[][]): string[] {
  interface Acquisition {
    tid: number;
    from: number;
    to: number;
    held: Set<number>;
  }
  const acquisitions: Acquisition[] = [];
  streams.forEach((steps, index) => {
    const held: number[] = [];
    for (const step of steps) {
      if (step.kind === 'acquire') {
        if (step.lockId === RANDOM_RLOCK && step.depth > 1) continue;
        for (const from of held) acquisitions.push({ tid: index + 1, from, to: step.lockId, held: new Set(held) });
        held.push(step.lockId);
      } else if (step.lockId !== RANDOM_RLOCK || step.depth === 0) {
        held.splice(held.lastIndexOf(step.lockId), 1);
      }
    }
  });
  const cycles: string[] = [];
  const sequences = (length: number, prefix: number[]): number[][] =>
    prefix.length === length ? [prefix] : RANDOM_LOCKS.filter((l) => !prefix.includes(l)).flatMap((l) => sequences(length, [...prefix, l]));
  for (let length = 2; length <= RANDOM_LOCKS.length; length++) {
    for (const cycle of sequences(length, [])) {
      if (cycle[0] !== Math.min(...cycle)) continue;
      const options = cycle.map((from, i) => acquisitions.filter((a) => a.from === from && a.to === cycle[(i + 1) % length]));
      const choose = (step: number, chosen: Acquisition[]): boolean =>
        step === length ||
        options[step].some(
          (a) => chosen.every((c) => c.tid !== a.tid && [...c.held].every((l) => !a.held.has(l))) && choose(step + 1, [...chosen, a]),
        );
      if (choose(0, [])) cycles.push(canonicalCycle(cycle));
    }
  }
  return cycles.sort();
}

// ── a small builder of well-formed traces ─────────────────────────────────────────────────

/** Sites are `t.ts:<n>` for site id n; times advance by 1 ns per event unless set with at(). */
class TraceBuilder {
  private readonly streams = new Map<number, Omit<TraceEvent, 'tid'>[]>();
  /** Lock id → its last version (one sequence per lock, shared by the threads). */
  private readonly versions = new Map<number, number>();

  constructor(private readonly objects: [number, ObjectKind, string][]) {}

  thread(tid: number): ThreadBuilder {
    const events: Omit<TraceEvent, 'tid'>[] = [];
    this.streams.set(tid, events);
    return new ThreadBuilder(events, this.versions);
  }

  build(): Trace {
    const tids = [0, ...this.streams.keys()];
    const count = Math.max(...tids) + 1;
    const events: Uint8Array[] = [];
    for (let tid = 0; tid < count; tid++) events.push(encodeEvents(this.streams.get(tid) ?? []));
    const maxSite = Math.max(0, ...[...this.streams.values()].flat().map((e) => e.siteId));
    return {
      header: {
        format: TRACE_FORMAT,
        version: TRACE_VERSION,
        file: 't.ts',
        mode: 'free',
        outcome: 'completed',
        durationMs: 0,
        startedAt: '2026-01-01T00:00:00.000Z',
        threads: Array.from({ length: count }, (_, tid) => ({
          tid,
          name: tid === 0 ? 'MainThread' : `Thread-${tid}`,
          objectId: tid === 0 ? 1 : 100 + tid,
          daemon: false,
          finalState: 'finished' as const,
        })),
        objects: this.objects.map(([id, kind, name]) => ({ id, kind, name, siteId: 0, tid: 0 })),
        sites: Array.from({ length: maxSite + 1 }, (_, line) => ({ file: 't.ts', line, col: 1 })),
        output: [],
        exceptions: [],
        eventCounts: events.map((bytes) => bytes.byteLength / 24),
      },
      events,
    };
  }
}

class ThreadBuilder {
  private timeNs = 0;

  /** Lock id → the versions this thread holds. */
  private readonly own = new Map<number, number[]>();

  constructor(
    private readonly events: Omit<TraceEvent, 'tid'>[],
    private readonly versions: Map<number, number>,
  ) {}

  /** The following events happen at `timeNs` (all of them, until the next at()). */
  at(timeNs: number): this {
    this.timeNs = timeNs;
    this.fixed = true;
    return this;
  }

  private fixed = false;

  private push(kind: EventKind, objectId: number, siteId: number, arg: number): this {
    if (!this.fixed) this.timeNs++;
    this.events.push({ seq: this.events.length, timeNs: this.timeNs, kind, objectId, siteId, arg });
    return this;
  }

  /** A Lock acquisition: the lock's next version. */
  acquire(lockId: number, siteId: number): this {
    const version = (this.versions.get(lockId) ?? 0) + 1;
    this.versions.set(lockId, version);
    this.own.set(lockId, [...(this.own.get(lockId) ?? []), version]);
    return this.push(EventKind.Acquired, lockId, siteId, version);
  }

  /** A Lock release of `version` (default: this thread's hold of it; give the version to release another thread's). */
  release(lockId: number, version?: number, siteId = 0): this {
    const open = this.own.get(lockId) ?? [];
    const ended = version ?? open[0] ?? 0;
    this.own.set(
      lockId,
      open.filter((v) => v !== ended),
    );
    return this.push(EventKind.Released, lockId, siteId, ended);
  }

  acquireR(lockId: number, siteId: number, depth: number): this {
    return this.push(EventKind.Acquired, lockId, siteId, depth);
  }

  releaseR(lockId: number, depthAfter: number): this {
    return this.push(EventKind.Released, lockId, 0, depthAfter);
  }

  block(lockId: number, siteId: number, timed = false): this {
    return this.push(EventKind.Block, lockId, siteId, WaitKind.Lock | (timed ? WAIT_TIMED : 0));
  }
}
