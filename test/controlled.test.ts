/**
 * Controlled mode (issue 5): one thread at a time under a seeded scheduler, virtual time, and
 * the schedule hunt. Every assertion here is on what a user sees: the same seed gives the same
 * trace and output; the hunt finds the ABBA deadlock with each strategy and its seed replays
 * it; sleeps take virtual, not real, time.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explore } from '../src/harness/explore';
import { run } from '../src/harness/run';
import type { RunResult } from '../src/harness/types';
import { STRATEGIES } from '../src/trace/format';
import { lockOrderInversions } from '../src/analysis/lockOrder';
import { findRaces } from '../src/analysis/races';
import { runSnippet, lineOf } from './helpers';

const examples = path.join(__dirname, '..', 'examples');
const example = (name: string) => path.join(examples, name);

/** Everything a user could compare between two runs: events, output, who ended how, the clock. */
function fingerprint(result: RunResult): string {
  const { header, events } = result.trace;
  return JSON.stringify({
    outcome: result.outcome,
    durationMs: result.durationMs,
    threads: header.threads.map((t) => [t.tid, t.name, t.finalState]),
    objects: header.objects.map((o) => [o.id, o.kind, o.name]),
    output: header.output.map((o) => [o.tid, o.timeNs, o.text]),
    events: events.map((e) => (e ? Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('base64') : '')),
    deadlock: result.deadlock?.explanation,
  });
}

const CONTENDED = `
import { Lock, Thread, Value, Queue, sleep } from "threadlanes";

const lock = new Lock();
const total = new Value(0);
const q = new Queue<number>(2);

function producer(n: number): void {
  for (let i = 0; i < 6; i++) {
    lock.withLock(() => { total.value += 1; });
    q.put(n * 100 + i);
    if (Math.random() < 0.5) sleep(0.01);
  }
}

function consumer(): void {
  for (let i = 0; i < 12; i++) {
    const item = q.get();
    console.log("got", item, "at", Date.now() % 100000);
  }
}

export function main(): void {
  const threads = [new Thread({ target: producer, args: [1] }), new Thread({ target: producer, args: [2] }), new Thread({ target: consumer })];
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  console.log("total", total.value);
}
`;

describe('controlled mode', function () {
  this.timeout(120_000);

  for (const strategy of STRATEGIES) {
    it(`${strategy}: the same seed gives the same trace, output and virtual timestamps, twice`, async () => {
      const first = await runSnippet(CONTENDED, { mode: 'controlled', strategy, seed: 11 });
      const second = await run({ file: first.file, mode: 'controlled', strategy, seed: 11 });
      assert.equal(first.result.outcome, 'completed', first.result.error?.message);
      assert.equal(first.lines.at(-1), 'total 12');
      assert.equal(fingerprint(second), fingerprint(first.result));
      assert.equal(first.result.schedule?.strategy, strategy);
      assert.equal(first.result.schedule?.seed, 11);
      assert.ok((first.result.schedule?.steps ?? 0) > 20);
    });
  }

  it('different seeds give different schedules', async () => {
    const base = await runSnippet(CONTENDED, { mode: 'controlled', seed: 1 });
    const outputs = new Set([base.lines.join('\n')]);
    for (let seed = 2; seed <= 6; seed++) {
      const other = await run({ file: base.file, mode: 'controlled', seed });
      outputs.add(other.trace.header.output.map((o) => o.text).join('\n'));
    }
    assert.ok(outputs.size >= 2, 'six seeds all gave the same interleaving');
  });

  it('runs one thread at a time: no two threads are ever running at the same virtual instant', async () => {
    const { events, result } = await runSnippet(CONTENDED, { mode: 'controlled', seed: 3 });
    assert.equal(result.outcome, 'completed');
    const times = events().map((e) => e.timeNs);
    assert.equal(new Set(times).size, times.length, 'two events share a timestamp');
  });

  it('virtual time: the sleeping loops span 4 s on the timeline and in durationMs, but not in real time', async () => {
    const result = await run({ file: example('mtsleep3.ts'), mode: 'controlled' });
    assert.equal(result.outcome, 'completed');
    assert.ok(result.durationMs >= 4000 && result.durationMs < 4001, `virtual duration ${result.durationMs}`);
    assert.ok((result.trace.header.endNs ?? 0) >= 4e9);
    const done = result.trace.header.output.find((o) => o.text.startsWith('loop 0 done'));
    assert.ok(done && done.timeNs >= 4e9, 'loop 0 ends at 4 s of virtual time');
    assert.match(done.text, /Sat Jan 01 00:00:04 2000/, 'Date follows the virtual clock');
    console.log(`      (virtual ${result.durationMs.toFixed(0)} ms took ${result.wallMs.toFixed(0)} ms of wall time)`);
  });

  it('timeouts are virtual too: a 2 s acquire timeout expires at 2 s of virtual time', async () => {
    const source = `
import { Lock, Thread, sleep } from "threadlanes";
const lock = new Lock();
function holder(): void { lock.acquire(); sleep(5); lock.release(); }
export function main(): void {
  const t = new Thread({ target: holder });
  t.start();
  sleep(0.1);
  const got = lock.acquire(true, 2);
  console.log("got", got);
  t.join();
}
`;
    const { result, lines } = await runSnippet(source, { mode: 'controlled' });
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(lines, ['got false']);
    const at = result.trace.header.output[0].timeNs;
    assert.ok(at >= 2.1e9 && at < 2.2e9, `timed out at ${at} ns`);
    assert.ok(result.durationMs >= 5000 && result.durationMs < 5001);
  });

  it('reports a deadlock at once, with the cycle, and gives the blocked lanes some length', async () => {
    const result = await run({ file: example('dining-philosophers.ts'), mode: 'controlled', seed: 5 });
    assert.equal(result.outcome, 'deadlock');
    assert.equal(result.deadlock?.kind, 'cycle');
    assert.equal(result.deadlock?.cycle.length, 5);
    const lastEvent = Math.max(...result.trace.header.output.map((o) => o.timeNs));
    assert.ok((result.trace.header.endNs ?? 0) > lastEvent, 'the timeline goes on past the last event');
  });

  it('a daemon left waiting when MainThread ends is not a deadlock', async () => {
    const source = `
import { Event, Thread } from "threadlanes";
const never = new Event();
function forever(): void { never.wait(); }
export function main(): void {
  new Thread({ target: forever, daemon: true }).start();
  console.log("main done");
}
`;
    const { result, lines } = await runSnippet(source, { mode: 'controlled' });
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(lines, ['main done']);
  });

  it('all threads waiting on a condition nobody notifies is a deadlock ("all blocked")', async () => {
    const result = await run({ file: example('condition-lost-notify.ts'), mode: 'controlled' });
    assert.equal(result.outcome, 'deadlock');
    assert.equal(result.deadlock?.kind, 'all-blocked');
  });

  it('a polling loop on Event.isSet() lets the setter run; Date() without new is the virtual time', async () => {
    const { result, lines } = await runSnippet(
      `
import { Event, Thread } from "threadlanes";
const ready = new Event();
function setter(): void { ready.set(); }
export function main(): void {
  const t = new Thread({ target: setter });
  t.start();
  while (!ready.isSet()) { /* poll */ }
  t.join();
  console.log(Date());
}
`,
      { mode: 'controlled', seed: 3, timeoutSeconds: 5 },
    );
    assert.equal(result.outcome, 'completed');
    assert.match(lines[0], /^Sat Jan 01 2000 00:00:00/);
  });

  it('process.exit() in a thread ends that thread and the run goes on', async () => {
    const { result, lines } = await runSnippet(
      `
import { Thread } from "threadlanes";
function quit(): void { console.log("bye"); process.exit(0); }
export function main(): void { const t = new Thread({ target: quit }); t.start(); t.join(); console.log("main goes on"); }
`,
      { mode: 'controlled', timeoutSeconds: 5 },
    );
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(lines, ['bye', 'main goes on']);
  });

  it('exceptions from several threads are listed in the same order, with the same sites, every time', async () => {
    const first = await runSnippet(
      `
import { Thread } from "threadlanes";
function fail(n: number): void { throw new Error("failure " + n); }
export function main(): void {
  const ts = [1, 2, 3].map((n) => new Thread({ target: fail, args: [n] }));
  for (const t of ts) t.start();
  for (const t of ts) t.join();
}
`,
      { mode: 'controlled', seed: 8 },
    );
    const again = await run({ file: first.file, mode: 'controlled', seed: 8 });
    const shape = (r: RunResult) =>
      JSON.stringify({
        exceptions: r.trace.header.exceptions.map((e) => [e.tid, e.message, e.siteId, e.timeNs]),
        sites: r.trace.header.sites,
      });
    assert.equal(first.result.trace.header.exceptions.length, 3);
    assert.equal(shape(again), shape(first.result));
  });

  it('the racy counter loses updates under the scheduler, and the race is reported; the locked one does not', async () => {
    const racy = `
import { Thread, Value } from "threadlanes";
const counter = new Value(0);
function bump(): void { for (let i = 0; i < 200; i++) counter.value += 1; }
export function main(): void {
  const ts = [new Thread({ target: bump }), new Thread({ target: bump })];
  for (const t of ts) t.start();
  for (const t of ts) t.join();
  console.log("counter", counter.value);
}
`;
    const lost = await runSnippet(racy, { mode: 'controlled', seed: 2, recordShared: true });
    assert.notEqual(lost.lines[0], 'counter 400', 'random switches between read and write lose updates');
    const races = findRaces(lost.result.trace).races;
    assert.equal(races.length, 1);
    assert.match(races[0].accesses[0].site, new RegExp(`:${lineOf(racy, 'counter.value += 1')}\\b`));
    const locked = racy.replace('counter.value += 1', 'counter.getLock().withLock(() => { counter.value += 1; })');
    const safe = await runSnippet(locked, { mode: 'controlled', seed: 2, recordShared: true });
    assert.equal(safe.lines[0], 'counter 400');
    assert.equal(findRaces(safe.result.trace).races.length, 0);
  });
});

describe('the schedule hunt', function () {
  this.timeout(180_000);

  for (const strategy of STRATEGIES.filter((s) => s !== 'dfs')) {
    it(`${strategy} finds the rare ABBA deadlock, and its seed replays the same run`, async () => {
      const file = example('abba-rare.ts');
      const hunt = await explore({ file, schedules: 50, strategy, seed: 100 });
      assert.ok(hunt.found, `no deadlock in ${hunt.explored} schedules`);
      assert.equal(hunt.found.outcome, 'deadlock');
      assert.equal(hunt.found.strategy, strategy);
      assert.equal(hunt.outcome, 'deadlock');
      assert.equal(hunt.explored, hunt.found.seed - 100 + 1);
      const replay = await run({ file, mode: 'controlled', strategy, seed: hunt.found.seed, depth: hunt.found.depth });
      assert.equal(replay.outcome, 'deadlock');
      assert.equal(fingerprint(replay), fingerprint(hunt));
    });
  }

  it('a reused worker starts each schedule clean: the last schedule of a hunt equals its replay in fresh workers', async () => {
    // Module-level and default-named objects, a pool (its name comes from a per-run counter),
    // a Timer, a Condition and a Queue: everything a reused worker must forget between runs.
    const { file } = await runSnippet(
      `
import { Condition, Lock, Queue, Thread, ThreadPoolExecutor, Timer, Value } from "threadlanes";
const lock = new Lock();
const ready = new Condition(lock);
const q = new Queue<number>();
const total = new Value(0);
function square(n: number): number { total.value += n; return n * n; }
function producer(): void { for (let i = 0; i < 3; i++) { q.put(i); ready.withLock(() => ready.notify()); } }
function late(): void { console.log("timer", total.value); }
export function main(): void {
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const futures = [1, 2, 3].map((n) => pool.submit(square, n));
  const t = new Thread({ target: producer });
  t.start();
  for (let i = 0; i < 3; i++) console.log("got", q.get());
  t.join();
  const timer = new Timer(0.01, late);
  timer.start();
  timer.join();
  console.log("squares", futures.map((f) => f.result()).join(","));
  pool.shutdown();
}
`,
      { mode: 'controlled', seed: 0 },
    );
    const hunt = await explore({ file, schedules: 12, seed: 40 });
    assert.equal(hunt.found, undefined, hunt.found?.summary);
    assert.equal(hunt.explored, 12);
    const replay = await run({ file, mode: 'controlled', seed: 51 });
    assert.equal(replay.outcome, 'completed');
    assert.equal(fingerprint(replay), fingerprint(hunt));
  });

  it("a deadlocked schedule's workers are unwound and reused; what the snippet does while it unwinds is not the run's", async () => {
    // ABBA with finally blocks that print and release, and a waiter that swallows whatever its
    // get() throws: the unwinding runs through user code, which must neither show nor stop it.
    const { file } = await runSnippet(
      `
import { Lock, Queue, Thread } from "threadlanes";
const a = new Lock("a");
const b = new Lock("b");
const q = new Queue<number>();
function one(): void { a.acquire(); try { b.acquire(); b.release(); } finally { console.log("one finally"); a.release(); } }
function two(): void { b.acquire(); try { a.acquire(); a.release(); } finally { console.log("two finally"); b.release(); } }
function waiter(): void { for (let i = 0; i < 3; i++) { try { q.get(); } catch { console.log("swallowed"); } } }
export function main(): void {
  const w = new Thread({ target: waiter, daemon: true });
  w.start();
  const t1 = new Thread({ target: one });
  const t2 = new Thread({ target: two });
  t1.start(); t2.start(); t1.join(); t2.join();
  console.log("done");
}
`,
      { mode: 'controlled', seed: 0 },
    );
    const outcomes: string[] = [];
    const hunt = await explore({
      file,
      schedules: 40,
      strategy: 'dfs',
      preemptions: Infinity,
      keepGoing: true,
      onSchedule: (_, result) => {
        outcomes.push(result.outcome);
        const lines = result.trace.header.output.map((o) => o.text.trim());
        assert.ok(!lines.includes('swallowed'), lines.join(' | '));
        if (result.outcome === 'completed')
          assert.deepEqual(
            lines.filter((l) => l === 'done'),
            ['done'],
          );
        if (result.outcome === 'deadlock') assert.ok(!lines.includes('done'));
      },
    });
    assert.equal(hunt.found?.kind, 'deadlock');
    const deadlocks = outcomes.filter((o) => o === 'deadlock').length;
    assert.ok(deadlocks >= 2 && outcomes.includes('completed'), outcomes.join(' '));
    // Every schedule ends with threads blocked (the daemon waiter at least): terminating them
    // would boot a worker or more for each of the 40.
    assert.ok(hunt.workersBooted < 8, `${hunt.workersBooted} workers booted for ${outcomes.length} schedules`);
  });

  it('PCT with depth 2 finds the ABBA deadlock within 20 schedules, for 20 seeds out of 20', async () => {
    const file = example('abba-rare.ts');
    const counts: number[] = [];
    for (let s = 0; s < 20; s++) {
      const hunt = await explore({ file, schedules: 20, strategy: 'pct', depth: 2, seed: s * 1000 });
      assert.ok(hunt.found, `PCT from seed ${s * 1000} found nothing in 20 schedules`);
      counts.push(hunt.explored);
    }
    console.log(`      (schedules needed: ${counts.join(' ')})`);
  });

  it('finds nothing in the fixed philosophers, and they show no potential deadlock', async () => {
    const hunt = await explore({ file: example('dining-philosophers-fixed.ts'), schedules: 15 });
    assert.equal(hunt.found, undefined);
    assert.equal(hunt.explored, 15);
    assert.equal(hunt.outcome, 'completed');
    assert.deepEqual(lockOrderInversions(hunt.trace), []);
  });

  it('a run that did not deadlock still reports the lock-order inversion', async () => {
    // rr with seed 0 (one-step slices) runs abba-rare to completion.
    const result = await run({ file: example('abba-rare.ts'), mode: 'controlled', strategy: 'rr', seed: 0 });
    assert.equal(result.outcome, 'completed');
    const inversions = lockOrderInversions(result.trace);
    assert.equal(inversions.length, 1);
    assert.deepEqual([...inversions[0].locks].sort(), ['lockA', 'lockB']);
  });

  it('stops at the first uncaught exception or failed assert, and says where', async () => {
    const source = `
import { Thread, Value } from "threadlanes";
import { strict as assert } from "node:assert";
const balance = new Value(100);
function withdraw(): void {
  const seen = balance.value;
  balance.value = seen - 60;
}
export function main(): void {
  const ts = [new Thread({ target: withdraw }), new Thread({ target: withdraw })];
  for (const t of ts) t.start();
  for (const t of ts) t.join();
  assert.equal(balance.value, -20, "a withdrawal was lost");
}
`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-hunt-'));
    const file = path.join(dir, 'withdraw.ts');
    fs.writeFileSync(file, source);
    const hunt = await explore({ file, schedules: 40 });
    assert.ok(hunt.found, 'no schedule lost a withdrawal');
    assert.equal(hunt.found.outcome, 'exception');
    assert.match(hunt.found.summary, /a withdrawal was lost/);
    assert.equal(hunt.error?.line, lineOf(source, 'assert.equal(balance'));
  });

  it('a busy-wait never hangs a schedule: after the unfair steps the schedule turns fair and the setter runs', async () => {
    const { file } = await runSnippet('export function main(): void {}');
    fs.writeFileSync(
      file,
      `
import { Thread, Value } from "threadlanes";
const flag = new Value(0);
function setter(): void { flag.value = 1; }
function waiter(): void { while (flag.value === 0) { /* busy wait */ } }
export function main(): void {
  const w = new Thread({ target: waiter });
  const s = new Thread({ target: setter });
  w.start(); s.start(); w.join(); s.join();
}
`,
    );
    // PCT gives the spinning waiter the highest priority: without fairness it would starve the setter for ever.
    const hunt = await explore({ file, schedules: 10, strategy: 'pct', timeoutSeconds: 60 });
    assert.equal(hunt.outcome, 'completed', hunt.error?.message);
    assert.equal(hunt.found, undefined);
    assert.equal(hunt.explored, 10);
  });

  it('a loop that can never end is a livelock: which thread, which line, not a timeout', async () => {
    const source = `
import { Thread, Value } from "threadlanes";
const flag = new Value(0);
function waiter(): void {
  while (flag.value === 0) { /* nobody ever sets it */ }
}
export function main(): void {
  const w = new Thread({ target: waiter, name: "spinner" });
  w.start();
  w.join();
}
`;
    const { result, file } = await runSnippet(source, { mode: 'controlled', timeoutSeconds: 60 });
    assert.equal(result.outcome, 'livelock');
    assert.equal(result.error?.kind, 'livelock');
    assert.match(result.error?.message ?? '', /spinner spun 10,000 steps at .*:5 without any thread making progress/);
    assert.equal(result.error?.line, lineOf(source, 'while (flag.value'));
    const hunt = await explore({ file, schedules: 5, timeoutSeconds: 60 });
    assert.equal(hunt.found?.kind, 'livelock');
    assert.equal(hunt.explored, 1);
  });

  it('a spinning thread waits for a sleeper without a livelock: virtual time runs on to the sleeper', async () => {
    const source = `
import { Thread, Value, sleep } from "threadlanes";
const flag = new Value(0);
function setter(): void { sleep(5); flag.value = 1; }
export function main(): void {
  const s = new Thread({ target: setter });
  s.start();
  while (flag.value === 0) { /* spin until the setter wakes */ }
  s.join();
  console.log("flag set");
}
`;
    const { result, lines } = await runSnippet(source, { mode: 'controlled', timeoutSeconds: 60 });
    assert.equal(result.outcome, 'completed', result.error?.message);
    assert.deepEqual(lines, ['flag set']);
  });

  it('timers a schedule leaves behind never fire in a later schedule (its worker is not reused)', async () => {
    const { file } = await runSnippet('export function main(): void {}');
    fs.writeFileSync(
      file,
      `
import { Thread, Value } from "threadlanes";
// A timer may fire while its own schedule still runs (a loaded machine): harmless. It throws
// only once its schedule is over, which only a worker reused by a later schedule would see.
const over = new Value(0);
function work(n: number): void { setTimeout(() => { if (over.value === 1) throw new Error("stale " + n); }, 5); }
export function main(): void {
  const ts = [1, 2].map((n) => new Thread({ target: work, args: [n] }));
  for (const t of ts) t.start();
  for (const t of ts) t.join();
  over.value = 1;
}
`,
    );
    const hunt = await explore({ file, schedules: 8 });
    assert.equal(hunt.found, undefined, hunt.found?.summary);
    assert.equal(hunt.explored, 8);
  });

  it('a snippet that does not compile fails the hunt at once with its line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-hunt-'));
    const file = path.join(dir, 'broken.ts');
    fs.writeFileSync(file, 'export function main(): void {\n  const x = ;\n}\n');
    const hunt = await explore({ file, schedules: 10 });
    assert.equal(hunt.outcome, 'error');
    assert.equal(hunt.explored, 0);
    assert.equal(hunt.error?.kind, 'syntax');
    assert.equal(hunt.error?.line, 2);
  });
});
