/**
 * npm run bench (part 5) — the textbook-bugs suite (examples/textbook/), one row per case:
 *
 *   case | expected | random: found in how many of 20 hunts of ≤ 100 schedules, median schedules
 *   to find | DFS (bound 2): schedules, found or proved complete | DFS time
 *
 *   TEXTBOOK=abba npm run bench     only the cases whose file name contains "abba"
 *   DFS_BUDGET=50000                most schedules one DFS may take (default 20,000)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// The built harness, as users run it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { explore } = require('../dist/harness.js') as typeof import('../src/harness/index');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'examples', 'textbook');
const SEEDS = 20;
const SCHEDULES = 100;
const DFS_BUDGET = Number(process.env.DFS_BUDGET ?? 20_000);

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

async function main(): Promise<void> {
  const cases = (JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Case[]).filter((c) =>
    c.file.includes(process.env.TEXTBOOK ?? ''),
  );
  console.log(`\nTextbook bugs: random (${SEEDS} hunts of ≤ ${SCHEDULES} schedules, seeds 0, 1000, 2000, …) and DFS (bound 2)`);
  console.log('case                                 expected   random found  median   DFS schedules  DFS result        DFS time');
  for (const c of cases) {
    const file = path.join(dir, c.file);
    const toFind: number[] = [];
    let wrong = 0;
    for (let i = 0; i < SEEDS; i++) {
      const hunt = await explore({ file, schedules: SCHEDULES, seed: i * 1000, timeoutSeconds: 30 });
      if (hunt.found) {
        toFind.push(hunt.explored);
        if (hunt.found.kind !== c.finds) wrong++;
      }
    }
    const started = performance.now();
    const dfs = await explore({ file, schedules: DFS_BUDGET, strategy: 'dfs', preemptions: 2, timeoutSeconds: 30 });
    const dfsMs = performance.now() - started;
    const dfsResult = dfs.found ? `found ${dfs.found.kind}` : dfs.coverage?.complete ? 'complete' : `incomplete`;
    const found = `${toFind.length}/${SEEDS}${wrong ? ` (${wrong} other)` : ''}`;
    console.log(
      `${c.file.padEnd(36)} ${(c.finds ?? 'correct').padEnd(10)} ${found.padStart(12)}  ${(toFind.length ? String(median(toFind)) : '–').padStart(6)}   ${String(dfs.explored).padStart(13)}  ${dfsResult.padEnd(16)} ${(dfsMs / 1000).toFixed(2).padStart(7)} s`,
    );
  }
}

void main();
