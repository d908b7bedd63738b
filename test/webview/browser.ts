/**
 * Shared by the browser tests and bench/panel.ts: Debian's Chromium through playwright-core,
 * headless, with a fresh profile, and reports written by the built CLI.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const root = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const resultsDir = path.join(root, 'test-results');

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium" (.ci/run does)`);
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the built CLI on a snippet with --html; returns the report path and the CLI's exit code. */
export function writeReport(snippet: string, outputPath: string, extraArgs: string[] = []): { code: number | null; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'dist', 'cli.js'), 'run', snippet, '--html', outputPath, '--no-color', ...extraArgs],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (!fs.existsSync(outputPath)) throw new Error(`no report written for ${snippet} (exit ${result.status}): ${result.stderr}`);
  return { code: result.status, stderr: result.stderr };
}

/** Opens a report and waits until its first frame is painted (window.__threadlanes.ready). */
export async function openReport(context: BrowserContext, reportPath: string, timeoutMs = 60_000): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`file://${reportPath}`);
  await page.waitForFunction(() => window.__threadlanes?.ready === true || window.__threadlanes?.error !== undefined, undefined, {
    timeout: timeoutMs,
  });
  const error = await page.evaluate(() => window.__threadlanes.error);
  if (error) throw new Error(`the report did not load: ${error}`);
  return page;
}

/**
 * The panel as the VS Code webview hosts it, without VS Code: a page with a stand-in
 * `acquireVsCodeApi` that keeps what the panel posts in `window.__posted`. Written to
 * `dir/webview.html` (or `dir/<name>`); returns its path. `state`: what getState() returns, as
 * for a webview VS Code revives with the view it kept.
 */
export function writeHostedPage(dir: string, options: { name?: string; state?: unknown } = {}): string {
  const dist = path.join(root, 'dist');
  const page = path.join(dir, options.name ?? 'webview.html');
  fs.writeFileSync(
    page,
    `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="file://${dist}/webview.css"></head>
<body><div id="app"></div>
<script>
window.__posted = [];
function acquireVsCodeApi() { return { postMessage: (m) => window.__posted.push(m), getState: () => (${options.state === undefined ? 'undefined' : JSON.stringify(options.state)}), setState: () => undefined }; }
</script>
<script src="file://${dist}/webview.js"></script>
</body></html>`,
  );
  return page;
}

export function resultPath(name: string): string {
  fs.mkdirSync(resultsDir, { recursive: true });
  return path.join(resultsDir, name);
}
