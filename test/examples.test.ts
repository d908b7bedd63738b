/**
 * Every example in examples/ run as a user would run it: `node dist/cli.js run examples/<file>
 * --json` from the repository root. Each test checks the outcome and exit code, and something a
 * user would see: the lanes (thread names), the printed lines, lock statistics, and for the
 * deadlocking examples the reported cycle down to the line of the blocking call.
 *
 * Needs the build (`node esbuild.js`; `npm test` builds first).
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

// ── The CLI's JSON report (the contract in README / issue 2 §4) ─────────────────────────────

interface CycleEntry {
  thread: string;
  holds: string[];
  waitsFor: string;
  heldBy: string[];
  site: string;
}

interface Report {
  outcome: 'completed' | 'deadlock' | 'timeout' | 'error';
  durationMs: number;
  events: number;
  threads: { name: string; finalState: string; daemon?: boolean; exception?: unknown }[];
  locks: { name: string; kind: string; acquisitions: number; contended: number; waitMs: number }[];
  deadlock?: { cycle: CycleEntry[] };
  output: { thread: string; text: string }[];
  error?: { message: string; site: string };
}

interface Run {
  file: string;
  exitCode: number | null;
  stderr: string;
  report: Report;
}

const EXIT = { completed: 0, error: 1, deadlock: 2, timeout: 3 } as const;

/** The benchmark-sized counter may need more than the CLI's default 10 s on a busy machine. */
const COUNTER_1M_ARGS = ['--timeout', '25'];

/** Runs one example through the CLI. Never rejects for a failed run: the test says what is wrong. */
function runExample(file: string, extraArgs: string[] = []): Promise<Run | Error> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'run', `examples/${file}`, '--json', ...extraArgs],
      { cwd: ROOT, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        let report: Report;
        try {
          report = JSON.parse(stdout) as Report;
        } catch {
          const shown = stdout.length > 2000 ? `${stdout.slice(0, 2000)}…` : stdout;
          resolve(new Error(`${file}: stdout is not one JSON object (exit ${exitCode})\nstdout: ${shown}\nstderr: ${stderr}`));
          return;
        }
        resolve({ file, exitCode, stderr, report });
      },
    );
  });
}

/** One run per example and arguments, shared by whoever asks first (lets slow runs start early). */
const runs = new Map<string, Promise<Run | Error>>();
async function run(file: string, extraArgs: string[] = []): Promise<Run> {
  const key = [file, ...extraArgs].join(' ');
  if (!runs.has(key)) runs.set(key, runExample(file, extraArgs));
  const result = await runs.get(key)!;
  if (result instanceof Error) throw result;
  return result;
}

// ── What a test looks at ────────────────────────────────────────────────────────────────────

/** Everything about a run worth printing when an assertion fails. */
function describeRun(r: Run): string {
  const { report } = r;
  const output = lines(r)
    .map((l) => `  [${l.thread}] ${l.text}`)
    .join('\n');
  return [
    `${r.file}: exit ${r.exitCode}, outcome ${report.outcome}`,
    report.error ? `error: ${report.error.message} at ${report.error.site}` : '',
    report.deadlock ? `deadlock: ${JSON.stringify(report.deadlock.cycle)}` : '',
    `threads: ${report.threads.map((t) => `${t.name}(${t.finalState})`).join(', ')}`,
    `output:\n${output}`,
    r.stderr ? `stderr: ${r.stderr.slice(0, 2000)}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function assertOutcome(r: Run, outcome: keyof typeof EXIT): void {
  assert.equal(r.report.outcome, outcome, describeRun(r));
  assert.equal(r.exitCode, EXIT[outcome], describeRun(r));
  if (outcome === 'completed') {
    assert.equal(r.report.deadlock, undefined, describeRun(r));
    assert.equal(r.report.error, undefined, describeRun(r));
    // Every thread the program waited for ran to its end without an exception.
    for (const thread of r.report.threads.filter((t) => !t.daemon)) {
      assert.equal(thread.finalState, 'finished', `${thread.name}\n${describeRun(r)}`);
      assert.equal(thread.exception, undefined, `${thread.name}\n${describeRun(r)}`);
    }
  }
}

/** Output lines in order, one per printed line (a captured chunk may hold several). */
function lines(r: Run): { thread: string; text: string }[] {
  return r.report.output.flatMap(({ thread, text }) =>
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => ({ thread, text: line })),
  );
}

function texts(r: Run, thread?: string): string[] {
  return lines(r)
    .filter((l) => thread === undefined || l.thread === thread)
    .map((l) => l.text);
}

/** Index of the first printed line that starts with `prefix`; fails the test when there is none. */
function indexOf(r: Run, prefix: string): number {
  const index = texts(r).findIndex((t) => t.startsWith(prefix));
  assert.ok(index >= 0, `no line starting with ${JSON.stringify(prefix)}\n${describeRun(r)}`);
  return index;
}

function threadNames(r: Run): string[] {
  return r.report.threads.map((t) => t.name).sort();
}

function assertThreads(r: Run, expected: string[]): void {
  assert.deepEqual(threadNames(r), [...expected].sort(), describeRun(r));
}

/** MainThread plus exactly `count` other lanes (pool workers, whose names are the pool's business). */
function assertMainPlus(r: Run, count: number): void {
  const names = threadNames(r);
  assert.ok(names.includes('MainThread'), describeRun(r));
  assert.equal(names.length, count + 1, describeRun(r));
}

function lock(r: Run, name: string) {
  const found = r.report.locks.find((l) => l.name === name);
  assert.ok(found, `no primitive named ${JSON.stringify(name)} in locks: ${JSON.stringify(r.report.locks)}`);
  assert.ok(found.contended <= found.acquisitions, JSON.stringify(found));
  assert.ok(found.waitMs >= 0, JSON.stringify(found));
  return found;
}

/** Seconds printed in a line such as "Total execution time: 0.41 seconds". */
function secondsIn(r: Run, prefix: string): number {
  const line = texts(r)[indexOf(r, prefix)];
  const match = /(\d+\.\d+) seconds/.exec(line);
  assert.ok(match, `no "<n> seconds" in ${JSON.stringify(line)}`);
  return Number(match[1]);
}

function source(file: string): string {
  return readFileSync(path.join(ROOT, 'examples', file), 'utf8');
}

/**
 * 1-based line number of the first line of code containing `needle`, searching from the line
 * that contains `after` (when given). Comment lines are skipped (the headers quote the code).
 * Used to check a reported site without hard-coding lines.
 */
function lineOf(file: string, needle: string, after?: string): number {
  const fileLines = source(file).split('\n');
  const isCode = (line: string) => !/^\s*(\/\/|\/?\*)/.test(line);
  const start = after === undefined ? 0 : fileLines.findIndex((l) => isCode(l) && l.includes(after));
  assert.ok(start >= 0, `${file}: no line containing ${JSON.stringify(after)}`);
  const index = fileLines.findIndex((l, i) => i >= start && isCode(l) && l.includes(needle));
  assert.ok(index >= 0, `${file}: no line containing ${JSON.stringify(needle)}`);
  return index + 1;
}

/** Checks that a reported site is `<...>/examples/<file>:<line>` (a column may follow). */
function assertSite(site: string, file: string, line: number): void {
  const match = /^(.*):(\d+)(?::\d+)?$/.exec(site);
  assert.ok(match, `site ${JSON.stringify(site)} is not file:line`);
  assert.ok(match[1].endsWith(file), `site ${JSON.stringify(site)} is not in ${file}`);
  assert.equal(Number(match[2]), line, `site ${JSON.stringify(site)}: expected line ${line} of ${file}`);
}

function count(values: string[], predicate: (value: string) => boolean): number {
  return values.filter(predicate).length;
}

// ── The examples ────────────────────────────────────────────────────────────────────────────

describe('examples (run through the CLI)', function () {
  this.timeout(30_000);

  before(function () {
    assert.ok(existsSync(CLI), `${CLI} is missing: build first (node esbuild.js)`);
    // The sleeping loops spend seconds asleep: start them together, with a few examples whose
    // tests check no tight timings, so the file stays quick. The rest (CPU-bound or timed) run
    // one at a time.
    const early = [
      'onethr.ts',
      'mtsleep3.ts',
      'mtsleep4.ts',
      'mtsleep5.ts',
      'data-fetcher.ts',
      'hello-thread.ts',
      'prodcons.ts',
      'queue-sentinel.ts',
    ];
    for (const file of early) void run(file);
  });

  describe('sleeping loops', function () {
    it('onethr.ts: one thread runs loop0 (4 s) then loop1 (2 s), about 6 s in all', async function () {
      const r = await run('onethr.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread']);
      const order = ['starting at:', 'start loop 0 at:', 'loop 0 done at:', 'start loop 1 at:', 'loop 1 done at:', 'all DONE at:'];
      const positions = order.map((prefix) => indexOf(r, prefix));
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
        describeRun(r),
      );
      assert.ok(r.report.durationMs >= 5_900, `durationMs ${r.report.durationMs}: the sleeps add up to 6 s`);
    });

    for (const file of ['mtsleep3.ts', 'mtsleep4.ts', 'mtsleep5.ts']) {
      it(`${file}: loop0 and loop1 run in their own threads and overlap (about 4 s, not 6)`, async function () {
        const r = await run(file);
        assertOutcome(r, 'completed');
        assertThreads(r, ['MainThread', 'loop0', 'loop1']);
        assert.ok(
          texts(r, 'loop0').some((t) => t.startsWith('start loop 0 at:')),
          describeRun(r),
        );
        assert.ok(
          texts(r, 'loop1').some((t) => t.startsWith('loop 1 done at:')),
          describeRun(r),
        );
        // Both start before either finishes; the short loop finishes first.
        assert.ok(indexOf(r, 'start loop 1 at:') < indexOf(r, 'loop 1 done at:'), describeRun(r));
        assert.ok(indexOf(r, 'start loop 0 at:') < indexOf(r, 'loop 1 done at:'), describeRun(r));
        assert.ok(indexOf(r, 'loop 1 done at:') < indexOf(r, 'loop 0 done at:'), describeRun(r));
        assert.equal(texts(r).at(-1)?.startsWith('all DONE at:'), true, describeRun(r));
        assert.ok(r.report.durationMs >= 3_900, `durationMs ${r.report.durationMs}: loop0 sleeps 4 s`);
        assert.ok(r.report.durationMs < 6_000, `durationMs ${r.report.durationMs}: the loops should overlap`);
      });
    }
  });

  describe('creating threads', function () {
    it('hello-thread.ts: Thread-1 prints "foo"', async function () {
      const r = await run('hello-thread.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Thread-1']);
      assert.deepEqual(texts(r, 'Thread-1'), ['foo'], describeRun(r));
    });

    it('thread-join.ts: main carries on after start() and waits only at join()', async function () {
      const r = await run('thread-join.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Thread-1', 'Thread-2']);
      assert.ok(indexOf(r, 'Main thread execution time') < indexOf(r, 'Finished Task'), describeRun(r));
      assert.deepEqual(texts(r, 'Thread-1'), ['Starting Task 1', 'Finished Task 1'], describeRun(r));
      assert.deepEqual(texts(r, 'Thread-2'), ['Starting Task 2', 'Finished Task 2'], describeRun(r));
      assert.ok(texts(r).at(-1)?.startsWith('Total execution time'), describeRun(r));
      // The tasks overlap: both have started before either finishes.
      assert.ok(indexOf(r, 'Finished Task') > Math.max(indexOf(r, 'Starting Task 1'), indexOf(r, 'Starting Task 2')), describeRun(r));
      assert.ok(secondsIn(r, 'Total execution time') >= 0.49, describeRun(r));
    });

    it('daemon-threads.ts: the program ends without waiting for its daemon threads', async function () {
      const r = await run('daemon-threads.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Thread-1', 'Thread-2']);
      const printed = texts(r);
      assert.equal(
        count(printed, (t) => t.startsWith('Finished')),
        0,
        describeRun(r),
      );
      assert.equal(printed.at(-1), 'Main thread done; daemon threads are not waited for', describeRun(r));
      for (const daemon of r.report.threads.filter((t) => t.name !== 'MainThread')) {
        assert.notEqual(daemon.finalState, 'finished', describeRun(r));
      }
      // (Each task normally prints "Starting Task n" first; on a very busy machine a worker may
      // not get going within the main thread's 0.3 s, so that is not asserted.)
    });

    it('data-fetcher.ts: two Thread subclasses fetch side by side', async function () {
      const r = await run('data-fetcher.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Thread-1', 'Thread-2']);
      assert.deepEqual(texts(r, 'Thread-1'), ['Starting Data Fetch 1', 'Finished Data Fetch 1'], describeRun(r));
      assert.deepEqual(texts(r, 'Thread-2'), ['Starting Data Fetch 2', 'Finished Data Fetch 2'], describeRun(r));
      // The fetches overlap: each starts before the other finishes; the short one ends first.
      assert.ok(indexOf(r, 'Starting Data Fetch 2') < indexOf(r, 'Finished Data Fetch 1'), describeRun(r));
      assert.ok(indexOf(r, 'Starting Data Fetch 1') < indexOf(r, 'Finished Data Fetch 2'), describeRun(r));
      assert.ok(indexOf(r, 'Finished Data Fetch 1') < indexOf(r, 'Finished Data Fetch 2'), describeRun(r));
      assert.ok(secondsIn(r, 'Total execution time') >= 0.99, describeRun(r));
    });

    it('foo-threads.ts: twenty threads Thread-1 … Thread-20 each print their own number', async function () {
      const r = await run('foo-threads.ts');
      assertOutcome(r, 'completed');
      const workers = Array.from({ length: 20 }, (_, i) => `Thread-${i + 1}`);
      assertThreads(r, ['MainThread', ...workers]);
      // Thread-(x+1) is Foo(x): names are given in construction order, and each copy kept its x.
      workers.forEach((name, x) => assert.deepEqual(texts(r, name), [String(x)], describeRun(r)));
    });
  });

  describe('shared counters', function () {
    it('counter-racy.ts: completes and prints the final counter (often not 0: a race)', async function () {
      const r = await run('counter-racy.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Thread-1', 'Thread-2']);
      const last = texts(r, 'MainThread').at(-1) ?? '';
      const match = /^counter = (-?\d+) \(expected 0\)$/.exec(last);
      assert.ok(match, describeRun(r));
      // Lost updates can push it anywhere between the two extremes; races are not guaranteed.
      assert.ok(Math.abs(Number(match[1])) <= 1_000_000, last);
    });

    it('counter-locked.ts: with the lock the counter is exactly 0', async function () {
      const r = await run('counter-locked.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Thread-1', 'Thread-2']);
      assert.deepEqual(texts(r, 'MainThread'), ['counter = 0 (expected 0)'], describeRun(r));
      const counted = lock(r, 'lock');
      assert.equal(counted.kind, 'Lock');
      assert.equal(counted.acquisitions, 200_000);
    });

    it('counter-locked-1m.ts: 2 × ITERATIONS withLock increments, none lost, every lock event kept', async function () {
      const iterations = Number(/const ITERATIONS = ([\d_]+)/.exec(source('counter-locked-1m.ts'))![1].replace(/_/g, ''));
      const threads = Number(/const THREADS = (\d+)/.exec(source('counter-locked-1m.ts'))![1]);
      const r = await run('counter-locked-1m.ts', COUNTER_1M_ARGS);
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', ...Array.from({ length: threads }, (_, i) => `Thread-${i + 1}`)]);
      const total = threads * iterations;
      assert.deepEqual(texts(r, 'MainThread'), [`counter = ${total} (expected ${total})`], describeRun(r));
      assert.equal(lock(r, 'lock').acquisitions, total);
      // An acquire and a release per increment, recorded without loss.
      assert.ok(r.report.events >= 2 * total, `events ${r.report.events} < ${2 * total}`);
    });

    it('rlock.ts: the RLock is taken again by its owner; the counter is exactly 0', async function () {
      const r = await run('rlock.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Thread-1', 'Thread-2']);
      assert.deepEqual(texts(r, 'MainThread'), ['counter = 0 (expected 0)'], describeRun(r));
      const counted = lock(r, 'lock');
      assert.equal(counted.kind, 'RLock');
      // One hold per increment and per decrement: the re-entrant acquire deepens a hold, it does not start one.
      assert.equal(counted.acquisitions, 20_000);
    });
  });

  describe('conditions and semaphores', function () {
    it('condition-dialogue.ts: Speaker and Listener take turns, six lines in order', async function () {
      const r = await run('condition-dialogue.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Speaker', 'Listener']);
      assert.deepEqual(
        lines(r).map((l) => `${l.thread}| ${l.text}`),
        [
          'Speaker| Speaker: Hello',
          'Listener| Listener: Hi there',
          'Speaker| Speaker: How are you?',
          "Listener| Listener: I'm good, thanks!",
          "Speaker| Speaker: Let's discuss programming",
          'Listener| Listener: Sounds great!',
        ],
        describeRun(r),
      );
    });

    it('condition-lost-notify.ts: the notify before anyone waits is lost; both wait for ever', async function () {
      const file = 'condition-lost-notify.ts';
      const r = await run(file);
      assertOutcome(r, 'deadlock');
      assert.deepEqual(texts(r), ['Speaker: Hello'], describeRun(r));
      const cycle = r.report.deadlock?.cycle ?? [];
      assert.deepEqual(cycle.map((e) => e.thread).sort(), ['Listener', 'Speaker'], describeRun(r));
      for (const entry of cycle) {
        assert.equal(entry.waitsFor, 'condition', JSON.stringify(entry));
        assert.deepEqual(entry.holds, [], `a waiting thread has released the condition: ${JSON.stringify(entry)}`);
      }
      const speaker = cycle.find((e) => e.thread === 'Speaker')!;
      const listener = cycle.find((e) => e.thread === 'Listener')!;
      assertSite(speaker.site, file, lineOf(file, 'this.condition.wait();', 'this notify is lost'));
      assertSite(listener.site, file, lineOf(file, 'this.condition.wait();', 'arrives late'));
    });

    it('semaphore-crawler.ts: ten crawls, never more than three at once', async function () {
      const r = await run('semaphore-crawler.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', ...Array.from({ length: 11 }, (_, i) => `Thread-${i + 1}`)]);
      const crawled = texts(r)
        .filter((t) => t.startsWith('Crawled: '))
        .sort();
      assert.deepEqual(crawled, Array.from({ length: 10 }, (_, i) => `Crawled: https://example.com/page${i}`).sort(), describeRun(r));
      const most = /^at most (\d+) crawls ran at once$/.exec(texts(r, 'MainThread').at(-1) ?? '');
      assert.ok(most, describeRun(r));
      assert.ok(Number(most[1]) >= 1 && Number(most[1]) <= 3, most[0]);
      const semaphore = lock(r, 'semaphore');
      assert.equal(semaphore.kind, 'Semaphore');
      assert.equal(semaphore.acquisitions, 20); // ten by the generator, one per crawler
      // Ten 0.2 s crawls, three at a time: at least four rounds.
      assert.ok(r.report.durationMs >= 780, `durationMs ${r.report.durationMs}`);
    });
  });

  describe('queues', function () {
    it('queue-taskdone.ts: three consumers process all ten items, then join() returns', async function () {
      const r = await run('queue-taskdone.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Thread-1', 'Thread-2', 'Thread-3', 'Thread-4']);
      const processed = lines(r).filter((l) => l.text.startsWith('Processing: '));
      assert.deepEqual(
        processed.map((l) => l.text).sort(),
        Array.from({ length: 10 }, (_, i) => `Processing: Item-${i}`).sort(),
        describeRun(r),
      );
      for (const l of processed) assert.ok(['Thread-2', 'Thread-3', 'Thread-4'].includes(l.thread), describeRun(r));
      assert.equal(texts(r).at(-1), 'All tasks completed', describeRun(r));
      assert.deepEqual(texts(r, 'Thread-1'), ['Generating data...', 'Data generation complete'], describeRun(r));
    });

    it('queue-sentinel.ts: the consumer gets every item in order and stops at null', async function () {
      const r = await run('queue-sentinel.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'Thread-1', 'Thread-2']);
      assert.deepEqual(texts(r, 'Thread-1'), ['Producer finished'], describeRun(r));
      assert.deepEqual(
        texts(r, 'Thread-2'),
        [...Array.from({ length: 5 }, (_, i) => `Consumed: Item-${i}`), 'Consumer finished'],
        describeRun(r),
      );
      assert.equal(texts(r).at(-1), 'Consumer finished', describeRun(r));
    });

    it('prodcons.ts: the reader consumes exactly what the writer produced', async function () {
      const r = await run('prodcons.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'writer', 'reader']);
      const produced = count(texts(r, 'writer'), (t) => t.startsWith('producing object for Q'));
      const consumed = count(texts(r, 'reader'), (t) => t.startsWith('consumed object from Q'));
      assert.ok(produced >= 2 && produced <= 5, describeRun(r));
      assert.equal(consumed, produced, describeRun(r));
      assert.equal(texts(r).at(-1), 'all DONE', describeRun(r));
    });
  });

  describe('ThreadPoolExecutor', function () {
    const fetched = (url: string, delay: number) => `Fetched: https://${url} in ${delay} seconds`;

    it('pool-submit.ts: results read in submission order', async function () {
      const r = await run('pool-submit.ts');
      assertOutcome(r, 'completed');
      assertMainPlus(r, 2);
      assert.deepEqual(
        texts(r, 'MainThread'),
        [fetched('example.com', 0.1), fetched('example.org', 0.2), fetched('example.net', 0.3)],
        describeRun(r),
      );
    });

    it('pool-as-completed.ts: the quickest fetch comes back first', async function () {
      const r = await run('pool-as-completed.ts');
      assertOutcome(r, 'completed');
      assertMainPlus(r, 2);
      const printed = texts(r, 'MainThread');
      assert.equal(printed[0], fetched('example.org', 0.1), describeRun(r));
      assert.deepEqual(
        [...printed].sort(),
        [fetched('example.com', 0.3), fetched('example.org', 0.1), fetched('example.net', 0.2)].sort(),
        describeRun(r),
      );
    });

    it('pool-map.ts: map() keeps the input order', async function () {
      const r = await run('pool-map.ts');
      assertOutcome(r, 'completed');
      assertMainPlus(r, 2);
      assert.deepEqual(
        texts(r, 'MainThread'),
        [fetched('example.com', 0.3), fetched('example.org', 0.1), fetched('example.net', 0.2)],
        describeRun(r),
      );
    });

    it('pool-wait.ts: wait(FIRST_COMPLETED) returns after the first fetch, asCompleted gets the rest', async function () {
      const r = await run('pool-wait.ts');
      assertOutcome(r, 'completed');
      assertMainPlus(r, 2);
      const printed = texts(r, 'MainThread');
      const first = /^First task completed \((\d) done, (\d) not done\)$/.exec(printed[0] ?? '');
      assert.ok(first, describeRun(r));
      assert.ok(Number(first[1]) >= 1, first[0]);
      assert.equal(Number(first[1]) + Number(first[2]), 3, first[0]);
      assert.deepEqual(
        printed.slice(1).sort(),
        [fetched('example.com', 0.3), fetched('example.org', 0.1), fetched('example.net', 0.2)].sort(),
        describeRun(r),
      );
    });

    it('pool-cpu-bound.ts: the pool computes the same Fibonacci numbers as one thread', async function () {
      const r = await run('pool-cpu-bound.ts');
      assertOutcome(r, 'completed');
      assertMainPlus(r, 2);
      const expected = '[832040, 1346269, 2178309, 3524578, 5702887]';
      const printed = texts(r, 'MainThread');
      assert.ok(printed.includes(`Sequential results: ${expected}`), describeRun(r));
      assert.ok(printed.includes(`Thread pool results: ${expected}`), describeRun(r));
      secondsIn(r, 'Threads completed in');
    });

    it('pool-io-bound.ts: ten 0.1 s waits on four workers take about 0.3 s', async function () {
      const r = await run('pool-io-bound.ts');
      assertOutcome(r, 'completed');
      assertMainPlus(r, 4);
      assert.ok(texts(r, 'MainThread').includes('10 results'), describeRun(r));
      const seconds = secondsIn(r, 'Threads completed in');
      assert.ok(seconds >= 0.29 && seconds < 0.9, `${seconds} s: three rounds of 0.1 s, not ten`);
    });
  });

  describe('the GIL (--mode gil)', function () {
    type GilReport = Report & {
      mode?: string;
      gil?: { switches: number; forcedSwitches: number; holdMs: Record<string, number>; waitMs: Record<string, number> };
    };

    it('gil-cpu-bound.ts: under the GIL the two crunchers take turns (forced switches, both wait for the GIL); free mode has no GIL', async function () {
      const gil = await run('gil-cpu-bound.ts', ['--mode', 'gil', '--timeout', '60']);
      assertOutcome(gil, 'completed');
      assertThreads(gil, ['MainThread', 'cruncher-1', 'cruncher-2']);
      const report = gil.report as GilReport;
      assert.equal(report.mode, 'gil');
      assert.ok(report.gil && report.gil.forcedSwitches >= 2, JSON.stringify(report.gil));
      assert.ok(report.gil.waitMs['cruncher-1'] > 0 && report.gil.waitMs['cruncher-2'] > 0, JSON.stringify(report.gil));
      assert.match(texts(gil, 'MainThread').at(-1) ?? '', /^2 threads \/ 1 thread: +\d+\.\d\d$/);
      const free = await run('gil-cpu-bound.ts', ['--timeout', '60']);
      assertOutcome(free, 'completed');
      assert.equal((free.report as GilReport).gil, undefined);
    });

    it('gil-io-bound.ts: the downloads sleep side by side in gil mode too, each gets both parts', async function () {
      const r = await run('gil-io-bound.ts', ['--mode', 'gil']);
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'download-1', 'download-2', 'download-3', 'download-4']);
      for (let i = 1; i <= 4; i++)
        assert.deepEqual(texts(r, `download-${i}`), [`download-${i} got part 1`, `download-${i} got part 2`], describeRun(r));
      assert.match(texts(r, 'MainThread').at(-1) ?? '', /^all downloads done in \d+\.\d s$/);
      assert.ok(((r.report as GilReport).gil?.switches ?? 0) > 0);
    });

    it('counter-racy.ts --mode gil: still racy under the GIL (the switch can fall between read and write)', async function () {
      const r = await run('counter-racy.ts', ['--mode', 'gil', '--timeout', '60']);
      assertOutcome(r, 'completed');
      const report = r.report as GilReport;
      assert.ok(report.gil && report.gil.forcedSwitches > 0, JSON.stringify(report.gil));
      assert.match(texts(r, 'MainThread').at(-1) ?? '', /^counter = -?\d+ \(expected 0\)$/);
    });
  });

  describe('single vs. multiple threads', function () {
    it('mtfacfib.ts: fib, fac and sum give the same results both ways, faster in threads', async function () {
      const r = await run('mtfacfib.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', 'fib', 'fac', 'sum']);
      const main = texts(r, 'MainThread');
      const single = main.slice(0, main.indexOf('*** MULTIPLE THREADS'));
      const multi = main.slice(main.indexOf('*** MULTIPLE THREADS'));
      assert.deepEqual(
        single.filter((t) => /^\d+$/.test(t)),
        ['233', '479001600', '78'],
        describeRun(r),
      );
      assert.deepEqual(
        multi.filter((t) => /^\d+$/.test(t)),
        ['233', '479001600', '78'],
        describeRun(r),
      );
      for (const name of ['fib', 'fac', 'sum']) {
        const own = texts(r, name);
        assert.ok(own[0]?.startsWith(`starting ${name} at:`) && own[1]?.startsWith(`${name} finished at:`), describeRun(r));
      }
      const times = /^single thread: (\d+\.\d+) s, multiple threads: (\d+\.\d+) s$/.exec(main.at(-2) ?? '');
      assert.ok(times, describeRun(r));
      assert.ok(Number(times[2]) < Number(times[1]), times[0]);
      assert.equal(main.at(-1), 'all DONE');
    });
  });

  describe('deadlocks', function () {
    const philosophers = ['Plato', 'Kant', 'Descartes', 'Hume', 'Confucius'];

    it('dining-philosophers.ts: everyone holds the left fork and waits for the right one', async function () {
      const file = 'dining-philosophers.ts';
      const r = await run(file);
      assertOutcome(r, 'deadlock');
      assertThreads(r, ['MainThread', ...philosophers]);
      assert.equal(
        count(texts(r), (t) => t.endsWith('picked up the left fork')),
        5,
        describeRun(r),
      );
      assert.equal(
        count(texts(r), (t) => t.includes('is eating')),
        0,
        describeRun(r),
      );

      const cycle = r.report.deadlock?.cycle ?? [];
      assert.deepEqual(cycle.map((e) => e.thread).sort(), [...philosophers].sort(), describeRun(r));
      const blockingLine = lineOf(file, 'right.acquire()');
      philosophers.forEach((name, i) => {
        const entry = cycle.find((e) => e.thread === name)!;
        const right = (i + 1) % philosophers.length;
        assert.deepEqual(entry.holds, [`fork ${i + 1}`], JSON.stringify(entry));
        assert.equal(entry.waitsFor, `fork ${right + 1}`, JSON.stringify(entry));
        assert.deepEqual(entry.heldBy, [philosophers[right]], JSON.stringify(entry));
        assertSite(entry.site, file, blockingLine);
      });
    });

    it('dining-philosophers-fixed.ts: ordered forks, everyone eats three meals', async function () {
      const r = await run('dining-philosophers-fixed.ts');
      assertOutcome(r, 'completed');
      assertThreads(r, ['MainThread', ...philosophers]);
      for (const name of philosophers) {
        const own = texts(r, name);
        assert.deepEqual(
          own.filter((t) => t.includes('is eating')),
          [1, 2, 3].map((meal) => `${name} is eating (meal ${meal})`),
          describeRun(r),
        );
        assert.equal(own.at(-1), `${name} is full`, describeRun(r));
      }
      assert.equal(texts(r).at(-1), 'everyone has eaten', describeRun(r));
      for (let fork = 1; fork <= 5; fork++) {
        const counted = lock(r, `fork ${fork}`);
        assert.equal(counted.kind, 'Lock');
        assert.equal(counted.acquisitions, 6, JSON.stringify(counted)); // 3 meals × 2 neighbours
      }
    });

    it('abba-deadlock.ts: lockA → lockB against lockB → lockA', async function () {
      const file = 'abba-deadlock.ts';
      const r = await run(file);
      assertOutcome(r, 'deadlock');
      assertThreads(r, ['MainThread', 'worker-1', 'worker-2']);
      assert.equal(
        count(texts(r), (t) => t.includes('has both locks')),
        0,
        describeRun(r),
      );

      const cycle = r.report.deadlock?.cycle ?? [];
      assert.deepEqual(cycle.map((e) => e.thread).sort(), ['worker-1', 'worker-2'], describeRun(r));
      const worker1 = cycle.find((e) => e.thread === 'worker-1')!;
      const worker2 = cycle.find((e) => e.thread === 'worker-2')!;
      assert.deepEqual(
        { holds: worker1.holds, waitsFor: worker1.waitsFor, heldBy: worker1.heldBy },
        { holds: ['lockA'], waitsFor: 'lockB', heldBy: ['worker-2'] },
      );
      assert.deepEqual(
        { holds: worker2.holds, waitsFor: worker2.waitsFor, heldBy: worker2.heldBy },
        { holds: ['lockB'], waitsFor: 'lockA', heldBy: ['worker-1'] },
      );
      assertSite(worker1.site, file, lineOf(file, 'lockB.withLock(', 'function takeAThenB'));
      assertSite(worker2.site, file, lineOf(file, 'lockA.withLock(', 'function takeBThenA'));
    });

    it('abba-rare.ts: --explore finds the deadlock the free run rarely shows, and --replay plays it again', async function () {
      const file = 'abba-rare.ts';
      const hunt = await run(file, ['--explore', '30', '--strategy', 'pct']);
      assertOutcome(hunt, 'deadlock');
      const found = (hunt.report as Report & { found?: { seed: number; strategy: string; depth?: number; outcome: string } }).found;
      const explored = (hunt.report as Report & { explored?: number }).explored ?? 0;
      assert.ok(found, describeRun(hunt));
      assert.equal(found.outcome, 'deadlock');
      assert.equal(found.strategy, 'pct');
      assert.ok(explored >= 1 && explored <= 30, `explored ${explored}`);
      assert.deepEqual((hunt.report.deadlock?.cycle ?? []).map((e) => e.thread).sort(), ['worker-1', 'worker-2']);
      const replay = await run(file, ['--replay', String(found.seed), '--strategy', 'pct', '--depth', String(found.depth ?? 2)]);
      assertOutcome(replay, 'deadlock');
      assert.deepEqual(replay.report.deadlock, hunt.report.deadlock);
      assert.deepEqual(replay.report.output, hunt.report.output);
    });
  });
});
