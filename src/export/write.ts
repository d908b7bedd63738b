/**
 * Writing a run to files for other tools: Chrome Trace Event JSON (for Perfetto and
 * chrome://tracing, src/export/chrome.ts) or the standalone HTML report (src/export/html.ts).
 * The CLI's --chrome-trace and the panel's export buttons both come here. No `vscode`: the
 * extension asks where to save, and its child runner (src/extension/runner/child.ts) calls
 * this, off the extension host; test/extension/ calls it with a path.
 */
import * as fs from 'node:fs';
import { chromeTraceJsonChunks, toChromeTrace } from './chrome';
import { decodeTraceBinary } from '../trace/file';
import type { Trace } from '../trace/format';
import { writeHtmlReport } from './html';
import type { ExportFormat, SourceText } from '../shared/protocol';

export interface ExportOptions {
  /** The snippet's text, so the HTML report can show the blocking lines. */
  sources?: SourceText[];
  /** Where dist/webview.js and dist/webview.css are (the HTML report inlines them). */
  assetsDir?: string;
}

/** File name suggested in the save dialog, next to the snippet: `dining-philosophers.trace.json`. */
export function exportFileName(snippet: string, format: ExportFormat): string {
  const base = (snippet.split(/[\\/]/).pop() || 'snippet').replace(/\.[cm]?[jt]sx?$/i, '');
  return format === 'chrome' ? `${base}.trace.json` : `${base}.threads.html`;
}

/** Writes the run (its binary .tltrace bytes) to `outputPath`; resolves with the bytes written. */
export function exportRun(format: ExportFormat, traceBytes: Uint8Array, outputPath: string, options: ExportOptions = {}): number {
  const trace = decodeTraceBinary(traceBytes);
  if (format === 'html') {
    return writeHtmlReport(outputPath, trace, {
      ...(options.sources ? { sources: options.sources } : {}),
      ...(options.assetsDir ? { assetsDir: options.assetsDir } : {}),
    }).bytes;
  }
  return writeChromeTrace(outputPath, trace);
}

/** Writes the trace as Chrome Trace Event JSON, in chunks (a big trace never becomes one string); returns the bytes written. */
export function writeChromeTrace(outputPath: string, trace: Trace): number {
  const fd = fs.openSync(outputPath, 'w');
  let written = 0;
  try {
    for (const chunk of chromeTraceJsonChunks(toChromeTrace(trace))) written += fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  return written;
}
