/**
 * The extension host ↔ child runner protocol (over the IPC channel of `child_process.fork`,
 * with `serialization: 'advanced'` so the trace crosses as bytes). Snippets never run in the
 * extension host: it forks dist/harness-runner.js, which calls the harness's run().
 */
import type { Mode, RunProgress } from '../harness/types';
import type { RunSummary } from './summary';
import type { ExportFormat, SourceText } from '../webview/protocol';

export interface RunRequest {
  type: 'run';
  /** The snippet's path (sites name it; relative imports resolve from it). */
  file: string;
  /** The editor's current contents, saved or not. */
  source: string;
  mode: Mode;
  timeoutSeconds: number;
  maxEvents: number;
  seed?: number;
}

/** Write a run as a Chrome trace or an HTML report (src/extension/export.ts), off the extension host. */
export interface ExportRequest {
  type: 'export';
  format: ExportFormat;
  /** The run, as the binary .tltrace. */
  trace: Uint8Array;
  outputPath: string;
  sources: SourceText[];
  /** dist/, where the HTML report's panel app is. */
  assetsDir: string;
}

export type ToRunner = RunRequest | ExportRequest;

export type FromRunner =
  /** How far the run is (a few times a second). */
  | { type: 'progress'; progress: RunProgress }
  /** The run ended (any outcome): its summary and the trace in the binary .tltrace form. */
  | { type: 'done'; summary: RunSummary; trace: Uint8Array }
  /** The export is written: its size. */
  | { type: 'exported'; bytes: number }
  /** The runner itself failed (not the snippet). */
  | { type: 'failed'; message: string };
