/**
 * The standalone HTML report in a real browser (Debian's Chromium through playwright-core):
 * reports are written by the built CLI from the examples, opened from disk, and read through
 * the page's accessible DOM and its test hook (window.__threadlanes). Screenshots of each
 * report go to test-results/ (look at them).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, openReport, resultPath, writeReport, type Browser } from './browser';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-report-'));
const HOSTILE = '<img src=x onerror=alert(1)>';

interface Target {
  kind: string;
  tid: number;
  thread: string;
  objectId?: number;
  name?: string;
  xCssPx: number;
  yCssPx: number;
  widthCssPx: number;
  heightCssPx: number;
}

async function hitTargets(page: Page): Promise<Target[]> {
  return page.evaluate(() => window.__threadlanes.panel!.hitTargets());
}

/** Collects what a page must never do: dialogs (an injected alert), CSP violations, errors. */
function watch(page: Page): { dialogs: string[]; problems: string[] } {
  const seen = { dialogs: [] as string[], problems: [] as string[] };
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => seen.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text()))
      seen.problems.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith('file:') && !request.url().startsWith('data:') && !request.url().startsWith('blob:'))
      seen.problems.push(`request: ${request.url()}`);
  });
  return seen;
}

describe('webview: the standalone HTML report in Chromium', function () {
  this.timeout(180_000);
  let browser: Browser;
  const reports: Record<string, string> = {};

  before(async () => {
    for (const example of ['dining-philosophers', 'semaphore-crawler', 'counter-locked']) {
      reports[example] = path.join(dir, `${example}.html`);
      writeReport(`examples/${example}.ts`, reports[example]);
    }
    const hostile = path.join(dir, 'hostile.ts');
    fs.writeFileSync(
      hostile,
      `import { Lock, Thread } from "threadlanes";
const lock = new Lock(${JSON.stringify(HOSTILE)});
function work(): void {
  lock.withLock(() => console.log(${JSON.stringify(`${HOSTILE} <script>alert(2)</script>`)}));
  throw new Error(${JSON.stringify(`${HOSTILE} failed`)});
}
export function main(): void {
  const t = new Thread({ target: work, name: ${JSON.stringify(HOSTILE)} });
  t.start();
  t.join();
}
`,
    );
    reports.hostile = path.join(dir, 'hostile.html');
    writeReport(hostile, reports.hostile);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes one self-contained file: CSP with a nonce, no remote reference, the trace inlined', () => {
    const html = fs.readFileSync(reports['dining-philosophers'], 'utf8');
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;nonce-[A-Za-z0-9+/=]+&#39;/,
    );
    assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]+(src|href)=/i, 'nothing is loaded from elsewhere');
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, 'no URL other than the SVG namespace');
    assert.match(html, /<script type="application\/x-threadlanes-trace" class="threadlanes-trace">/);
  });

  it('shows one lane per thread, MainThread first, named in an accessible list', async () => {
    const page = await openReport(browser.context, reports['dining-philosophers']);
    const seen = watch(page);
    const names = await page.locator('#lane-list .lane-name').allTextContents();
    assert.deepEqual(names, ['MainThread', 'Plato', 'Kant', 'Descartes', 'Hume', 'Confucius']);
    assert.deepEqual(await page.evaluate(() => window.__threadlanes.panel!.laneNames()), names);
    const plato = await page.locator('#lane-list li[data-tid="1"]').textContent();
    assert.match(plato ?? '', /blocked on a lock lock fork 2|blocked on a lock.*fork 2/);
    assert.match(plato ?? '', /holds fork 1/);
    const drawnNames = (await hitTargets(page)).filter((t) => t.kind === 'lane').map((t) => t.thread);
    assert.deepEqual(drawnNames, names, 'the canvas draws the same lanes');
    assert.match((await page.locator('[data-testid="outcome"]').textContent()) ?? '', /Deadlock/);
    await page.screenshot({ path: resultPath('report-dining-philosophers.png') });
    assert.deepEqual(seen.problems, []);
    await page.close();
  });

  it('hovering a hold bar of a lock shows its owner and the threads waiting for it', async () => {
    const page = await openReport(browser.context, reports['dining-philosophers']);
    const bar = (await hitTargets(page)).find((t) => t.kind === 'hold' && t.name === 'fork 2' && t.thread === 'Kant');
    assert.ok(bar, 'Kant holds fork 2 and its bar is drawn');
    // Near the end of the bar: Kant still holds fork 2 and Plato is blocked on it.
    await page.mouse.move(bar.xCssPx + bar.widthCssPx - 6, bar.yCssPx + bar.heightCssPx / 2);
    const tooltip = page.locator('#tooltip');
    await tooltip.waitFor({ state: 'visible' });
    const text = await tooltip.innerText();
    assert.match(text, /fork 2\s+Lock/);
    assert.match(text, /Owner\s+Kant/);
    assert.match(text, /Waiting\s+Plato/);
    assert.match(text, /Acquired at\s+examples\/dining-philosophers\.ts:\d+/);
    assert.match(text, /still held at the end/);
    await page.screenshot({ path: resultPath('report-dining-philosophers-hover.png') });
    // A blocked segment speaks of the lock it waits for.
    const blocked = (await hitTargets(page)).find((t) => t.kind === 'blocked' && t.thread === 'Plato');
    assert.ok(blocked, "Plato's blocked segment is drawn");
    await page.mouse.move(blocked.xCssPx + blocked.widthCssPx / 2, blocked.yCssPx + blocked.heightCssPx / 2);
    await page.waitForFunction(() => /Waiting\s+Plato/.test(document.getElementById('tooltip')?.innerText ?? ''));
    const waiting = await tooltip.innerText();
    assert.match(waiting, /fork 2\s+Lock/);
    assert.match(waiting, /Owner\s+Kant/);
    await page.close();
  });

  it('hovering a lock in the list highlights its holds and shows who holds it', async () => {
    const page = await openReport(browser.context, reports['dining-philosophers']);
    const row = page.locator('table.locks tbody tr', { hasText: 'fork 3' });
    await row.hover();
    const text = await page.locator('#tooltip').innerText();
    assert.match(text, /fork 3/);
    assert.match(text, /Owner\s+Descartes/);
    assert.match(text, /Waiting\s+Kant/);
    await page.close();
  });

  it('the deadlock banner names the cycle; the graph and the blocking sites are shown', async () => {
    const page = await openReport(browser.context, reports['dining-philosophers']);
    const banner = await page.locator('[data-testid="deadlock-banner"]').innerText();
    assert.match(banner, /Plato holds fork 1 and waits for fork 2/);
    for (const name of ['Kant', 'Descartes', 'Hume', 'Confucius', 'fork 5']) assert.ok(banner.includes(name), `the banner names ${name}`);
    assert.equal(await page.locator('.cycle-graph .node-thread').count(), 5);
    assert.equal(await page.locator('.cycle-graph .node-primitive').count(), 5);
    const label = await page.locator('.cycle-graph').getAttribute('aria-label');
    assert.match(label ?? '', /Plato waits for fork 2; fork 2 held by Kant/);
    assert.equal(await page.locator('button.site').count(), 5);
    await page.close();
  });

  it('clicking a deadlock site posts a reveal message and shows the site', async () => {
    const page = await openReport(browser.context, reports['dining-philosophers']);
    const site = page.locator('button.site').first();
    await site.click();
    assert.equal(await site.getAttribute('aria-pressed'), 'true');
    const posted = await page.evaluate(() => window.__threadlanes.posted.filter((m) => m.type === 'reveal'));
    assert.equal(posted.length, 1);
    const reveal = posted[0] as { file: string; line: number; col: number };
    assert.equal(reveal.file, 'examples/dining-philosophers.ts');
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'dining-philosophers.ts'), 'utf8').split('\n');
    assert.match(source[reveal.line - 1], /right\.acquire\(\)/, 'the site is the blocking acquire');
    assert.ok(reveal.col >= 1);
    const view = await page.locator('[data-testid="site-view"]').innerText();
    assert.match(view, new RegExp(`examples/dining-philosophers\\.ts:${reveal.line}:${reveal.col}`));
    assert.match(await page.locator('.source-line.current').innerText(), /right\.acquire\(\)/);
    await page.screenshot({ path: resultPath('report-dining-philosophers-site.png') });
    await page.close();
  });

  it('a thread, a lock and output named like HTML are shown as text and run nothing', async () => {
    const page = await browser.context.newPage();
    const seen = watch(page);
    await page.goto(`file://${reports.hostile}`);
    await page.waitForFunction(() => window.__threadlanes?.ready === true || window.__threadlanes?.error !== undefined);
    const names = await page.locator('#lane-list .lane-name').allTextContents();
    assert.ok(names.includes(HOSTILE), `the lane is named ${HOSTILE} as text (got ${JSON.stringify(names)})`);
    assert.equal(await page.locator('img').count(), 0, 'no img element was made');
    assert.equal(await page.locator('#app script').count(), 0);
    const lockName = await page.locator('table.locks .lock-name').allTextContents();
    assert.ok(lockName.includes(HOSTILE));
    // Hover every marker (output, exception): the text shows as text.
    for (const marker of (await hitTargets(page)).filter((t) => t.kind === 'marker')) {
      await page.mouse.move(marker.xCssPx + marker.widthCssPx / 2, marker.yCssPx + marker.heightCssPx / 2);
      await page.locator('#tooltip').waitFor({ state: 'visible' });
      assert.match(await page.locator('#tooltip').innerText(), /<img src=x onerror=alert\(1\)>/);
    }
    assert.equal(await page.locator('img').count(), 0);
    await page.screenshot({ path: resultPath('report-hostile-names.png') });
    assert.deepEqual(seen.dialogs, [], 'no alert ran');
    assert.deepEqual(seen.problems, []);
    await page.close();
  });

  it('a semaphore hold shows every holder with its permits', async () => {
    const page = await openReport(browser.context, reports['semaphore-crawler']);
    const bars = (await hitTargets(page)).filter(
      (t) => t.kind === 'hold' && t.name === 'semaphore' && t.widthCssPx > 20 && t.thread !== 'Thread-1',
    );
    assert.ok(bars.length >= 3, 'the crawlers hold permits');
    const bar = bars[Math.floor(bars.length / 2)];
    await page.mouse.move(bar.xCssPx + bar.widthCssPx / 2, bar.yCssPx + bar.heightCssPx / 2);
    const text = await page.locator('#tooltip').innerText();
    assert.match(text, /semaphore\s+Semaphore/);
    assert.match(text, /Owners/);
    assert.ok(text.includes(`${bar.thread} (1 permit)`), text);
    assert.match(text, /Permits\s+[1-3] of 3 taken/);
    await page.screenshot({ path: resultPath('report-semaphore-crawler.png') });
    await page.close();
  });

  it('zooms, pans and fits from the keyboard; sorts the locks list; filters lanes', async () => {
    const page = await openReport(browser.context, reports['counter-locked']);
    const before = await page.evaluate(() => window.__threadlanes.panel!.viewState());
    await page.locator('canvas.lanes').focus();
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    const zoomed = await page.evaluate(() => window.__threadlanes.panel!.viewState());
    assert.ok(zoomed.endNs - zoomed.startNs < (before.endNs - before.startNs) * 0.7, 'zoomed in');
    await page.keyboard.press('ArrowRight');
    const panned = await page.evaluate(() => window.__threadlanes.panel!.viewState());
    assert.ok(panned.startNs > zoomed.startNs, 'panned right');
    await page.keyboard.press('0');
    const fitted = await page.evaluate(() => window.__threadlanes.panel!.viewState());
    assert.ok(Math.abs(fitted.endNs - fitted.startNs - (before.endNs - before.startNs)) < 1e3, 'fit all again');
    // A wheel over the lanes zooms around the pointer.
    const box = (await page.locator('canvas.lanes').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + 60);
    await page.mouse.wheel(0, -300);
    await page.waitForFunction((width) => {
      const state = window.__threadlanes.panel!.viewState();
      return state.endNs - state.startNs < width;
    }, fitted.endNs - fitted.startNs);
    // Sorting.
    await page.locator('table.locks thead button', { hasText: 'Acq.' }).click();
    assert.equal(await page.locator('table.locks thead th').nth(1).getAttribute('aria-sort'), 'descending');
    // Filtering lanes by name.
    await page.locator('input.filter').fill('Thread-2');
    assert.deepEqual(await page.locator('#lane-list .lane-name').allTextContents(), ['Thread-2']);
    await page.locator('input.filter').fill('');
    await page.screenshot({ path: resultPath('report-counter-locked.png') });
    await page.close();
  });

  it('follows a dark colour scheme', async () => {
    const dark = await launchBrowser({ colorScheme: 'dark' });
    try {
      const page = await openReport(dark.context, reports['dining-philosophers']);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, 'rgb(30, 30, 30)');
      await page.screenshot({ path: resultPath('report-dining-philosophers-dark.png') });
    } finally {
      await dark.close();
    }
  });
});
