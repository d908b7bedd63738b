/**
 * Data races on shared values (src/analysis/races.ts): real runs with `recordShared`, and
 * hand-made traces for the happens-before edges one at a time (equal timestamps, FIFO pairing,
 * barriers, the waits free mode does not record).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRaces } from '../src/analysis/races';
import { encodeEvents } from '../src/trace/file';
import {
  EVENT_BYTES,
  EventKind,
  TRACE_FORMAT,
  TRACE_VERSION,
  WaitKind,
  type ObjectKind,
  type Trace,
  type TraceEvent,
} from '../src/trace/format';
import { lineOf, runSnippet } from './helpers';
import { prng } from './prng';

const example = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'examples', name), 'utf8');

describe('data races', function () {
  this.timeout(60_000);

  describe('on real runs (recordShared)', () => {
    it('finds the race of examples/counter-racy.ts, once for its pair of sites, with both threads and kinds', async () => {
      const source = example('counter-racy.ts');
      const run = await runSnippet(source, { recordShared: true });
      assert.equal(run.result.outcome, 'completed');
      const report = findRaces(run.result.trace);
      assert.equal(report.accesses, 4_000_001, "two threads × 1,000,000 × (read + write), and main's read");
      assert.equal(report.races.length, 1, report.races.map((r) => r.explanation).join('\n'));
      const [race] = report.races;
      const increment = `${run.file}:${lineOf(source, 'counter.value += 1;')}`;
      const decrement = `${run.file}:${lineOf(source, 'counter.value -= 1;')}`;
      assert.deepEqual(race.accesses.map((a) => a.site).sort(), [increment, decrement].sort());
      assert.deepEqual(race.accesses.map((a) => a.thread).sort(), ['Thread-1', 'Thread-2']);
      assert.equal(race.object, 'counter');
      assert.equal(race.index, 0);
      assert.deepEqual(race.kinds, ['write-write', 'read-write']);
      assert.ok(race.count > 1);
      assert.match(race.explanation, /Data race on counter between Thread-[12] at .*: both write it/);
      assert.match(race.explanation, /Updates can be lost/);
    });

    it('finds none on examples/counter-locked.ts', async () => {
      const run = await runSnippet(example('counter-locked.ts'), { recordShared: true });
      assert.equal(run.result.outcome, 'completed');
      const report = findRaces(run.result.trace);
      assert.equal(report.accesses, 400_001);
      assert.deepEqual(report.races, []);
    });

    it('a wait that returned at once orders like any wait (no race), and one that never waited does not (a race)', async () => {
      // The reader neither started the writer nor ever waits in a join; its join returns at once
      // because the writer has long ended. Before passed waits were recorded this was a false race.
      const source = `import { Event, Thread, Value, sleep } from "threadlanes";
const shared = new Value(0, "shared");
const done = new Event();
function writer(): void { shared.value = 1; }
function reader(w: Thread): void { sleep(0.2); w.join(); console.log(shared.value); }
function peeker(): void { sleep(0.2); console.log(shared.value); }
function setter(): void { shared.value = 2; done.set(); }
function waiter(): void { sleep(0.2); done.wait(); console.log(shared.value); }
export function main(): void {
  const w = new Thread({ target: writer });
  w.start();
  const r = new Thread({ target: reader, args: [w] });
  r.start();
  r.join();
  const s = new Thread({ target: setter });
  const a = new Thread({ target: waiter });
  const p = new Thread({ target: peeker });
  s.start(); a.start(); p.start();
  s.join(); a.join(); p.join();
}
`;
      const run = await runSnippet(source, { recordShared: true });
      assert.equal(run.result.outcome, 'completed');
      assert.equal(run.result.trace.header.waitsRecorded, true);
      const races = findRaces(run.result.trace).races;
      const lines = races.map((r) => r.accesses.map((a) => Number(a.site.split(':').pop())).sort((x, y) => x - y));
      // The join and the Event wait that returned at once order the reads after the writes...
      assert.ok(!lines.some((l) => l.includes(lineOf(source, 'w.join()'))), JSON.stringify(lines));
      assert.ok(!lines.some((l) => l.includes(lineOf(source, 'done.wait()'))), JSON.stringify(lines));
      // ...while the peeker, which reads after a sleep with nothing ordering it, races with the setter.
      assert.ok(
        lines.some((l) => l.includes(lineOf(source, 'function peeker')) && l.includes(lineOf(source, 'function setter'))),
        JSON.stringify(lines),
      );
    });

    it('checks nothing when the run did not record shared accesses', async () => {
      const run = await runSnippet(example('counter-locked.ts'));
      assert.equal(findRaces(run.result.trace).accesses, 0);
    });

    it('finds none when values are handed over through a Queue', async () => {
      const run = await runSnippet(
        `import { Queue, SharedArray, Thread } from "threadlanes";
const slots = new SharedArray(20);
const work = new Queue();
const done = new Queue();
function producer() {
  for (let i = 0; i < 20; i++) { slots[i] = i + 1; work.put(i); }
  work.put(-1);
}
function consumer() {
  for (;;) {
    const i = work.get() as number;
    if (i < 0) break;
    slots[i] = slots[i] * 2;
    done.put(i);
  }
}
export function main() {
  const threads = [new Thread({ target: producer }), new Thread({ target: consumer })];
  threads.forEach((t) => t.start());
  let total = 0;
  for (let n = 0; n < 20; n++) total += slots[done.get() as number];
  console.log(total);
  threads.forEach((t) => t.join());
}
`,
        { recordShared: true },
      );
      assert.equal(run.result.outcome, 'completed');
      assert.deepEqual(run.lines, ['420']);
      const report = findRaces(run.result.trace);
      assert.ok(report.accesses >= 80);
      assert.deepEqual(report.races, []);
    });

    for (const [when, setterPause, waiterPause] of [
      ['while the reader waits', 0.2, 0],
      ['before the reader waits (a wait that returns at once)', 0, 0.2],
    ] as const) {
      it(`finds none when a value is handed over through an Event set ${when}`, async () => {
        const run = await runSnippet(
          `import { Event, Thread, Value, sleep } from "threadlanes";
const data = new Value(0);
const ready = new Event();
function writer() {
  sleep(${setterPause});
  data.value = 42;
  ready.set();
}
function reader() {
  sleep(${waiterPause});
  ready.wait();
  data.value = data.value + 1;
}
export function main() {
  const threads = [new Thread({ target: writer }), new Thread({ target: reader })];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  console.log(data.value);
}
`,
          { recordShared: true },
        );
        assert.deepEqual(run.lines, ['43']);
        const report = findRaces(run.result.trace);
        assert.equal(report.accesses, 4);
        assert.deepEqual(report.races, []);
      });
    }

    for (const [when, childPause, mainPause] of [
      ['that waits for the thread', 0.2, 0],
      ['of a thread that has already ended', 0, 0.2],
    ] as const) {
      it(`finds none when a value is handed over through a join ${when}`, async () => {
        const run = await runSnippet(
          `import { Thread, Value, sleep } from "threadlanes";
const data = new Value(0);
function child() {
  sleep(${childPause});
  data.value = 7;
}
export function main() {
  const t = new Thread({ target: child });
  t.start();
  sleep(${mainPause});
  t.join();
  console.log(data.value);
}
`,
          { recordShared: true },
        );
        assert.deepEqual(run.lines, ['7']);
        const report = findRaces(run.result.trace);
        assert.equal(report.accesses, 2);
        assert.deepEqual(report.races, []);
      });
    }

    it('finds the race of a read while the writer still runs, with nothing between them', async () => {
      // MainThread polls until it sees the value: whichever read comes first, none is ordered with the write.
      const source = `import { Thread, Value, sleep } from "threadlanes";
const data = new Value(0);
function child() {
  data.value = 7;
  sleep(0.3);
}
export function main() {
  const t = new Thread({ target: child });
  t.start();
  while (data.value !== 7) sleep(0.01);
  t.join();
}
`;
      const run = await runSnippet(source, { recordShared: true });
      const report = findRaces(run.result.trace);
      assert.equal(report.races.length, 1);
      const [race] = report.races;
      assert.deepEqual(race.kinds, ['read-write']);
      assert.deepEqual(race.accesses.map((a) => [a.thread, a.access, a.site]).sort(), [
        ['MainThread', 'read', `${run.file}:${lineOf(source, 'while (data.value')}`],
        ['Thread-1', 'write', `${run.file}:${lineOf(source, 'data.value = 7')}`],
      ]);
    });

    it("finds none across a Barrier (each writes its slot, then reads the other's)", async () => {
      const run = await runSnippet(
        `import { Barrier, SharedArray, Thread } from "threadlanes";
const slots = new SharedArray(2);
const sums = new SharedArray(2);
const barrier = new Barrier(2);
function party(me: number) {
  for (let round = 1; round <= 5; round++) {
    slots[me] = round * (me + 1);
    barrier.wait();
    sums[me] = sums[me] + slots[1 - me];
    barrier.wait();
  }
}
export function main() {
  const threads = [new Thread({ target: party, args: [0] }), new Thread({ target: party, args: [1] })];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  console.log(sums[0], sums[1]);
}
`,
        { recordShared: true },
      );
      assert.deepEqual(run.lines, ['30 15']);
      assert.deepEqual(findRaces(run.result.trace).races, []);
    });
  });

  describe('in the CLI report (needs the build)', () => {
    const source = `import { Thread, Value, sleep } from "threadlanes";
const data = new Value(0);
function child() {
  data.value = 7;
  sleep(0.3);
}
export function main() {
  const t = new Thread({ target: child });
  t.start();
  while (data.value !== 7) sleep(0.01);
  t.join();
}
`;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-races-')), 'poll.ts');
    fs.writeFileSync(file, source);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(__dirname, '..', 'dist', 'cli.js'), 'run', file, ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });

    it('--record-shared --json reports the race; without --record-shared, races is empty and racesChecked false', () => {
      const checked = JSON.parse(cli('--record-shared', '--json').stdout);
      assert.equal(checked.racesChecked, true);
      assert.equal(checked.races.length, 1);
      assert.deepEqual(Object.keys(checked.races[0]).sort(), ['accesses', 'count', 'explanation', 'index', 'kinds', 'object']);
      assert.deepEqual(
        checked.races[0].accesses.map((a: { thread: string; site: string; access: string }) => `${a.thread} ${a.access} ${a.site}`).sort(),
        [`MainThread read ${file}:${lineOf(source, 'while (data.value')}`, `Thread-1 write ${file}:${lineOf(source, 'data.value = 7')}`],
      );
      assert.deepEqual(checked.lockOrder, []);
      const unchecked = JSON.parse(cli('--json').stdout);
      assert.equal(unchecked.racesChecked, false);
      assert.deepEqual(unchecked.races, []);
    });

    it('the text report has a "Data races" section', () => {
      const { stdout, status } = cli('--record-shared', '--no-color');
      assert.equal(status, 0);
      assert.match(stdout, /Data races \(1\)\n {2}Data race on data between/);
      assert.doesNotMatch(cli('--no-color').stdout, /Data races/);
    });
  });

  describe('on hand-made traces', () => {
    const X = 10; // Value
    const ARRAY = 11; // SharedArray(4)
    const L = 20; // Lock
    const Q = 21; // Queue
    const LIFO = 22; // LifoQueue
    const E = 23; // Event
    const S = 24; // Semaphore(0)
    const BAR = 25; // Barrier(2)
    const objects: ObjectSpec[] = [
      [X, 'Value', 'x'],
      [ARRAY, 'SharedArray', 'arr', 4],
      [L, 'Lock', 'L'],
      [Q, 'Queue', 'q'],
      [LIFO, 'LifoQueue', 'lifo'],
      [E, 'Event', 'e'],
      [S, 'Semaphore', 's', 0],
      [BAR, 'Barrier', 'bar', 2],
    ];
    const sitesOf = (trace: Trace) => findRaces(trace).races.map((r) => r.accesses.map((a) => a.site).join(' ~ '));

    it("a Lock's release happens before the next acquire, paired by version even at equal timestamps", () => {
      const t = new Builder(objects);
      // Everything at 5 ns. Thread-1 (merged first at a tie) takes version 2, after Thread-2's version 1.
      t.thread(1).at(5).ev(EventKind.Acquired, L, 1, 2).write(X, 2).ev(EventKind.Released, L, 3, 2);
      t.thread(2).at(5).ev(EventKind.Acquired, L, 4, 1).write(X, 5).ev(EventKind.Released, L, 6, 1);
      assert.deepEqual(sitesOf(t.build()), []);
      // Without the lock, the same writes race.
      const bare = new Builder(objects);
      bare.thread(1).at(5).write(X, 2);
      bare.thread(2).at(5).write(X, 5);
      assert.deepEqual(sitesOf(bare.build()), ['t.ts:2 ~ t.ts:5']);
    });

    it('reports each pair of sites once, with every kind seen and the count', () => {
      const t = new Builder(objects);
      for (let i = 0; i < 100; i++) t.thread(1).read(X, 1).write(X, 1);
      for (let i = 0; i < 100; i++) t.thread(2).read(X, 2).write(X, 2);
      const report = findRaces(t.build());
      assert.equal(report.races.length, 1);
      assert.deepEqual(report.races[0].kinds, ['write-write', 'read-write']);
      assert.ok(report.races[0].count >= 2);
      assert.equal(report.accesses, 400);
    });

    it('unordered reads by two threads each race with a later write', () => {
      const t = new Builder(objects);
      t.thread(1).at(1).read(ARRAY, 1, 3);
      t.thread(2).at(2).read(ARRAY, 2, 3);
      t.thread(3).at(3).write(ARRAY, 3, 3).write(ARRAY, 4, 2);
      const report = findRaces(t.build());
      assert.deepEqual(
        report.races.map((r) => r.accesses.map((a) => `${a.thread} ${a.access} ${a.site}`)),
        [
          ['Thread-1 read t.ts:1', 'Thread-3 write t.ts:3'],
          ['Thread-2 read t.ts:2', 'Thread-3 write t.ts:3'],
        ],
      );
      assert.ok(report.races.every((r) => r.object === 'arr' && r.index === 3 && r.kinds.join() === 'read-write'));
      assert.match(report.races[0].explanation, /arr\[3\]/);
    });

    it('a Queue hands each item over FIFO; a LifoQueue orders every earlier put before a get', () => {
      for (const [queue, expected] of [
        [Q, ['t.ts:2 ~ t.ts:4']],
        [LIFO, []],
      ] as const) {
        const t = new Builder(objects);
        t.thread(1)
          .at(1)
          .write(ARRAY, 1, 0)
          .at(2)
          .ev(EventKind.QueuePut, queue, 0, 1)
          .at(3)
          .write(ARRAY, 2, 1)
          .at(4)
          .ev(EventKind.QueuePut, queue, 0, 2);
        // Takes the first item, reads it, then reads the second item's slot before taking it.
        t.thread(2).at(5).ev(EventKind.QueueGet, queue, 0, 1).at(6).read(ARRAY, 3, 0).at(7).read(ARRAY, 4, 1);
        assert.deepEqual(sitesOf(t.build()), expected, `queue ${queue}`);
      }
    });

    it('a get waits for its put even when interpolated times put it first', () => {
      const t = new Builder(objects);
      t.thread(1).at(10).write(X, 1).at(10).ev(EventKind.QueuePut, Q, 0, 1);
      t.thread(2).at(9).ev(EventKind.QueueGet, Q, 0, 0).at(9).read(X, 2);
      const report = findRaces(t.build());
      assert.deepEqual(report.races, []);
      assert.equal(report.forced, 0);
    });

    it('a Semaphore release happens before a later acquire', () => {
      const t = new Builder(objects);
      t.thread(1).at(1).write(X, 1).at(2).ev(EventKind.Released, S, 0, 1);
      t.thread(2)
        .at(1)
        .ev(EventKind.Block, S, 0, WaitKind.Semaphore)
        .at(3)
        .ev(EventKind.Unblock, S, 0, 1)
        .ev(EventKind.Acquired, S, 0, 0)
        .read(X, 2);
      assert.deepEqual(sitesOf(t.build()), []);
    });

    it('a Barrier orders every arrival of a cycle before every departure, not what follows the departures', () => {
      const t = new Builder(objects);
      t.thread(1)
        .at(1)
        .write(ARRAY, 1, 0)
        .at(2)
        .ev(EventKind.Block, BAR, 0, WaitKind.Barrier)
        .at(5)
        .ev(EventKind.Unblock, BAR, 0, 1)
        .ev(EventKind.BarrierPass, BAR, 0, 0)
        .at(6)
        .read(ARRAY, 2, 1)
        .at(7)
        .write(ARRAY, 5, 2);
      t.thread(2).at(3).write(ARRAY, 3, 1).at(4).ev(EventKind.BarrierPass, BAR, 0, 1).at(6).read(ARRAY, 4, 0).at(8).read(ARRAY, 6, 2);
      assert.deepEqual(sitesOf(t.build()), ['t.ts:5 ~ t.ts:6']);
    });

    it("ThreadStart orders what the parent did before it; a recorded join orders the thread's end", () => {
      const t = new Builder(objects);
      t.thread(0)
        .at(1)
        .write(X, 1)
        .at(2)
        .ev(EventKind.ThreadStart, 101, 0, 1)
        .at(3)
        .write(ARRAY, 2, 0)
        .at(4)
        .ev(EventKind.Block, 101, 0, WaitKind.Join)
        .at(9)
        .ev(EventKind.Unblock, 101, 0, 1)
        .read(X, 3);
      t.thread(1)
        .at(5)
        .ev(EventKind.ThreadRunning, 0, 0, 0)
        .read(X, 4)
        .write(X, 5)
        .read(ARRAY, 6, 0)
        .at(8)
        .ev(EventKind.ThreadFinished, 101, 0, 0);
      assert.deepEqual(sitesOf(t.build()), ['t.ts:2 ~ t.ts:6']);
    });

    it("waits free mode does not record: an Event set and a thread's end order what comes after in time, unless told not to", () => {
      const t = new Builder(objects);
      t.thread(0).at(1).ev(EventKind.ThreadStart, 101, 0, 1).ev(EventKind.ThreadStart, 102, 0, 2).at(20).read(X, 1); // main joined Thread-1 at once
      t.thread(1)
        .at(3)
        .ev(EventKind.ThreadRunning, 0, 0, 0)
        .write(X, 2)
        .at(4)
        .write(ARRAY, 3, 0)
        .at(5)
        .ev(EventKind.EventSet, E, 0, 0)
        .at(6)
        .ev(EventKind.ThreadFinished, 101, 0, 0);
      t.thread(2).at(3).ev(EventKind.ThreadRunning, 0, 0, 0).at(10).read(ARRAY, 4, 0); // waited on e at once
      assert.deepEqual(sitesOf(t.build()), []);
      assert.deepEqual(
        findRaces(t.build(), { assumeUnrecordedWaits: false }).races.map((r) => r.accesses.map((a) => a.site).join(' ~ ')),
        ['t.ts:2 ~ t.ts:1', 't.ts:3 ~ t.ts:4'],
      );
      // A thread's end reaches its starter and the threads that join, not a sibling that never joins.
      const sibling = new Builder(objects);
      sibling.thread(0).at(1).ev(EventKind.ThreadStart, 101, 0, 1).ev(EventKind.ThreadStart, 102, 0, 2);
      sibling.thread(1).at(3).ev(EventKind.ThreadRunning, 0, 0, 0).write(X, 2).at(6).ev(EventKind.ThreadFinished, 101, 0, 0);
      sibling.thread(2).at(3).ev(EventKind.ThreadRunning, 0, 0, 0).at(10).write(X, 4);
      assert.deepEqual(sitesOf(sibling.build()), ['t.ts:2 ~ t.ts:4']);
    });

    it('agrees with a slow vector-clock reference on random traces (locks, a FIFO queue, equal timestamps)', () => {
      for (let seed = 1; seed <= 300; seed++) {
        const simulated = simulate(seed);
        const report = findRaces(simulated.trace);
        const reference = referenceRaces(simulated.order);
        // Every access has its own site, so a reported pair of sites is a pair of accesses.
        for (const race of report.races) {
          const key = race.accesses
            .map((a) => a.siteId)
            .sort((a, b) => a - b)
            .join('~');
          assert.ok(reference.pairs.has(key), `seed ${seed}: ${race.explanation} is not a race`);
        }
        assert.deepEqual(
          [...new Set(report.races.map((r) => r.objectId))].sort(),
          [...reference.objects].sort(),
          `seed ${seed}: the values with a race`,
        );
        assert.equal(report.forced, 0, `seed ${seed}`);
      }
    });

    it('checks 4,000,000 events (2,000,000 accesses under a lock) in a few seconds', () => {
      const iterations = 500_000;
      const trace = lockedCounterTrace(iterations);
      const startedMs = performance.now();
      const report = findRaces(trace);
      const elapsedMs = performance.now() - startedMs;
      console.log(
        `      race check: ${(iterations * 8).toLocaleString('en-US')} events, ${report.accesses.toLocaleString('en-US')} accesses in ${elapsedMs.toFixed(0)} ms`,
      );
      assert.equal(report.accesses, iterations * 4);
      assert.deepEqual(report.races, []);
      assert.ok(elapsedMs < 10_000);
    });
  });
});

// ── hand-made traces ──────────────────────────────────────────────────────────────────────

/** [id, kind, name, initial?] */
type ObjectSpec = [number, ObjectKind, string, number?];

/** Sites are `t.ts:<n>` for site id n; times advance by 1 ns per event unless set with at(). */
class Builder {
  private readonly streams = new Map<number, ThreadEvents>();

  constructor(private readonly objects: ObjectSpec[]) {}

  thread(tid: number): ThreadEvents {
    let stream = this.streams.get(tid);
    if (!stream) {
      stream = new ThreadEvents();
      this.streams.set(tid, stream);
    }
    return stream;
  }

  build(): Trace {
    const count = Math.max(0, ...this.streams.keys()) + 1;
    const events: Uint8Array[] = [];
    for (let tid = 0; tid < count; tid++) events.push(encodeEvents(this.streams.get(tid)?.events ?? []));
    const maxSite = Math.max(0, ...[...this.streams.values()].flatMap((s) => s.events.map((e) => e.siteId)));
    return traceOf(events, this.objects, maxSite);
  }
}

class ThreadEvents {
  readonly events: Omit<TraceEvent, 'tid'>[] = [];
  private timeNs = 0;
  private fixed = false;

  at(timeNs: number): this {
    this.timeNs = timeNs;
    this.fixed = true;
    return this;
  }

  ev(kind: EventKind, objectId: number, siteId: number, arg: number): this {
    if (!this.fixed) this.timeNs++;
    this.events.push({ seq: this.events.length, timeNs: this.timeNs, kind, objectId, siteId, arg });
    return this;
  }

  read(objectId: number, siteId: number, index = 0): this {
    return this.ev(EventKind.SharedRead, objectId, siteId, index);
  }

  write(objectId: number, siteId: number, index = 0): this {
    return this.ev(EventKind.SharedWrite, objectId, siteId, index);
  }
}

function traceOf(events: Uint8Array[], objects: ObjectSpec[], maxSite: number): Trace {
  return {
    header: {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      file: 't.ts',
      mode: 'free',
      outcome: 'completed',
      durationMs: 0,
      startedAt: '2026-01-01T00:00:00.000Z',
      threads: events.map((_, tid) => ({
        tid,
        name: tid === 0 ? 'MainThread' : `Thread-${tid}`,
        objectId: tid === 0 ? 1 : 100 + tid,
        daemon: false,
        finalState: 'finished' as const,
      })),
      objects: objects.map(([id, kind, name, initial]) => ({
        id,
        kind,
        name,
        siteId: 0,
        tid: 0,
        ...(initial === undefined ? {} : { initial }),
      })),
      sites: Array.from({ length: maxSite + 1 }, (_, line) => ({ file: 't.ts', line, col: 1 })),
      output: [],
      exceptions: [],
      eventCounts: events.map((bytes) => bytes.byteLength / EVENT_BYTES),
    },
    events,
  };
}

// ── random traces and the reference ───────────────────────────────────────────────────────

interface SimulatedEvent extends Omit<TraceEvent, 'seq'> {
  /** For a get: the index of the put it took. For an acquire: the release it followed (-1: none). */
  source: number;
}

/**
 * Three threads doing random reads and writes of two Values, under two Locks or not, and handing
 * items over a FIFO queue, in a random true order. Every access has its own site. Events come in
 * groups of three with the same time, so events of different threads tie; queue operations, which
 * the runtime times exactly under the queue's mutex, get distinct times within their group.
 */
function simulate(seed: number): { trace: Trace; order: SimulatedEvent[] } {
  const random = prng(seed);
  const VALUES = [10, 11];
  const LOCKS = [20, 21];
  const QUEUE = 30;
  const threads = [1, 2, 3];
  const holding = new Map<number, number>(); // tid → lock
  const owner = new Map<number, number>(); // lock → tid
  const version = new Map<number, number>();
  const lastRelease = new Map<number, number>(); // lock → index of its last release
  const puts: number[] = [];
  let taken = 0;
  const order: SimulatedEvent[] = [];
  let site = 0;
  const push = (tid: number, kind: EventKind, objectId: number, arg: number, source = -1, siteId = 0) => {
    const index = order.length;
    const queued = kind === EventKind.QueuePut || kind === EventKind.QueueGet;
    const timeNs = Math.floor(index / 3) * 30 + (queued ? 10 + (index % 3) : 0);
    order.push({ tid, timeNs, kind, objectId, siteId, arg, source });
  };
  for (let step = 0; step < 60; step++) {
    const tid = threads[Math.floor(random() * threads.length)];
    const held = holding.get(tid);
    const choice = random();
    if (choice < 0.5) {
      const value = VALUES[Math.floor(random() * VALUES.length)];
      push(tid, random() < 0.5 ? EventKind.SharedRead : EventKind.SharedWrite, value, 0, -1, ++site);
    } else if (choice < 0.75) {
      if (held !== undefined) {
        holding.delete(tid);
        owner.delete(held);
        lastRelease.set(held, order.length);
        push(tid, EventKind.Released, held, version.get(held)!);
      } else {
        const lock = LOCKS[Math.floor(random() * LOCKS.length)];
        if (owner.has(lock)) continue;
        const next = (version.get(lock) ?? 0) + 1;
        version.set(lock, next);
        owner.set(lock, tid);
        holding.set(tid, lock);
        push(tid, EventKind.Acquired, lock, next, lastRelease.get(lock) ?? -1);
      }
    } else if (choice < 0.88 || taken === puts.length) {
      puts.push(order.length);
      push(tid, EventKind.QueuePut, QUEUE, puts.length - taken);
    } else {
      push(tid, EventKind.QueueGet, QUEUE, puts.length - taken - 1, puts[taken++]);
    }
  }
  const streams = [0, ...threads].map((tid) =>
    order.filter((e) => e.tid === tid).map(({ tid: _tid, source: _source, ...e }, seq) => ({ ...e, seq })),
  );
  const events = streams.map((stream) => encodeEvents(stream));
  const objects: ObjectSpec[] = [
    ...VALUES.map((id): ObjectSpec => [id, 'Value', `v${id}`]),
    ...LOCKS.map((id): ObjectSpec => [id, 'Lock', `L${id}`]),
    [QUEUE, 'Queue', 'q'],
  ];
  return { trace: traceOf(events, objects, site), order };
}

/**
 * The obvious check: a full vector clock per event (each event ticks its thread), taken in the
 * true order; two accesses race when the earlier one's clock is not below the later one's.
 */
function referenceRaces(order: SimulatedEvent[]): { pairs: Set<string>; objects: Set<number> } {
  const clocks: number[][] = [];
  const last = new Map<number, number[]>();
  order.forEach((event, index) => {
    const clock = [...(last.get(event.tid) ?? [0, 0, 0, 0])];
    if (event.source >= 0) clock.forEach((_, i) => (clock[i] = Math.max(clock[i], clocks[event.source][i])));
    clock[event.tid]++;
    clocks[index] = clock;
    last.set(event.tid, clock);
  });
  const pairs = new Set<string>();
  const objects = new Set<number>();
  const isAccess = (e: SimulatedEvent) => e.kind === EventKind.SharedRead || e.kind === EventKind.SharedWrite;
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      const a = order[i];
      const b = order[j];
      if (!isAccess(a) || !isAccess(b) || a.objectId !== b.objectId || a.tid === b.tid) continue;
      if (a.kind !== EventKind.SharedWrite && b.kind !== EventKind.SharedWrite) continue;
      if (clocks[i].every((c, k) => c <= clocks[j][k])) continue;
      pairs.add([a.siteId, b.siteId].sort((x, y) => x - y).join('~'));
      objects.add(a.objectId);
    }
  }
  return { pairs, objects };
}

/**
 * Two threads each doing `iterations` × (acquire, read, write, release) on one Value under one
 * Lock, interleaved as a real run would be, written straight into event records.
 */
function lockedCounterTrace(iterations: number): Trace {
  const VALUE = 10;
  const LOCK = 20;
  const streams = [0, 1].map(() => new ArrayBuffer(iterations * 4 * EVENT_BYTES));
  const f64 = streams.map((buffer) => new Float64Array(buffer));
  const u32 = streams.map((buffer) => new Uint32Array(buffer));
  const i32 = streams.map((buffer) => new Int32Array(buffer));
  const written = [0, 0];
  const put = (thread: number, timeNs: number, kind: EventKind, objectId: number, siteId: number, arg: number) => {
    const i = written[thread]++;
    f64[thread][i * 3] = timeNs;
    u32[thread][i * 6 + 2] = kind | ((i & 0xffffff) << 8);
    u32[thread][i * 6 + 3] = objectId;
    u32[thread][i * 6 + 4] = siteId;
    i32[thread][i * 6 + 5] = arg;
  };
  let version = 0;
  let timeNs = 1000;
  for (let i = 0; i < iterations * 2; i++) {
    const thread = (i * 7919) % 3 === 0 ? 0 : 1; // not strictly alternating
    if (written[thread] >= iterations * 4) continue;
    version++;
    put(thread, timeNs++, EventKind.Acquired, LOCK, 1, version);
    put(thread, timeNs++, EventKind.SharedRead, VALUE, 2 + thread, 0);
    put(thread, timeNs++, EventKind.SharedWrite, VALUE, 2 + thread, 0);
    put(thread, timeNs++, EventKind.Released, LOCK, 4, version);
  }
  for (let thread = 0; thread < 2; thread++) {
    while (written[thread] < iterations * 4) {
      version++;
      put(thread, timeNs++, EventKind.Acquired, LOCK, 1, version);
      put(thread, timeNs++, EventKind.SharedRead, VALUE, 2 + thread, 0);
      put(thread, timeNs++, EventKind.SharedWrite, VALUE, 2 + thread, 0);
      put(thread, timeNs++, EventKind.Released, LOCK, 4, version);
    }
  }
  // Thread-1 and Thread-2; MainThread (tid 0) made nothing here.
  const events = [new Uint8Array(0), ...streams.map((buffer) => new Uint8Array(buffer))];
  return traceOf(
    events,
    [
      [VALUE, 'Value', 'counter'],
      [LOCK, 'Lock', 'lock'],
    ],
    4,
  );
}
