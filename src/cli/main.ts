/**
 * threadlanes — run a threading snippet and report what its threads did.
 *
 *   threadlanes run <file.ts> [--json] [--trace out.tltrace|out.threadlanes.json]
 *                   [--chrome-trace out.json] [--html report.html] [--timeout s] [--max-threads n]
 *                   [--max-events n] [--heap-mb n] [--record-shared] [--no-color]
 *                   [--mode free|controlled|gil] [--strategy random|pct|rr] [--seed n] [--depth d]
 *                   [--explore n] [--replay seed]
 *
 * Exit codes: 0 completed, 1 error in the snippet, 2 deadlock, 3 timeout, 64 bad usage.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { run } from '../harness/run';
import { explore, type ExploreResult } from '../harness/explore';
import type { RunOptions, RunResult } from '../harness/types';
import { plural, scheduleWords } from '../shared/wording';
import { MODES, STRATEGIES, type Mode, type Strategy } from '../trace/format';
import { encodeTrace, traceFileForm } from '../trace/file';
import type { OutputLine } from '../trace/format';
import { writeChromeTrace } from '../export/write';
import { readSnippetSource, writeHtmlReport } from '../export/html';
import { toJsonReport } from './report';
import { textReport } from './text';

const USAGE = `Usage: threadlanes run <file.ts> [options]

Runs a snippet written against the "threadlanes" module on real worker threads and reports
what its threads did: output, lock statistics, deadlocks, and a text swimlane.

Options:
  --json                  print one JSON object (the report) on stdout, nothing else
  --trace <file>          write the native trace (.tltrace binary, or .threadlanes.json)
  --chrome-trace <file>   write Chrome Trace Event JSON (opens in Perfetto, chrome://tracing)
  --html <file>           write the swimlanes as one self-contained HTML page (no network)
  --timeout <seconds>     stop the run after this long (default 10)
  --max-threads <n>       most threads that may start (default 256)
  --max-events <n>        most events recorded (default 20000000)
  --heap-mb <n>           heap limit per thread in MiB (default 512)
  --record-shared         record every Value / SharedArray read and write, and report data races
  --mode <mode>           free (default: real parallel threads), controlled (one thread at a
                          time, chosen by a seeded scheduler; sleeps and timeouts on a virtual
                          clock, so the same seed gives the same run every time) or gil (one
                          thread executes at a time, as under CPython's GIL; it is given up on
                          blocking and every switch interval, 5 ms unless setSwitchInterval())
  --strategy <s>          controlled mode's scheduler: random (default), pct, rr (round-robin)
  --seed <n>              controlled mode's seed (default 0); with --explore, the first seed
  --depth <d>             PCT's bug depth (default 2)
  --explore <n>           hunt: run up to n schedules (seeds seed, seed+1, …) in controlled mode
                          and stop at the first deadlock, uncaught exception or failed assert;
                          prints the seed that replays it and reports that run
  --replay <seed>         run the schedule with this seed again (controlled mode; add the
                          --strategy and --depth the hunt printed)
  --compare               run it twice, in free mode and in gil mode, and show both, one
                          above the other, with the wall times side by side
  --width <columns>       width of the text swimlane (default: the terminal's, or 100)
  --no-color              plain text
  -h, --help              this help

Exit codes: 0 completed, 1 error in the snippet, 2 deadlock, 3 timeout, 64 bad usage.
A hunt exits 2 if it found a deadlock, 1 if it found an exception, 0 if it found nothing.`;

const EXIT = { completed: 0, error: 1, deadlock: 2, timeout: 3, usage: 64 } as const;

class UsageError extends Error {}

function positiveNumber(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} takes a positive ${integer ? 'integer' : 'number'}, not "${value}"`);
  }
  return n;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        trace: { type: 'string' },
        'chrome-trace': { type: 'string' },
        html: { type: 'string' },
        timeout: { type: 'string' },
        'max-threads': { type: 'string' },
        'max-events': { type: 'string' },
        'heap-mb': { type: 'string' },
        'record-shared': { type: 'boolean' },
        width: { type: 'string' },
        'no-color': { type: 'boolean' },
        mode: { type: 'string' },
        strategy: { type: 'string' },
        seed: { type: 'string' },
        depth: { type: 'string' },
        explore: { type: 'string' },
        replay: { type: 'string' },
        compare: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, file, ...extra] = positionals;
  if (command !== 'run') return usage(command ? `unknown command "${command}"` : 'no command given');
  if (!file) return usage('run needs the snippet file');
  if (extra.length) return usage(`unexpected argument "${extra[0]}"`);
  if (!fs.existsSync(file)) return usage(`no such file: ${file}`);
  if (values.trace && !traceFileForm(values.trace)) return usage('--trace file must end in .tltrace or .json');
  if (values.compare && (values.trace || values.html || values['chrome-trace'])) {
    return usage('--compare writes no files: run each mode on its own with --trace, --chrome-trace or --html');
  }
  let options: RunOptions;
  let schedules: number | undefined;
  let width: number;
  try {
    options = {
      file,
      timeoutSeconds: positiveNumber('timeout', values.timeout, false),
      maxThreads: positiveNumber('max-threads', values['max-threads'], true),
      maxEvents: positiveNumber('max-events', values['max-events'], true),
      heapLimitMb: positiveNumber('heap-mb', values['heap-mb'], true),
      recordShared: Boolean(values['record-shared']),
      ...scheduleOptions(values),
    };
    width = positiveNumber('width', values.width, true) ?? Math.max(60, Math.min(160, process.stdout.columns ?? 100));
    schedules = positiveNumber('explore', values.explore, true);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
  const json = Boolean(values.json);
  const color = !values['no-color'] && !json && process.stdout.isTTY === true && !process.env.NO_COLOR;
  if (!json) options.onOutput = printLine;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  options.signal = controller.signal;
  let hunt: ExploreResult | undefined;
  if (schedules !== undefined) {
    const { onOutput: _quiet, ...quiet } = options;
    if (!json)
      process.stderr.write(
        `exploring up to ${schedules} schedules (strategy ${options.strategy ?? 'random'}, from seed ${options.seed ?? 0})…\n`,
      );
    hunt = await explore({ ...quiet, schedules });
    if (!json) hunt.trace.header.output.forEach(printLine);
  }
  if (values.compare) return compare(options, file, json, color, width);
  const result = hunt ?? (await run(options));
  writeFiles(result, values.trace, values['chrome-trace']);
  if (values.html)
    writeHtmlReport(values.html, result.trace, { sources: readSnippetSource(file, result.trace.header.file), error: result.error });
  if (json) {
    process.stdout.write(`${JSON.stringify(toJsonReport(result, { recordShared: options.recordShared, hunt }))}\n`);
  } else {
    if (hunt) process.stdout.write(huntSummary(hunt, file));
    process.stdout.write(textReport(result, { width, color, recordShared: options.recordShared }));
  }
  if (hunt) return hunt.found ? (hunt.found.outcome === 'deadlock' ? EXIT.deadlock : EXIT.error) : EXIT.completed;
  return EXIT[result.outcome];
}

/** A line of the snippet's output, on the stream it was written to. */
function printLine(line: OutputLine): void {
  (line.stream === 'stderr' ? process.stderr : process.stdout).write(`${line.text}\n`);
}

/** --mode, --strategy, --seed, --depth, --replay, --explore → run options (controlled implied by the last four). */
function scheduleOptions(values: Record<string, string | boolean | undefined>): Partial<RunOptions> {
  const mode = values.mode as string | undefined;
  if (mode !== undefined && !MODES.includes(mode as Mode)) throw new UsageError(`--mode takes free, controlled or gil, not "${mode}"`);
  const strategy = values.strategy as string | undefined;
  if (strategy !== undefined && !STRATEGIES.includes(strategy as Strategy)) {
    throw new UsageError(`--strategy takes random, pct or rr, not "${strategy}"`);
  }
  if (values.compare && (mode !== undefined || values.replay !== undefined || values.explore !== undefined || strategy !== undefined)) {
    throw new UsageError('--compare runs the snippet in free mode and in gil mode; drop --mode, --explore, --replay and --strategy');
  }
  if (values.replay !== undefined && values.explore !== undefined)
    throw new UsageError('--replay and --explore do not go together: replay the seed a hunt printed');
  if (values.replay !== undefined && values.seed !== undefined) throw new UsageError('--replay already gives the seed; drop --seed');
  const seedText = (values.replay ?? values.seed) as string | undefined;
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0x7fffffff)) {
    throw new UsageError(
      `--${values.replay !== undefined ? 'replay' : 'seed'} takes a whole number from 0 to 2147483647, not "${seedText}"`,
    );
  }
  const depth = positiveNumber('depth', values.depth as string | undefined, true);
  const controlled =
    mode === 'controlled' ||
    values.replay !== undefined ||
    values.explore !== undefined ||
    (mode === undefined && (strategy !== undefined || seed !== undefined || depth !== undefined));
  if ((mode === 'free' || mode === 'gil') && (values.replay !== undefined || values.explore !== undefined)) {
    throw new UsageError(`--${values.replay !== undefined ? 'replay' : 'explore'} runs in controlled mode; drop --mode ${mode}`);
  }
  if ((mode === 'free' || mode === 'gil') && (strategy !== undefined || seed !== undefined || depth !== undefined)) {
    throw new UsageError(`--strategy, --seed and --depth choose controlled mode's schedule; drop --mode ${mode}`);
  }
  if (mode === 'gil') return { mode: 'gil' };
  if (depth !== undefined && strategy !== 'pct') throw new UsageError("--depth is PCT's: add --strategy pct");
  if (!controlled) return {};
  return {
    mode: 'controlled',
    ...(strategy ? { strategy: strategy as Strategy } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(depth !== undefined ? { depth } : {}),
  };
}

/** --compare: the same snippet in free mode and in gil mode, one report above the other. */
async function compare(options: RunOptions, file: string, json: boolean, color: boolean, width: number): Promise<number> {
  const { onOutput: _shownBelow, ...quiet } = options;
  const free = await run({ ...quiet, mode: 'free' });
  const gil = await run({ ...quiet, mode: 'gil' });
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        compare: {
          free: toJsonReport(free, { recordShared: options.recordShared }),
          gil: toJsonReport(gil, { recordShared: options.recordShared }),
        },
      })}\n`,
    );
  } else {
    const section = (title: string, result: RunResult) => {
      const output = result.trace.header.output.map((line) => `${line.thread}: ${line.text}\n`).join('');
      process.stdout.write(`\n── ${title} ──\n${output}${textReport(result, { width, color, recordShared: options.recordShared })}`);
    };
    section('free mode: threads run in parallel', free);
    section("gil mode: one thread at a time, as under CPython's GIL", gil);
    process.stdout.write(
      `\n${file}: free ${free.wallMs.toFixed(0)} ms, gil ${gil.wallMs.toFixed(0)} ms of wall time (gil / free ${(gil.wallMs / Math.max(1e-9, free.wallMs)).toFixed(2)}×)\n`,
    );
  }
  return EXIT[free.outcome] || EXIT[gil.outcome];
}

function huntSummary(hunt: ExploreResult, file: string): string {
  const found = hunt.found;
  const rate =
    hunt.huntMs > 0 ? ` in ${(hunt.huntMs / 1000).toFixed(2)} s (${(hunt.explored / (hunt.huntMs / 1000)).toFixed(0)} schedules/s)` : '';
  if (!found && (hunt.outcome === 'timeout' || hunt.outcome === 'error')) {
    const why =
      hunt.outcome === 'timeout'
        ? 'did not finish within the timeout (a thread may spin without giving the others a turn)'
        : `stopped: ${hunt.error?.message ?? 'error'}`;
    return `\nthe hunt stopped after ${plural(hunt.explored, 'schedule')}: seed ${hunt.schedule?.seed ?? '?'} ${why}\n`;
  }
  if (!found) {
    const first = hunt.schedule?.seed ?? 0;
    return `\nexplored ${plural(hunt.explored, 'schedule')}${rate}: no deadlock or exception (strategy ${hunt.schedule?.strategy ?? 'random'}, seeds ${first - hunt.explored + 1}–${first})\n`;
  }
  const replay = `threadlanes run ${file} --replay ${found.seed}${found.strategy !== 'random' ? ` --strategy ${found.strategy}` : ''}${found.depth !== undefined ? ` --depth ${found.depth}` : ''}`;
  return `\nfound ${found.outcome === 'deadlock' ? 'a deadlock' : 'an exception'} after ${plural(hunt.explored, 'schedule')}${rate}: ${scheduleWords(found)}\nreplay it: ${replay}\n`;
}

function writeFiles(result: RunResult, tracePath?: string, chromePath?: string): void {
  if (tracePath) fs.writeFileSync(tracePath, encodeTrace(result.trace, tracePath));
  if (chromePath) writeChromeTrace(chromePath, result.trace);
}

function usage(message: string): number {
  process.stderr.write(`threadlanes: ${message}\n\n${USAGE}\n`);
  return EXIT.usage;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`threadlanes: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
