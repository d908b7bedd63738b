/**
 * npm run bench (second part) — the panel's frame budgets on the 4,000,000-event run, measured
 * in the page with performance.now() (Debian's Chromium, headless, no GPU). Printed, not
 * asserted: the machines are shared and noisy.
 *
 *   1. The report: size of the HTML file for examples/counter-locked-1m.ts, of its trace.
 *   2. Time to first frame: from navigation start to the first painted frame (target < 2 s),
 *      with its parts (reading the inlined trace, building the timeline model).
 *   3. Pan and zoom: the time to paint each frame (target < 16 ms) while zooming from the whole
 *      run down to microseconds and panning there; and the interval between frames.
 *
 *   ROUNDS=5 npm run bench     more page loads (default 3)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchBrowser, openReport, writeReport } from '../test/webview/browser';

const ROUNDS = Number(process.env.ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-bench-panel-'));
  const report = path.join(dir, 'counter-locked-1m.html');
  const example = path.join('examples', 'counter-locked-1m.ts');
  console.log(
    `\nPanel — ${example} as a standalone HTML report, in ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} (headless, no GPU)`,
  );
  const t0 = performance.now();
  writeReport(example, report, ['--json', '--timeout', '120']);
  const writeMs = performance.now() - t0;
  const html = fs.readFileSync(report, 'utf8');
  const meta = JSON.parse(/<script type="application\/json" id="threadlanes-meta">(.*?)<\/script>/s.exec(html)![1]) as {
    traceBytes: number;
    bytes: number;
    encodedBytes: number;
  };
  console.log(`\n1. The report (written by the CLI in ${(writeMs / 1000).toFixed(1)} s, run included)`);
  console.log(
    `   HTML file                   : ${mib(fs.statSync(report).size)} (${fs.statSync(report).size.toLocaleString('en-US')} bytes)`,
  );
  console.log(
    `   trace inside (.tltrace)     : ${mib(meta.traceBytes)}; packed ${mib(meta.bytes)}, gzipped ${mib(meta.encodedBytes)}, base64 in the page`,
  );

  const browser = await launchBrowser();
  try {
    const firstFrame: number[] = [];
    const readMs: number[] = [];
    const modelMs: number[] = [];
    const [base64Ms, gunzipMs, unpackMs] = [[], [], []] as number[][];
    let events = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const page = await openReport(browser.context, report, 120_000);
      const timings = await page.evaluate(() => window.__threadlanes.timings);
      events = await page.evaluate(() =>
        Number(
          document
            .querySelector('.summary-facts')
            ?.textContent?.match(/([\d,]+) events/)?.[1]
            .replace(/,/g, ''),
        ),
      );
      firstFrame.push(timings.firstFrameAtMs ?? NaN);
      readMs.push(timings.readMs ?? NaN);
      modelMs.push(timings.modelMs ?? NaN);
      base64Ms.push(timings.read?.base64Ms ?? NaN);
      gunzipMs.push(timings.read?.gunzipMs ?? NaN);
      unpackMs.push(timings.read?.unpackMs ?? NaN);
      await page.close();
    }
    const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
    console.log(`\n2. Time to first frame — ${events.toLocaleString('en-US')} events, ${ROUNDS} page loads`);
    console.log(`   navigation → first frame    : ${median(firstFrame).toFixed(0)} ms median (${list(firstFrame)}) (target < 2000 ms)`);
    console.log(
      `     reading the inlined trace : ${median(readMs).toFixed(0)} ms (base64 ${median(base64Ms).toFixed(0)}, gunzip ${median(gunzipMs).toFixed(0)}, unpack ${median(unpackMs).toFixed(0)})`,
    );
    console.log(`     building the model        : ${median(modelMs).toFixed(0)} ms (src/analysis/timeline.ts)`);

    const page = await openReport(browser.context, report, 120_000);
    // The script runs in the page as text: tsx would wrap named functions in a helper the page lacks.
    const frames = await page.evaluate<{ paint: number[]; intervals: number[]; zoomedInNs: number }>(`(async () => {
      const panel = window.__threadlanes.panel;
      const paint = [];
      const intervals = [];
      panel.fitAll();
      await panel.nextFrame();
      let last = performance.now();
      const step = async (action) => {
        action();
        paint.push(await panel.nextFrame());
        const now = performance.now();
        intervals.push(now - last);
        last = now;
      };
      const width = document.querySelector('canvas.lanes').getBoundingClientRect().width - 184;
      // Zoom in x0.85 per frame around moving anchors, from the whole run to a few microseconds.
      for (let i = 0; i < 90; i++) await step(() => panel.zoomBy(0.85, width * (0.3 + 0.4 * Math.sin(i / 7) ** 2)));
      const zoomedIn = panel.viewState();
      for (let i = 0; i < 60; i++) await step(() => panel.panBy((i % 20 < 10 ? 1 : -1) * width * 0.05));
      for (let i = 0; i < 90; i++) await step(() => panel.zoomBy(1 / 0.85, width / 2));
      for (let i = 0; i < 60; i++) await step(() => panel.panBy((i % 20 < 10 ? 1 : -1) * width * 0.05));
      return { paint, intervals, zoomedInNs: zoomedIn.endNs - zoomedIn.startNs };
    })()`);
    console.log(
      `\n3. Pan and zoom — ${frames.paint.length} frames: zoom from the whole run to ${(frames.zoomedInNs / 1000).toFixed(1)} µs across, pan, zoom out, pan`,
    );
    console.log(
      `   paint per frame             : median ${median(frames.paint).toFixed(2)} ms, p95 ${percentile(frames.paint, 95).toFixed(2)} ms, max ${Math.max(...frames.paint).toFixed(2)} ms (target < 16 ms)`,
    );
    console.log(
      `   frame to frame              : median ${median(frames.intervals).toFixed(1)} ms, p95 ${percentile(frames.intervals, 95).toFixed(1)} ms (one requestAnimationFrame each)`,
    );
    await page.close();
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
