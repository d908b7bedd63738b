/**
 * The session: what the features share while the extension is active — the output channel,
 * the runs (the last of each snippet, the ones in flight, the schedules Re-run replays), the
 * trace store, the panels' callbacks, and why commands refused to run.
 */
import * as vscode from 'vscode';
import type { Replay } from './hunt';
import { ThreadlanesPanel, type PanelCallbacks } from './panel';
import type { RunHandle } from './runner/client';
import { snippetPath } from './snippetDocuments';
import { samePath, type RunSummary } from './summary';
import { TraceStore } from './traceStore';

const UNTRUSTED_MESSAGE =
  'Threadlanes runs the snippet as a program on this machine, so it does not run code in an untrusted workspace. Trust this workspace (Manage Workspace Trust) to visualise its snippets.';

export class Session implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Threadlanes');
  readonly traces: TraceStore;
  /** The last run of each snippet, by file path. */
  readonly lastRuns = new Map<string, RunSummary>();
  readonly activeRuns = new Map<string, RunHandle>();
  /** The schedule Re-run replays, by file path: what the last Find deadlock found there. */
  readonly replays = new Map<string, Replay>();
  /** Why a command refused to run (shown to the user; tests read it). */
  readonly refusals: string[] = [];
  readonly panelCallbacks: PanelCallbacks;

  constructor(
    readonly context: vscode.ExtensionContext,
    callbacks: (session: Session) => PanelCallbacks,
  ) {
    this.traces = new TraceStore(context, (line) => this.log(line));
    this.panelCallbacks = callbacks(this);
  }

  log(line: string): void {
    this.output.appendLine(line);
  }

  /** Where the child runner and the exporters are built. */
  get distDir(): string {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist').fsPath;
  }

  /** The panel of `file`, created beside the editor or brought forward. */
  openPanel(file: string): ThreadlanesPanel {
    return ThreadlanesPanel.createOrShow(this.context.extensionUri, file, this.panelCallbacks);
  }

  /** The panel of `file` if given and open, else the active panel, else any. */
  panelFor(file?: string): ThreadlanesPanel | undefined {
    return (
      (file ? ThreadlanesPanel.get(file) : undefined) ?? ThreadlanesPanel.all().find((p) => p.panel.active) ?? ThreadlanesPanel.all()[0]
    );
  }

  /** The last run of the document's snippet. */
  summaryFor(document: vscode.TextDocument): RunSummary | undefined {
    const file = snippetPath(document);
    return this.lastRuns.get(file) ?? [...this.lastRuns.values()].find((s) => samePath(s.file, file));
  }

  /** Refuses to run anything in an untrusted workspace; true if it refused. */
  refuseUntrusted(): boolean {
    if (vscode.workspace.isTrusted) return false;
    // Refuse at once (the command's caller is not kept waiting for the user's answer).
    this.refusals.push(UNTRUSTED_MESSAGE);
    this.log(UNTRUSTED_MESSAGE);
    void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return true;
  }

  /** Starts tracking a run of `file` (Stop cancels it); the returned function stops tracking it. */
  track(file: string, handle: RunHandle): () => void {
    this.activeRuns.set(file, handle);
    return () => {
      if (this.activeRuns.get(file) === handle) this.activeRuns.delete(file);
    };
  }

  cancelAll(): void {
    for (const run of this.activeRuns.values()) run.cancel();
  }

  dispose(): void {
    this.cancelAll();
    this.output.dispose();
  }
}
