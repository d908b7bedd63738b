/** The writer behind the panel's Export buttons (the extension asks where to save, then calls it). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../src/harness/run';
import { encodeTraceBinary } from '../../src/trace/file';
import { exportFileName, exportRun } from '../../src/export/write';
import { parseFromPanel } from '../../src/shared/protocol';

const philosophers = path.resolve(__dirname, '../../examples/dining-philosophers.ts');
const dist = path.resolve(__dirname, '../../dist');

describe('extension: export the run', function () {
  this.timeout(30_000);
  let trace: Uint8Array;
  let dir: string;
  before(async () => {
    const result = await run({ file: philosophers, timeoutSeconds: 10 });
    trace = encodeTraceBinary(result.trace);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-export-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes Chrome Trace Event JSON with a track per thread and the lock holds', () => {
    const out = path.join(dir, 'run.trace.json');
    const bytes = exportRun('chrome', trace, out);
    assert.equal(bytes, fs.statSync(out).size);
    const json = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      traceEvents: { ph: string; name: string; args?: Record<string, unknown> }[];
    };
    const threadNames = json.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.name);
    for (const name of ['MainThread', 'Plato', 'Kant', 'Descartes', 'Hume', 'Confucius'])
      assert.ok(threadNames.includes(name), `${name} in ${JSON.stringify(threadNames)}`);
    assert.ok(
      json.traceEvents.some((e) => /fork 1/.test(e.name)),
      'a span names fork 1',
    );
  });

  it('writes the standalone HTML report with the trace and the snippet inlined', function () {
    assert.ok(fs.existsSync(path.join(dist, 'webview.js')), 'dist/webview.js is missing: run npm run build');
    const out = path.join(dir, 'run.html');
    const source = fs.readFileSync(philosophers, 'utf8');
    exportRun('html', trace, out, { sources: [{ file: philosophers, text: source }], assetsDir: dist });
    const html = fs.readFileSync(out, 'utf8');
    assert.match(html, /<title>Threadlanes — dining-philosophers\.ts \(deadlock\)<\/title>/);
    assert.match(html, /id="threadlanes-meta"/);
    assert.match(html, /class="threadlanes-trace"/);
    assert.ok(html.includes('right.acquire()'), 'the snippet is inlined for the sites');
  });

  it("suggests a file name next to the snippet, and validates the panel's message", () => {
    assert.equal(exportFileName('/w/dining-philosophers.ts', 'chrome'), 'dining-philosophers.trace.json');
    assert.equal(exportFileName('C:\\w\\a.mjs', 'html'), 'a.threads.html');
    assert.deepEqual(parseFromPanel({ type: 'export', format: 'chrome' }), { type: 'export', format: 'chrome' });
    assert.deepEqual(parseFromPanel({ type: 'export', format: 'html', extra: 1 }), { type: 'export', format: 'html' });
    assert.equal(parseFromPanel({ type: 'export', format: 'pdf' }), undefined);
    assert.equal(parseFromPanel({ type: 'export' }), undefined);
  });
});
