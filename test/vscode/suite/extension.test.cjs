// The extension in a real VS Code extension host (code-server 1.139): commands, the panel,
// Problems, hovers, cancel, responsiveness. The workspace is a temporary copy of examples/.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const folder = () => vscode.workspace.workspaceFolders[0].uri.fsPath;
const state = () => vscode.commands.executeCommand('threadlanes._state');
const ours = (uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'threadlanes');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function hoverText(document, at) {
  const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', document.uri, at);
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

async function open(name, text) {
  const file = path.join(folder(), name);
  if (text !== undefined) fs.writeFileSync(file, text);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(document);
  return document;
}

describe('Threadlanes in VS Code', () => {
  before(async () => {
    const extension = vscode.extensions.all.find((e) => e.packageJSON.name === 'threadlanes');
    assert.ok(extension, 'the extension is installed');
    await extension.activate();
  });

  it('registers its commands and puts Visualise threads in the TypeScript editor context menu', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'threadlanes.visualise',
      'threadlanes.rerun',
      'threadlanes.findDeadlock',
      'threadlanes.compareGil',
      'threadlanes.newSnippet',
    ])
      assert.ok(commands.includes(id), id);
    const extension = vscode.extensions.all.find((e) => e.packageJSON.name === 'threadlanes');
    const menu = extension.packageJSON.contributes.menus['editor/context'];
    assert.ok(menu.some((m) => m.command === 'threadlanes.visualise' && /typescript/.test(m.when)));
  });

  it('runs the dining philosophers into a panel, with a Problem per deadlocked thread', async () => {
    const document = await open('dining-philosophers.ts');
    const outcome = await vscode.commands.executeCommand('threadlanes.visualise', document.uri);
    assert.equal(outcome.summary.outcome, 'deadlock');
    const s = await state();
    assert.ok(s.panels.includes(document.uri.fsPath), JSON.stringify(s));
    const problems = ours(document.uri);
    assert.equal(problems.length, 5, JSON.stringify(problems));
    assert.ok(problems.every((p) => p.range.start.line === 30 && /waits here for fork/.test(p.message)));
  });

  it("exports the panel's run as a Chrome trace and as an HTML report (the Export buttons, without the save dialog)", async () => {
    const document = await open('dining-philosophers.ts');
    const chrome = vscode.Uri.file(path.join(folder(), 'out', 'philosophers.trace.json'));
    const html = vscode.Uri.file(path.join(folder(), 'out', 'philosophers.html'));
    fs.mkdirSync(path.dirname(chrome.fsPath), { recursive: true });
    assert.equal(await vscode.commands.executeCommand('threadlanes.exportRun', 'chrome', document.uri.fsPath, chrome), chrome.fsPath);
    const json = JSON.parse(fs.readFileSync(chrome.fsPath, 'utf8'));
    const names = json.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.args.name);
    for (const name of ['Plato', 'Kant', 'Confucius']) assert.ok(names.includes(name), JSON.stringify(names));
    assert.equal(await vscode.commands.executeCommand('threadlanes.exportRun', 'html', document.uri.fsPath, html), html.fsPath);
    const page = fs.readFileSync(html.fsPath, 'utf8');
    assert.match(page, /<title>Threadlanes — dining-philosophers\.ts \(deadlock\)<\/title>/);
    assert.ok(page.includes('right.acquire()'), 'the snippet is inlined');
    assert.equal(await vscode.commands.executeCommand('threadlanes.exportRun', 'pdf', document.uri.fsPath, html), undefined);
  });

  it('hovers a lock identifier, at a use, with its owner and waiters at the deadlock', async () => {
    const document = await open('dining-philosophers.ts');
    // `const forks = [fork1, …]` (line 21): the use of fork1 resolves through its declaration on line 16.
    const line = document.lineAt(20).text;
    const at = new vscode.Position(20, line.indexOf('fork1') + 2);
    let text = '';
    for (let i = 0; i < 40 && !/owner/.test(text); i++) {
      // the TS server may still be starting
      const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', document.uri, at);
      text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      if (!/owner/.test(text)) await sleep(500);
    }
    assert.match(text, /Lock "fork 1"/);
    assert.match(text, /owner: \*\*Plato\*\*/);
    assert.match(text, /waiting: \*\*Confucius\*\*/);
  });

  it("hovers forks[i] (an array of locks) and a parameter (left) through the run's calls", async () => {
    const document = await open('dining-philosophers.ts');
    // `args: [forks[i], …]` on line 42: the array's elements, each through its declaration.
    const line42 = document.lineAt(41).text;
    const forks = await hoverText(document, new vscode.Position(41, line42.indexOf('forks[i]') + 2));
    for (const n of [1, 2, 3, 4, 5]) assert.match(forks, new RegExp(`Lock "fork ${n}"`), forks);
    assert.match(forks, /the primitives the array holds/);
    // `function philosopher(left: Lock, right: Lock)` (line 25): what `left` was at its calls.
    const line25 = document.lineAt(24).text;
    const left = await hoverText(document, new vscode.Position(24, line25.indexOf('left') + 1));
    assert.match(left, /what `left` referred to at its calls during the run/, left);
    for (const n of [1, 2, 3, 4, 5]) assert.match(left, new RegExp(`Lock "fork ${n}"`), left);
    assert.match(left, /owner: \*\*Plato\*\*/);
  });

  it('shows a syntax error as a Problem at its line, and clears it after the fix (unsaved)', async () => {
    const document = await open('broken.ts', 'import { Lock } from "threadlanes";\nconst l = new Lock(;\nexport function main() {}\n');
    await vscode.commands.executeCommand('threadlanes.visualise', document.uri);
    const [problem] = ours(document.uri);
    assert.equal(problem?.code, 'syntax');
    assert.equal(problem.range.start.line, 1);
    const editor = vscode.window.activeTextEditor;
    await editor.edit((edit) => edit.replace(new vscode.Range(1, 0, 1, 100), 'const l = new Lock();'));
    assert.ok(document.isDirty);
    const outcome = await vscode.commands.executeCommand('threadlanes.visualise', document.uri);
    assert.equal(outcome.summary.outcome, 'completed');
    assert.deepEqual(ours(document.uri), []);
  });

  it('warns of the potential deadlock in bank-transfer.ts at both inner withLock calls, with the other order related', async () => {
    const document = await open('bank-transfer.ts');
    const outcome = await vscode.commands.executeCommand('threadlanes.visualise', document.uri);
    assert.equal(outcome.summary.outcome, 'completed');
    const warnings = ours(document.uri).filter((d) => d.code === 'potential-deadlock');
    assert.equal(warnings.length, 2, JSON.stringify(ours(document.uri)));
    for (const warning of warnings) {
      assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
      assert.equal(warning.range.start.line, 23, 'toLock.withLock');
      assert.match(
        warning.message,
        /^Potential deadlock: (bob|alice) is taken here while holding (alice|bob), taken at bank-transfer\.ts:23 \((pay-bob|pay-alice)\), and (alice|bob) while holding (bob|alice) at bank-transfer\.ts:24/,
      );
      assert.deepEqual(
        warning.relatedInformation.map((r) => r.location.range.start.line),
        [22, 23],
      );
    }
    assert.deepEqual(
      ours(document.uri).filter((d) => d.code === 'data-race'),
      [],
      'races not checked without threadlanes.recordShared',
    );
  });

  it('with threadlanes.recordShared, warns of a data race at both accesses', async () => {
    const document = await open(
      'racy-small.ts',
      'import { Thread, Value } from "threadlanes";\nconst hits = new Value(0, "hits");\nfunction writer() {\n  hits.value = 1;\n}\nfunction reader() {\n  console.log(hits.value);\n}\nexport function main() {\n  const ts = [new Thread({ target: writer, name: "writer" }), new Thread({ target: reader, name: "reader" })];\n  ts.forEach((t) => t.start());\n  ts.forEach((t) => t.join());\n}\n',
    );
    const config = vscode.workspace.getConfiguration('threadlanes');
    await config.update('recordShared', true, vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand('threadlanes.visualise', document.uri);
      const races = ours(document.uri).filter((d) => d.code === 'data-race');
      assert.deepEqual(races.map((d) => d.range.start.line).sort(), [3, 6], JSON.stringify(races));
      assert.ok(races.every((d) => d.severity === vscode.DiagnosticSeverity.Warning && /^Data race on hits: /.test(d.message)));
    } finally {
      await config.update('recordShared', undefined, vscode.ConfigurationTarget.Global);
    }
    await vscode.commands.executeCommand('threadlanes.visualise', document.uri);
    assert.deepEqual(
      ours(document.uri).filter((d) => d.code === 'data-race'),
      [],
      'the setting off: not checked',
    );
  });

  it('Find deadlock hunts schedules of abba-rare.ts until one deadlocks, shows it in the panel, and Re-run replays it', async () => {
    const document = await open('abba-rare.ts');
    const outcome = await vscode.commands.executeCommand('threadlanes.findDeadlock', document.uri);
    assert.equal(outcome.summary.outcome, 'deadlock', JSON.stringify(outcome.hunt));
    const { found, explored } = outcome.hunt;
    assert.equal(found.outcome, 'deadlock');
    assert.ok(Number.isSafeInteger(found.seed) && explored >= 1 && explored <= 200, JSON.stringify(outcome.hunt));
    assert.equal(outcome.schedule.seed, found.seed, 'the run shown is the failing schedule');
    assert.equal(ours(document.uri).filter((p) => p.code === 'deadlock').length, 2, 'a Problem per deadlocked worker');
    // The panel got the run, with the seed and the sentence, and showed it.
    let panelRun;
    for (let i = 0; i < 100 && !panelRun?.loaded; i++) {
      panelRun = (await state()).panelRuns.find((p) => p.file === document.uri.fsPath);
      if (!panelRun?.loaded) await sleep(100);
    }
    assert.deepEqual(panelRun.loaded && { ok: panelRun.loaded.ok }, { ok: true }, JSON.stringify(panelRun));
    assert.equal(panelRun.about.schedule.seed, found.seed);
    assert.equal(panelRun.about.schedule.strategy, 'random');
    assert.equal(
      panelRun.about.note,
      `Found a deadlock after ${explored} schedule${explored === 1 ? '' : 's'} — seed ${found.seed}, strategy random. Re-run replays it.`,
    );
    // Re-run replays that very schedule: the same deadlock, every time.
    for (let i = 0; i < 2; i++) {
      const again = await vscode.commands.executeCommand('threadlanes.rerun', document.uri.fsPath);
      assert.equal(again.summary.outcome, 'deadlock');
      assert.deepEqual({ seed: again.schedule.seed, strategy: again.schedule.strategy }, { seed: found.seed, strategy: 'random' });
      assert.equal(again.summary.deadlock.explanation, outcome.summary.deadlock.explanation);
    }
    // Visualise threads runs as the settings say again (free mode: no schedule).
    const free = await vscode.commands.executeCommand('threadlanes.visualise', document.uri);
    assert.equal(free.schedule, undefined);
    assert.deepEqual(
      (await state()).replays.filter((r) => r.file === document.uri.fsPath),
      [],
    );
  });

  it('Find deadlock says so when no schedule deadlocks (a snippet with one lock order)', async () => {
    const document = await open(
      'one-order.ts',
      'import { Lock, Thread } from "threadlanes";\nconst a = new Lock();\nconst b = new Lock();\nfunction work() { a.withLock(() => b.withLock(() => {})); }\nexport function main() {\n  const ts = [1, 2].map(() => new Thread({ target: work }));\n  ts.forEach((t) => t.start());\n  ts.forEach((t) => t.join());\n}\n',
    );
    const config = vscode.workspace.getConfiguration('threadlanes');
    await config.update('exploreSchedules', 20, vscode.ConfigurationTarget.Global);
    try {
      const outcome = await vscode.commands.executeCommand('threadlanes.findDeadlock', document.uri);
      assert.equal(outcome.summary.outcome, 'completed');
      assert.equal(outcome.hunt.found, undefined);
      assert.equal(outcome.hunt.explored, 20);
      const panelRun = (await state()).panelRuns.find((p) => p.file === document.uri.fsPath);
      assert.equal(panelRun.about.note, 'No deadlock, livelock or exception in 20 schedules (strategy random, seeds 0–19)');
    } finally {
      await config.update('exploreSchedules', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('Compare free and GIL runs the snippet in both modes and shows the two runs one above the other', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('threadlanes.compareGil'));
    const document = await open('gil-cpu-bound.ts');
    const outcomes = await vscode.commands.executeCommand('threadlanes.compareGil', document.uri);
    assert.equal(outcomes.length, 2);
    assert.deepEqual(
      outcomes.map((o) => o.summary.outcome),
      ['completed', 'completed'],
    );
    // The header (JSON, after the magic) says which mode each run had.
    const header = (o) => Buffer.from(o.trace.subarray(0, 4096)).toString('latin1');
    assert.match(header(outcomes[0]), /"mode":"free"/);
    assert.match(header(outcomes[1]), /"mode":"gil"/);
    let panelRun;
    for (let i = 0; i < 100 && !panelRun?.loaded; i++) {
      panelRun = (await state()).panelRuns.find((p) => p.file === document.uri.fsPath);
      if (!panelRun?.loaded) await sleep(100);
    }
    assert.deepEqual(panelRun.compared, ['free mode', 'GIL mode'], JSON.stringify(panelRun));
    assert.equal(panelRun.loaded.ok, true, JSON.stringify(panelRun));
    // Both runs' threads reached the panel (MainThread and two crunchers each).
    assert.equal(panelRun.loaded.threads, 6, JSON.stringify(panelRun));
  });

  it('stays responsive while a snippet spins, and cancel kills the run', async () => {
    const document = await open(
      'spin.ts',
      'import { Thread } from "threadlanes";\nfunction spin() { for (;;) {} }\nexport function main() {\n  const t = new Thread({ target: spin });\n  t.start();\n  t.join();\n}\n',
    );
    const running = vscode.commands.executeCommand('threadlanes.visualise', document.uri);
    let pids = [];
    for (let i = 0; i < 100 && pids.length === 0; i++) {
      await sleep(50);
      pids = (await state()).activeRunPids;
    }
    assert.equal(pids.length, 1);
    await sleep(1500); // well into the run
    const roundTrips = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await state();
      roundTrips.push(performance.now() - t);
      await sleep(100);
    }
    console.log(`[ext-tests] command round-trips during the spin: max ${Math.max(...roundTrips).toFixed(1)} ms`);
    assert.ok(Math.max(...roundTrips) < 250, JSON.stringify(roundTrips));
    const t = performance.now();
    await vscode.commands.executeCommand('threadlanes.stop');
    assert.equal(await running, undefined);
    assert.ok(performance.now() - t < 2000);
    await sleep(200);
    assert.throws(() => process.kill(pids[0], 0), 'the runner process is gone');
    assert.deepEqual((await state()).activeRunPids, []);
  });
});
