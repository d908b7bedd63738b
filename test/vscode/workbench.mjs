// Driving code-server's workbench from Chromium, shared by run.mjs (the suites and the UI test)
// and stand-in.mjs (the VS Code executable @vscode/test-electron starts).
import { format } from 'node:util';
import { chromium } from 'playwright-core';

/** Debian's Chromium with the project's flags, in its own profile directory. */
export function launchChromium(profile) {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // Crashpad ignores --user-data-dir: keep its files in the profile too.
    env: { ...process.env, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1500, height: 900 },
  });
}

/**
 * The `payload` query the workbench reads extensionDevelopmentPath/TestsPath from (paths on the
 * server at 127.0.0.1:`port`).
 */
export function testPayload(port, developmentPaths, testsPath) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [
    ...developmentPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
    ['extensionTestsPath', remote(testsPath)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/**
 * Show the extension-host suite's lines of the page's console, and resolve with the code the
 * workbench passes to window.codeAutomationExit when the suite settles.
 */
export function watchExtensionHost(page) {
  const exited = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
  page.on('console', async (message) => {
    let values = await Promise.all(message.args().map((a) => a.jsonValue().catch(() => String(a))));
    if (typeof values[0] === 'string' && values[0].startsWith('%c')) values = values.slice(2);
    const text = format(...values);
    if (/\[ext-tests\]|passing|failing|pending|✔|✓|^\s+\d+\) |Error|Threadlanes in VS Code/.test(text)) console.log('  [exthost]', text);
  });
  return exited;
}
