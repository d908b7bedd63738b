/**
 * Potential deadlocks and data races in the panel's sidebar, in Chromium: the standalone report
 * of bank-transfer.ts (a lock-order inversion the run did not deadlock on) and of a racy snippet
 * run with --record-shared, and the panel as VS Code hosts it (a stand-in webview). Checks the
 * sections' text, that a site posts `reveal` with its line, that a finding can be picked, that
 * nothing shows when there is nothing to say, and the dark theme. Screenshots in test-results/.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { run } from '../../src/harness/run';
import { encodeTraceBinary } from '../../src/trace/file';
import { launchBrowser, openReport, resultPath, root, writeHostedPage, writeReport, type Browser } from './browser';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-findings-'));
const bank = path.join(root, 'examples', 'bank-transfer.ts');

/** Two races: `hits` written at line 5 and read at line 8, and slots[2] written by two threads. */
const RACY = `import { SharedArray, Thread, Value } from "threadlanes";
const hits = new Value(0, "hits");
const slots = new SharedArray(4, "slots");
function writer(): void {
  hits.value = 1;
}
function reader(): void {
  console.log(\`seen \${hits.value}\`);
}
function filler(): void {
  slots[2] = 7;
}
export function main(): void {
  const threads = [
    new Thread({ target: writer, name: "writer" }),
    new Thread({ target: reader, name: "reader" }),
    new Thread({ target: filler, name: "filler 1" }),
    new Thread({ target: filler, name: "filler 2" }),
  ];
  for (const thread of threads) thread.start();
  for (const thread of threads) thread.join();
}
`;

type Reveal = { type: 'reveal'; file: string; line: number; col: number };

async function reveals(page: Page): Promise<Reveal[]> {
  return page.evaluate(() => window.__threadlanes.posted.filter((m) => m.type === 'reveal'));
}

function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  return problems;
}

describe('webview: potential deadlocks and data races in the sidebar', function () {
  this.timeout(180_000);
  let browser: Browser;
  const reports: Record<string, string> = {};
  const racyFile = path.join(dir, 'racy.ts');

  before(async () => {
    reports.bank = path.join(dir, 'bank-transfer.html');
    writeReport('examples/bank-transfer.ts', reports.bank);
    fs.writeFileSync(racyFile, RACY);
    reports.racy = path.join(dir, 'racy.html');
    writeReport(racyFile, reports.racy, ['--record-shared']);
    reports.philosophers = path.join(dir, 'dining-philosophers.html');
    writeReport('examples/dining-philosophers.ts', reports.philosophers);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the lock-order inversion of bank-transfer.ts with both orders and their sites', async () => {
    const page = await openReport(browser.context, reports.bank);
    const problems = watchErrors(page);
    const section = page.locator('[data-testid="potential-deadlocks"]');
    assert.equal(await section.count(), 1);
    assert.equal(await section.locator('h2').innerText(), '⚠ Potential deadlocks (1)');
    const finding = section.locator('li.finding');
    assert.equal(await finding.count(), 1);
    assert.equal(await finding.locator('button.finding-title').innerText(), 'alice ⇄ bob');
    const steps = (await finding.locator('li.finding-step').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
    assert.deepEqual(steps.sort(), [
      'pay-alice takes alice while holding bob bob taken at bank-transfer.ts:23 alice taken at bank-transfer.ts:24',
      'pay-bob takes bob while holding alice alice taken at bank-transfer.ts:23 bob taken at bank-transfer.ts:24',
    ]);
    assert.match(
      (await finding.getAttribute('title')) ?? '',
      /^Lock-order inversion: .*a potential deadlock, even though this run did not deadlock on it/,
    );
    // Not a deadlock of this run: no banner, no inspector.
    assert.equal(await page.locator('[data-testid="deadlock-banner"]').count(), 0);
    // Races were not looked for (no --record-shared), and the report says so once, without a heading.
    assert.equal(await page.locator('[data-testid="data-races"]').count(), 0);
    assert.equal(
      await page.locator('[data-testid="races-unchecked"]').innerText(),
      'Data races: not checked (to check, run with --record-shared).',
    );
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('clicking a site posts reveal with its line and shows the line; the finding can be picked', async () => {
    const page = await openReport(browser.context, reports.bank);
    const step = page.locator('li.finding-step', { hasText: 'pay-bob takes bob' });
    await step.locator('button.finding-site', { hasText: 'bob taken at' }).click();
    const posted = await reveals(page);
    assert.equal(posted.length, 1);
    assert.equal(posted[0].file, 'examples/bank-transfer.ts');
    assert.equal(posted[0].line, 24);
    const source = fs.readFileSync(bank, 'utf8').split('\n');
    assert.match(source[posted[0].line - 1], /toLock\.withLock/);
    const view = page.locator('[data-testid="potential-deadlocks-site"]');
    assert.match(await view.innerText(), new RegExp(`examples/bank-transfer\\.ts:24:${posted[0].col}`));
    assert.match(await view.locator('.source-line.current').innerText(), /toLock\.withLock/);
    // The hold site of the same step: line 23, the outer withLock.
    await step.locator('button.finding-site', { hasText: 'alice taken at' }).click();
    const [, second] = await reveals(page);
    assert.equal(second.line, 23);
    assert.match(source[22], /fromLock\.withLock/);
    // Picking the finding keeps its locks and threads highlighted; again lets go.
    const title = page.locator('button.finding-title');
    await title.click();
    assert.equal(await title.getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('li.finding.selected').count(), 1);
    await page.evaluate(() => window.__threadlanes.panel!.nextFrame());
    await page.screenshot({ path: resultPath('findings-bank-transfer.png') });
    await title.click();
    assert.equal(await title.getAttribute('aria-pressed'), 'false');
    await page.close();
  });

  it('lists data races with the object, the index, both accesses and the count', async () => {
    const page = await openReport(browser.context, reports.racy);
    const problems = watchErrors(page);
    const section = page.locator('[data-testid="data-races"]');
    assert.equal(await section.locator('h2').innerText(), '⚠ Data races (2)');
    const titles = await section.locator('button.finding-title').allInnerTexts();
    assert.deepEqual(titles.sort(), ['hits', 'slots[2]']);
    const hits = section.locator('li.finding', { has: page.locator('button.finding-title', { hasText: /^hits$/ }) });
    assert.equal(await hits.locator('.finding-facts').innerText(), 'read-write · 1 time');
    const accesses = (await hits.locator('li.finding-access').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
    assert.deepEqual(accesses.sort(), ['reader reads at racy.ts:8', 'writer writes at racy.ts:5']);
    const slots = section.locator('li.finding', { has: page.locator('button.finding-title', { hasText: 'slots[2]' }) });
    assert.match(await slots.locator('.finding-facts').innerText(), /^write-write · \d+ times?$/);
    // Both at `slots[2] = 7` (line 11): a SharedArray index has a site of its own.
    assert.deepEqual(
      (await slots.locator('li.finding-access').allInnerTexts()).map((t) => t.replace(/filler \d/, 'filler N').trim()).sort(),
      ['filler N writes at racy.ts:11', 'filler N writes at racy.ts:11'],
    );
    // The read's site reveals line 8.
    await hits.locator('li.finding-access', { hasText: 'reader reads' }).locator('button.finding-site').click();
    const [reveal] = await reveals(page);
    assert.equal(reveal.file, racyFile);
    assert.equal(reveal.line, 8);
    assert.match(await page.locator('[data-testid="data-races-site"] .source-line.current').innerText(), /hits\.value/);
    // Nothing else to report: no potential deadlocks, no "not checked".
    assert.equal(await page.locator('[data-testid="potential-deadlocks"]').count(), 0);
    assert.equal(await page.locator('[data-testid="races-unchecked"]').count(), 0);
    await page.screenshot({ path: resultPath('findings-races.png') });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('shows nothing for the deadlock the run ran into (the inspector explains it)', async () => {
    const page = await openReport(browser.context, reports.philosophers);
    assert.equal(await page.locator('[data-testid="deadlock-banner"]').count(), 1);
    assert.equal(await page.locator('.findings-section').count(), 0);
    assert.equal(await page.locator('[data-testid="races-unchecked"]').count(), 0, 'no shared values, nothing to say');
    await page.close();
  });

  it('reads well in the dark theme', async () => {
    const dark = await launchBrowser({ colorScheme: 'dark' });
    try {
      const page = await openReport(dark.context, reports.bank);
      const heading = await page.locator('[data-testid="potential-deadlocks"] h2').evaluate((h) => getComputedStyle(h).color);
      assert.equal(heading, 'rgb(204, 167, 0)', 'the dark warning colour');
      await page.locator('li.finding').hover();
      await page.screenshot({ path: resultPath('findings-bank-transfer-dark.png') });
      await page.close();
    } finally {
      await dark.close();
    }
  });

  it('in the VS Code webview: the same sections, reveal goes to the host, and the setting is named', async () => {
    const result = await run({ file: bank, timeoutSeconds: 10 });
    const base64 = Buffer.from(encodeTraceBinary(result.trace)).toString('base64');
    const hostPage = writeHostedPage(dir);
    const page = await browser.context.newPage();
    await page.goto(`file://${hostPage}`);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await page.evaluate((encoded) => {
      const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
      window.postMessage({ type: 'load', requestId: 1, trace: bytes, sources: [] }, '*');
    }, base64);
    await page.waitForFunction(() => window.__threadlanes?.ready === true || window.__threadlanes?.error !== undefined, undefined, {
      timeout: 60_000,
    });
    assert.equal(await page.locator('[data-testid="potential-deadlocks"] button.finding-title').innerText(), 'alice ⇄ bob');
    assert.equal(
      await page.locator('[data-testid="races-unchecked"]').innerText(),
      'Data races: not checked (to check, turn on the threadlanes.recordShared setting and run again).',
    );
    await page.locator('li.finding-step', { hasText: 'pay-alice' }).locator('button.finding-site', { hasText: 'alice taken at' }).click();
    const posted = (await page.evaluate(() =>
      (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'reveal'),
    )) as Reveal[];
    assert.equal(posted.length, 1);
    assert.equal(posted[0].file, bank);
    assert.equal(posted[0].line, 24);
    assert.match(await page.locator('[data-testid="potential-deadlocks-site"]').innerText(), /\(opened in the editor\)/);
    await page.close();
  });
});
