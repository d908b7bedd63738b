/**
 * threadlanes — run a threading snippet and report what its threads did.
 *
 *   threadlanes run <file.ts> [--json] [--trace out.tltrace|out.threadlanes.json]
 *                   [--chrome-trace out.json] [--html report.html] [--timeout s] [--max-threads n]
 *                   [--max-events n] [--heap-mb n] [--record-shared] [--no-color]
 *
 * Exit codes: 0 completed, 1 error in the snippet, 2 deadlock, 3 timeout, 64 bad usage.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { run } from '../harness/run';
import type { RunOptions, RunResult } from '../harness/types';
import { encodeTrace, traceFileForm } from '../trace/file';
import { toChromeTrace, chromeTraceJsonChunks } from '../trace/chrome';
import { readSnippetSource, writeHtmlReport } from './html';
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
  --width <columns>       width of the text swimlane (default: the terminal's, or 100)
  --no-color              plain text
  -h, --help              this help

Exit codes: 0 completed, 1 error in the snippet, 2 deadlock, 3 timeout, 64 bad usage.`;

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
  let options: RunOptions;
  try {
    options = {
      file,
      timeoutSeconds: positiveNumber('timeout', values.timeout, false),
      maxThreads: positiveNumber('max-threads', values['max-threads'], true),
      maxEvents: positiveNumber('max-events', values['max-events'], true),
      heapLimitMb: positiveNumber('heap-mb', values['heap-mb'], true),
      recordShared: Boolean(values['record-shared']),
    };
    positiveNumber('width', values.width, true);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
  const json = Boolean(values.json);
  const color = !values['no-color'] && !json && process.stdout.isTTY === true && !process.env.NO_COLOR;
  if (!json) {
    options.onOutput = (line) => {
      (line.stream === 'stderr' ? process.stderr : process.stdout).write(`${line.text}\n`);
    };
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  options.signal = controller.signal;
  const result = await run(options);
  writeFiles(result, values.trace, values['chrome-trace']);
  if (values.html) writeHtmlReport(values.html, result.trace, { sources: readSnippetSource(file, result.trace.header.file), error: result.error });
  if (json) {
    process.stdout.write(`${JSON.stringify(toJsonReport(result, { recordShared: options.recordShared }))}\n`);
  } else {
    const width = positiveNumber('width', values.width, true) ?? Math.max(60, Math.min(160, process.stdout.columns ?? 100));
    process.stdout.write(textReport(result, { width, color, recordShared: options.recordShared }));
  }
  return EXIT[result.outcome];
}

function writeFiles(result: RunResult, tracePath?: string, chromePath?: string): void {
  if (tracePath) fs.writeFileSync(tracePath, encodeTrace(result.trace, tracePath));
  if (chromePath) {
    const fd = fs.openSync(chromePath, 'w');
    try {
      for (const chunk of chromeTraceJsonChunks(toChromeTrace(result.trace))) fs.writeSync(fd, chunk);
    } finally {
      fs.closeSync(fd);
    }
  }
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
