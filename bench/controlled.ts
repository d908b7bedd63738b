/**
 * npm run bench (part 2) — controlled mode and the schedule hunt, medians, side by side:
 *
 *   1. Dining philosophers (5 threads): wall time until --explore reports the deadlock.
 *   2. ABBA with PCT depth 2: schedules needed, for 20 seeds — the example with its pause
 *      (abba-deadlock.ts) and without (abba-rare.ts, where the deadlock needs one exact preemption).
 *   3. Throughput: schedules per second over a 300-schedule hunt of an ABBA-shaped snippet that
 *      never deadlocks (workers reused across schedules), and per deadlocking schedule.
 *   4. Controlled vs free on the locked counter (2 threads × 20,000 withLock increments): ratio.
 *
 *   ROUNDS=5 npm run bench     more rounds (default 3)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// The built harness, as users run it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { run, explore } = require('../dist/harness.js') as typeof import('../src/harness/index');

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const root = path.resolve(__dirname, '..');
const example = (name: string) => path.join(root, 'examples', name);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function tempSnippet(name: string, source: string): string {
  const file = path.join(os.tmpdir(), `threadlanes-bench-${process.pid}-${name}.ts`);
  fs.writeFileSync(file, source);
  return file;
}

async function philosophers(): Promise<void> {
  const times: number[] = [];
  let explored = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const hunt = await explore({ file: example('dining-philosophers.ts'), schedules: 100, seed: round * 1000 });
    times.push(performance.now() - started);
    if (!hunt.found) throw new Error('the philosophers hunt found nothing');
    explored = hunt.explored;
  }
  console.log('\n4. Dining philosophers: --explore until the deadlock');
  console.log(
    `   wall time to the report      : ${median(times).toFixed(0)} ms median of ${ROUNDS} (${explored} schedule${explored === 1 ? '' : 's'}; target < 1000 ms)`,
  );
}

async function abbaPct(): Promise<void> {
  console.log('\n5. ABBA, PCT depth 2: schedules until the deadlock, 20 seeds (seed = 1000·i)');
  for (const name of ['abba-deadlock.ts', 'abba-rare.ts']) {
    const needed: number[] = [];
    for (let i = 0; i < 20; i++) {
      const hunt = await explore({ file: example(name), schedules: 20, strategy: 'pct', depth: 2, seed: i * 1000 });
      needed.push(hunt.found ? hunt.explored : Infinity);
    }
    const within = needed.filter((n) => n <= 20).length;
    console.log(`   ${name.padEnd(18)}: found within 20 for ${within}/20 seeds; schedules needed: ${needed.join(' ')}`);
  }
}

const ABBA_ORDERED = `
import { Lock, Thread } from "threadlanes";
const lockA = new Lock();
const lockB = new Lock();
function one(): void { lockA.withLock(() => { lockB.withLock(() => { console.log("one"); }); }); }
function two(): void { lockA.withLock(() => { lockB.withLock(() => { console.log("two"); }); }); }
export function main(): void {
  const t1 = new Thread({ target: one });
  const t2 = new Thread({ target: two });
  t1.start(); t2.start(); t1.join(); t2.join();
}
`;

async function throughput(): Promise<void> {
  const file = tempSnippet('abba-ordered', ABBA_ORDERED);
  const rates: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const hunt = await explore({ file, schedules: 300, seed: round * 1000 });
      if (hunt.found) throw new Error('the ordered ABBA snippet deadlocked');
      rates.push(hunt.explored / (hunt.huntMs / 1000));
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
  // Deadlocking schedules cannot give their workers back (they are stuck and must be ended).
  const deadlocking: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const hunt = await explore({ file: example('abba-deadlock.ts'), schedules: 1, seed: round });
    deadlocking.push(hunt.huntMs);
  }
  console.log('\n6. Hunt throughput (workers reused across schedules)');
  console.log(
    `   ABBA-shaped, 300 schedules   : ${median(rates).toFixed(0)} schedules/s median of ${ROUNDS} (target ≥ 200), incl. bundling and booting 3 workers`,
  );
  console.log(`   one deadlocking schedule     : ${median(deadlocking).toFixed(0)} ms (bundle + boot + run + report)`);
}

const COUNTER = `
import { Lock, Thread, Value } from "threadlanes";
const lock = new Lock();
const counter = new Value(0);
function bump(): void { for (let i = 0; i < 20000; i++) lock.withLock(() => { counter.value += 1; }); }
export function main(): void {
  const ts = [new Thread({ target: bump }), new Thread({ target: bump })];
  for (const t of ts) t.start();
  for (const t of ts) t.join();
  console.log("counter", counter.value);
}
`;

async function slowdown(): Promise<void> {
  const file = tempSnippet('counter', COUNTER);
  const free: number[] = [];
  const controlled: number[] = [];
  let steps = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const a = await run({ file, timeoutSeconds: 120 });
      const b = await run({ file, mode: 'controlled', seed: round, timeoutSeconds: 120 });
      if (a.outcome !== 'completed' || b.outcome !== 'completed') throw new Error('the counter did not complete');
      free.push(a.wallMs);
      controlled.push(b.wallMs);
      steps = b.schedule?.steps ?? 0;
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
  console.log('\n7. Controlled vs free: locked counter, 2 threads × 20,000 withLock increments (whole run, wall)');
  console.log(`   free                         : ${median(free).toFixed(0)} ms`);
  console.log(
    `   controlled (random)          : ${median(controlled).toFixed(0)} ms (${steps.toLocaleString('en-US')} scheduling steps, ${((median(controlled) * 1000) / Math.max(1, steps)).toFixed(2)} µs/step)`,
  );
  console.log(`   → slowdown                   : ${(median(controlled) / median(free)).toFixed(1)}×`);
}

async function main(): Promise<void> {
  console.log(`\nControlled mode — load average ${os.loadavg()[0].toFixed(2)}`);
  await philosophers();
  await abbaPct();
  await throughput();
  await slowdown();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
