/**
 * The worker entry: one per thread of the snippet (MainThread included). It waits for the
 * harness to assign it a thread, evaluates the bundled snippet (module-level objects bind to
 * MainThread's), then runs the main program or the thread's target, and reports how it ended.
 *
 * A worker the harness marks reusable (schedule hunting runs hundreds of runs) waits for its
 * next assignment afterwards; it then resets the runtime's per-run state and evaluates a fresh
 * copy of the snippet, so nothing of the previous run survives.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { format, inspect } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Module from 'node:module';
import type * as RuntimeModule from '../runtime';
import { EventKind, ThreadState } from '../trace/format';

type Assignment = RuntimeModule.__internals.ThreadAssignment;
type Setup = RuntimeModule.__internals.WorkerSetup;

let runtime: typeof RuntimeModule;
let I: typeof RuntimeModule.__internals;
const port = (workerData as { port: MessagePort }).port;
/** The runtime next to this file (dist/runtime.js); the bundle requires the same path. */
const RUNTIME_ID = path.join(__dirname, 'runtime.js');
let runs = 0;

/** Unhandled promise rejections this run's thread reported. */
let rejections = 0;

/**
 * A promise rejected with no handler (`Promise.reject(e)`, an async function that throws, called
 * without await) is an uncaught exception of the thread that made it: reported at once, with the
 * line of its Error's stack, and the thread ends as failed.
 */
process.on('unhandledRejection', (reason) => {
  if (ended || runs === 0 || I.isUnwinding()) return;
  const context = I.ctx();
  if (context.initPhase && !context.isMain) return; // the module body again: MainThread reports it
  rejections++;
  reportException(context, reason);
});

parentPort!.on('message', (message: { type: 'assign'; setup: Setup; assignment: Assignment; reusable: boolean }) => {
  if (message.type !== 'assign') return;
  void runThread(message.setup, message.assignment, message.reusable);
});

/**
 * The runtime: loaded once per worker; a reused worker resets its per-run state
 * (`resetRuntime`). Loading a fresh copy for every run instead (0.4 ms, plus the garbage of
 * the old one) halved a hunt's schedules per second.
 */
function loadRuntime(bundlePath: string): void {
  if (runs++ > 0) {
    delete require.cache[bundlePath];
    I.resetRuntime();
    return;
  }
  runtime = require(RUNTIME_ID) as typeof RuntimeModule;
  I = runtime.__internals;
}

const scripts = new Map<string, vm.Script>();

/**
 * A new instance of the snippet's module, put where require() finds it. Through vm.Script,
 * whose compilation V8 caches: a fraction of a ms, against several for require() after deleting
 * the cache entry (which compiles from scratch every time). The snippet's source map still
 * applies: the first run in this worker loaded the same file through require().
 */
function freshModule(file: string): unknown {
  let script = scripts.get(file);
  if (!script) {
    script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`, {
      filename: file,
    });
    scripts.set(file, script);
  }
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  const module = new Module(file);
  module.filename = file;
  module.loaded = true;
  const dir = path.dirname(file);
  fn.call(module.exports, module.exports, (id: string): unknown => module.require(id), module, file, dir);
  require.cache[file] = module;
  return module.exports;
}

async function runThread(setup: Setup, assignment: Assignment, reusable: boolean): Promise<void> {
  loadRuntime(assignment.bundlePath);
  rejections = 0;
  outputCount = 0;
  pendingOutput.stdout = '';
  pendingOutput.stderr = '';
  const heap = new Int32Array(setup.heap);
  const tid = assignment.tid;
  const isMain = tid === 0;
  const context: RuntimeModule.__internals.Context = {
    setup,
    heap,
    heapF64: new Float64Array(setup.heap),
    tid,
    threadName: assignment.name,
    self: I.threadBlockBase(tid),
    port,
    initPhase: true,
    isMain,
    assignment,
    initOccurrences: new Map(),
  };
  I.setContext(context);
  const controlled = setup.mode === 'controlled';
  I.startScheduling(controlled ? setup.schedule : undefined, tid);
  if (controlled) virtualizeGlobals(setup.schedule!.seed, tid);
  const recorder = new (controlled ? I.VirtualRecorder : I.Recorder)(
    assignment.ring,
    heap,
    setup.epochOrigin,
    assignment.epochOffsetMs,
    setup.record,
  );
  I.setRecorder(recorder);
  I.startGil(setup.mode === 'gil', tid, (kind, objectId, siteId, arg) => recorder.emit(kind, objectId, siteId, arg));
  I.setSiteTable(assignment.sites);
  runtime.__refreshIsMainThread();
  captureOutput(context);
  if (runs === 1) {
    // Per worker, once.
    process.setSourceMapsEnabled(true);
    captureDirectWrites();
  }

  const handle = (assignment.threadHandle as RuntimeModule.__internals.Handle | undefined) ?? I.MAIN_HANDLE;
  ended = false;
  // process.exit() in a thread ends that thread (as sys.exit() ends a Python thread): end it
  // properly first, so joiners wake and, in controlled or GIL mode, the turn passes on.
  process.exit = (code?: number | string | null) => {
    if (!ended) {
      ended = true;
      const status = Number(code ?? 0) || 0;
      if (status !== 0) reportException(context, systemExit(status));
      flushOutput();
      finish(context, handle, status !== 0, false);
    }
    return realExit.call(process, code as number);
  };
  // A plain Thread object stands for this thread while the module body runs.
  I.setCurrentThread(I.threadFromHandle(handle));
  // Controlled mode: nothing of the snippet runs before this thread's turn.
  try {
    I.threadEntered();
  } catch (error) {
    if (I.isUnwinding()) return unwound(context, reusable);
    throw error;
  }
  Atomics.store(heap, context.self + I.T_STATE, ThreadState.Running);
  I.rec(EventKind.ThreadRunning, handle.id, 0, 0);

  let failed = false;
  try {
    // Other threads run the module body again only to define its functions and bind its
    // primitives: what that code does to primitives already happened in MainThread.
    I.replay.on = !isMain;
    let exports: Record<string, unknown>;
    try {
      exports = (runs > 1 ? freshModule(assignment.bundlePath) : require(assignment.bundlePath)) as Record<string, unknown>;
    } finally {
      I.replay.on = false;
      context.initPhase = false;
    }
    if (isMain) {
      const entry = mainOf(exports);
      if (entry) await entry();
    } else {
      await runTarget(assignment, handle);
    }
  } catch (error) {
    if (I.isUnwinding()) return unwound(context, reusable);
    failed = true;
    reportException(context, error);
  }
  // The snippet caught the Unwind and went on to its end: it is unwound all the same.
  if (I.isUnwinding()) return unwound(context, reusable);
  // A promise rejected without a handler is found only once the microtasks have run: give Node
  // that turn, so the rejection ends this thread like an uncaught exception (see below).
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (I.isUnwinding()) return unwound(context, reusable);
  if (rejections > 0) failed = true;
  // As Python does at exit: pools this thread made and never shut down are shut down now.
  try {
    I.shutdownExecutors(!failed);
  } catch (error) {
    if (!failed) reportException(context, error);
    failed = true;
  }
  if (ended) return; // process.exit() ended it already
  ended = true;
  flushOutput();
  // A timer or immediate the snippet left behind would fire in the next run: no reuse then.
  const pending = process.getActiveResourcesInfo().some((kind) => kind !== 'MessagePort');
  finish(context, handle, failed, reusable && !pending);
  if (reusable && !pending) restoreGlobals();
}

/** Ready for the next run: the globals this run changed go back to what they were. */
function restoreGlobals(): void {
  globalThis.Date = RealDate;
  performance.now = realPerformanceNow;
  Math.random = realRandom;
}

/**
 * The harness unwound this thread (runtime/schedule.ts GO_UNWIND: the run deadlocked or
 * livelocked and is over): nothing it did since counts, so nothing is reported or printed; the
 * worker says it is free, and is reused unless the snippet left a timer behind.
 */
function unwound(context: RuntimeModule.__internals.Context, reusable: boolean): void {
  ended = true;
  pendingOutput.stdout = '';
  pendingOutput.stderr = '';
  const pending = process.getActiveResourcesInfo().some((kind) => kind !== 'MessagePort');
  I.notify({ type: 'done', tid: context.tid, failed: false, reusable: reusable && !pending, unwound: true });
  if (reusable && !pending) restoreGlobals();
}

/** The snippet's main program: `export function main()`, or `export default function main()`. */
function mainOf(exports: Record<string, unknown>): (() => unknown) | undefined {
  if (typeof exports.main === 'function') return exports.main as () => unknown;
  const fallback = exports.default;
  return typeof fallback === 'function' && fallback.name === 'main' ? (fallback as () => unknown) : undefined;
}

/**
 * process.exit(code), code not 0: Python's SystemExit, its message the code (the harness,
 * workerMessages.ts, reads it back from there for MainThread's exit code).
 */
function systemExit(status: number): Error {
  const error = new Error(String(status));
  error.name = 'SystemExit';
  return error;
}

/**
 * Controlled mode promises the same output for the same seed on any machine, so what a snippet
 * reads from the world must not vary: Date and performance.now() follow the virtual clock (from
 * 2000-01-01T00:00:00Z), and Math.random() is seeded per thread from the schedule's seed.
 */
const RealDate = Date;
const realExit = process.exit;
/** This run's thread has finished (normally, or through process.exit). */
let ended = false;
const realPerformanceNow = performance.now;
const realRandom = Math.random;

function virtualizeGlobals(seed: number, tid: number): void {
  const now = () => VIRTUAL_EPOCH_MS + I.clockMs();
  // A function, not a class: `Date()` without `new` must work too (it returns the time as text).
  const VirtualDate = function (this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return new RealDate(now()).toString();
    return Reflect.construct(RealDate, args.length ? args : [now()], new.target);
  } as unknown as DateConstructor;
  Object.setPrototypeOf(VirtualDate, RealDate);
  Object.defineProperty(VirtualDate, 'prototype', { value: RealDate.prototype });
  VirtualDate.now = now;
  globalThis.Date = VirtualDate;
  performance.now = () => I.clockMs();
  const state = new Int32Array([I.seedState(seed ^ Math.imul(tid + 1, 0x27d4eb2d))]);
  Math.random = () => I.nextRandom(state, 0) / 0x100000000;
}

const VIRTUAL_EPOCH_MS = Date.UTC(2000, 0, 1);

function runTarget(assignment: Assignment, handle: RuntimeModule.__internals.Handle): unknown {
  const payload = assignment.target as RuntimeModule.__internals.SpawnPayload;
  let thread: RuntimeModule.Thread;
  if (payload.mode === 'instance') {
    thread = I.adoptThread(I.fromWire(payload.instance) as RuntimeModule.Thread, handle);
  } else {
    const fn = I.fromWire(payload.fn);
    const args = I.fromWire(payload.args) as unknown[];
    thread = I.adoptThread(Object.create(runtime.Thread.prototype) as RuntimeModule.Thread, handle, fn, args);
  }
  I.setCurrentThread(thread);
  // An async target runs to its end, as MainThread's async main() does.
  return thread.run();
}

function finish(
  context: RuntimeModule.__internals.Context,
  handle: RuntimeModule.__internals.Handle,
  failed: boolean,
  reusable: boolean,
): void {
  I.threadEnding();
  I.rec(failed ? EventKind.ThreadFailed : EventKind.ThreadFinished, handle.id, 0, 0);
  I.publish();
  // Its place among the live threads is free before any joiner wakes (join, then start, never fails).
  if (!context.isMain) Atomics.sub(context.heap, I.H_LIVE_THREADS, 1);
  const cell = context.self + I.T_STATE;
  Atomics.store(context.heap, cell, failed ? ThreadState.Failed : ThreadState.Finished);
  I.wakeCell(context.heap, cell);
  // Pass the baton on before saying 'done': the harness may end this worker as soon as it hears it.
  I.threadExited(context.assignment.daemon);
  I.notify({ type: 'done', tid: context.tid, failed, reusable });
}

/** Report an exception that ended the thread, with the user's frames only. */
function reportException(context: RuntimeModule.__internals.Context, error: unknown): void {
  const e = asError(error);
  const stack = userStack(e, context.assignment);
  const usageSiteId = error instanceof I.ThreadlanesUsageError ? error.siteId : undefined;
  // A thrown non-Error has no stack: the bundler's rewrite of `throw` kept its line.
  const thrownSiteId = error instanceof Error ? undefined : I.thrownSite(error);
  const siteId = usageSiteId ?? thrownSiteId;
  const site = siteId ? context.assignment.sites[siteId] : stack.top;
  const thrownAt = thrownSiteId ? context.assignment.sites[thrownSiteId] : undefined;
  if (!stack.text && thrownAt) stack.text = `  at (${thrownAt.file}:${thrownAt.line}:${thrownAt.col})`;
  I.notify({
    type: 'exception',
    tid: context.tid,
    name: e.name,
    message: e.message,
    stack: stack.text,
    line: site?.line,
    col: site?.col,
    usageSiteId,
    timeNs: I.nowNs(),
  });
  // Python's shape: who, the frames (innermost last), then the error.
  const header = context.isMain ? 'Exception in MainThread:' : `Exception in thread ${context.threadName}:`;
  const frames = stack.text ? `Traceback (most recent call last):\n${stack.text.split('\n').reverse().join('\n')}\n` : '';
  emitOutput(context, 'stderr', `${header}\n${frames}${e.name}: ${e.message}`);
}

/**
 * What a thrown value that is not an Error is reported as: Python's bare `Exception`, with the
 * value shown as text (a string as is, anything else as JSON where it can be), never empty.
 */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  let message: string;
  if (typeof error === 'string') {
    message = error === '' ? "''" : error;
  } else if (error === undefined || typeof error === 'function' || typeof error === 'symbol' || typeof error === 'bigint') {
    message = typeof error === 'bigint' ? `${error}n` : inspect(error);
  } else {
    try {
      message = JSON.stringify(error) ?? inspect(error);
    } catch {
      message = inspect(error, { breakLength: Infinity });
    }
  }
  const e = new Error(message);
  e.name = 'Exception';
  e.stack = `Exception: ${message}`;
  return e;
}

/** Frames of the user's file, as "    at fn (file:line:col)"; the first is where it was thrown. */
function userStack(error: Error, assignment: Assignment): { text: string; top?: { line: number; col: number } } {
  const file = assignment.sites[0]?.file ?? '';
  const base = file.split(/[\\/]/).pop() ?? file;
  const lines = (error.stack ?? '').split('\n').slice(1);
  const kept: string[] = [];
  let top: { line: number; col: number } | undefined;
  for (const line of lines) {
    // "at fn (file:line:col)" or "at file:line:col"; the file may hold spaces and parentheses.
    const frame = line.trim();
    const match = /\((.+):(\d+):(\d+)\)$/.exec(frame) ?? /^at (?:async )?(.+):(\d+):(\d+)$/.exec(frame);
    if (!match) continue;
    const frameFile = match[1];
    if (!(frameFile === file || frameFile.endsWith(`/${base}`) || frameFile === base)) continue;
    const fn = /^at (?:new )?([^\s(]+) \(/.exec(line.trim())?.[1]?.replace(/^(Object|Module)\./, '');
    if (fn?.startsWith('__tl')) continue; // the bundler's own helpers (bundle.ts), on line 1
    kept.push(`  at ${fn ? `${fn} ` : ''}(${file}:${match[2]}:${match[3]})`);
    if (!top) top = { line: Number(match[2]), col: Number(match[3]) };
  }
  return { text: kept.join('\n'), top };
}

let outputCount = 0;
const pendingOutput = { stdout: '', stderr: '' };

/** Text written without a final newline is output too. */
function flushOutput(): void {
  const context = I.ctx();
  for (const stream of ['stdout', 'stderr'] as const) {
    if (pendingOutput[stream]) emitOutput(context, stream, pendingOutput[stream]);
    pendingOutput[stream] = '';
  }
}

function emitOutput(context: RuntimeModule.__internals.Context, stream: 'stdout' | 'stderr', text: string): void {
  // Top-level code runs again in every thread (spawn semantics); its output is MainThread's only.
  if (context.initPhase && !context.isMain) return;
  I.recOutput(runtime.__tl.site, outputCount++);
  I.notify({ type: 'output', tid: context.tid, stream, text, timeNs: I.nowNs() });
}

/** Route console.* and process.stdout/stderr writes into the trace, attributed to this thread. */
function captureOutput(context: RuntimeModule.__internals.Context): void {
  const out = (...args: unknown[]) => emitOutput(context, 'stdout', format(...args));
  const err = (...args: unknown[]) => emitOutput(context, 'stderr', format(...args));
  console.log = out;
  console.info = out;
  console.debug = out;
  console.warn = err;
  console.error = err;
  console.trace = (...args: unknown[]) => err(format(...args), new Error().stack?.split('\n').slice(2).join('\n'));
  const pending = pendingOutput;
  const writer =
    (stream: 'stdout' | 'stderr') =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      const text =
        pending[stream] +
        (typeof chunk === 'string'
          ? chunk
          : ArrayBuffer.isView(chunk)
            ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')
            : String(chunk));
      const lines = text.split('\n');
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) emitOutput(context, stream, line);
      // write(chunk, [encoding], [callback]): the callback is called, as a stream would.
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (callback) process.nextTick(callback);
      return true;
    };
  process.stdout.write = writer('stdout');
  process.stderr.write = writer('stderr');
}

/** Paths that are this process's stdout or stderr. */
const STD_PATHS = new Map<string, 1 | 2>([
  ['/dev/stdout', 1],
  ['/dev/stderr', 2],
  ['/dev/fd/1', 1],
  ['/dev/fd/2', 2],
  ['/proc/self/fd/1', 1],
  ['/proc/self/fd/2', 2],
]);

/** 1 or 2 when `target` (an fd, a path or a file: URL) is stdout or stderr. */
function stdTarget(target: unknown): 1 | 2 | undefined {
  if (target === 1 || target === 2) return target;
  if (typeof target === 'string') return STD_PATHS.get(target);
  if (target instanceof URL && target.protocol === 'file:') return STD_PATHS.get(target.pathname);
  return undefined;
}

/** The bytes an fs write of `data` writes: (buffer, offset, length) or (buffer, { offset, length }) or (string, [position], encoding). */
function writtenBytes(data: unknown, rest: unknown[]): Buffer {
  if (typeof data === 'string') {
    const encoding = rest.find((arg): arg is BufferEncoding => typeof arg === 'string' && Buffer.isEncoding(arg));
    return Buffer.from(data, encoding ?? 'utf8');
  }
  if (ArrayBuffer.isView(data)) {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const options = rest[0] !== null && typeof rest[0] === 'object' ? (rest[0] as { offset?: number; length?: number }) : undefined;
    const offset = (options ? options.offset : typeof rest[0] === 'number' ? rest[0] : undefined) ?? 0;
    const length = options ? options.length : typeof rest[1] === 'number' ? rest[1] : undefined;
    return bytes.subarray(offset, length === undefined ? undefined : offset + length);
  }
  return Buffer.from(String(data));
}

/**
 * Writes to fd 1 and 2 that go round process.stdout (`fs.writeSync(1, …)`, `fs.write(2, …)`,
 * `fs.writeFileSync("/dev/stdout", …)`, a write stream on fd 1) are output of the thread too:
 * otherwise they would land raw in the CLI's own stdout (and break its --json). They go
 * through process.stdout/stderr.write, which captureOutput points at this run's thread.
 */
function captureDirectWrites(): void {
  const nodeFs = require('node:fs') as typeof fs;
  const std = (fd: 1 | 2) => (fd === 1 ? process.stdout : process.stderr);
  const { writeSync, write, writeFileSync, appendFileSync } = nodeFs;
  nodeFs.writeSync = function (this: unknown, fd: unknown, data: unknown, ...rest: unknown[]): number {
    const target = stdTarget(fd);
    if (target === undefined) return Reflect.apply(writeSync, this, [fd, data, ...rest]) as number;
    const bytes = writtenBytes(data, rest);
    std(target).write(bytes);
    return bytes.byteLength;
  };
  nodeFs.write = function (this: unknown, fd: unknown, data: unknown, ...rest: unknown[]): void {
    const target = stdTarget(fd);
    if (target === undefined) return void Reflect.apply(write, this, [fd, data, ...rest]);
    const callback = rest.at(-1);
    const bytes = writtenBytes(data, typeof callback === 'function' ? rest.slice(0, -1) : rest);
    std(target).write(bytes);
    if (typeof callback === 'function') process.nextTick(callback, null, bytes.byteLength, data);
  } as typeof write;
  const wholeFile = (original: (...args: never[]) => void) =>
    function (this: unknown, file: unknown, data: unknown, ...rest: unknown[]): void {
      const target = stdTarget(file);
      if (target === undefined) return void Reflect.apply(original, this, [file, data, ...rest]);
      const options = rest[0];
      const encoding = typeof options === 'string' ? options : (options as { encoding?: string } | undefined)?.encoding;
      std(target).write(writtenBytes(data, encoding ? [encoding] : []));
    };
  nodeFs.writeFileSync = wholeFile(writeFileSync);
  nodeFs.appendFileSync = wholeFile(appendFileSync);
}
