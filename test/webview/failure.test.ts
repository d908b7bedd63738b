/**
 * A run that failed opens on its failure (issue 11: the schedule a hunt found is replayed and
 * shown at the failure), in Chromium: a deadlock sent as the extension sends a hunt's replay (the
 * stand-in webview), and an uncaught exception in the standalone report. Both runs are in
 * controlled mode, so they are the same every time; each does work first, so the failure is a
 * small part of the run. Checked through the page's test hook: the first view contains the
 * failure (and is narrower than the run), its threads are the selected and highlighted ones,
 * the sidebar explains it; the user's zoom is never taken back, and a view the host kept wins.
 * The livelock's focus is checked without a browser. Screenshots in test-results/.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { buildTimeline } from '../../src/analysis/timeline';
import { run } from '../../src/harness/run';
import type { ViewState } from '../../src/shared/protocol';
import { decodeTraceBinary, encodeTraceBinary } from '../../src/trace/file';
import { ThreadState, type Trace } from '../../src/trace/format';
import { failureOf, failureRange } from '../../src/webview/layout/failure';
import { launchBrowser, openReport, resultPath, writeHostedPage, writeReport, type Browser } from './browser';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-failure-'));

/** Two busy threads first; then `first` and `second` take a and b in opposite orders, and the events make sure both hold one. */
const DEADLOCK = `import { Event, Lock, Thread } from "threadlanes";
const a = new Lock("a");
const b = new Lock("b");
const aTaken = new Event("a taken");
const bTaken = new Event("b taken");
const warm = new Lock("warm-up");
function first(): void {
  a.acquire();
  aTaken.set();
  bTaken.wait();
  b.acquire();
}
function second(): void {
  b.acquire();
  bTaken.set();
  aTaken.wait();
  a.acquire();
}
function busy(): void {
  for (let i = 0; i < 200; i++) warm.withLock(() => undefined);
}
export function main(): void {
  const warmers = [1, 2].map((n) => new Thread({ target: busy, name: \`busy \${n}\` }));
  for (const t of warmers) t.start();
  for (const t of warmers) t.join();
  const t1 = new Thread({ target: first, name: "first" });
  const t2 = new Thread({ target: second, name: "second" });
  t1.start();
  t2.start();
  t1.join();
  t2.join();
}
`;

/** worker 1 throws at line 5 after 100 acquisitions; the others go on for 200 more. */
const EXCEPTION = `import { Lock, Thread } from "threadlanes";
const lock = new Lock("lock");
function worker(n: number): void {
  for (let i = 0; i < 100; i++) lock.withLock(() => undefined);
  if (n === 1) throw new Error("worker 1 gave up");
  for (let i = 0; i < 200; i++) lock.withLock(() => undefined);
}
export function main(): void {
  const threads = [0, 1, 2].map((n) => new Thread({ target: worker, args: [n], name: \`worker \${n}\` }));
  for (const t of threads) t.start();
  for (const t of threads) t.join();
}
`;

/** Nobody ever sets the flag: the spinner spins until controlled mode calls it a livelock. */
const LIVELOCK = `import { Lock, Thread, Value } from "threadlanes";
const flag = new Value(0, "flag");
const lock = new Lock("lock");
function spinner(): void {
  while (flag.value === 0) {
    // nobody ever sets it
  }
}
function worker(): void {
  for (let i = 0; i < 20; i++) lock.withLock(() => undefined);
}
export function main(): void {
  const w = new Thread({ target: worker, name: "worker" });
  w.start();
  w.join();
  const t = new Thread({ target: spinner, name: "spinner" });
  t.start();
  t.join();
}
`;

type Highlighted = { selectedThread: string | undefined; threads: string[]; objects: string[]; siteIndex: number | undefined };

function viewState(page: Page): Promise<ViewState> {
  return page.evaluate(() => window.__threadlanes.panel!.viewState());
}

function highlighted(page: Page): Promise<Highlighted> {
  return page.evaluate(() => window.__threadlanes.panel!.highlighted());
}

/** The start of the last Blocked interval of a thread (when its blocking acquire began). */
function blockedSinceNs(trace: Trace, name: string): number {
  const model = buildTimeline(trace);
  const states = model.threads.find((t) => t.name === name)!.states;
  for (let i = states.count - 1; i >= 0; i--) if (states.state[i] === ThreadState.Blocked) return states.startNs[i];
  throw new Error(`${name} never blocked`);
}

/** Opens the stand-in webview (page `name` in dir) and sends the run as the extension does. */
async function openHosted(browser: Browser, name: string, traceBase64: string, about: unknown): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`file://${path.join(dir, name)}`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  await page.evaluate(
    ([base64, about]) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      window.postMessage({ type: 'load', requestId: 1, trace: bytes, sources: [], about }, '*');
    },
    [traceBase64, about] as const,
  );
  await page.waitForFunction(() => window.__threadlanes?.ready === true || window.__threadlanes?.error !== undefined, undefined, {
    timeout: 60_000,
  });
  assert.equal(await page.evaluate(() => window.__threadlanes.error), undefined);
  return page;
}

describe('webview: a failed run opens on its failure', function () {
  this.timeout(180_000);
  let browser: Browser;
  let deadlock: Trace;
  let deadlockBase64: string;
  let exception: Trace;
  const exceptionReport = path.join(dir, 'exception.html');
  const exceptionFile = path.join(dir, 'worker-gives-up.ts');
  const hunt = {
    schedule: { strategy: 'random', seed: 0, steps: 60 },
    note: 'Found a deadlock after 1 schedule — seed 0, strategy random. Re-run replays it.',
  };

  before(async () => {
    const deadlockFile = path.join(dir, 'abba-late.ts');
    fs.writeFileSync(deadlockFile, DEADLOCK);
    const result = await run({ file: deadlockFile, mode: 'controlled', seed: 0, timeoutSeconds: 30 });
    assert.equal(result.outcome, 'deadlock');
    deadlock = result.trace;
    deadlockBase64 = Buffer.from(encodeTraceBinary(deadlock)).toString('base64');
    fs.writeFileSync(exceptionFile, EXCEPTION);
    const tracePath = path.join(dir, 'exception.tltrace');
    writeReport(exceptionFile, exceptionReport, ['--mode', 'controlled', '--seed', '0', '--trace', tracePath]);
    exception = decodeTraceBinary(new Uint8Array(fs.readFileSync(tracePath)));
    writeHostedPage(dir);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a hunt's deadlock opens zoomed on the blocking acquires, its threads selected and its site in the inspector", async () => {
    const page = await openHosted(browser, 'webview.html', deadlockBase64, hunt);
    const detectedAtNs = deadlock.header.deadlock!.detectedAtNs;
    const acquires = [blockedSinceNs(deadlock, 'first'), blockedSinceNs(deadlock, 'second')];
    const model = buildTimeline(deadlock);
    const state = await viewState(page);
    for (const timeNs of [detectedAtNs, ...acquires])
      assert.ok(state.startNs <= timeNs && timeNs <= state.endNs, `${timeNs} in [${state.startNs}, ${state.endNs}]`);
    assert.ok(state.endNs - state.startNs < (model.endNs - model.startNs) / 5, 'zoomed in on the deadlock, not the whole run');
    assert.equal(await page.evaluate(() => window.__threadlanes.panel!.failure()?.kind), 'deadlock');
    const focus = await highlighted(page);
    assert.deepEqual([...focus.threads].sort(), ['first', 'second']);
    assert.ok(focus.selectedThread === 'first' || focus.selectedThread === 'second', `selected: ${focus.selectedThread}`);
    assert.deepEqual([...focus.objects].sort(), ['a', 'b']);
    // The inspector shows the site of the thread that closed the cycle (the one selected), without asking the editor.
    assert.notEqual(focus.siteIndex, undefined);
    assert.equal(await page.locator('button.site[aria-pressed="true"] .site-thread').innerText(), focus.selectedThread);
    assert.match(
      await page.getByTestId('site-view').innerText(),
      new RegExp(`${focus.selectedThread} is blocked at .*abba-late\\.ts:(11|17)`),
    );
    const posted = await page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted.map((m) => m.type));
    assert.ok(!posted.includes('reveal'), 'nothing is opened in the editor unasked');
    assert.equal(await page.getByTestId('run-note').textContent(), hunt.note);
    assert.match((await page.locator('#status').textContent()) ?? '', /^Showing a deadlock at .*: (first, second|second, first)$/);
    await page.screenshot({ path: resultPath('failure-deadlock.png') });
    await page.close();
  });

  it("never takes the user's zoom back; Show deadlock puts the view on it again", async () => {
    const page = await openHosted(browser, 'webview.html', deadlockBase64, hunt);
    const focused = await viewState(page);
    await page.locator('canvas.lanes').focus();
    await page.keyboard.press('0');
    const fitted = await viewState(page);
    assert.ok(fitted.endNs - fitted.startNs > (focused.endNs - focused.startNs) * 5, 'fit all');
    // A theme change and new findings build the sidebar again and paint again: the view stays.
    await page.evaluate(() => document.body.classList.add('vscode-dark'));
    await page.evaluate(() => window.__threadlanes.panel!.setFindings([], undefined));
    await page.evaluate(() => window.__threadlanes.panel!.nextFrame());
    await page.waitForTimeout(350); // past the debounce of the saved view state
    assert.deepEqual(await viewState(page), fitted);
    await page.getByRole('button', { name: /Zoom to the deadlock/ }).click();
    const again = await viewState(page);
    assert.ok(Math.abs(again.startNs - focused.startNs) < 1 && Math.abs(again.endNs - focused.endNs) < 1, 'the same view as at first');
    await page.close();
  });

  it('a view the host kept (a revived panel) wins over the failure', async () => {
    const model = buildTimeline(deadlock);
    const kept: ViewState = {
      version: 1,
      startNs: model.startNs,
      endNs: model.startNs + (model.endNs - model.startNs) / 3,
      scrollTopCssPx: 0,
      filterText: '',
      laneFilter: 'all',
      showHandoffs: false,
      lockSort: { key: 'waitNs', descending: true },
    };
    writeHostedPage(dir, { name: 'revived.html', state: kept });
    const page = await openHosted(browser, 'revived.html', deadlockBase64, {});
    const state = await viewState(page);
    assert.equal(state.startNs, kept.startNs);
    assert.equal(state.endNs, kept.endNs);
    assert.equal((await highlighted(page)).threads.length, 0, 'no focus put on it');
    // The next run sent to the same page is a new run: it opens on its failure.
    await page.evaluate((base64) => {
      window.__threadlanes.ready = false;
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      window.postMessage({ type: 'load', requestId: 2, trace: bytes, sources: [] }, '*');
    }, deadlockBase64);
    await page.waitForFunction(() => window.__threadlanes.ready === true);
    const next = await viewState(page);
    const detectedAtNs = deadlock.header.deadlock!.detectedAtNs;
    assert.ok(next.startNs <= detectedAtNs && detectedAtNs <= next.endNs && next.endNs - next.startNs < (kept.endNs - kept.startNs) / 2);
    await page.close();
  });

  it('an uncaught exception in the standalone report opens at the throw, its thread selected, the exception in the sidebar', async () => {
    const page = await openReport(browser.context, exceptionReport);
    const [thrown] = exception.header.exceptions;
    const model = buildTimeline(exception);
    const failedNs = model.markers.find((m) => m.kind === 'exception')!.timeNs;
    const state = await viewState(page);
    for (const timeNs of [thrown.timeNs, failedNs])
      assert.ok(state.startNs <= timeNs && timeNs <= state.endNs, `${timeNs} in [${state.startNs}, ${state.endNs}]`);
    assert.ok(state.endNs - state.startNs < (model.endNs - model.startNs) / 5, 'zoomed in on the throw');
    const failure = await page.evaluate(() => window.__threadlanes.panel!.failure());
    assert.equal(failure?.kind, 'exception');
    assert.equal(failure?.atNs, thrown.timeNs);
    const focus = await highlighted(page);
    assert.equal(focus.selectedThread, 'worker 1');
    assert.deepEqual(focus.threads, ['worker 1']);
    assert.deepEqual(focus.objects, []);
    // The sidebar: which thread, what it raised, the line (from the report's own copy of the source).
    const section = page.getByTestId('failure');
    assert.equal(await section.locator('h2').innerText(), '✕ Uncaught exception in worker 1');
    assert.equal(await page.getByTestId('failure-message').innerText(), 'Error: worker 1 gave up');
    assert.match(await page.getByTestId('failure-site').innerText(), /worker 1 raised it at .*worker-gives-up\.ts:5:\d+/);
    assert.match(await section.locator('.source-line.current').innerText(), /throw new Error\("worker 1 gave up"\)/);
    assert.equal(await section.getByRole('button', { name: /in the editor/ }).count(), 0, 'no editor behind a report');
    assert.equal(await page.getByRole('button', { name: /Zoom to the exception/ }).innerText(), 'Show exception');
    await page.screenshot({ path: resultPath('failure-exception.png') });
    await page.close();
  });

  it('a livelock focuses on the spinning thread and its line, over the spin (the whole run here)', async () => {
    const file = path.join(dir, 'spin.ts');
    fs.writeFileSync(file, LIVELOCK);
    const result = await run({ file, mode: 'controlled', seed: 0, timeoutSeconds: 30 });
    assert.equal(result.outcome, 'livelock');
    const model = buildTimeline(result.trace);
    const failure = failureOf(model, result.trace.header.exceptions)!;
    assert.equal(failure.kind, 'livelock');
    assert.deepEqual(
      failure.laneIndices.map((i) => model.threads[i].name),
      ['spinner'],
    );
    const site = model.sites[failure.siteId];
    assert.equal(`${path.basename(site.file)}:${site.line}`, 'spin.ts:5');
    assert.match(failure.title, /^spinner spun [\d,]+ steps at .*spin\.ts:5 without any thread making progress/);
    assert.equal(failure.toNs, model.endNs);
    // Nothing but the spin after the spinner started: that is most of the run, so the whole run shows.
    assert.equal(failureRange(failure, model.startNs, model.endNs), undefined);
  });
});
