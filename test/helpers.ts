/** Shared by the harness tests: run a snippet given as text, from a real file on disk. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../src/harness/run';
import type { RunOptions, RunResult } from '../src/harness/types';
import type { TraceEvent } from '../src/trace/format';
import { decodeEvents } from '../src/trace/events';

let counter = 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-test-'));

export interface SnippetRun {
  result: RunResult;
  file: string;
  /** The snippet's output lines (stdout and stderr), in order. */
  lines: string[];
  /** Every event, all threads, in time order. */
  events: () => TraceEvent[];
}

export async function runSnippet(source: string, options: Partial<RunOptions> = {}): Promise<SnippetRun> {
  const file = path.join(dir, `snippet-${++counter}.ts`);
  fs.writeFileSync(file, source);
  const result = await run({ file, timeoutSeconds: 20, ...options });
  return {
    result,
    file,
    lines: result.trace.header.output.map((o) => o.text),
    events: () =>
      result.trace.header.threads
        .flatMap((t) => decodeEvents(t.tid, result.trace.events[t.tid] ?? new Uint8Array()))
        .sort((a, b) => a.timeNs - b.timeNs),
  };
}

/** The 1-based line of the first line of `source` containing `needle`. */
export function lineOf(source: string, needle: string): number {
  const index = source.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`"${needle}" is not in the snippet`);
  return index + 1;
}
