/**
 * GIL mode in the panel (Chromium, a stand-in VS Code webview as in vscodeHost.test.ts): the GIL
 * lane, the "waiting for the GIL" colour and legend entry, the GIL statistics, none of these for
 * a free-mode run, and the compare view (two runs one above the other, on one time scale). The
 * runs are the hand-written trace of gilTrace.ts, in GIL and in free mode. Screenshots in
 * test-results/.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { encodeTraceBinary } from '../../src/trace/file';
import { launchBrowser, resultPath, writeHostedPage, type Browser } from './browser';
import { gilTrace } from './gilTrace';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-gil-'));
const base64 = (gil: boolean) => Buffer.from(encodeTraceBinary(gilTrace({ gil }))).toString('base64');

interface Target {
  kind: string;
  tid: number;
  thread: string;
  xCssPx: number;
  yCssPx: number;
  widthCssPx: number;
  heightCssPx: number;
}

/** Opens the stand-in webview; `message` builds what the host sends from the traces' bytes. */
async function openHosted(browser: Browser, send: { type: 'load'; gil: boolean } | { type: 'compare' }): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`file://${path.join(dir, 'webview.html')}`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  const traces = send.type === 'load' ? [base64(send.gil)] : [base64(false), base64(true)];
  await page.evaluate(
    ([type, encoded]) => {
      const bytes = encoded.map((b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
      if (type === 'load') window.postMessage({ type: 'load', requestId: 1, trace: bytes[0], sources: [] }, '*');
      else
        window.postMessage(
          {
            type: 'compare',
            requestId: 1,
            runs: [
              { label: 'free mode', trace: bytes[0] },
              { label: 'GIL mode', trace: bytes[1] },
            ],
          },
          '*',
        );
    },
    [send.type, traces] as const,
  );
  await page.waitForFunction(() => window.__threadlanes?.ready === true || window.__threadlanes?.error !== undefined, undefined, {
    timeout: 60_000,
  });
  assert.equal(await page.evaluate(() => window.__threadlanes.error), undefined);
  return page;
}

async function targets(page: Page, panelIndex = 0): Promise<Target[]> {
  return page.evaluate((index) => (window.__threadlanes.compare?.[index] ?? window.__threadlanes.panel!).hitTargets(), panelIndex);
}

/** The colour of the lanes canvas at a page point (the canvas is at device pixel ratio 1). */
async function pixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => {
      const canvas = document.querySelector('canvas.lanes') as HTMLCanvasElement;
      const rect = canvas.getBoundingClientRect();
      return [...canvas.getContext('2d')!.getImageData(Math.round(px - rect.left), Math.round(py - rect.top), 1, 1).data];
    },
    [x, y],
  );
}

describe('webview: GIL mode in the panel (Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;

  before(async () => {
    writeHostedPage(dir);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws a GIL lane coloured by the holder, with a tooltip that says who holds it since when', async () => {
    const page = await openHosted(browser, { type: 'load', gil: true });
    const all = await targets(page);
    const gil = all.filter((t) => t.kind === 'gil');
    assert.deepEqual(
      gil.map((t) => t.thread),
      ['MainThread', 'T1', 'T2', 'T1', 'T2', 'T1', 'MainThread', 'T2', 'MainThread'],
    );
    const lanes = all.filter((t) => t.kind === 'lane');
    assert.ok(
      gil.every((t) => t.yCssPx + t.heightCssPx <= lanes[0].yCssPx),
      'the GIL lane is above the thread lanes',
    );
    // Each holder its own colour.
    const t1 = gil.find((t) => t.thread === 'T1' && t.widthCssPx > 20)!;
    const t2 = gil.find((t) => t.thread === 'T2' && t.widthCssPx > 20)!;
    const t1Colour = await pixel(page, t1.xCssPx + 3, t1.yCssPx + 2);
    const t2Colour = await pixel(page, t2.xCssPx + 3, t2.yCssPx + 2);
    assert.notDeepEqual(t1Colour, t2Colour);
    await page.mouse.move(t1.xCssPx + t1.widthCssPx / 2, t1.yCssPx + t1.heightCssPx / 2);
    const tooltip = page.getByTestId('gil-tooltip');
    await tooltip.waitFor();
    const text = (await tooltip.textContent()) ?? '';
    assert.match(text, /Held byT1/);
    assert.match(text, /Since2\.000 ms, 2\.50 ms so far \(this hold: 5\.00 ms\)/);
    assert.match(text, /Waiting for itT2/);
    await page.screenshot({ path: resultPath('gil-panel.png') });
    await page.close();
  });

  it('gives "waiting for the GIL" its own colour and legend entry, unlike being blocked on a lock', async () => {
    const page = await openHosted(browser, { type: 'load', gil: true });
    const all = await targets(page);
    const waits = all.filter((t) => t.kind === 'gil-wait');
    assert.deepEqual([...new Set(waits.map((t) => t.thread))].sort(), ['T1', 'T2']);
    const blocked = all.find((t) => t.kind === 'blocked' && t.widthCssPx > 20)!;
    const wait = waits.find((t) => t.widthCssPx > 20)!;
    const blockedColours = await Promise.all(
      [2, 4, 6, 8].map((dx) => pixel(page, blocked.xCssPx + dx, blocked.yCssPx + blocked.heightCssPx / 2)),
    );
    const waitColours = await Promise.all([2, 4, 6, 8].map((dx) => pixel(page, wait.xCssPx + dx, wait.yCssPx + wait.heightCssPx / 2)));
    const key = (rgba: number[]) => rgba.slice(0, 3).join(',');
    const blockedKeys = new Set(blockedColours.map(key));
    assert.ok(
      waitColours.every((c) => !blockedKeys.has(key(c))),
      `GIL wait ${JSON.stringify(waitColours)} vs blocked ${JSON.stringify(blockedColours)}`,
    );
    const legend = (await page.locator('.legend').textContent()) ?? '';
    assert.match(legend, /waiting for the GIL/);
    assert.match(legend, /blocked on a lock/);
    assert.match(legend, /GIL lane/);
    // The statistics: share of the GIL, GIL wait, switches.
    const section = page.getByTestId('gil-section');
    assert.deepEqual(await section.getByTestId('gil-share').allTextContents(), ['8%', '72%', '19%']);
    assert.match(
      (await section.getByTestId('gil-switches').textContent()) ?? '',
      /^8 switches between threads, 2 of them forced by the 5 ms switch interval\./,
    );
    assert.match((await section.locator('tr[data-tid="2"]').textContent()) ?? '', /T219%7\.00 ms11\.0 ms0/);
    // Hovering a GIL wait says who holds the GIL then.
    await page.mouse.move(wait.xCssPx + wait.widthCssPx / 2, wait.yCssPx + wait.heightCssPx / 2);
    await page.locator('.tooltip').getByText('GIL held by').waitFor();
    await page.close();
  });

  it('shows a free-mode run exactly as before: no GIL lane, state or statistics', async () => {
    const page = await openHosted(browser, { type: 'load', gil: false });
    const all = await targets(page);
    assert.ok(!all.some((t) => t.kind === 'gil' || t.kind === 'gil-wait'));
    assert.ok(all.some((t) => t.kind === 'blocked'));
    const legend = (await page.locator('.legend').textContent()) ?? '';
    assert.doesNotMatch(legend, /GIL/);
    assert.equal(await page.getByTestId('gil-section').count(), 0);
    // The first lane sits right under the axis.
    const canvasTop = (await page.locator('canvas.lanes').boundingBox())!.y;
    assert.equal(all.find((t) => t.kind === 'lane')!.yCssPx - canvasTop, 28);
    await page.close();
  });

  it('compares the free and the GIL run one above the other, on one time scale', async () => {
    const page = await openHosted(browser, { type: 'compare' });
    assert.equal(await page.locator('canvas.lanes').count(), 2);
    const headings = await page.locator('.compare-heading').allTextContents();
    assert.equal(headings.length, 2);
    assert.match(headings[0], /^free mode · /);
    assert.match(headings[1], /^GIL mode · 41\.0 ms · 8 GIL switches/);
    const [free, gil] = [await targets(page, 0), await targets(page, 1)];
    assert.ok(!free.some((t) => t.kind === 'gil'), 'no GIL lane on the free run');
    assert.ok(
      gil.some((t) => t.kind === 'gil'),
      'the GIL lane on the GIL run',
    );
    const top = await page.locator('canvas.lanes').nth(0).boundingBox();
    const bottom = await page.locator('canvas.lanes').nth(1).boundingBox();
    assert.ok(top && bottom && top.y + top.height <= bottom.y, 'free above GIL');
    // One scale: the views span the same time from each run's start, and zooming one zooms both.
    const spans = () =>
      page.evaluate(() =>
        window.__threadlanes.compare!.map((p) => {
          const state = p.viewState();
          return Math.round(state.endNs - state.startNs);
        }),
      );
    const [a, b] = await spans();
    assert.equal(a, b);
    await page.evaluate(() => window.__threadlanes.compare![1].zoomBy(0.5));
    const [c, d] = await spans();
    assert.equal(c, d);
    assert.ok(c < a * 0.6, `zoomed in: ${c} < ${a}`);
    await page.screenshot({ path: resultPath('gil-compare.png') });
    // A later single run replaces the compare view.
    await page.evaluate((b64) => {
      window.postMessage({ type: 'load', requestId: 2, trace: Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)), sources: [] }, '*');
    }, base64(true));
    await page.waitForFunction(() => window.__threadlanes.ready === true && window.__threadlanes.compare === undefined);
    assert.equal(await page.locator('canvas.lanes').count(), 1);
    await page.close();
  });
});
