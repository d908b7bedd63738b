/**
 * The trace store: where each snippet's last trace is kept (the extension's global storage),
 * so a panel revived after a window reload shows its run again, and which snippet each
 * panel title belongs to (workspace state).
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { ThreadlanesPanel } from './panel';

const PANEL_FILES = 'threadlanes.panelFiles';

export class TraceStore {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: (line: string) => void,
  ) {}

  private traceFile(file: string): vscode.Uri {
    const hash = crypto.createHash('sha1').update(file).digest('hex').slice(0, 16);
    return vscode.Uri.joinPath(this.context.globalStorageUri, 'traces', `${hash}.tltrace`);
  }

  async store(file: string, trace: Uint8Array): Promise<void> {
    try {
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(this.context.globalStorageUri, 'traces'));
      await vscode.workspace.fs.writeFile(this.traceFile(file), trace);
    } catch (error) {
      this.log(`could not keep the trace for a reload: ${(error as Error).message}`);
    }
  }

  async stored(file: string): Promise<Uint8Array | undefined> {
    try {
      return await vscode.workspace.fs.readFile(this.traceFile(file));
    } catch {
      return undefined;
    }
  }

  /** Remembers which snippet the panel titled after `file` shows. */
  async rememberPanel(file: string): Promise<void> {
    const known = this.context.workspaceState.get<Record<string, string>>(PANEL_FILES, {});
    await this.context.workspaceState.update(PANEL_FILES, { ...known, [ThreadlanesPanel.title(file)]: file });
  }

  /** The snippet a panel with this title showed. */
  fileForTitle(title: string): string | undefined {
    return this.context.workspaceState.get<Record<string, string>>(PANEL_FILES, {})[title];
  }
}
