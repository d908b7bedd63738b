// The extension-host suite (test/vscode/suite/index.cjs) through @vscode/test-electron's runTests():
// offline there is no Electron VS Code to download, so vscodeExecutablePath is test/vscode/stand-in.mjs,
// which runs the suite in a private code-server's extension host. Needs the built extension
// (npm run build) and code-server (bash test/vscode/install.sh).
// Usage: node test/vscode/run-test-electron.mjs
import { runTests } from '@vscode/test-electron';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const standIn = path.join(repo, 'test/vscode/stand-in.mjs');
if (!fs.existsSync(path.join(repo, 'dist/extension.js'))) {
  console.error('dist/extension.js is missing: run npm run build');
  process.exit(1);
}
fs.chmodSync(standIn, 0o755); // runTests spawns it as an executable

// Fresh state: a copy of examples/ as the folder, and user data and extensions dirs (otherwise
// runTests would put them in .vscode-test/ in the current directory).
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-test-electron-'));
process.on('exit', () => fs.rmSync(state, { recursive: true, force: true }));
const workspace = path.join(state, 'workspace');
fs.cpSync(path.join(repo, 'examples'), workspace, { recursive: true });

const started = performance.now();
let code;
try {
  code = await runTests({
    vscodeExecutablePath: standIn,
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(repo, 'test/vscode/suite/index.cjs'),
    launchArgs: [workspace, `--user-data-dir=${path.join(state, 'user-data')}`, `--extensions-dir=${path.join(state, 'extensions')}`],
  });
} catch (error) {
  console.error('[test-electron] runTests failed:', error.message);
  code = typeof error.code === 'number' && error.code !== 0 ? error.code : 1;
}
console.log(`[test-electron] extension-host suite via runTests: exit ${code} in ${((performance.now() - started) / 1000).toFixed(1)}s`);
process.exit(code);
