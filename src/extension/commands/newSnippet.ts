/**
 * New threading snippet: writes the example snippet to threads.ts (or threads-2.ts, …) in the
 * first workspace folder, with the snippet API's types, or opens it untitled with no folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Session } from '../session';
import { addWorkspaceTypes } from '../snippetDocuments';
import { EXAMPLE_SNIPPET } from '../snippets';

export async function newSnippet(session: Session): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  let document: vscode.TextDocument;
  if (folder && folder.uri.scheme === 'file') {
    let target = path.join(folder.uri.fsPath, 'threads.ts');
    for (let n = 2; fs.existsSync(target); n++) target = path.join(folder.uri.fsPath, `threads-${n}.ts`);
    fs.writeFileSync(target, EXAMPLE_SNIPPET);
    document = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
    addWorkspaceTypes(session.context, (line) => session.log(line), folder.uri.fsPath);
  } else {
    document = await vscode.workspace.openTextDocument({ language: 'typescript', content: EXAMPLE_SNIPPET });
  }
  await vscode.window.showTextDocument(document);
}
