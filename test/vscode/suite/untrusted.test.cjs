// Workspace Trust on, the folder untrusted: Visualise threads and Find deadlock refuse, run nothing, and say why.
const assert = require('node:assert/strict');
const path = require('node:path');
const vscode = require('vscode');

describe('Threadlanes in VS Code: an untrusted workspace', () => {
  before(async () => {
    const extension = vscode.extensions.all.find((e) => e.packageJSON.name === 'threadlanes');
    assert.ok(extension, 'the extension is installed (it supports untrusted workspaces in a limited way)');
    await extension.activate();
  });

  it('refuses to run a snippet, with the reason and how to trust', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is untrusted');
    const file = path.join(vscode.workspace.workspaceFolders[0].uri.fsPath, 'dining-philosophers.ts');
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(document);
    const outcome = await vscode.commands.executeCommand('threadlanes.visualise', document.uri);
    assert.equal(outcome, undefined);
    assert.equal(await vscode.commands.executeCommand('threadlanes.findDeadlock', document.uri), undefined, 'Find deadlock refuses too');
    const state = await vscode.commands.executeCommand('threadlanes._state');
    assert.equal(state.trusted, false);
    assert.deepEqual(state.runs, [], 'nothing ran');
    assert.deepEqual(state.activeRunPids, []);
    assert.deepEqual(state.panels, [], 'no panel opened');
    assert.equal(state.refusals.length, 2);
    assert.match(state.refusals[0], /does not run code in an untrusted workspace/);
    assert.match(state.refusals[0], /Manage Workspace Trust/);
    assert.deepEqual(
      vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'threadlanes'),
      [],
    );
  });
});
