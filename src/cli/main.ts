/**
 * threadlanes — run a threading snippet and report what its threads did.
 *
 *   threadlanes run <file.ts> [--json] [--trace out.tltrace|out.threadlanes.json]
 *                   [--chrome-trace out.json] [--html report.html] [--timeout s|none] [--max-threads n]
 *                   [--max-events n] [--heap-mb n] [--record-shared] [--no-color]
 *                   [--mode free|controlled|gil] [--strategy random|pct|rr|dfs] [--seed n] [--depth d]
 *                   [--preemptions k|all] [--explore n] [--replay seed|path]
 *
 * Exit codes (EXIT below, and the help text): 0 completed, 1 error in the snippet, 2 deadlock,
 * 3 timeout, 4 event limit, 5 livelock, 64 bad usage, 70 internal error, 73 an output file could not be
 * written, 130 cancelled.
 *
 * The snippet's output is printed after the run, in the trace's order (the order its lines were
 * written, which respects join, get and acquire), not as it arrives from the threads: lines of
 * different threads arrive on different ports, in an order that can contradict a join. Every
 * string the snippet controls is made safe for the terminal first (sanitize.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { run } from '../harness/run';
import { explore, type ExploreResult, type FindingKind } from '../harness/explore';
import { parsePath } from '../harness/dfs';
import { DEFAULTS, MAX_TIMEOUT_SECONDS, type RunOptions, type RunResult } from '../harness/types';
import { boundWords } from '../shared/wording';
import { MODES, STRATEGIES, type Mode, type Strategy } from '../trace/format';
import { encodeTrace, traceFileForm } from '../trace/file';
import type { OutputLine } from '../trace/format';
import { writeChromeTrace } from '../export/write';
import { readSnippetSource, writeHtmlReport } from '../export/html';
import { toJsonReport } from './report';
import { nameText, oneLine, outputText } from './sanitize';
import { huntText, textReport } from './text';

const USAGE = `Usage: threadlanes run <file.ts> [options]

Runs a snippet written against the "threadlanes" module on real worker threads and reports
what its threads did: output, lock statistics, deadlocks, and a text swimlane.

Options:
  --json                  print one JSON object (the report) on stdout, nothing else
  --trace <file>          write the native trace (.tltrace binary, or .threadlanes.json)
  --chrome-trace <file>   write Chrome Trace Event JSON (opens in Perfetto, chrome://tracing)
  --html <file>           write the swimlanes as one self-contained HTML page (no network)
  --timeout <seconds>     stop the run after this long (default 10); "none": no limit; more
                          than 2147483 s (24.8 days, the longest a timer waits) counts as that
  --max-threads <n>       most threads alive at once besides MainThread (default 256)
  --max-events <n>        stop the run once it has recorded this many events (default 20000000)
  --heap-mb <n>           heap limit per thread in MiB (default 512)
  --record-shared         record every Value / SharedArray read and write, and report data races
                          (controlled mode always does)
  --mode <mode>           free (default: real parallel threads), controlled (one thread at a
                          time, chosen by a seeded scheduler; sleeps and timeouts on a virtual
                          clock, so the same seed gives the same run every time) or gil (one
                          thread executes at a time, as under CPython's GIL; it is given up on
                          blocking and every switch interval, 5 ms unless setSwitchInterval())
  --strategy <s>          controlled mode's scheduler: random (default), pct, rr (round-robin),
                          or dfs (with --explore: every schedule within --preemptions, one by one)
  --seed <n>              controlled mode's seed (default 0); with --explore, the first seed
  --depth <d>             PCT's bug depth (default 2)
  --preemptions <k|all>   dfs: most preemptions per schedule (default 2); all: no bound
  --explore <n>           hunt: run up to n schedules in controlled mode (seeds seed, seed+1, …;
                          with dfs, the search's budget) and stop at the first deadlock,
                          livelock, uncaught exception or failed assert; prints what replays it
                          and reports that run. A dfs hunt that finds nothing says what it
                          covered: all schedules within the bound (a proof for that bound), or
                          not all of them, and why
  --replay <seed|path>    run the schedule a hunt found again (controlled mode; add the
                          --strategy and --depth the hunt printed). With --strategy dfs, a DFS
                          path: decision:thread pairs such as 3:1,7:0, or default for the
                          default schedule
  --compare               run it twice, in free mode and in gil mode, and show both, one
                          above the other, with the wall times side by side
  --width <columns>       width of the text swimlane (default: the terminal's, or 100)
  --no-color              plain text
  -h, --help              this help

Without --json, the snippet's output is printed when the run is over, in the order it was
written, then the report. The output files are checked before the run and written after it.

Exit codes:
  0    completed
  1    error in the snippet (an uncaught exception, a misuse of the API, a syntax error; also
       process.exit(n) in main, which the report names with its code)
  2    deadlock
  3    timeout (--timeout)
  4    stopped at the event limit (--max-events)
  5    livelock (controlled mode: the threads spin and none makes progress)
  64   bad usage: a bad option, a snippet that is missing or a directory, an output file that
       cannot be written (checked before the run)
  70   internal error in threadlanes (a bug: please report it with the message)
  73   an output file (--trace, --chrome-trace, --html) could not be written after the run
       (the report was printed first)
  130  cancelled (Ctrl-C)
A hunt (--explore) exits 2 if it found a deadlock, 5 a livelock, 1 an uncaught exception or a
failed assert; if it found none, it exits as its last schedule did: 0 when it completed, 3
when the schedules timed out, 4 at the event limit, 130 when cancelled. Whether a dfs hunt
covered every schedule is in its report (--json: coverage.complete), not in the exit code.`;

const EXIT = {
  completed: 0,
  error: 1,
  deadlock: 2,
  timeout: 3,
  limit: 4,
  livelock: 5,
  usage: 64,
  internal: 70,
  cantWrite: 73,
  cancelled: 130,
} as const;

/** A hunt's exit code, by what it found. */
const FOUND_EXIT: Record<FindingKind, number> = {
  deadlock: EXIT.deadlock,
  livelock: EXIT.livelock,
  exception: EXIT.error,
  assert: EXIT.error,
};

class UsageError extends Error {}

// ── Writing to the terminal ────────────────────────────────────────────────────────────────

/** A stream whose reader went away (`threadlanes run x.ts | head -1`: EPIPE) is written no more. */
const gone = { stdout: false, stderr: false };
for (const name of ['stdout', 'stderr'] as const) {
  process[name].on('error', () => {
    gone[name] = true;
  });
}

function write(stream: 'stdout' | 'stderr', text: string): void {
  if (!gone[stream]) process[stream].write(text);
}

/** The snippet's output, in the trace's order, each stream's lines written together. */
function printOutput(lines: readonly OutputLine[]): void {
  let batch = '';
  let stream: 'stdout' | 'stderr' = 'stdout';
  for (const line of lines) {
    const to = line.stream === 'stderr' ? 'stderr' : 'stdout';
    if (to !== stream && batch) {
      write(stream, batch);
      batch = '';
    }
    stream = to;
    batch += `${outputText(line.text)}\n`;
    if (batch.length > 1 << 16) {
      write(stream, batch);
      batch = '';
    }
  }
  if (batch) write(stream, batch);
}

// ── Options ────────────────────────────────────────────────────────────────────────────────

function positiveNumber(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} takes a positive ${integer ? 'integer' : 'number'}, not "${value}"`);
  }
  return n;
}

/** --timeout: seconds (clamped to what a timer can wait), or "none" for no limit (Infinity). */
function timeoutOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === 'none') return Infinity;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--timeout takes a positive number of seconds, or none for no limit, not "${value}"`);
  }
  return Math.min(n, MAX_TIMEOUT_SECONDS);
}

/** Why an error of the file system happened, in words. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a part of the path is not a directory',
    EISDIR: 'it is a directory',
    ENOSPC: 'no space left on the device',
    EROFS: 'the file system is read-only',
    EDQUOT: 'the disk quota is exceeded',
    ENAMETOOLONG: 'the name is too long',
    ELOOP: 'too many symbolic links',
  };
  return (code && words[code]) ?? (error as Error).message?.split('\n')[0] ?? String(error);
}

/** The snippet's text, or a usage error that says why there is none. */
function readSnippet(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' || code === 'ENOTDIR' ? `no such file: ${file}` : `cannot read ${file}: ${reason(error)}`);
  }
  if (stat.isDirectory()) throw new UsageError(`${file} is a directory, not a snippet file`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${reason(error)}`);
  }
}

/** Before the run: each output file can be written (its directory exists, it is not a directory, not the snippet, not twice). */
function checkOutputs(outputs: [flag: string, file: string | undefined][], snippet: string): void {
  const seen = new Map<string, string>();
  for (const [flag, file] of outputs) {
    if (file === undefined) continue;
    if (file === '') throw new UsageError(`--${flag} needs a file name`);
    const absolute = path.resolve(file);
    if (absolute === path.resolve(snippet)) throw new UsageError(`--${flag} ${file} would overwrite the snippet: choose another file`);
    const other = seen.get(absolute);
    if (other) throw new UsageError(`--${other} and --${flag} both write ${file}: give each its own file`);
    seen.set(absolute, flag);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(absolute);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`--${flag} ${file}: ${reason(error)}`);
    }
    if (stat?.isDirectory()) throw new UsageError(`--${flag} ${file} is a directory: give a file name`);
    const dir = path.dirname(absolute);
    let dirStat: fs.Stats;
    try {
      dirStat = fs.statSync(dir);
    } catch (error) {
      throw new UsageError(
        `--${flag} ${file}: the directory ${dir} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be used (${reason(error)})`}`,
      );
    }
    if (!dirStat.isDirectory()) throw new UsageError(`--${flag} ${file}: ${dir} is not a directory`);
    try {
      fs.accessSync(stat ? absolute : dir, fs.constants.W_OK);
    } catch (error) {
      throw new UsageError(`--${flag} ${file}: ${stat ? 'the file' : `the directory ${dir}`} cannot be written (${reason(error)})`);
    }
  }
}

/** The exit code of a run (see EXIT and the help text). */
function exitCode(result: RunResult): number {
  switch (result.outcome) {
    case 'completed':
      return EXIT.completed;
    case 'deadlock':
      return EXIT.deadlock;
    case 'timeout':
      return EXIT.timeout;
    case 'livelock':
      return EXIT.livelock;
    default:
      if (result.error?.kind === 'limit') return EXIT.limit;
      if (result.error?.kind === 'cancelled') return EXIT.cancelled;
      return EXIT.error;
  }
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
        preemptions: { type: 'string' },
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
    write('stdout', `${USAGE}\n`);
    return EXIT.completed;
  }
  const [command, file, ...extra] = positionals;
  if (command !== 'run') return usage(command ? `unknown command "${command}"` : 'no command given');
  if (!file) return usage('run needs the snippet file');
  if (extra.length) return usage(`unexpected argument "${extra[0]}"`);
  let options: RunOptions;
  let schedules: number | undefined;
  let preemptions: number | undefined;
  let width: number;
  try {
    const source = readSnippet(file);
    if (values.trace !== undefined && values.trace !== '' && !traceFileForm(values.trace)) {
      throw new UsageError('--trace file must end in .tltrace or .json');
    }
    if (values.compare && (values.trace !== undefined || values.html !== undefined || values['chrome-trace'] !== undefined)) {
      throw new UsageError('--compare writes no files: run each mode on its own with --trace, --chrome-trace or --html');
    }
    const { preemptions: bound, ...schedule } = scheduleOptions(values);
    preemptions = bound;
    options = {
      file,
      source,
      timeoutSeconds: timeoutOption(values.timeout),
      maxThreads: positiveNumber('max-threads', values['max-threads'], true),
      maxEvents: positiveNumber('max-events', values['max-events'], true),
      heapLimitMb: positiveNumber('heap-mb', values['heap-mb'], true),
      // Controlled mode sees every Value / SharedArray access anyway: it always checks for races.
      recordShared: Boolean(values['record-shared']) || schedule.mode === 'controlled',
      ...schedule,
    };
    width = positiveNumber('width', values.width, true) ?? Math.max(60, Math.min(160, process.stdout.columns ?? 100));
    schedules = positiveNumber('explore', values.explore, true);
    checkOutputs(
      [
        ['trace', values.trace],
        ['chrome-trace', values['chrome-trace']],
        ['html', values.html],
      ],
      file,
    );
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
  const json = Boolean(values.json);
  const color = !values['no-color'] && !json && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  options.signal = controller.signal;
  if (values.compare) return compare(options, file, json, color, width);
  let hunt: ExploreResult | undefined;
  if (schedules !== undefined) {
    const how =
      options.strategy === 'dfs'
        ? `strategy dfs, ${preemptions === Infinity ? 'no preemption bound' : boundWords({ preemptionBound: preemptions ?? DEFAULTS.preemptions })}`
        : `strategy ${options.strategy ?? DEFAULTS.strategy}, from seed ${options.seed ?? 0}`;
    if (!json) write('stderr', `exploring up to ${schedules.toLocaleString('en-US')} schedules (${how})…\n`);
    hunt = await explore({ ...options, schedules, ...(preemptions !== undefined ? { preemptions } : {}) });
    // Stopped before the first schedule ran: there is no run to report.
    if (!hunt.trace) {
      write('stderr', `threadlanes: the hunt was ${controller.signal.aborted ? 'cancelled' : 'stopped'} before any schedule ran\n`);
      return controller.signal.aborted ? EXIT.cancelled : EXIT.error;
    }
  }
  const result = hunt ?? (await run(options));
  if (json) {
    write('stdout', `${JSON.stringify(toJsonReport(result, { recordShared: options.recordShared, hunt }))}\n`);
  } else {
    printOutput(result.trace.header.output);
    if (hunt) write('stdout', huntText(hunt, file, schedules!));
    write('stdout', textReport(result, { width, color, recordShared: options.recordShared }));
  }
  // The report is out; now the files. A failure is said in one line, after the report.
  const written = writeFiles(result, file, { trace: values.trace, 'chrome-trace': values['chrome-trace'], html: values.html });
  if (!written) return EXIT.cantWrite;
  if (hunt?.found) return FOUND_EXIT[hunt.found.kind];
  return exitCode(result);
}

/**
 * --mode, --strategy, --seed, --depth, --preemptions, --replay, --explore → run options
 * (controlled implied by all but --mode), and the DFS hunt's preemption bound.
 *
 * A seeded schedule is replayed by its seed; a DFS schedule by its path (--replay 3:1,7:0
 * --strategy dfs, or --replay default for the default schedule). A replay text with a colon is a
 * path: it implies --strategy dfs.
 */
function scheduleOptions(values: Record<string, string | boolean | undefined>): Partial<RunOptions> & { preemptions?: number } {
  const mode = values.mode as string | undefined;
  if (mode !== undefined && !MODES.includes(mode as Mode)) throw new UsageError(`--mode takes free, controlled or gil, not "${mode}"`);
  const given = values.strategy as string | undefined;
  if (given !== undefined && !STRATEGIES.includes(given as Strategy)) {
    throw new UsageError(`--strategy takes random, pct, rr or dfs, not "${given}"`);
  }
  const replay = values.replay as string | undefined;
  if (values.compare && (mode !== undefined || replay !== undefined || values.explore !== undefined || given !== undefined)) {
    throw new UsageError('--compare runs the snippet in free mode and in gil mode; drop --mode, --explore, --replay and --strategy');
  }
  if (replay !== undefined && values.explore !== undefined)
    throw new UsageError('--replay and --explore do not go together: replay the seed or path a hunt printed');
  const replaysPath = replay !== undefined && replay.includes(':');
  if (replaysPath && given !== undefined && given !== 'dfs') {
    throw new UsageError(`--replay ${replay} is a DFS path: it replays with --strategy dfs, not --strategy ${given}`);
  }
  const strategy = (replaysPath ? 'dfs' : given) as Strategy | undefined;
  const dfs = strategy === 'dfs';
  if (dfs && values.seed !== undefined) {
    throw new UsageError('--strategy dfs takes no seed: drop --seed (a DFS schedule is replayed by its path, --replay 3:1,7:0)');
  }
  const path = dfs && replay !== undefined ? dfsPath(replay) : undefined;
  if (replay !== undefined && values.seed !== undefined) throw new UsageError('--replay already gives the seed; drop --seed');
  const seedText = dfs ? undefined : ((replay ?? values.seed) as string | undefined);
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && (seedText!.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > 0x7fffffff)) {
    throw new UsageError(
      replay !== undefined
        ? `--replay takes a whole number from 0 to 2147483647 (the seed a hunt printed), or with --strategy dfs the path it printed (such as 3:1,7:0, or default), not "${replay}"`
        : `--seed takes a whole number from 0 to 2147483647, not "${seedText}"`,
    );
  }
  const depth = positiveNumber('depth', values.depth as string | undefined, true);
  const preemptions = preemptionsOption(values.preemptions as string | undefined);
  const controlled =
    mode === 'controlled' ||
    replay !== undefined ||
    values.explore !== undefined ||
    (mode === undefined && (strategy !== undefined || seed !== undefined || depth !== undefined));
  if ((mode === 'free' || mode === 'gil') && (replay !== undefined || values.explore !== undefined)) {
    throw new UsageError(`--${replay !== undefined ? 'replay' : 'explore'} runs in controlled mode; drop --mode ${mode}`);
  }
  if ((mode === 'free' || mode === 'gil') && (strategy !== undefined || seed !== undefined || depth !== undefined)) {
    throw new UsageError(`--strategy, --seed and --depth choose controlled mode's schedule; drop --mode ${mode}`);
  }
  if (mode === 'gil') return { mode: 'gil' };
  if (depth !== undefined && strategy !== 'pct') throw new UsageError("--depth is PCT's: add --strategy pct");
  if (preemptions !== undefined && !dfs) throw new UsageError('--preemptions bounds the DFS hunt: add --strategy dfs and --explore n');
  if (preemptions !== undefined && values.explore === undefined) {
    throw new UsageError('--preemptions bounds the DFS hunt: add --explore n (a single run or --replay plays one schedule)');
  }
  if (!controlled) return {};
  return {
    mode: 'controlled',
    ...(strategy ? { strategy } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(depth !== undefined ? { depth } : {}),
    ...(path ? { path } : {}),
    ...(preemptions !== undefined ? { preemptions } : {}),
  };
}

/** --preemptions: a whole number (0: no preemption at all), or "all" for no bound (Infinity). */
function preemptionsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text.toLowerCase() === 'all') return Infinity;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new UsageError(`--preemptions takes a whole number (0 or more) or all (no bound), not "${value}"`);
  }
  return n;
}

/** --replay with --strategy dfs: the path a hunt printed ("3:1,7:0"), or "default" (also "") for the default schedule. */
function dfsPath(text: string): [number, number][] {
  if (text.trim().toLowerCase() === 'default') return [];
  try {
    return parsePath(text);
  } catch (error) {
    throw new UsageError(
      `--replay ${text}: ${(error as Error).message} (with --strategy dfs, --replay takes the path a hunt printed: decision:thread pairs such as 3:1,7:0, or default for the default schedule)`,
    );
  }
}

/** --compare: the same snippet in free mode and in gil mode, one report above the other. */
async function compare(options: RunOptions, file: string, json: boolean, color: boolean, width: number): Promise<number> {
  const free = await run({ ...options, mode: 'free' });
  const gil = await run({ ...options, mode: 'gil' });
  if (json) {
    write(
      'stdout',
      `${JSON.stringify({
        compare: {
          free: toJsonReport(free, { recordShared: options.recordShared }),
          gil: toJsonReport(gil, { recordShared: options.recordShared }),
        },
      })}\n`,
    );
  } else {
    const section = (title: string, result: RunResult) => {
      const output = result.trace.header.output.map((line) => `${nameText(line.thread)}: ${outputText(line.text)}\n`).join('');
      write('stdout', `\n── ${title} ──\n${output}${textReport(result, { width, color, recordShared: options.recordShared })}`);
    };
    section('free mode: threads run in parallel', free);
    section("gil mode: one thread at a time, as under CPython's GIL", gil);
    write(
      'stdout',
      `\n${oneLine(file)}: free ${free.wallMs.toFixed(0)} ms, gil ${gil.wallMs.toFixed(0)} ms of wall time (gil / free ${(gil.wallMs / Math.max(1e-9, free.wallMs)).toFixed(2)}×)\n`,
    );
  }
  return exitCode(free) || exitCode(gil);
}

/**
 * The files asked for, after the run (checked before it by checkOutputs). A file that cannot be
 * written is said in one line on stderr, and the others are still written; false if any failed.
 */
function writeFiles(result: RunResult, snippet: string, paths: { trace?: string; 'chrome-trace'?: string; html?: string }): boolean {
  const writers: [flag: keyof typeof paths, write: (file: string) => void][] = [
    ['trace', (file) => fs.writeFileSync(file, encodeTrace(result.trace, file))],
    ['chrome-trace', (file) => writeChromeTrace(file, result.trace)],
    [
      'html',
      (file) => writeHtmlReport(file, result.trace, { sources: readSnippetSource(snippet, result.trace.header.file), error: result.error }),
    ],
  ];
  let ok = true;
  for (const [flag, writeFile] of writers) {
    const file = paths[flag];
    if (file === undefined) continue;
    try {
      writeFile(file);
    } catch (error) {
      ok = false;
      write('stderr', `threadlanes: could not write --${flag} ${oneLine(file)}: ${oneLine(reason(error))}\n`);
    }
  }
  return ok;
}

/** A usage error: what is wrong, in one line, and where the options are listed. */
function usage(message: string): number {
  write('stderr', `threadlanes: ${outputText(message)}\n(threadlanes --help lists the options and the exit codes)\n`);
  return EXIT.usage;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    write('stderr', `threadlanes: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.internal;
  },
);
