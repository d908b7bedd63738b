/**
 * Snippet documents: which document a command acts on, the path the harness runs (an untitled
 * buffer gets a temporary copy), and the snippet API's types written into the workspace.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { setting } from './settings';
import { importsThreadlanes } from './snippets';
import { samePath } from './summary';
import { ensureWorkspaceTypes } from './typesStub';

/** The path the harness runs: the file itself, or a temporary copy for an untitled buffer. */
export function snippetPath(document: vscode.TextDocument): string {
  if (document.uri.scheme === 'file') return document.uri.fsPath;
  const name = document.languageId.startsWith('javascript') ? 'snippet.js' : 'snippet.ts';
  const hash = crypto.createHash('sha1').update(document.uri.toString()).digest('hex').slice(0, 10);
  return path.join(os.tmpdir(), 'threadlanes-untitled', hash, name);
}

/** The document at `uri`, or the active editor's; tells the user when there is none. */
export async function documentAt(uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  const document = uri
    ? (vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) ?? (await vscode.workspace.openTextDocument(uri)))
    : vscode.window.activeTextEditor?.document;
  if (!document) void vscode.window.showInformationMessage('Threadlanes: open a TypeScript or JavaScript snippet first.');
  return document;
}

/** The document a panel shows the runs of (an untitled buffer's is found through its temporary copy). */
export async function documentOfPanel(file: string): Promise<vscode.TextDocument> {
  return (
    vscode.workspace.textDocuments.find((d) => samePath(snippetPath(d), file)) ??
    (await vscode.workspace.openTextDocument(vscode.Uri.file(file)))
  );
}

/** The snippet's path and text, with its types in the workspace and a file for an untitled buffer. */
export function prepareSnippet(
  context: vscode.ExtensionContext,
  log: (line: string) => void,
  document: vscode.TextDocument,
): { file: string; source: string } {
  const file = snippetPath(document);
  const source = document.getText();
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  if (folder && importsThreadlanes(source)) addWorkspaceTypes(context, log, folder.uri.fsPath);
  // The harness resolves the snippet's imports from its path, so an untitled buffer gets a file.
  if (document.uri.scheme !== 'file' || !fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, source);
  }
  return { file, source };
}

/** Makes `import … from "threadlanes"` type-check in this workspace (see typesStub.ts). */
export function addWorkspaceTypes(context: vscode.ExtensionContext, log: (line: string) => void, folder: string): void {
  if (!setting('addTypesToWorkspace', true)) return;
  try {
    const { version } = context.extension.packageJSON as { version: string };
    const wrote = ensureWorkspaceTypes(vscode.Uri.joinPath(context.extensionUri, 'dist', 'types').fsPath, folder, version);
    if (wrote) log(`wrote the snippet API's types to ${wrote}`);
  } catch (error) {
    log(`could not write the snippet API's types: ${(error as Error).message}`);
  }
}

/** Shows a site of the snippet in an editor (the panel asked to). */
export async function revealSite(file: string, line: number, col: number): Promise<void> {
  const open = vscode.window.visibleTextEditors.find((editor) => samePath(snippetPath(editor.document), file));
  const document = open?.document ?? (await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
  const position = new vscode.Position(Math.max(0, line - 1), Math.max(0, col - 1));
  await vscode.window.showTextDocument(document, {
    viewColumn: open?.viewColumn ?? vscode.ViewColumn.One,
    selection: new vscode.Range(position, position),
    preserveFocus: false,
  });
}
