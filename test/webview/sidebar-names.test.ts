/**
 * Long names in the sidebar of the HTML report (Chromium): a 5,000-character thread name and
 * lock name are cut with an ellipsis where the sidebar shows them (the deadlock inspector, the
 * locks list), and the element that shows one has the whole name as its tooltip (title).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchBrowser, openReport, writeReport, type Browser } from './browser';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-sidebar-'));
const THREAD = `T${'t'.repeat(5000)}`;
const LOCK = `L${'l'.repeat(5000)}`;

describe('webview: long names in the sidebar', function () {
  this.timeout(180_000);
  let browser: Browser;
  let report: string;

  before(async () => {
    const snippet = path.join(dir, 'long-names.ts');
    // Deadlocks for certain: both threads hold their first lock before either takes the second.
    // The long name's line is within two lines of both blocking sites, so the source excerpt the
    // failure's focus shows (whichever thread blocked last) has it too.
    fs.writeFileSync(
      snippet,
      `import { Thread, Lock, Barrier } from "threadlanes";
const a = new Lock(${JSON.stringify(LOCK)});
const b = new Lock("B");
const both = new Barrier(2);
const NAME = ${JSON.stringify(THREAD)};
function ab() { a.withLock(() => { both.wait(); b.withLock(() => {}); }); }
function ba() { b.withLock(() => { both.wait(); a.withLock(() => {}); }); }
export function main() {
  const ts = [new Thread({ target: ab, name: NAME }), new Thread({ target: ba })];
  ts.forEach((t) => t.start());
  ts.forEach((t) => t.join());
}
`,
    );
    report = path.join(dir, 'long-names.html');
    assert.equal(writeReport(snippet, report).code, 2);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  it('cuts long names with an ellipsis and puts the whole name in the tooltip', async () => {
    const page = await openReport(browser.context, report);
    // Once the page has settled: the failure's focus shows the blocked thread in the inspector after the first render.
    await page.evaluate(() => window.__threadlanes.panel!.nextFrame());
    await page.evaluate(() => window.__threadlanes.panel!.nextFrame());
    // No named functions inside evaluate: the test's transpiler would wrap them in a helper the page does not have.
    const found = await page.evaluate(
      ([thread, lock]) => {
        const sidebar = document.querySelector('aside.sidebar')!;
        const cut = Array.from(sidebar.querySelectorAll<HTMLElement>('[title]')).filter((e) => e.textContent.includes('…'));
        return {
          // What is shown: the text outside SVG <title> elements (tooltips).
          text: Array.from(sidebar.querySelectorAll('*'))
            .filter((e) => e.localName !== 'title' && !e.closest('title'))
            .flatMap((e) => Array.from(e.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE))
            .map((n) => n.textContent)
            .join(''),
          threadTitles: cut.filter((e) => e.title.includes(thread)).length,
          lockTitles: cut.filter((e) => e.title.includes(lock)).length,
          svgTitles: Array.from(sidebar.querySelectorAll('title')).filter((t) => t.textContent === thread).length,
          lockCell: document.querySelector('table.locks .lock-name')?.textContent ?? '',
        };
      },
      [THREAD, LOCK],
    );
    assert.ok(!found.text.includes(THREAD), 'the thread name is not shown whole');
    assert.ok(!found.text.includes(LOCK), 'the lock name is not shown whole');
    assert.ok(found.text.includes(`${THREAD.slice(0, 79)}…`), 'the thread name is shown cut');
    assert.ok(found.threadTitles > 0, 'the thread name is in a tooltip');
    assert.ok(found.svgTitles > 0, "the cycle graph's own tooltips keep the whole name");
    assert.ok(found.lockTitles > 0, 'the lock name is in a tooltip');
    assert.ok(found.lockCell.length <= 120, found.lockCell.slice(0, 200));
    await page.close();
  });
});
