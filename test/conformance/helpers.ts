/**
 * Shared by the conformance suite: run a snippet through the harness and read what it printed.
 *
 * The suite translates CPython's own tests of threading, queue and concurrent.futures
 * (Lib/test/lock_tests.py, test_threading.py, test_queue.py and test_concurrent_futures) into snippets: each snippet does what the
 * CPython test does and prints what it observed as JSON lines (`emit({ acquired })`); the mocha
 * test asserts on those lines, the outcome, the exceptions and the deadlock report.
 *
 * The harness runs in a child process (test/conformance/harness-process.cjs), one run at a time.
 * It needs the build (dist/); `ensureBuilt()` rebuilds it when it is missing or older than src/.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExceptionInfo } from '../../src/trace/format';
import type { RunOptions, RunResult } from '../../src/harness/types';

export { lineOf } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST_FILES = ['harness.js', 'worker.js', 'runtime.js'].map((f) => path.join(ROOT, 'dist', f));

// ── The build ───────────────────────────────────────────────────────────────────────────────

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

let built = false;

/** Build dist/ (node esbuild.js) when it is missing or older than src/: a stale build tests old code. */
function ensureBuilt(): void {
  if (built) return;
  const srcNewest = newestMtimeMs(path.join(ROOT, 'src'));
  const stale = DIST_FILES.some((f) => !fs.existsSync(f) || fs.statSync(f).mtimeMs < srcNewest);
  if (stale) execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

// ── The harness process ─────────────────────────────────────────────────────────────────────

type Reply = { id: number; result?: RunResult; error?: string };

let child: ChildProcess | undefined;
let nextRequestId = 1;
const pending = new Map<number, { resolve: (result: RunResult) => void; reject: (error: Error) => void }>();

function harness(): ChildProcess {
  if (child && child.connected) return child;
  ensureBuilt();
  const started = fork(path.join(__dirname, 'harness-process.cjs'), [], {
    execArgv: [], // no tsx: see harness-process.cjs
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  started.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    idleUnlessPending(started);
    if (reply.error !== undefined) waiter.reject(new Error(`the harness threw: ${reply.error}`));
    else waiter.resolve(reply.result!);
  });
  started.on('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the harness process exited (${code ?? signal})`));
    pending.clear();
    if (child === started) child = undefined;
  });
  child = started;
  return started;
}

/** Let mocha exit while no run is in flight: the child must not keep the event loop alive. */
function idleUnlessPending(harnessProcess: ChildProcess): void {
  if (pending.size > 0) return;
  harnessProcess.unref();
  (harnessProcess as unknown as { channel?: { unref(): void } }).channel?.unref();
}

function runInHarness(options: RunOptions): Promise<RunResult> {
  const harnessProcess = harness();
  harnessProcess.ref();
  (harnessProcess as unknown as { channel?: { ref(): void } }).channel?.ref();
  const id = nextRequestId++;
  return new Promise<RunResult>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    harnessProcess.send({ id, options });
  });
}

// ── Running a snippet ───────────────────────────────────────────────────────────────────────

/**
 * Appended to every snippet (after the user's code, so its line numbers stay as written; imports
 * are hoisted). Module-level functions, so threads can call them too.
 */
const SNIPPET_HELPERS = `
// ── conformance helpers (appended by test/conformance/helpers.ts) ──
import { sleep as __conformanceSleep, Thread as __ConformanceThread, Value as __ConformanceValue } from "threadlanes";
/** Print one JSON line for the test to read. */
function emit(value: unknown): void {
  console.log(JSON.stringify(value));
}
/** Poll until pred() holds (CPython's Bunch.wait_for_started and _wait()); throws after 10 s. */
function waitUntil(pred: () => unknown, what: string = "a condition"): void {
  const end = performance.now() + 10_000;
  while (!pred()) {
    if (performance.now() > end) throw new Error("waitUntil timed out waiting for " + what);
    __conformanceSleep(0.002);
  }
}
/** What each thread of bunch() runs: count itself started, then call fn(...args). */
function __bunchThread(fn: (...args: any[]) => unknown, started: any, args: unknown[]): void {
  started.getLock().withLock(() => { started.value += 1; });
  fn(...args);
}
/** CPython's Bunch: start n threads running fn(...args) (fn module-level); returns once all have started. */
function bunch(fn: (...args: any[]) => unknown, n: number, args: unknown[] = []): any[] {
  const started = new __ConformanceValue(0);
  const threads = Array.from({ length: n }, () => new __ConformanceThread({ target: __bunchThread, args: [fn, started, args] }));
  for (const t of threads) t.start();
  waitUntil(() => started.value === n, n + " threads to start");
  return threads;
}
function joinAll(threads: any[]): void {
  for (const t of threads) t.join();
}
/** Everything in the queue now, without blocking. */
function drain(queue: any): any[] {
  const items: any[] = [];
  while (!queue.empty()) items.push(queue.getNowait());
  return items;
}
/** CPython's wait_threads_blocked(n): give n started threads time to reach their blocking call. */
function waitThreadsBlocked(n: number): void {
  __conformanceSleep(0.01 * n + 0.05);
}
/** Seconds since t0 (a performance.now() value). */
function since(t0: number): number {
  return (performance.now() - t0) / 1000;
}
/** The name of the error fn() throws, or "none". */
function errorName(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (error) {
    return error instanceof Error ? error.name : typeof error;
  }
}
`;

export interface SnippetRun {
  result: RunResult;
  /** The snippet's stdout lines, all threads, in the order they were written. */
  lines: string[];
  /** The stdout lines that are JSON, parsed. */
  json: any[];
  /** The snippet's stderr lines (tracebacks of threads that raised, callback errors). */
  stderr: string[];
  exceptions: ExceptionInfo[];
}

/** The run options that can cross to the harness process (no callbacks, no AbortSignal). */
type SerializableRunOptions = Omit<RunOptions, 'source' | 'file' | 'signal' | 'onOutput' | 'onProgress'>;

export type SnippetOptions = Partial<SerializableRunOptions>;

let snippetCounter = 0;

/**
 * Run `source` (a module that imports from "threadlanes") through the harness. `npm run
 * test:modes` runs the whole suite again with THREADLANES_TEST_MODE=controlled (the scheduler
 * and virtual clock) and =gil (one thread at a time under the GIL): CPython's semantics must
 * hold in every mode.
 */
export async function runSnippet(source: string, options: SnippetOptions = {}): Promise<SnippetRun> {
  const file = path.join(os.tmpdir(), `tl-conf-${process.pid}-${++snippetCounter}.ts`);
  const full = `${source}\n${SNIPPET_HELPERS}`;
  fs.writeFileSync(file, full);
  try {
    const result = await runInHarness({
      timeoutSeconds: 20,
      ...(process.env.THREADLANES_TEST_MODE ? { mode: process.env.THREADLANES_TEST_MODE as RunOptions['mode'] } : {}),
      ...options,
      file,
      source: full,
    });
    const output = result.trace.header.output;
    const lines = output.filter((o) => o.stream === 'stdout').map((o) => o.text);
    const json: unknown[] = [];
    for (const line of lines) {
      try {
        json.push(JSON.parse(line));
      } catch {
        // not a JSON line
      }
    }
    return {
      result,
      lines,
      json,
      stderr: output.filter((o) => o.stream === 'stderr').map((o) => o.text),
      exceptions: result.trace.header.exceptions,
    };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

// ── Assertions ──────────────────────────────────────────────────────────────────────────────

/** What a failed assertion shows: how the run ended and what it printed. */
export function describeRun(run: SnippetRun): string {
  const r = run.result;
  const parts = [`outcome: ${r.outcome}`];
  if (r.error) parts.push(`error: ${r.error.kind} ${r.error.message} at ${r.error.site}`);
  if (r.deadlock) parts.push(`deadlock: ${r.deadlock.explanation}`);
  if (run.exceptions.length) parts.push(`exceptions: ${run.exceptions.map((e) => `[tid ${e.tid}] ${e.name}: ${e.message}`).join('; ')}`);
  if (run.lines.length) parts.push(`stdout:\n  ${run.lines.join('\n  ')}`);
  if (run.stderr.length) parts.push(`stderr:\n  ${run.stderr.join('\n  ')}`);
  return parts.join('\n');
}

/** Run a snippet that should complete without any exception; returns the run. */
export async function runCompleted(source: string, options: SnippetOptions = {}): Promise<SnippetRun> {
  const run = await runSnippet(source, options);
  assert.equal(run.result.outcome, 'completed', describeRun(run));
  assert.deepEqual(run.exceptions, [], describeRun(run));
  return run;
}

/** Merge every JSON line the snippet emitted into one object (later keys win). */
export function merged(run: SnippetRun): Record<string, any> {
  return Object.assign({}, ...run.json.filter((j) => j !== null && typeof j === 'object' && !Array.isArray(j)));
}

/** The values of `key` in the JSON lines that have it, in order. */
export function valuesOf(run: SnippetRun, key: string): any[] {
  return run.json.filter((j) => j !== null && typeof j === 'object' && key in j).map((j) => j[key]);
}

/** CPython's assertTimeout: expected * 0.6 <= actual < expected * 10 (seconds). */
export function assertTimeout(actual: number, expected: number, what = 'elapsed'): void {
  assert.ok(typeof actual === 'number', `${what} is not a number: ${String(actual)}`);
  assert.ok(actual >= expected * 0.6, `${what} ${actual.toFixed(3)} s is shorter than 0.6 x ${expected} s`);
  assert.ok(actual < expected * 10, `${what} ${actual.toFixed(3)} s is longer than 10 x ${expected} s`);
}
