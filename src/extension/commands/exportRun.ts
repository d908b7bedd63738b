/**
 * Export: the panel's Export buttons and the `threadlanes.exportRun` command write the run a
 * panel shows as a Chrome trace or a standalone HTML report, in a child process.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exportFileName } from '../../export/write';
import { EXPORT_FORMATS, type ExportFormat } from '../../shared/protocol';
import { plural } from '../../shared/wording';
import type { ThreadlanesPanel } from '../panel';
import { exportInChild } from '../runner/client';
import type { Session } from '../session';

/** Asks where to save (unless given) and writes the panel's run; resolves with the file written. */
export async function exportPanel(
  session: Session,
  panel: ThreadlanesPanel,
  format: ExportFormat,
  target?: vscode.Uri,
): Promise<string | undefined> {
  if (!EXPORT_FORMATS.includes(format)) return undefined;
  const run = panel.run ?? (panel.file ? { trace: await session.traces.stored(panel.file), sources: [] } : undefined);
  const trace = run?.trace;
  if (!run || !trace) {
    void vscode.window.showInformationMessage('Threadlanes: this panel shows no run to export yet.');
    return undefined;
  }
  const what = format === 'chrome' ? 'Chrome trace' : 'HTML report';
  const folder =
    panel.file && path.isAbsolute(panel.file) && !panel.file.startsWith(os.tmpdir())
      ? path.dirname(panel.file)
      : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir());
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      title: format === 'chrome' ? 'Export the run as a Chrome trace' : 'Export the run as an HTML report',
      saveLabel: 'Export',
      defaultUri: vscode.Uri.file(path.join(folder, exportFileName(panel.file, format))),
      filters: format === 'chrome' ? { 'Chrome trace (JSON)': ['json'] } : { 'HTML report': ['html'] },
    }));
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Threadlanes can export only to a file on this machine (not ${uri.scheme}:).`);
    return undefined;
  }
  try {
    const { distDir } = session;
    // In a child process: a big run's export takes seconds the extension host should not spend.
    const bytes = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Threadlanes: writing the ${what}…` },
      () =>
        exportInChild(distDir, { format, trace, outputPath: uri.fsPath, sources: run.sources, assetsDir: distDir }, (line) =>
          session.log(line),
        ),
    );
    session.log(`exported the ${what} of ${path.basename(panel.file)} to ${uri.fsPath} (${plural(bytes, 'byte')})`);
    if (!target) {
      void vscode.window.showInformationMessage(`Threadlanes: wrote ${path.basename(uri.fsPath)}.`, 'Reveal').then((choice) => {
        if (choice) void vscode.commands.executeCommand('revealFileInOS', uri);
      });
    }
    return uri.fsPath;
  } catch (error) {
    session.log(String((error as Error).stack ?? error));
    void vscode.window.showErrorMessage(`Threadlanes could not export the ${what}: ${(error as Error).message}`);
    return undefined;
  }
}
