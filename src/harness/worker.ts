/**
 * The worker entry: one per thread of the snippet (MainThread included). It waits for the
 * harness to assign it a thread, evaluates the bundled snippet (module-level objects bind to
 * MainThread's), then runs the main program or the thread's target, and reports how it ended.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { format } from 'node:util';
import * as runtime from '../runtime';
import { EventKind } from '../trace/format';

const I = runtime.__internals;
type Assignment = runtime.__internals.ThreadAssignment;

const setup = workerData.setup as runtime.__internals.WorkerSetup;
const port = workerData.port as MessagePort;

parentPort!.once('message', (message: { type: 'assign'; assignment: Assignment }) => {
  void runThread(message.assignment);
});

async function runThread(assignment: Assignment): Promise<void> {
  const heap = new Int32Array(setup.heap);
  const tid = assignment.tid;
  const isMain = tid === 0;
  const context: runtime.__internals.Context = {
    setup, heap, heapF64: new Float64Array(setup.heap), tid, threadName: assignment.name,
    self: I.threadBlockBase(tid), port, initPhase: true, isMain, assignment, initOccurrences: new Map(),
  };
  I.setContext(context);
  I.setRecorder(new I.Recorder(assignment.ring, heap, setup.epochOrigin, assignment.epochOffsetMs, setup.record));
  I.setSiteTable(assignment.sites);
  runtime.__refreshIsMainThread();
  captureOutput(context);
  process.setSourceMapsEnabled(true);

  const handle = (assignment.threadHandle as runtime.__internals.Handle | undefined) ?? I.MAIN_HANDLE;
  // A plain Thread object stands for this thread while the module body runs.
  I.setCurrentThread(I.threadFromHandle(handle));
  Atomics.store(heap, context.self + I.T_STATE, I.ThreadState.Running);
  I.rec(EventKind.ThreadRunning, handle.id, 0, 0);

  let failed = false;
  try {
    // Other threads run the module body again only to define its functions and bind its
    // primitives: what that code does to primitives already happened in MainThread.
    I.replay.on = !isMain;
    let exports: Record<string, unknown>;
    try {
      exports = require(assignment.bundlePath) as Record<string, unknown>;
    } finally {
      I.replay.on = false;
      context.initPhase = false;
    }
    if (isMain) {
      if (typeof exports.main === 'function') await (exports.main as () => unknown)();
    } else {
      await runTarget(assignment, handle);
    }
  } catch (error) {
    failed = true;
    reportException(context, error);
  }
  // As Python does at exit: pools this thread made and never shut down are shut down now.
  try {
    I.shutdownExecutors(!failed);
  } catch (error) {
    if (!failed) reportException(context, error);
    failed = true;
  }
  flushOutput();
  finish(context, handle, failed);
}

function runTarget(assignment: Assignment, handle: runtime.__internals.Handle): unknown {
  const payload = assignment.target as runtime.__internals.SpawnPayload;
  let thread: runtime.Thread;
  if (payload.mode === 'instance') {
    thread = I.adoptThread(I.fromWire(payload.instance) as runtime.Thread, handle);
  } else {
    const fn = I.fromWire(payload.fn);
    const args = I.fromWire(payload.args) as unknown[];
    thread = I.adoptThread(Object.create(runtime.Thread.prototype) as runtime.Thread, handle, fn, args);
  }
  I.setCurrentThread(thread);
  // An async target runs to its end, as MainThread's async main() does.
  return thread.run();
}

function finish(context: runtime.__internals.Context, handle: runtime.__internals.Handle, failed: boolean): void {
  I.rec(failed ? EventKind.ThreadFailed : EventKind.ThreadFinished, handle.id, 0, 0);
  I.publish();
  const cell = context.self + I.T_STATE;
  Atomics.store(context.heap, cell, failed ? I.ThreadState.Failed : I.ThreadState.Finished);
  Atomics.notify(context.heap, cell);
  I.notify({ type: 'done', tid: context.tid, failed });
}

/** Report an exception that ended the thread, with the user's frames only. */
function reportException(context: runtime.__internals.Context, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  const stack = userStack(e, context.assignment as Assignment);
  const usageSiteId = error instanceof I.ThreadlanesUsageError ? error.siteId : undefined;
  const site = usageSiteId ? (context.assignment as Assignment).sites[usageSiteId] : stack.top;
  I.notify({
    type: 'exception', tid: context.tid, name: e.name, message: e.message, stack: stack.text,
    line: site?.line, col: site?.col, usageSiteId, timeNs: I.nowNs(),
  });
  // Python's shape: who, the frames (innermost last), then the error.
  const header = context.isMain ? 'Exception in MainThread:' : `Exception in thread ${context.threadName}:`;
  const frames = stack.text ? `Traceback (most recent call last):\n${stack.text.split('\n').reverse().join('\n')}\n` : '';
  emitOutput(context, 'stderr', `${header}\n${frames}${e.name}: ${e.message}`);
}

/** Frames of the user's file, as "    at fn (file:line:col)"; the first is where it was thrown. */
function userStack(error: Error, assignment: Assignment): { text: string; top?: { line: number; col: number } } {
  const file = assignment.sites[0]?.file ?? '';
  const base = file.split(/[\\/]/).pop() ?? file;
  const lines = (error.stack ?? '').split('\n').slice(1);
  const kept: string[] = [];
  let top: { line: number; col: number } | undefined;
  for (const line of lines) {
    const match = /\(?([^()\s]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!match) continue;
    const frameFile = match[1];
    if (!(frameFile === file || frameFile.endsWith(`/${base}`) || frameFile === base)) continue;
    const fn = /^at (?:new )?([^\s(]+) \(/.exec(line.trim())?.[1]?.replace(/^(Object|Module)\./, '');
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

function emitOutput(context: runtime.__internals.Context, stream: 'stdout' | 'stderr', text: string): void {
  // Top-level code runs again in every thread (spawn semantics); its output is MainThread's only.
  if (context.initPhase && !context.isMain) return;
  I.rec(EventKind.Output, 0, runtime.__tl.site, outputCount++);
  I.notify({ type: 'output', tid: context.tid, stream, text, timeNs: I.nowNs() });
}

/** Route console.* and process.stdout/stderr writes into the trace, attributed to this thread. */
function captureOutput(context: runtime.__internals.Context): void {
  const out = (...args: unknown[]) => emitOutput(context, 'stdout', format(...args));
  const err = (...args: unknown[]) => emitOutput(context, 'stderr', format(...args));
  console.log = out;
  console.info = out;
  console.debug = out;
  console.warn = err;
  console.error = err;
  console.trace = (...args: unknown[]) => err(format(...args), new Error().stack?.split('\n').slice(2).join('\n'));
  const pending = pendingOutput;
  const writer = (stream: 'stdout' | 'stderr') => (chunk: unknown): boolean => {
    const text = pending[stream] + (typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const lines = text.split('\n');
    pending[stream] = lines.pop() ?? '';
    for (const line of lines) emitOutput(context, stream, line);
    return true;
  };
  process.stdout.write = writer('stdout') as typeof process.stdout.write;
  process.stderr.write = writer('stderr') as typeof process.stderr.write;
}
