/**
 * npm run bench — the engine's costs, measured side by side in one run and printed as ratios
 * (the machines are shared and noisy: compare within a run, never across runs).
 *
 *   1. Recording overhead: the locked counter (2 threads × 1,000,000 withLock increments) with
 *      recording on vs. the same runtime with recording off, alternated, medians.
 *   2. Lossless scale: that run keeps all ~4,000,000 lock events, none dropped; bytes per event.
 *   3. Start-up: from run() to the first event of a 2-thread snippet, vs. a bare `node -e` start;
 *      and Thread.start() → the thread running.
 *
 *   ROUNDS=5 npm run bench     more rounds (default 3)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// The built harness, as users run it (under tsx, src/ would measure tsx's module shims too).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { run } = require('../dist/harness.js') as typeof import('../src/harness/run');
import { EventKind } from '../src/trace/format';
import { decodeEvents, forEachEvent } from '../src/trace/events';
import { encodeTraceBinary } from '../src/trace/file';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const root = path.resolve(__dirname, '..');
const counterExample = path.join(root, 'examples', 'counter-locked-1m.ts');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The counter example, timed inside the snippet (threads start → joined), the same way whether recording or not. */
function timedCounterSnippet(): string {
  const source = fs
    .readFileSync(counterExample, 'utf8')
    .replace(
      /for \(const t of threads\) t\.start\(\);\s*for \(const t of threads\) t\.join\(\);/,
      'const benchStart = performance.now(); for (const t of threads) t.start(); for (const t of threads) t.join(); console.log(`bench-work-ms ${performance.now() - benchStart}`);',
    );
  if (!source.includes('bench-work-ms')) throw new Error('could not instrument the counter example for timing');
  const file = path.join(os.tmpdir(), `threadlanes-bench-${process.pid}.ts`);
  fs.writeFileSync(file, source);
  return file;
}

async function recordingOverhead(): Promise<void> {
  console.log(
    `\n1. Recording overhead — ${path.relative(root, counterExample)} (2 threads × 1,000,000 withLock increments), ${ROUNDS} rounds each, alternated`,
  );
  const file = timedCounterSnippet();
  const work = { on: [] as number[], off: [] as number[] };
  const wall = { on: [] as number[], off: [] as number[] };
  let lastOn: Awaited<ReturnType<typeof run>> | undefined;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const record of round % 2 === 0 ? [true, false] : [false, true]) {
        const t0 = performance.now();
        const result = await run({ file, record, timeoutSeconds: 120 });
        const elapsed = performance.now() - t0;
        if (result.outcome !== 'completed') throw new Error(`run ended with ${result.outcome}: ${result.error?.message}`);
        const printed = result.trace.header.output.map((o) => o.text);
        if (!printed.some((t) => t.includes('counter = 2000000'))) throw new Error(`wrong count: ${printed.join(' ')}`);
        const ms = Number(printed.find((t) => t.startsWith('bench-work-ms'))!.split(' ')[1]);
        (record ? work.on : work.off).push(ms);
        (record ? wall.on : wall.off).push(elapsed);
        if (record) lastOn = result;
      }
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
  const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
  console.log(`   threads' work, recording on : ${median(work.on).toFixed(0)} ms (${list(work.on)})`);
  console.log(`   threads' work, recording off: ${median(work.off).toFixed(0)} ms (${list(work.off)})`);
  console.log(`   whole run() wall, on / off  : ${median(wall.on).toFixed(0)} ms / ${median(wall.off).toFixed(0)} ms`);
  console.log(
    `   → recording overhead        : ${(median(work.on) / median(work.off)).toFixed(2)}× on the threads' work (target ≤ 1.5×), ${(median(wall.on) / median(wall.off)).toFixed(2)}× on the whole run`,
  );
  if (lastOn) lossless(lastOn);
}

function lossless(result: Awaited<ReturnType<typeof run>>): void {
  console.log('\n2. Lossless scale — the same run, recording on');
  let acquired = 0;
  let released = 0;
  let eventBytes = 0;
  for (const thread of result.trace.header.threads) {
    const bytes = result.trace.events[thread.tid] ?? new Uint8Array();
    eventBytes += bytes.byteLength;
    forEachEvent(bytes, (_t, kind) => {
      if (kind === EventKind.Acquired) acquired++;
      else if (kind === EventKind.Released) released++;
    });
  }
  const file = encodeTraceBinary(result.trace);
  console.log(
    `   lock events recorded        : ${(acquired + released).toLocaleString('en-US')} (acquired ${acquired.toLocaleString('en-US')}, released ${released.toLocaleString('en-US')}; expected 4,000,000)`,
  );
  console.log(
    `   all events                  : ${result.events.toLocaleString('en-US')}; dropped: ${result.truncated ? `yes (${result.truncated} limit)` : 'none'}`,
  );
  console.log(
    `   bytes per event             : ${(eventBytes / result.events).toFixed(2)} in memory, ${(file.byteLength / result.events).toFixed(2)} in the .tltrace file (target ≤ 24)`,
  );
}

async function startup(): Promise<void> {
  console.log(`\n3. Start-up — a 2-thread snippet, ${ROUNDS * 2} runs`);
  const file = path.join(os.tmpdir(), `threadlanes-bench-startup-${process.pid}.ts`);
  fs.writeFileSync(
    file,
    `import { Thread } from "threadlanes";
function work(n: number) { return n * 2; }
export function main() {
  const ts = [1, 2].map((n) => new Thread({ target: work, args: [n] }));
  ts.forEach((t) => t.start());
  ts.forEach((t) => t.join());
}
`,
  );
  const firstEvent: number[] = [];
  const threadStart: number[] = [];
  const bare: number[] = [];
  try {
    for (let i = 0; i < ROUNDS * 2; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      bare.push(performance.now() - t0);
      const result = await run({ file });
      const events = result.trace.header.threads.flatMap((t) => decodeEvents(t.tid, result.trace.events[t.tid] ?? new Uint8Array()));
      const first = Math.min(...events.map((e) => e.timeNs));
      firstEvent.push(result.startupMs + first / 1e6);
      for (const e of events.filter((ev) => ev.kind === EventKind.ThreadStart)) {
        const running = events.find((ev) => ev.tid === e.arg && ev.kind === EventKind.ThreadRunning);
        if (running) threadStart.push((running.timeNs - e.timeNs) / 1e6);
      }
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
  console.log(
    `   run() → first event         : ${median(firstEvent).toFixed(1)} ms (bundling + booting MainThread's worker and the spares)`,
  );
  console.log(`   bare \`node -e 0\` start      : ${median(bare).toFixed(1)} ms`);
  console.log(`   → ratio                     : ${(median(firstEvent) / median(bare)).toFixed(2)}×`);
  console.log(
    `   Thread.start() → running    : ${median(threadStart).toFixed(1)} ms median (warm workers), max ${Math.max(...threadStart).toFixed(1)} ms`,
  );
}

async function main(): Promise<void> {
  console.log(
    `Threadlanes benchmarks — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism?.() ?? os.cpus().length}, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}`,
  );
  await recordingOverhead();
  await startup();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
