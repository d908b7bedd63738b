/**
 * The VS Code extension's entry: `activate` makes the session and wires the features, one per
 * file —
 * - commands/runs.ts: Visualise threads, Re-run, Find deadlock (the run goes to a child
 *   process through runner/client.ts, never into the extension host);
 * - commands/compareGil.ts: Compare free and GIL; commands/newSnippet.ts; commands/exportRun.ts;
 * - problems.ts: Problems and the decorations on the blocking lines;
 * - hoverProvider.ts: who owns a lock, over its identifier;
 * - panel.ts: the swimlane panel; traceStore.ts: the traces kept for a window reload;
 * - session.ts: what the features share; settings.ts and snippetDocuments.ts: helpers.
 */
import * as vscode from 'vscode';
import type { ExportFormat, RunAbout } from '../shared/protocol';
import { compareGil } from './commands/compareGil';
import { exportPanel } from './commands/exportRun';
import { newSnippet } from './commands/newSnippet';
import { RunCommands } from './commands/runs';
import type { Replay } from './hunt';
import { registerHoverProvider } from './hoverProvider';
import { ThreadlanesPanel } from './panel';
import { Problems } from './problems';
import { Session } from './session';
import { revealSite } from './snippetDocuments';
import { importsThreadlanes } from './snippets';

const LANGUAGES = ['typescript', 'javascript', 'typescriptreact', 'javascriptreact'];

/** What tests read through the `threadlanes._state` command. */
interface ExtensionTestState {
  runs: { file: string; outcome: string; durationMs: number }[];
  activeRunPids: number[];
  panels: string[];
  /** What each panel was last told beside its trace (controlled mode's schedule, a hunt's sentence). */
  panelRuns: { file: string; about?: RunAbout; loaded?: { ok: boolean; threads?: number; events?: number }; compared?: string[] }[];
  /** The schedule Re-run replays, per snippet (set by a hunt that found one). */
  replays: { file: string; replay: Replay }[];
  trusted: boolean;
  refusals: string[];
}

export function activate(context: vscode.ExtensionContext): void {
  // The panels' buttons call the run commands, made below: panels exist only once activate returns.
  const session = new Session(context, (s) => ({
    reveal: (file, line, col) => void revealSite(file, line, col),
    log: (line) => s.log(line),
    storedTrace: (file) => s.traces.stored(file),
    fileForTitle: (title) => s.traces.fileForTitle(title),
    exportRun: (panel, format) => void exportPanel(s, panel, format),
    rerun: (panel) => void runs.rerun(panel.file),
    findDeadlock: (panel) => void runs.findDeadlock(panel.file),
  }));
  const problems = new Problems(session);
  const runs = new RunCommands(session, problems);

  context.subscriptions.push(
    // Stopping the runs and closing the panels come before the rest.
    {
      dispose: () => {
        session.cancelAll();
        ThreadlanesPanel.all().forEach((panel) => panel.dispose());
      },
    },
    vscode.commands.registerCommand('threadlanes.visualise', (uri?: vscode.Uri) => runs.visualise(uri)),
    // From the panel's title bar (no argument) or its button (the panel's snippet).
    vscode.commands.registerCommand('threadlanes.rerun', (file?: unknown) => runs.rerun(typeof file === 'string' ? file : undefined)),
    vscode.commands.registerCommand('threadlanes.findDeadlock', (target?: unknown) =>
      runs.findDeadlock(target instanceof vscode.Uri || typeof target === 'string' ? target : undefined),
    ),
    vscode.commands.registerCommand('threadlanes.compareGil', (uri?: vscode.Uri) => compareGil(session, uri)),
    vscode.commands.registerCommand('threadlanes.newSnippet', () => newSnippet(session)),
    vscode.commands.registerCommand('threadlanes.stop', () => session.cancelAll()),
    // What the panel's Export buttons do; with a target (tests) no dialog is shown.
    vscode.commands.registerCommand('threadlanes.exportRun', (format: ExportFormat, file?: string, target?: vscode.Uri) => {
      const panel = session.panelFor(file);
      return panel ? exportPanel(session, panel, format, target) : undefined;
    }),
    vscode.commands.registerCommand('threadlanes.showPrimitive', (file: string, name: string) => {
      const panel = ThreadlanesPanel.get(file) ?? session.openPanel(file);
      panel.highlight(name);
    }),
    vscode.commands.registerCommand('threadlanes._state', (): ExtensionTestState => ({
      runs: [...session.lastRuns.values()].map((s) => ({ file: s.file, outcome: s.outcome, durationMs: s.durationMs })),
      activeRunPids: [...session.activeRuns.values()].map((r) => r.pid ?? -1),
      panels: ThreadlanesPanel.all().map((p) => p.file),
      panelRuns: ThreadlanesPanel.all().map((p) => ({
        file: p.file,
        about: p.about,
        loaded: p.loaded,
        ...(p.compared ? { compared: p.compared } : {}),
      })),
      replays: [...session.replays].map(([file, replay]) => ({ file, replay })),
      trusted: vscode.workspace.isTrusted,
      refusals: [...session.refusals],
    })),
    vscode.window.registerWebviewPanelSerializer(ThreadlanesPanel.viewType, {
      deserializeWebviewPanel: (panel) => {
        ThreadlanesPanel.revive(panel, context.extensionUri, session.panelCallbacks);
        return Promise.resolve();
      },
    }),
    registerHoverProvider(session, LANGUAGES),
    vscode.window.onDidChangeActiveTextEditor((editor) => updateContext(editor)),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === vscode.window.activeTextEditor?.document) updateContext(vscode.window.activeTextEditor);
    }),
    problems,
    session,
  );
  updateContext(vscode.window.activeTextEditor);
}

/** Shows the editor title's run button only for a snippet that imports "threadlanes". */
function updateContext(editor: vscode.TextEditor | undefined): void {
  const imports = !!editor && LANGUAGES.includes(editor.document.languageId) && importsThreadlanes(editor.document.getText());
  void vscode.commands.executeCommand('setContext', 'threadlanes.importsRuntime', imports);
}

export function deactivate(): void {
  // Disposables in context.subscriptions cancel runs and close panels.
}
