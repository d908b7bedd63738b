// UI end-to-end in the real workbench: open the dining philosophers, right-click → Visualise
// threads, and check inside the panel's webview (outer iframe.webview → inner #active-frame) that
// the lanes and the deadlock banner are there, that hovering a lock bar names its owner, and that
// clicking a deadlock site moves the editor's cursor to that line, and that the Export button asks
// where to save (the workbench's save dialog) and writes the Chrome trace. Called by run.mjs.
import * as fs from 'node:fs';
import * as path from 'node:path';

export async function endToEnd(context, url, results, log, workspace) {
  const page = context.pages()[0] ?? (await context.newPage());
  const shot = (name) => page.screenshot({ path: path.join(results, name) });
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  log('workbench loaded');

  const row = page.getByRole('treeitem', { name: /^dining-philosophers\.ts/ });
  await row.waitFor({ timeout: 60_000 });
  await row.click();
  const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
  await editor.getByText('philosopher', { exact: false }).first().waitFor({ timeout: 30_000 });
  log('dining-philosophers.ts open');

  // The menu item appears once the extension's contributions are registered: retry the right-click.
  const item = page.getByRole('menuitem', { name: 'Visualise threads' });
  for (let attempt = 0; ; attempt++) {
    await editor.click({ button: 'right', position: { x: 200, y: 40 } });
    try {
      await item.waitFor({ timeout: 3000 });
      break;
    } catch (error) {
      await page.keyboard.press('Escape');
      if (attempt >= 10) throw error;
    }
  }
  await shot('e2e-1-context-menu.png');
  await item.click();
  log('Visualise threads clicked');

  const webview = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
  await webview.locator('[data-testid="deadlock-banner"]').waitFor({ timeout: 60_000 });
  const frame =
    page.frames().find((f) => f.name() === 'active-frame' || /active-frame/.test(f.url())) ??
    (await (async () => {
      for (const f of page.frames()) if (await f.evaluate(() => !!window.__threadlanes).catch(() => false)) return f;
    })());
  if (!frame) throw new Error('no frame with the panel app');
  await frame.waitForFunction(() => window.__threadlanes?.ready === true, undefined, { timeout: 30_000 });
  const lanes = await webview.locator('#lane-list .lane-name').allTextContents();
  log(`panel lanes: ${lanes.join(', ')}`);
  for (const name of ['MainThread', 'Plato', 'Kant', 'Descartes', 'Hume', 'Confucius'])
    if (!lanes.includes(name)) throw new Error(`no lane ${name}: ${lanes}`);
  const banner = await webview.locator('[data-testid="deadlock-banner"]').innerText();
  if (!/Plato holds fork 1 and waits for fork 2/.test(banner)) throw new Error(`banner: ${banner}`);
  await shot('e2e-2-panel.png');

  // Hover Kant's hold of fork 2 near its end (he still holds it; Plato waits for it).
  const targets = await frame.evaluate(() => window.__threadlanes.panel.hitTargets());
  const bar = targets.find((t) => t.kind === 'hold' && t.name === 'fork 2' && t.thread === 'Kant');
  if (!bar) throw new Error('no hold bar of fork 2 by Kant');
  const canvas = await frame.evaluate(() => {
    const r = document.querySelector('canvas.lanes').getBoundingClientRect();
    return { left: r.left, top: r.top };
  });
  await webview.locator('canvas.lanes').hover({
    position: { x: bar.xCssPx - canvas.left + bar.widthCssPx - 6, y: bar.yCssPx - canvas.top + bar.heightCssPx / 2 },
    force: true,
  });
  const tooltip = webview.locator('#tooltip');
  await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
  const tip = await tooltip.innerText();
  if (!/Owner\s+Kant/.test(tip)) throw new Error(`tooltip: ${tip}`);
  log(`tooltip: ${tip.replace(/\s+/g, ' ').slice(0, 120)}`);
  await shot('e2e-3-hover.png');

  // Click a blocking site: the editor opens at that line (right.acquire(), line 31).
  await webview.locator('button.site').first().click();
  const status = page.locator('.statusbar-item[id="status.editor.selection"]');
  await page.waitForFunction(() => /Ln 31,/.test(document.querySelector('[id="status.editor.selection"]')?.textContent ?? ''), undefined, {
    timeout: 15_000,
  });
  log(`cursor after clicking the site: ${(await status.innerText()).trim()}`);
  await shot('e2e-4-reveal.png');

  // Export the run from the panel's button: the save dialog proposes dining-philosophers.trace.json
  // next to the snippet; accepting it writes the Chrome trace.
  await webview.getByRole('button', { name: /Chrome Trace Event JSON/ }).click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  // The simple dialog fills in the proposed path a moment after it opens.
  for (let i = 0; i < 50 && !/\.trace\.json$/.test(await input.inputValue()); i++) await new Promise((r) => setTimeout(r, 100));
  log(`save dialog: ${await input.inputValue()}`);
  await shot('e2e-5-export-dialog.png');
  await input.press('Enter');
  const target = path.join(workspace, 'dining-philosophers.trace.json');
  let json;
  for (let i = 0; i < 150 && !json; i++) {
    // written by a child process: wait for the whole file
    try {
      json = JSON.parse(fs.readFileSync(target, 'utf8'));
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!json) throw new Error(`no export (or not JSON) at ${target}`);
  if (!json.traceEvents.some((e) => e.name === 'thread_name' && e.args.name === 'Kant'))
    throw new Error('the exported trace has no lane for Kant');
  log(`exported ${path.basename(target)}: ${fs.statSync(target).size} bytes, ${json.traceEvents.length} trace events`);
}
