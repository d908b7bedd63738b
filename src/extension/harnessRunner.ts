/**
 * The child process the extension forks for each run (dist/harness-runner.js, started with
 * ELECTRON_RUN_AS_NODE=1). It runs the snippet with the harness and sends back a summary and
 * the trace; the extension kills it to cancel. It also writes the panel's exports (a Chrome
 * trace or an HTML report of a big run takes seconds and memory the extension host should not spend). Kept apart from the extension host so a snippet
 * that spins, allocates without bound or deadlocks never freezes VS Code.
 */
import { run } from '../harness/run';
import { encodeTraceBinary } from '../trace/file';
import { summarize } from './summary';
import { exportRun } from './export';
import type { ExportRequest, FromRunner, RunRequest, ToRunner } from './runnerProtocol';

function send(message: FromRunner): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

async function handle(request: RunRequest): Promise<void> {
  let lastProgressAt = 0;
  const result = await run({
    file: request.file,
    source: request.source,
    mode: request.mode,
    timeoutSeconds: request.timeoutSeconds,
    maxEvents: request.maxEvents,
    onProgress: (progress) => {
      const now = Date.now();
      if (now - lastProgressAt < 200) return;
      lastProgressAt = now;
      void send({ type: 'progress', progress });
    },
  });
  const summary = summarize({ trace: result.trace, durationMs: result.durationMs, events: result.events, error: result.error });
  await send({ type: 'done', summary, trace: encodeTraceBinary(result.trace) });
}

if (!process.send) {
  console.error('threadlanes: harness-runner.js is started by the VS Code extension (child_process.fork)');
  process.exit(64);
}
async function handleExport(request: ExportRequest): Promise<void> {
  const bytes = exportRun(request.format, request.trace, request.outputPath, { sources: request.sources, assetsDir: request.assetsDir });
  await send({ type: 'exported', bytes });
}

process.once('message', (message: ToRunner) => {
  (message.type === 'export' ? handleExport(message) : handle(message))
    .catch((error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) }))
    .finally(() => process.exit(0));
});
// The parent went away (VS Code closed, the run was cancelled): stop at once.
process.on('disconnect', () => process.exit(0));
