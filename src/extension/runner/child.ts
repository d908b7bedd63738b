/**
 * The child process the extension forks for each run (dist/harness-runner.js, started with
 * ELECTRON_RUN_AS_NODE=1). It runs the snippet with the harness — once with run(), or a hunt
 * for a failing schedule with explore() — and sends back a summary and the trace; the extension
 * kills it to cancel. It also writes the panel's exports (a Chrome trace or an HTML report of a
 * big run takes seconds and memory the extension host should not spend). Kept apart from the
 * extension host so a snippet that spins, allocates without bound or deadlocks never freezes VS Code.
 */
import { run } from '../../harness/run';
import { explore } from '../../harness/explore';
import type { RunResult } from '../../harness/types';
import { encodeTraceBinary } from '../../trace/file';
import { summarize } from '../summary';
import { exportRun } from '../../export/write';
import type { ExploreRequest, ExportRequest, FromRunner, HuntResult, RunRequest, RunSettings, ToRunner } from './protocol';

/** Most progress messages a second: the extension host only shows them. */
const PROGRESS_INTERVAL_MS = 200;

function send(message: FromRunner): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

function throttled(action: () => void): () => void {
  let lastAt = 0;
  return () => {
    const now = Date.now();
    if (now - lastAt < PROGRESS_INTERVAL_MS) return;
    lastAt = now;
    action();
  };
}

function runOptions(request: RunSettings) {
  return {
    file: request.file,
    source: request.source,
    mode: request.mode,
    timeoutSeconds: request.timeoutSeconds,
    maxEvents: request.maxEvents,
    // Controlled mode records them unless told not to: the scheduler sees every access anyway.
    recordShared: request.recordShared ?? request.mode === 'controlled',
    ...(request.mode === 'controlled'
      ? {
          strategy: request.strategy,
          seed: request.seed,
          depth: request.depth,
          bound: request.bound,
          ...(request.strategy === 'dfs' && request.path ? { path: request.path } : {}),
        }
      : {}),
  };
}

async function sendDone(result: RunResult, hunt?: HuntResult): Promise<void> {
  const summary = summarize({ trace: result.trace, durationMs: result.durationMs, events: result.events, error: result.error });
  await send({
    type: 'done',
    summary,
    trace: encodeTraceBinary(result.trace),
    wallMs: result.wallMs,
    ...(result.schedule ? { schedule: result.schedule } : {}),
    ...(hunt ? { hunt } : {}),
  });
}

async function handleRun(request: RunRequest): Promise<void> {
  let latest: FromRunner | undefined;
  const report = throttled(() => void send(latest!));
  const result = await run({
    ...runOptions(request),
    onProgress: (progress) => {
      latest = { type: 'progress', progress };
      report();
    },
  });
  await sendDone(result);
}

async function handleExplore(request: ExploreRequest): Promise<void> {
  let latest: FromRunner | undefined;
  const report = throttled(() => void send(latest!));
  const result = await explore({
    ...runOptions({ ...request, mode: 'controlled' }),
    schedules: request.schedules,
    ...(request.preemptions !== undefined ? { preemptions: request.preemptions ?? Infinity } : {}),
    onSchedule: (explored, last) => {
      latest = { type: 'explored', explored, outcome: last.outcome };
      report();
    },
  });
  await sendDone(result, {
    explored: result.explored,
    huntMs: result.huntMs,
    ...(result.found ? { found: result.found } : {}),
    ...(result.coverage ? { coverage: result.coverage } : {}),
  });
}

async function handleExport(request: ExportRequest): Promise<void> {
  const bytes = exportRun(request.format, request.trace, request.outputPath, { sources: request.sources, assetsDir: request.assetsDir });
  await send({ type: 'exported', bytes });
}

if (!process.send) {
  console.error('threadlanes: harness-runner.js is started by the VS Code extension (child_process.fork)');
  process.exit(64);
}

process.once('message', (message: ToRunner) => {
  (message.type === 'export' ? handleExport(message) : message.type === 'explore' ? handleExplore(message) : handleRun(message))
    .catch((error: unknown) => send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
    .finally(() => process.exit(0));
});
// The parent went away (VS Code closed, the run was cancelled): stop at once.
process.on('disconnect', () => process.exit(0));
