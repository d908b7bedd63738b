/**
 * Runs a snippet (or hunts for a failing schedule) in a child Node process, never in the
 * extension host, and resolves with its summary and trace. Cancelling kills the child, which
 * takes its worker threads with it.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import type { ScheduleInfo } from '../../harness/types';
import type { ExploreRequest, ExportRequest, FromRunner, HuntResult, RunRequest } from './protocol';
import type { RunSummary } from '../summary';

export interface RunOutcome {
  summary: RunSummary;
  trace: Uint8Array;
  /** Wall-clock duration of the run, ms (the summary's durationMs is virtual in controlled mode). */
  wallMs: number;
  /** Controlled mode: the schedule that ran (the same strategy, seed and depth replay it). */
  schedule?: ScheduleInfo;
  /** A hunt (explore request): schedules run and what it found; the run is the failing schedule, or the last one. */
  hunt?: HuntResult;
}

/** The runner's progress messages: a run's, or a hunt's. */
export type RunnerProgress = Extract<FromRunner, { type: 'progress' | 'explored' }>;

export interface RunHandle {
  /** Resolves with the run, or undefined if it was cancelled. Rejects if the runner failed. */
  done: Promise<RunOutcome | undefined>;
  cancel(): void;
  /** The child's pid (tests check it is gone after cancel). */
  pid: number | undefined;
}

export function startRun(
  distDir: string,
  request: RunRequest | ExploreRequest,
  onProgress: (progress: RunnerProgress) => void,
  log: (line: string) => void,
): RunHandle {
  const child = fork(path.join(distDir, 'harness-runner.js'), [], {
    // In desktop VS Code process.execPath is Electron: make it behave as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    cwd: path.dirname(request.file),
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [],
  });
  let cancelled = false;
  child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  const done = new Promise<RunOutcome | undefined>((resolve, reject) => {
    let settled = false;
    child.on('message', (message: FromRunner) => {
      if (message.type === 'progress' || message.type === 'explored') onProgress(message);
      else if (message.type === 'done') {
        settled = true;
        const { type: _, ...outcome } = message;
        resolve(outcome);
      } else if (message.type === 'failed') {
        settled = true;
        reject(new Error(message.message));
      }
    });
    child.on('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      if (cancelled) resolve(undefined);
      else reject(new Error(`the Threadlanes runner stopped unexpectedly (${signal ?? `exit code ${code}`})`));
    });
  });
  child.send(request);
  return {
    done,
    pid: child.pid,
    cancel() {
      cancelled = true;
      child.kill('SIGKILL');
    },
  };
}

/** Writes an export in a child process (the same runner); resolves with the bytes written. */
export function exportInChild(distDir: string, request: Omit<ExportRequest, 'type'>, log: (line: string) => void): Promise<number> {
  const child = fork(path.join(distDir, 'harness-runner.js'), [], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [],
  });
  child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    child.on('message', (message: FromRunner) => {
      if (message.type === 'exported') {
        settled = true;
        resolve(message.bytes);
      } else if (message.type === 'failed') {
        settled = true;
        reject(new Error(message.message.split('\n')[0]));
      }
    });
    child.on('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`the Threadlanes exporter stopped unexpectedly (${signal ?? `exit code ${code}`})`));
      settled = true;
    });
    child.send({ type: 'export', ...request });
  });
}
