/**
 * The panel app as VS Code hosts it: a page that stands in for the webview (acquireVsCodeApi()
 * records what the panel posts) and sends the run as the extension does (a `load` message with
 * the .tltrace bytes). Checks the Export buttons post their messages, and that a narrow panel
 * (beside the editor, 640 px) neither scrolls sideways nor cuts off the banner and the sidebar.
 * Screenshots in test-results/.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { run } from '../../src/harness/run';
import { encodeTraceBinary } from '../../src/trace/file';
import { launchBrowser, resultPath, root, writeHostedPage, type Browser } from './browser';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-vscode-host-'));
const philosophers = path.join(root, 'examples', 'dining-philosophers.ts');

/** Opens the stand-in webview and loads the run; resolves when its first frame is painted. */
async function openHosted(browser: Browser, traceBase64: string, width: number, about?: unknown): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 700 });
  await page.goto(`file://${path.join(dir, 'webview.html')}`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  await page.evaluate(
    ([base64, about]) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      window.postMessage({ type: 'load', requestId: 1, trace: bytes, sources: [], ...(about ? { about } : {}) }, '*');
    },
    [traceBase64, about] as const,
  );
  await page.waitForFunction(() => window.__threadlanes?.ready === true || window.__threadlanes?.error !== undefined, undefined, {
    timeout: 60_000,
  });
  assert.equal(await page.evaluate(() => window.__threadlanes.error), undefined);
  return page;
}

describe('webview: the panel hosted in VS Code (a stand-in webview in Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let traceBase64: string;

  before(async () => {
    const result = await run({ file: philosophers, timeoutSeconds: 10 });
    traceBase64 = Buffer.from(encodeTraceBinary(result.trace)).toString('base64');
    writeHostedPage(dir);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has Export buttons that post a typed export message to the extension', async () => {
    const page = await openHosted(browser, traceBase64, 1280);
    await page.getByRole('button', { name: /Chrome Trace Event JSON/ }).click();
    await page.getByRole('button', { name: /self-contained HTML page/ }).click();
    const exports = await page.evaluate(() =>
      (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'export'),
    );
    assert.deepEqual(exports, [
      { type: 'export', format: 'chrome' },
      { type: 'export', format: 'html' },
    ]);
    await page.screenshot({ path: resultPath('vscode-host-1280.png') });
    await page.close();
  });

  it("has Re-run and Find deadlock buttons, and shows a found schedule's seed and sentence", async () => {
    const note = 'Found a deadlock after 3 schedules — seed 2, strategy random. Re-run replays it.';
    const page = await openHosted(browser, traceBase64, 1280, { schedule: { strategy: 'random', seed: 2, steps: 10 }, note });
    await page.getByRole('button', { name: /^Run the snippet again/ }).click();
    await page.getByRole('button', { name: /many controlled schedules/ }).click();
    const posted = await page.evaluate(() =>
      (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'rerun' || m.type === 'findDeadlock'),
    );
    assert.deepEqual(posted, [{ type: 'rerun' }, { type: 'findDeadlock' }]);
    assert.equal(await page.getByTestId('run-note').textContent(), note);
    assert.match((await page.locator('.summary-facts').textContent()) ?? '', /· seed 2, strategy random$/);
    await page.close();
  });

  it('fits a narrow panel (640 px, beside the editor): no sideways scroll, the banner and the sidebar below the lanes', async () => {
    const page = await openHosted(browser, traceBase64, 640);
    await page.screenshot({ path: resultPath('vscode-host-640.png') });
    await page.screenshot({ path: resultPath('vscode-host-640-full.png'), fullPage: true });
    // No named functions inside evaluate: tsx would wrap them in a helper the page lacks.
    const [banner, sidebar, lanes] = await page.evaluate(() =>
      ['[data-testid="deadlock-banner"]', '.sidebar', 'canvas.lanes'].map((selector) => {
        const r = document.querySelector(selector)!.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width };
      }),
    );
    const widths = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    const layout = { ...widths, banner: banner, sidebar: sidebar, lanes: lanes };
    assert.ok(layout.scrollWidth <= layout.clientWidth, JSON.stringify(layout));
    assert.ok(layout.banner.right <= 640 && layout.banner.left >= 0, JSON.stringify(layout.banner));
    assert.ok(layout.sidebar.right <= 640 && layout.sidebar.width >= 560, JSON.stringify(layout.sidebar));
    assert.ok(layout.sidebar.top >= layout.lanes.bottom, `the sidebar is below the lanes: ${JSON.stringify(layout)}`);
    assert.ok(layout.lanes.width >= 560, JSON.stringify(layout.lanes));
    await page.close();
  });
});
