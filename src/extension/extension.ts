/**
 * The VS Code extension: "Visualise threads" runs the editor's current contents in a child
 * process (src/extension/runner.ts), shows the run in the swimlane panel, and puts what went
 * wrong where the user reads code: Problems, decorations on the blocking lines, and hovers
 * that say who owns a lock. "Find deadlock" hunts, in the same child, for a controlled-mode
 * schedule that deadlocks, shows it the same way, and makes Re-run replay it. "Compare free and
 * GIL" runs the snippet twice, in free and in GIL mode, and shows the two runs one above the other.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { STRATEGIES, type Mode, type Strategy } from '../trace/format';
import { ThreadlanesPanel, type PanelCallbacks } from './panel';
import { exportInChild, startRun, type RunHandle, type RunOutcome } from './runner/client';
import type { ExploreRequest, RunRequest } from './runner/protocol';
import { aboutRun, durationWords, huntWords, replayOf, type Replay } from './hunt';
import { arrayElementColumns, blockingLineNotes, describeAtEnd, primitivesDeclaredAt, primitivesUsedAt, problemsOf, samePath, type PrimitiveAtEnd, type RunSummary } from './summary';
import { EXAMPLE_SNIPPET, importsThreadlanes } from './snippets';
import { ensureWorkspaceTypes } from './typesStub';
import { exportFileName } from '../export/write';
import { EXPORT_FORMATS, type ExportFormat, type RunAbout } from '../shared/protocol';

const LANGUAGES = ['typescript', 'javascript', 'typescriptreact', 'javascriptreact'];

/** How runDocument runs the snippet: once (replaying a schedule, or as the settings say), or a hunt. */
type RunKind = { kind: 'run'; replay?: Replay } | { kind: 'hunt' };

/** What tests read through the `threadlanes._state` command. */
export interface ExtensionTestState {
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

export const UNTRUSTED_MESSAGE = 'Threadlanes runs the snippet as a program on this machine, so it does not run code in an untrusted workspace. Trust this workspace (Manage Workspace Trust) to visualise its snippets.';

class Threadlanes implements vscode.Disposable {
  private readonly output = vscode.window.createOutputChannel('Threadlanes');
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('threadlanes');
  private readonly blockingDecoration = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editorError.background'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.errorForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    isWholeLine: true,
    after: { color: new vscode.ThemeColor('editorError.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
  });
  /** The last run of each snippet, by file path. */
  private readonly lastRuns = new Map<string, RunSummary>();
  private readonly activeRuns = new Map<string, RunHandle>();
  /** The schedule Re-run replays, by file path: what the last Find deadlock found there. */
  private readonly replays = new Map<string, Replay>();
  /** Why a command refused to run (shown to the user; tests read it). */
  private readonly refusals: string[] = [];
  private readonly panelCallbacks: PanelCallbacks;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext) {
    this.panelCallbacks = {
      reveal: (file, line, col) => void this.reveal(file, line, col),
      log: (line) => this.output.appendLine(line),
      storedTrace: (file) => this.storedTrace(file),
      fileForTitle: (title) => this.context.workspaceState.get<Record<string, string>>('threadlanes.panelFiles', {})[title],
      exportRun: (panel, format) => void this.exportPanel(panel, format),
      rerun: (panel) => void this.rerun(panel.file),
      findDeadlock: (panel) => void this.findDeadlock(panel.file),
    };
    this.disposables.push(
      this.output, this.diagnostics, this.blockingDecoration,
      vscode.commands.registerCommand('threadlanes.visualise', (uri?: vscode.Uri) => this.visualise(uri)),
      // From the panel's title bar (no argument) or its button (the panel's snippet).
      vscode.commands.registerCommand('threadlanes.rerun', (file?: unknown) => this.rerun(typeof file === 'string' ? file : undefined)),
      vscode.commands.registerCommand('threadlanes.findDeadlock', (target?: unknown) => this.findDeadlock(target instanceof vscode.Uri || typeof target === 'string' ? target : undefined)),
      vscode.commands.registerCommand('threadlanes.compareGil', (uri?: vscode.Uri) => this.compareGil(uri)),
      vscode.commands.registerCommand('threadlanes.newSnippet', () => this.newSnippet()),
      vscode.commands.registerCommand('threadlanes.stop', () => this.activeRuns.forEach((run) => run.cancel())),
      // What the panel's Export buttons do; with a target (tests) no dialog is shown.
      vscode.commands.registerCommand('threadlanes.exportRun', (format: ExportFormat, file?: string, target?: vscode.Uri) => {
        const panel = (file ? ThreadlanesPanel.get(file) : undefined) ?? ThreadlanesPanel.all().find((p) => p.panel.active) ?? ThreadlanesPanel.all()[0];
        return panel ? this.exportPanel(panel, format, target) : undefined;
      }),
      vscode.commands.registerCommand('threadlanes.showPrimitive', (file: string, name: string) => this.showPrimitive(file, name)),
      vscode.commands.registerCommand('threadlanes._state', (): ExtensionTestState => ({
        runs: [...this.lastRuns.values()].map((s) => ({ file: s.file, outcome: s.outcome, durationMs: s.durationMs })),
        activeRunPids: [...this.activeRuns.values()].map((r) => r.pid ?? -1),
        panels: ThreadlanesPanel.all().map((p) => p.file),
        panelRuns: ThreadlanesPanel.all().map((p) => ({ file: p.file, about: p.about, loaded: p.loaded, ...(p.compared ? { compared: p.compared } : {}) })),
        replays: [...this.replays].map(([file, replay]) => ({ file, replay })),
        trusted: vscode.workspace.isTrusted,
        refusals: [...this.refusals],
      })),
      vscode.window.registerWebviewPanelSerializer(ThreadlanesPanel.viewType, {
        deserializeWebviewPanel: async (panel) => ThreadlanesPanel.revive(panel, this.context.extensionUri, this.panelCallbacks),
      }),
      vscode.languages.registerHoverProvider(LANGUAGES.map((language) => ({ language })), {
        provideHover: (document, position, token) => this.hover(document, position, token),
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => this.updateContext(editor)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === vscode.window.activeTextEditor?.document) this.updateContext(vscode.window.activeTextEditor);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((editor) => this.decorate(editor))),
    );
    this.updateContext(vscode.window.activeTextEditor);
  }

  private setting<T>(key: string, fallback: T): T {
    return vscode.workspace.getConfiguration('threadlanes').get<T>(key, fallback);
  }

  private updateContext(editor: vscode.TextEditor | undefined): void {
    const imports = !!editor && LANGUAGES.includes(editor.document.languageId) && importsThreadlanes(editor.document.getText());
    void vscode.commands.executeCommand('setContext', 'threadlanes.importsRuntime', imports);
  }

  // -------------------------------------------------------------------------------------
  // Running

  /** Refuses to run anything in an untrusted workspace; true if it refused. */
  private refuseUntrusted(): boolean {
    if (vscode.workspace.isTrusted) return false;
    // Refuse at once (the command's caller is not kept waiting for the user's answer).
    this.refusals.push(UNTRUSTED_MESSAGE);
    this.output.appendLine(UNTRUSTED_MESSAGE);
    void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return true;
  }

  /** The document at `uri`, or the active editor's; tells the user when there is none. */
  private async documentAt(uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
    const document = uri
      ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) ?? await vscode.workspace.openTextDocument(uri)
      : vscode.window.activeTextEditor?.document;
    if (!document) void vscode.window.showInformationMessage('Threadlanes: open a TypeScript or JavaScript snippet first.');
    return document;
  }

  /** The document a panel shows the runs of (an untitled buffer's is found through its temporary copy). */
  private async documentOfPanel(file: string): Promise<vscode.TextDocument> {
    return vscode.workspace.textDocuments.find((d) => samePath(this.snippetPath(d), file))
      ?? await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  }

  private async visualise(uri?: vscode.Uri): Promise<RunOutcome | undefined> {
    if (this.refuseUntrusted()) return undefined;
    const document = await this.documentAt(uri);
    if (!document) return undefined;
    // Run as the settings say: a schedule a hunt found is replayed only by Re-run.
    this.replays.delete(this.snippetPath(document));
    return this.runDocument(document, { kind: 'run' });
  }

  /** Runs the panel's snippet again; after Find deadlock found a schedule, replays that schedule. */
  private async rerun(file?: string): Promise<RunOutcome | undefined> {
    const panel = (file ? ThreadlanesPanel.get(file) : undefined) ?? ThreadlanesPanel.all().find((p) => p.panel.active) ?? ThreadlanesPanel.all()[0];
    if (!panel) return this.visualise();
    if (this.refuseUntrusted()) return undefined;
    const document = await this.documentOfPanel(panel.file);
    return this.runDocument(document, { kind: 'run', replay: this.replays.get(panel.file) });
  }

  /** Hunts for a schedule that deadlocks (or raises) in controlled mode: the Find deadlock command. */
  private async findDeadlock(target?: vscode.Uri | string): Promise<RunOutcome | undefined> {
    if (this.refuseUntrusted()) return undefined;
    // From the palette or the title bar with the panel focused there is no text editor: hunt in the panel's snippet.
    const panelFile = typeof target === 'string' ? target
      : !target && !vscode.window.activeTextEditor ? (ThreadlanesPanel.all().find((p) => p.panel.active) ?? ThreadlanesPanel.all()[0])?.file
      : undefined;
    const document = panelFile ? await this.documentOfPanel(panelFile) : await this.documentAt(target as vscode.Uri | undefined);
    if (!document) return undefined;
    return this.runDocument(document, { kind: 'hunt' });
  }

  /** The path the harness runs: the file itself, or a temporary copy for an untitled buffer. */
  private snippetPath(document: vscode.TextDocument): string {
    if (document.uri.scheme === 'file') return document.uri.fsPath;
    const name = document.languageId.startsWith('javascript') ? 'snippet.js' : 'snippet.ts';
    const hash = crypto.createHash('sha1').update(document.uri.toString()).digest('hex').slice(0, 10);
    return path.join(os.tmpdir(), 'threadlanes-untitled', hash, name);
  }

  /** What to ask the runner for: the settings, and for a hunt or a replay, controlled mode. */
  private requestFor(file: string, source: string, how: RunKind): RunRequest | ExploreRequest {
    const configured = this.setting<Mode>('mode', 'free');
    const mode: Mode = how.kind === 'hunt' || (how.kind === 'run' && how.replay) || configured === 'controlled' ? 'controlled' : configured === 'gil' ? 'gil' : 'free';
    const strategy = this.setting<Strategy>('strategy', 'random');
    const seed = this.setting<number | null>('seed', null);
    const schedule: Partial<Replay> = how.kind === 'run' && how.replay ? how.replay : {
      strategy: STRATEGIES.includes(strategy) ? strategy : 'random',
      depth: this.setting('depth', 2),
      ...(seed !== null ? { seed } : {}),
    };
    const settings = {
      file, source, mode,
      timeoutSeconds: this.setting('timeoutSeconds', 10),
      maxEvents: this.setting('maxEvents', 20_000_000),
      recordShared: this.setting<boolean>('recordShared', false) === true,
      ...(mode === 'controlled' ? schedule : {}),
    };
    return how.kind === 'hunt'
      ? { type: 'explore', ...settings, seed: settings.seed ?? 0, schedules: Math.max(1, Math.floor(this.setting('exploreSchedules', 200))) }
      : { type: 'run', ...settings };
  }

  /** The snippet's path and text, with its types in the workspace and a file for an untitled buffer. */
  private prepare(document: vscode.TextDocument): { file: string; source: string } {
    const file = this.snippetPath(document);
    const source = document.getText();
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (folder && importsThreadlanes(source)) this.addTypes(folder.uri.fsPath);
    // The harness resolves the snippet's imports from its path, so an untitled buffer gets a file.
    if (document.uri.scheme !== 'file' || !fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, source);
    }
    return { file, source };
  }

  /**
   * Compare free and GIL: runs the snippet in free mode, then in GIL mode (one after the other,
   * so they do not compete for the cores), and shows both runs in its panel, free above GIL.
   */
  private async compareGil(uri?: vscode.Uri): Promise<RunOutcome[] | undefined> {
    if (this.refuseUntrusted()) return undefined;
    const document = await this.documentAt(uri);
    if (!document) return undefined;
    const { file, source } = this.prepare(document);
    this.activeRuns.get(file)?.cancel();
    const panel = ThreadlanesPanel.createOrShow(this.context.extensionUri, file, this.panelCallbacks);
    await this.rememberPanel(file);
    const name = path.basename(file);
    const modes: Mode[] = ['free', 'gil'];
    const outcomes = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Threadlanes: comparing free and GIL mode on ${name}`, cancellable: true },
      async (progress, token) => {
        const distDir = vscode.Uri.joinPath(this.context.extensionUri, 'dist').fsPath;
        const done: RunOutcome[] = [];
        for (const mode of modes) {
          if (token.isCancellationRequested) return undefined;
          progress.report({ message: `${mode} mode` });
          const request: RunRequest = {
            type: 'run', file, source, mode, timeoutSeconds: this.setting('timeoutSeconds', 10), maxEvents: this.setting('maxEvents', 20_000_000),
            recordShared: this.setting<boolean>('recordShared', false) === true,
          };
          const handle = startRun(distDir, request, (p) => {
            if (p.type === 'progress') panel.progress({ type: 'progress', ...p.progress });
          }, (line) => this.output.appendLine(line));
          this.activeRuns.set(file, handle);
          const cancel = token.onCancellationRequested(() => handle.cancel());
          try {
            const outcome = await handle.done;
            if (!outcome) return undefined;
            done.push(outcome);
            this.output.appendLine(`${name} (${mode} mode): ${outcome.summary.outcome} after ${durationWords(outcome.summary.durationMs, outcome.wallMs, outcome.schedule)}, ${outcome.summary.events} events`);
          } catch (error) {
            this.output.appendLine(String((error as Error).stack ?? error));
            void vscode.window.showErrorMessage(`Threadlanes could not run ${name} in ${mode} mode: ${(error as Error).message}`);
            return undefined;
          } finally {
            cancel.dispose();
            if (this.activeRuns.get(file) === handle) this.activeRuns.delete(file);
          }
        }
        return done;
      });
    if (!outcomes) {
      this.output.appendLine(`${name}: compare cancelled`);
      return undefined;
    }
    const [free, gil] = outcomes;
    const ratio = free.summary.durationMs > 0 ? ` (${(gil.summary.durationMs / free.summary.durationMs).toFixed(2)}× the free run)` : '';
    this.output.appendLine(`${name}: GIL mode took ${gil.summary.durationMs.toFixed(1)} ms, free mode ${free.summary.durationMs.toFixed(1)} ms${ratio}`);
    panel.showCompare([
      { label: 'free mode', trace: free.trace },
      { label: 'GIL mode', trace: gil.trace },
    ], [{ file, text: source }]);
    return outcomes;
  }

  private async runDocument(document: vscode.TextDocument, how: RunKind): Promise<RunOutcome | undefined> {
    const { file, source } = this.prepare(document);
    this.activeRuns.get(file)?.cancel();
    const request = this.requestFor(file, source, how);
    const panel = ThreadlanesPanel.createOrShow(this.context.extensionUri, file, this.panelCallbacks);
    await this.rememberPanel(file);
    const name = path.basename(file);
    const title = request.type === 'explore' ? `Threadlanes: finding a deadlock in ${name}` : `Threadlanes: running ${name}`;
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const distDir = vscode.Uri.joinPath(this.context.extensionUri, 'dist').fsPath;
        let explored = 0;
        const handle = startRun(distDir, request, (p) => {
          if (p.type === 'explored' && request.type === 'explore') {
            progress.report({ message: `${p.explored.toLocaleString('en-US')} of ${request.schedules.toLocaleString('en-US')} schedules`, increment: (100 * (p.explored - explored)) / request.schedules });
            explored = p.explored;
            panel.progress({ type: 'exploring', explored: p.explored, schedules: request.schedules });
          } else if (p.type === 'progress') {
            const { elapsedMs, threads, events } = p.progress;
            progress.report({ message: `${(elapsedMs / 1000).toFixed(1)} s · ${threads} threads · ${events.toLocaleString('en-US')} events` });
            panel.progress({ type: 'progress', ...p.progress });
          }
        }, (line) => this.output.appendLine(line));
        this.activeRuns.set(file, handle);
        const cancel = token.onCancellationRequested(() => handle.cancel());
        try {
          return await handle.done;
        } catch (error) {
          this.output.appendLine(String((error as Error).stack ?? error));
          void vscode.window.showErrorMessage(`Threadlanes could not run ${name}: ${(error as Error).message}`);
          return undefined;
        } finally {
          cancel.dispose();
          if (this.activeRuns.get(file) === handle) this.activeRuns.delete(file);
        }
      });
    if (!outcome) {
      this.output.appendLine(`${name}: ${request.type === 'explore' ? 'hunt' : 'run'} cancelled`);
      return undefined;
    }
    const huntSentence = request.type === 'explore' && outcome.hunt && outcome.hunt.explored > 0
      ? huntWords(outcome.hunt, request.seed ?? 0, request.strategy ?? 'random')
      : undefined;
    if (request.type === 'explore') {
      const replay = replayOf(outcome.hunt);
      if (replay) this.replays.set(file, replay);
      else this.replays.delete(file);
    }
    this.lastRuns.set(file, outcome.summary);
    this.showProblems(outcome.summary, file, document);
    panel.show(outcome.trace, [{ file, text: source }], aboutRun(outcome.schedule, huntSentence));
    void this.storeTrace(file, outcome.trace);
    this.report(outcome, name, huntSentence);
    return outcome;
  }

  /** The status line in the output channel, and a notification when something went wrong or a hunt ended. */
  private report(outcome: RunOutcome, name: string, huntSentence: string | undefined): void {
    const { summary, hunt } = outcome;
    const duration = durationWords(summary.durationMs, outcome.wallMs, outcome.schedule);
    this.output.appendLine(`${name}: ${summary.outcome} after ${duration}, ${summary.events} events`);
    if (hunt) this.output.appendLine(`${name}: ${huntSentence ?? 'no schedule ran'} (hunt took ${(hunt.huntMs / 1000).toFixed(2)} s)`);
    if (hunt?.found) {
      void vscode.window.showWarningMessage(`Threadlanes: ${name}: ${huntSentence} ${hunt.found.summary}`.slice(0, 400));
      return;
    }
    if (huntSentence && summary.outcome !== 'error') {
      void vscode.window.showInformationMessage(`Threadlanes: ${name}: ${huntSentence}.`);
      return;
    }
    if (summary.outcome === 'deadlock') {
      void vscode.window.showWarningMessage(`Threadlanes: ${name} deadlocked. ${summary.deadlock?.explanation ?? ''}`.slice(0, 400));
    } else if (summary.outcome === 'error' && summary.error) {
      // A hunt stops at an error that is not the snippet's exception (a limit, a syntax error).
      void vscode.window.showErrorMessage(`Threadlanes: ${name} failed${huntSentence ? ` (${huntSentence}, then the hunt stopped)` : ''}: ${summary.error.message}`.slice(0, 400));
    } else if (summary.outcome === 'timeout') {
      // The limit is on wall time, whatever the mode.
      void vscode.window.showWarningMessage(`Threadlanes: ${name} was stopped after ${(outcome.wallMs / 1000).toFixed(2)} s (threadlanes.timeoutSeconds).`);
    }
  }

  // -------------------------------------------------------------------------------------
  // Problems, decorations, hovers

  private showProblems(summary: RunSummary, file: string, document: vscode.TextDocument): void {
    const byUri = new Map<string, vscode.Diagnostic[]>();
    const uriOf = (problemFile: string) => (samePath(problemFile, file) ? document.uri : vscode.Uri.file(problemFile));
    // A run replaces what the last run of this snippet said.
    this.diagnostics.delete(document.uri);
    for (const problem of problemsOf(summary)) {
      const uri = uriOf(problem.file);
      const line = Math.max(0, problem.line - 1);
      const col = Math.max(0, problem.col - 1);
      const range = new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER);
      const diagnostic = new vscode.Diagnostic(range, problem.message, problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      diagnostic.source = 'threadlanes';
      diagnostic.code = problem.code;
      if (problem.related?.length) {
        diagnostic.relatedInformation = problem.related.map((place) => new vscode.DiagnosticRelatedInformation(
          new vscode.Location(uriOf(place.file), new vscode.Position(Math.max(0, place.line - 1), Math.max(0, place.col - 1))), place.message));
      }
      const list = byUri.get(uri.toString()) ?? [];
      list.push(diagnostic);
      byUri.set(uri.toString(), list);
    }
    for (const [uri, list] of byUri) this.diagnostics.set(vscode.Uri.parse(uri), list);
    vscode.window.visibleTextEditors.forEach((editor) => this.decorate(editor));
  }

  private summaryFor(document: vscode.TextDocument): RunSummary | undefined {
    const file = this.snippetPath(document);
    return this.lastRuns.get(file) ?? [...this.lastRuns.values()].find((s) => samePath(s.file, file));
  }

  private decorate(editor: vscode.TextEditor): void {
    const summary = this.summaryFor(editor.document);
    const file = this.snippetPath(editor.document);
    const notes = summary ? blockingLineNotes(summary).filter((note) => samePath(note.file, file)) : [];
    editor.setDecorations(this.blockingDecoration, notes
      .filter((note) => note.line <= editor.document.lineCount)
      .map((note) => ({
        range: editor.document.lineAt(note.line - 1).range,
        renderOptions: { after: { contentText: `⟵ ${note.text}` } },
        hoverMessage: note.text,
      })));
  }

  private async hover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const summary = this.summaryFor(document);
    const wordRange = document.getWordRangeAtPosition(position, /[A-Za-z_$][\w$]*/);
    if (!summary || !wordRange) return undefined;
    const file = this.snippetPath(document);
    const found = new Map<number, PrimitiveAtEnd>();
    const add = (list: PrimitiveAtEnd[]) => list.forEach((p) => found.set(p.id, p));
    // 1. Through the declaration (the language server's answer), never by the text of the name:
    //    `const fork1 = new Lock()`, `lock = new Lock()` in a class.
    const declarations = await this.definitionsAt(document, position);
    if (declarations.length === 0) declarations.push(wordRange.start);
    if (token.isCancellationRequested) return undefined;
    for (const d of declarations) add(primitivesDeclaredAt(summary, file, { line: d.line + 1, col: d.character + 1 }));
    let how = '';
    // 2. An array of primitives made at top level (`const forks = [fork1, fork2]`): its elements.
    if (found.size === 0) {
      for (const d of declarations) {
        for (const col of arrayElementColumns(document.lineAt(d.line).text, d.character)) {
          for (const e of await this.definitionsAt(document, new vscode.Position(d.line, col))) add(primitivesDeclaredAt(summary, file, { line: e.line + 1, col: e.character + 1 }));
        }
      }
      if (found.size) how = 'the primitives the array holds';
    }
    // 3. Not a construction (a parameter, `this.lock` assigned in a constructor): what the run's
    //    calls through this identifier used — this call, or else every call through the symbol.
    if (found.size === 0) {
      add(primitivesUsedAt(summary, file, wordRange.start.line + 1, document.lineAt(wordRange.start.line).text, wordRange.end.character));
      if (found.size === 0) {
        let references: vscode.Location[] = [];
        try {
          references = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', document.uri, position) ?? [];
        } catch {
          // no reference provider
        }
        for (const reference of references) {
          if (reference.uri.toString() !== document.uri.toString()) continue;
          const { end } = reference.range;
          add(primitivesUsedAt(summary, file, end.line + 1, document.lineAt(end.line).text, end.character));
        }
      }
      if (found.size) how = `what \`${document.getText(wordRange)}\` referred to at its calls during the run`;
    }
    if (token.isCancellationRequested) return undefined;
    const primitives = [...found.values()];
    if (primitives.length === 0) return undefined;
    const markdown = new vscode.MarkdownString(undefined, true);
    markdown.isTrusted = { enabledCommands: ['threadlanes.showPrimitive'] };
    if (how) markdown.appendMarkdown(`*Threadlanes: ${how}.*\n\n`);
    for (const primitive of primitives.slice(0, 8)) {
      markdown.appendMarkdown(describeAtEnd(summary, primitive).map(escapeForHover).join('\n') + '\n\n');
      const args = encodeURIComponent(JSON.stringify([file, primitive.name]));
      markdown.appendMarkdown(`[Show in the Threadlanes panel](command:threadlanes.showPrimitive?${args})\n\n`);
    }
    if (primitives.length > 8) markdown.appendMarkdown(`…and ${primitives.length - 8} more.\n`);
    return new vscode.Hover(markdown, wordRange);
  }

  /** Where the symbol at `position` is declared, in this document (the language server's answer). */
  private async definitionsAt(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Position[]> {
    const declarations: vscode.Position[] = [];
    try {
      const found = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', document.uri, position);
      for (const location of found ?? []) {
        const uri = 'targetUri' in location ? location.targetUri : location.uri;
        if (uri.toString() !== document.uri.toString()) continue;
        declarations.push('targetUri' in location ? (location.targetSelectionRange ?? location.targetRange).start : location.range.start);
      }
    } catch {
      // no definition provider: only the declaration itself can be hovered
    }
    return declarations;
  }

  private showPrimitive(file: string, name: string): void {
    const panel = ThreadlanesPanel.get(file) ?? ThreadlanesPanel.createOrShow(this.context.extensionUri, file, this.panelCallbacks);
    panel.highlight(name);
  }

  private async reveal(file: string, line: number, col: number): Promise<void> {
    const open = vscode.window.visibleTextEditors.find((editor) => samePath(this.snippetPath(editor.document), file));
    const document = open?.document ?? await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const position = new vscode.Position(Math.max(0, line - 1), Math.max(0, col - 1));
    await vscode.window.showTextDocument(document, {
      viewColumn: open?.viewColumn ?? vscode.ViewColumn.One,
      selection: new vscode.Range(position, position),
      preserveFocus: false,
    });
  }

  // -------------------------------------------------------------------------------------
  // Export

  /** Asks where to save (unless given) and writes the panel's run; resolves with the file written. */
  private async exportPanel(panel: ThreadlanesPanel, format: ExportFormat, target?: vscode.Uri): Promise<string | undefined> {
    if (!EXPORT_FORMATS.includes(format)) return undefined;
    const run = panel.run ?? (panel.file ? { trace: await this.storedTrace(panel.file), sources: [] } : undefined);
    if (!run?.trace) {
      void vscode.window.showInformationMessage('Threadlanes: this panel shows no run to export yet.');
      return undefined;
    }
    const what = format === 'chrome' ? 'Chrome trace' : 'HTML report';
    const folder = panel.file && path.isAbsolute(panel.file) && !panel.file.startsWith(os.tmpdir()) ? path.dirname(panel.file) : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
    const uri = target ?? await vscode.window.showSaveDialog({
      title: format === 'chrome' ? 'Export the run as a Chrome trace' : 'Export the run as an HTML report',
      saveLabel: 'Export',
      defaultUri: vscode.Uri.file(path.join(folder, exportFileName(panel.file, format))),
      filters: format === 'chrome' ? { 'Chrome trace (JSON)': ['json'] } : { 'HTML report': ['html'] },
    });
    if (!uri) return undefined;
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`Threadlanes can export only to a file on this machine (not ${uri.scheme}:).`);
      return undefined;
    }
    try {
      const distDir = vscode.Uri.joinPath(this.context.extensionUri, 'dist').fsPath;
      // In a child process: a big run's export takes seconds the extension host should not spend.
      const bytes = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Threadlanes: writing the ${what}…` },
        () => exportInChild(distDir, { format, trace: run.trace!, outputPath: uri.fsPath, sources: run.sources, assetsDir: distDir }, (line) => this.output.appendLine(line)));
      this.output.appendLine(`exported the ${what} of ${path.basename(panel.file)} to ${uri.fsPath} (${bytes.toLocaleString('en-US')} bytes)`);
      if (!target) {
        void vscode.window.showInformationMessage(`Threadlanes: wrote ${path.basename(uri.fsPath)}.`, 'Reveal').then((choice) => {
          if (choice) void vscode.commands.executeCommand('revealFileInOS', uri);
        });
      }
      return uri.fsPath;
    } catch (error) {
      this.output.appendLine(String((error as Error).stack ?? error));
      void vscode.window.showErrorMessage(`Threadlanes could not export the ${what}: ${(error as Error).message}`);
      return undefined;
    }
  }

  // -------------------------------------------------------------------------------------
  // Keeping the last trace for a reloaded window

  private traceFile(file: string): vscode.Uri {
    const hash = crypto.createHash('sha1').update(file).digest('hex').slice(0, 16);
    return vscode.Uri.joinPath(this.context.globalStorageUri, 'traces', `${hash}.tltrace`);
  }

  private async storeTrace(file: string, trace: Uint8Array): Promise<void> {
    try {
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(this.context.globalStorageUri, 'traces'));
      await vscode.workspace.fs.writeFile(this.traceFile(file), trace);
    } catch (error) {
      this.output.appendLine(`could not keep the trace for a reload: ${(error as Error).message}`);
    }
  }

  private async storedTrace(file: string): Promise<Uint8Array | undefined> {
    try {
      return await vscode.workspace.fs.readFile(this.traceFile(file));
    } catch {
      return undefined;
    }
  }

  private async rememberPanel(file: string): Promise<void> {
    const known = this.context.workspaceState.get<Record<string, string>>('threadlanes.panelFiles', {});
    await this.context.workspaceState.update('threadlanes.panelFiles', { ...known, [ThreadlanesPanel.title(file)]: file });
  }

  // -------------------------------------------------------------------------------------
  // A new snippet

  private async newSnippet(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    let document: vscode.TextDocument;
    if (folder && folder.uri.scheme === 'file') {
      let target = path.join(folder.uri.fsPath, 'threads.ts');
      for (let n = 2; fs.existsSync(target); n++) target = path.join(folder.uri.fsPath, `threads-${n}.ts`);
      fs.writeFileSync(target, EXAMPLE_SNIPPET);
      document = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
      this.addTypes(folder.uri.fsPath);
    } else {
      document = await vscode.workspace.openTextDocument({ language: 'typescript', content: EXAMPLE_SNIPPET });
    }
    await vscode.window.showTextDocument(document);
  }

  /** Makes `import … from "threadlanes"` type-check in this workspace (see types.ts). */
  private addTypes(folder: string): void {
    if (!this.setting('addTypesToWorkspace', true)) return;
    try {
      const wrote = ensureWorkspaceTypes(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'types').fsPath, folder, String(this.context.extension.packageJSON.version));
      if (wrote) this.output.appendLine(`wrote the snippet API's types to ${wrote}`);
    } catch (error) {
      this.output.appendLine(`could not write the snippet API's types: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    for (const run of this.activeRuns.values()) run.cancel();
    ThreadlanesPanel.all().forEach((panel) => panel.dispose());
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

/** Markdown in a hover is trusted for one command: escape the names and messages that come from the run. */
function escapeForHover(line: string): string {
  return line.replace(/[\\`[\]<>]/g, (c) => `\\${c}`);
}

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(new Threadlanes(context));
}

export function deactivate(): void {
  // Disposables in context.subscriptions cancel runs and close panels.
}
