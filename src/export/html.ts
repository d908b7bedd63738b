/**
 * The standalone HTML report (`threadlanes run <file> --html report.html`): one file, no
 * network, opens by double-click. It holds the panel app (dist/webview.js and .css, built by
 * esbuild.js), the run's trace and the snippet's source, under a strict CSP with a nonce.
 *
 * The trace goes in as the binary .tltrace form (src/trace/file.ts), packed so gzip compresses
 * it well (src/trace/packing.ts), gzip-compressed, base64 in parts of 4 MiB of text (the
 * layout is described in src/webview/standalone.ts). It is written part by part, so even a
 * multi-million-event trace never becomes one big string.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Trace } from '../trace/format';
import { encodeTraceBinary } from '../trace/file';
import { packTrace } from '../trace/packing';
import { META_ID, TRACE_PART_CLASS, type EmbeddedMeta, type SourceText } from '../shared/protocol';

/** Raw bytes per part: a multiple of 3, so each part is whole base64 (4 MiB of text). */
const PART_BYTES = 3 * 1024 * 1024;
/** The snippet's source is included so the report can show the blocking line; a huge file is left out. */
const MAX_SOURCE_BYTES = 512 * 1024;

export interface HtmlReportOptions {
  /** Source files to show sites in (the snippet). */
  sources?: SourceText[];
  /** Where dist/webview.js and dist/webview.css are (default: found next to this module). */
  assetsDir?: string;
  /** The run's error, for a trace whose header does not carry it (a snippet that did not bundle). */
  error?: { message: string; site: string; kind: string };
}

export interface HtmlReportResult {
  /** Size of the written file. */
  bytes: number;
  traceBytes: number;
  compressedTraceBytes: number;
}

function findAssets(explicit?: string): { script: string; style: string } {
  const candidates = explicit ? [explicit] : [__dirname, path.resolve(__dirname, '..', '..', 'dist')];
  for (const dir of candidates) {
    const script = path.join(dir, 'webview.js');
    const style = path.join(dir, 'webview.css');
    if (fs.existsSync(script) && fs.existsSync(style))
      return { script: fs.readFileSync(script, 'utf8'), style: fs.readFileSync(style, 'utf8') };
  }
  throw new Error(`the panel app is not built (no webview.js in ${candidates.join(' or ')}): run npm run build`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Text that can sit inside a <script> or <style> element without ending it early. */
function forRawTextElement(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON that can sit inside <script type="application/json">: no "<" at all. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function readSnippetSource(file: string, displayName = file): SourceText[] {
  try {
    const stat = fs.statSync(file);
    if (stat.size > MAX_SOURCE_BYTES) return [];
    return [{ file: displayName, text: fs.readFileSync(file, 'utf8') }];
  } catch {
    return [];
  }
}

export function writeHtmlReport(outputPath: string, runTrace: Trace, options: HtmlReportOptions = {}): HtmlReportResult {
  const { script, style } = findAssets(options.assetsDir);
  const trace = options.error && !runTrace.header.error ? { ...runTrace, header: { ...runTrace.header, error: options.error } } : runTrace;
  const nonce = crypto.randomBytes(18).toString('base64');
  const traceBytes = encodeTraceBinary(trace);
  const packed = packTrace(traceBytes);
  const compressed = zlib.gzipSync(packed.packed, { level: 6 });
  const parts = Math.ceil(compressed.byteLength / PART_BYTES);
  const meta: EmbeddedMeta = {
    encoding: 'gzip',
    packing: { timeDelta: packed.timeDelta, constantPlanes: packed.constantPlanes },
    traceBytes: traceBytes.byteLength,
    bytes: packed.packed.byteLength,
    encodedBytes: compressed.byteLength,
    parts,
    sources: (options.sources ?? []).filter((s) => Buffer.byteLength(s.text) <= MAX_SOURCE_BYTES),
  };
  const { header } = trace;
  const title = `Threadlanes — ${path.basename(header.file)} (${header.outcome})`;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const head = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="threadlanes">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${forRawTextElement(style, 'style')}</style>
</head>
<body>
<div id="app"><noscript>This report needs JavaScript to draw the swimlanes.</noscript></div>
<script type="application/json" id="${META_ID}">${jsonForScript(meta)}</script>
`;
  const fd = fs.openSync(outputPath, 'w');
  let written = 0;
  const write = (text: string) => {
    written += fs.writeSync(fd, text);
  };
  try {
    write(head);
    for (let offset = 0; offset < compressed.byteLength; offset += PART_BYTES) {
      const part = compressed.subarray(offset, Math.min(offset + PART_BYTES, compressed.byteLength));
      write(
        `<script type="application/x-threadlanes-trace" class="${TRACE_PART_CLASS}">${Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('base64')}</script>\n`,
      );
    }
    write(`<script nonce="${nonce}">${forRawTextElement(script, 'script')}</script>\n</body>\n</html>\n`);
  } finally {
    fs.closeSync(fd);
  }
  return { bytes: written, traceBytes: traceBytes.byteLength, compressedTraceBytes: compressed.byteLength };
}
