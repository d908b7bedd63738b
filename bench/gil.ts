/**
 * npm run bench (part 3) — GIL mode against free mode, side by side in one run, medians:
 *
 *   8. CPU-bound (examples/gil-cpu-bound.ts): the same arithmetic by one thread, then split over
 *      two; the snippet prints "2 threads / 1 thread". Free mode on ≥ 2 cores: about 0.5 (the
 *      halves run in parallel). GIL mode: about 1 (they take turns).
 *   9. The preemption check's cost: that one-thread loop in GIL mode (instrumented, nobody else
 *      wants the GIL) against free mode (not instrumented).
 *  10. I/O-bound (examples/gil-io-bound.ts): four threads sleeping 2 × 0.5 s; wall time in both
 *      modes (the sleeps overlap under the GIL too).
 *
 *   ROUNDS=5 npm run bench     more rounds (default 3)
 */
import * as os from 'node:os';
import * as path from 'node:path';
// The built harness, as users run it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { run } = require('../dist/harness.js') as typeof import('../src/harness/index');
import { gilStats } from '../src/analysis/gil';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const example = (name: string) => path.join(__dirname, '..', 'examples', name);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The number after `label` in the snippet's output. */
function printed(result: Awaited<ReturnType<typeof run>>, label: string): number {
  const line = result.trace.header.output.find((o) => o.text.startsWith(label));
  if (!line) throw new Error(`the snippet did not print "${label}" (${result.outcome}: ${result.error?.message ?? ''})`);
  return Number(/([\d.]+)(?: ms)?\s*$/.exec(line.text)![1]);
}

async function cpuBound(): Promise<void> {
  const rows = { free: { alone: [] as number[], ratio: [] as number[] }, gil: { alone: [] as number[], ratio: [] as number[] } };
  let switches = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['free', 'gil'] as const) {
      const result = await run({ file: example('gil-cpu-bound.ts'), mode, timeoutSeconds: 120 });
      rows[mode].alone.push(printed(result, '1 thread, all the work:'));
      rows[mode].ratio.push(printed(result, '2 threads / 1 thread:'));
      if (mode === 'gil') switches = gilStats(result.trace)?.forcedSwitches ?? 0;
    }
  }
  console.log(`\n8. CPU-bound, 2 threads / 1 thread doing the same work (${os.availableParallelism?.() ?? os.cpus().length} cores)`);
  console.log(`   free mode                    : ${median(rows.free.ratio).toFixed(2)} (parallel: ~0.5 on 2 free cores)`);
  console.log(
    `   gil mode                     : ${median(rows.gil.ratio).toFixed(2)} (taking turns: ~1; ${switches} forced switches in the last run)`,
  );
  console.log(`   → gil / free                 : ${(median(rows.gil.ratio) / median(rows.free.ratio)).toFixed(2)}×`);
  console.log('\n9. Cost of the preemption check (one thread, a tight arithmetic loop, nobody waiting for the GIL)');
  console.log(`   free (not instrumented)      : ${median(rows.free.alone).toFixed(0)} ms`);
  console.log(`   gil (a check per iteration)  : ${median(rows.gil.alone).toFixed(0)} ms`);
  console.log(
    `   → ratio                      : ${(median(rows.gil.alone) / median(rows.free.alone)).toFixed(2)}× (the loop body is a multiply, an add and a modulo: the worst case)`,
  );
}

async function ioBound(): Promise<void> {
  const walls = { free: [] as number[], gil: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['free', 'gil'] as const) {
      const result = await run({ file: example('gil-io-bound.ts'), mode });
      walls[mode].push(result.wallMs);
    }
  }
  console.log('\n10. I/O-bound: 4 threads × 2 sleeps of 0.5 s (whole run, wall)');
  console.log(`   free                         : ${median(walls.free).toFixed(0)} ms`);
  console.log(`   gil                          : ${median(walls.gil).toFixed(0)} ms`);
  console.log(`   → gil / free                 : ${(median(walls.gil) / median(walls.free)).toFixed(2)}× (the sleeps overlap in both)`);
}

async function main(): Promise<void> {
  console.log(`\nGIL mode — load average ${os.loadavg()[0].toFixed(2)}`);
  await cpuBound();
  await ioBound();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
