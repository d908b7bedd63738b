/**
 * npm run bench (part 5) — the textbook-bugs suite (examples/textbook/, issue 11 item 6).
 *
 * 1. A table, two rows per case (one per strategy):
 *
 *      case | expected | strategy | found | median schedules to find (20 seeds) | exhaustive schedules | time
 *
 *    - random (the default strategy): a broken case is hunted 20 times, ≤ 100 schedules each, hunt
 *      s starting at seed s·1000 (as test/textbook.test.ts); "found" says in how many of the 20
 *      hunts the expected kind came up, and the median is over the hunts that found it. A correct
 *      case gets one hunt of 100 schedules (seed 0): it must find nothing.
 *    - dfs (preemption bound 2): deterministic, so one search. A broken case: the schedules it took
 *      to find the bug. A correct case: the schedules of the whole search, and whether it completed
 *      within the budget (DFS_BUDGET schedules or DFS_SECONDS of wall time).
 *    - time: wall time of all that row's hunts (20 for random on a broken case), bundling included.
 *
 * 2. Throughput on the 3-thread ABBA-shaped snippet that never deadlocks (abba-correct.ts:
 *    MainThread and two transfers), in schedules/s, for random and for dfs — the number issue 11
 *    asks to be ≥ 1,000. Counted from the end of the first schedule to the end of the last, so
 *    bundling and booting the workers are left out.
 *
 *   TEXTBOOK=abba npm run bench     only the cases whose file name contains "abba"
 *   DFS_BUDGET=50000                most schedules one DFS may take (default 30,000, as the test)
 *   DFS_SECONDS=120                 most wall time one DFS may take (default 40, so the bench stays under ~5 min)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// The built harness, as users run it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { explore } = require('../dist/harness.js') as typeof import('../src/harness/index');
type ExploreOptions = Parameters<typeof explore>[0];

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'examples', 'textbook');
const SEEDS = 20;
const SEED_STRIDE = 1000;
const SCHEDULES = 100;
const DFS_BUDGET = Number(process.env.DFS_BUDGET ?? 30_000);
const DFS_SECONDS = Number(process.env.DFS_SECONDS ?? 40);
/** Throughput: schedules of the random hunt, and DFS searches (each one complete search of abba-correct). */
const RATE_SCHEDULES = 500;
const RATE_DFS_ROUNDS = 3;

interface Case {
  file: string;
  broken: boolean;
  finds: string | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const COLUMNS: [string, number][] = [
  ['case', 32],
  ['expected', 9],
  ['strategy', 8],
  ['found', 16],
  ['median to find', 14],
  ['exhaustive', 22],
  ['time', 9],
];

function row(cells: string[]): string {
  return cells.map((cell, i) => (i < 3 ? cell.padEnd(COLUMNS[i][1]) : cell.padStart(COLUMNS[i][1]))).join('  ');
}

const secondsText = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A DFS search (bound 2) capped by DFS_BUDGET schedules and DFS_SECONDS of wall time. */
async function dfs(file: string) {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), DFS_SECONDS * 1000);
  const started = performance.now();
  try {
    const hunt = await explore({ file, strategy: 'dfs', preemptions: 2, schedules: DFS_BUDGET, timeoutSeconds: 30, signal: stop.signal });
    return { hunt, ms: performance.now() - started, capped: stop.signal.aborted };
  } finally {
    clearTimeout(timer);
  }
}

async function table(cases: Case[]): Promise<void> {
  console.log(
    `\nTextbook bugs: random (${SEEDS} hunts of ≤ ${SCHEDULES} schedules, hunt s from seed s·${SEED_STRIDE}) and dfs (bound 2; ` +
      `≤ ${DFS_BUDGET.toLocaleString('en-US')} schedules or ${DFS_SECONDS} s)`,
  );
  console.log(row(COLUMNS.map(([name]) => name)));
  for (const c of cases) {
    const file = path.join(dir, c.file);
    const expected = c.finds ?? 'correct';

    // The default strategy.
    const toFind: number[] = [];
    const other: string[] = [];
    const hunts = c.broken ? SEEDS : 1;
    const started = performance.now();
    for (let s = 0; s < hunts; s++) {
      const hunt = await explore({ file, schedules: SCHEDULES, seed: s * SEED_STRIDE, timeoutSeconds: 30 });
      if (hunt.found?.kind === c.finds) toFind.push(hunt.explored);
      else if (hunt.found) other.push(hunt.found.kind);
    }
    const randomMs = performance.now() - started;
    const found = `${toFind.length}/${hunts}${other.length ? ` +${other.length} ${[...new Set(other)].join(',')}` : ''}`;
    console.log(row([c.file, expected, 'random', found, toFind.length ? String(median(toFind)) : '–', '–', secondsText(randomMs)]));

    // DFS.
    const { hunt, ms, capped } = await dfs(file);
    const coverage = hunt.coverage;
    let dfsFound: string;
    let toFindDfs = '–';
    let exhaustive = '–';
    if (hunt.found) {
      dfsFound = hunt.found.kind;
      toFindDfs = String(hunt.explored);
    } else if (coverage?.complete) {
      dfsFound = 'nothing';
      exhaustive = `${hunt.explored} complete`;
    } else {
      dfsFound = 'nothing';
      exhaustive = `${hunt.explored}${capped ? ' (time)' : ''} incompl.`;
    }
    console.log(row(['', '', 'dfs', dfsFound, toFindDfs, exhaustive, secondsText(ms)]));
  }
}

/** Schedules per second from the end of the first schedule to the end of the last. */
async function rate(options: ExploreOptions): Promise<{ rate: number; explored: number }> {
  let first = 0;
  let last = 0;
  const hunt = await explore({
    ...options,
    onSchedule: (explored) => {
      if (explored === 1) first = performance.now();
      last = performance.now();
    },
  });
  if (hunt.found) throw new Error(`abba-correct.ts: ${hunt.found.summary}`);
  return { rate: (hunt.explored - 1) / ((last - first) / 1000), explored: hunt.explored };
}

async function throughput(): Promise<void> {
  const file = path.join(dir, 'abba-correct.ts');
  const random = await rate({ file, schedules: RATE_SCHEDULES, seed: 0 });
  const searches: { rate: number; explored: number }[] = [];
  for (let round = 0; round < RATE_DFS_ROUNDS; round++)
    searches.push(await rate({ file, schedules: DFS_BUDGET, strategy: 'dfs', preemptions: 2 }));
  console.log('\nHunt throughput: abba-correct.ts (3 threads, ABBA-shaped, never deadlocks; target ≥ 1,000)');
  console.log(`   random  ${random.rate.toFixed(0).padStart(6)} schedules/s (${random.explored} schedules, seeds 0…)`);
  console.log(
    `   dfs     ${median(searches.map((s) => s.rate))
      .toFixed(0)
      .padStart(6)} schedules/s (median of ${RATE_DFS_ROUNDS} complete searches of ${searches[0].explored} schedules, bound 2)`,
  );
}

async function main(): Promise<void> {
  const cases = (JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Case[]).filter((c) =>
    c.file.includes(process.env.TEXTBOOK ?? ''),
  );
  const started = performance.now();
  await table(cases);
  await throughput();
  console.log(`\n   (textbook bench: ${secondsText(performance.now() - started)})`);
}

void main();
