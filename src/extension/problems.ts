/**
 * Problems and decorations: a run's deadlock, exceptions and findings as entries in the
 * Problems panel, and the blocking lines of a deadlock marked in every editor that shows them.
 */
import * as vscode from 'vscode';
import type { Session } from './session';
import { snippetPath } from './snippetDocuments';
import { blockingLineNotes, problemsOf, samePath, type RunSummary } from './summary';

export class Problems implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('threadlanes');
  private readonly blockingDecoration = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editorError.background'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.errorForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    isWholeLine: true,
    after: { color: new vscode.ThemeColor('editorError.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
  });
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly session: Session) {
    this.disposables = [
      this.diagnostics,
      this.blockingDecoration,
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((editor) => this.decorate(editor))),
    ];
  }

  /** Replaces what the last run of this snippet said with what `summary` says. */
  show(summary: RunSummary, file: string, document: vscode.TextDocument): void {
    const byUri = new Map<string, vscode.Diagnostic[]>();
    const uriOf = (problemFile: string) => (samePath(problemFile, file) ? document.uri : vscode.Uri.file(problemFile));
    this.diagnostics.delete(document.uri);
    for (const problem of problemsOf(summary)) {
      const uri = uriOf(problem.file);
      const line = Math.max(0, problem.line - 1);
      const col = Math.max(0, problem.col - 1);
      const range = new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER);
      const diagnostic = new vscode.Diagnostic(
        range,
        problem.message,
        problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'threadlanes';
      diagnostic.code = problem.code;
      if (problem.related?.length) {
        diagnostic.relatedInformation = problem.related.map(
          (place) =>
            new vscode.DiagnosticRelatedInformation(
              new vscode.Location(uriOf(place.file), new vscode.Position(Math.max(0, place.line - 1), Math.max(0, place.col - 1))),
              place.message,
            ),
        );
      }
      const list = byUri.get(uri.toString()) ?? [];
      list.push(diagnostic);
      byUri.set(uri.toString(), list);
    }
    for (const [uri, list] of byUri) this.diagnostics.set(vscode.Uri.parse(uri), list);
    vscode.window.visibleTextEditors.forEach((editor) => this.decorate(editor));
  }

  private decorate(editor: vscode.TextEditor): void {
    const summary = this.session.summaryFor(editor.document);
    const file = snippetPath(editor.document);
    const notes = summary ? blockingLineNotes(summary).filter((note) => samePath(note.file, file)) : [];
    editor.setDecorations(
      this.blockingDecoration,
      notes
        .filter((note) => note.line <= editor.document.lineCount)
        .map((note) => ({
          range: editor.document.lineAt(note.line - 1).range,
          renderOptions: { after: { contentText: `⟵ ${note.text}` } },
          hoverMessage: note.text,
        })),
    );
  }

  dispose(): void {
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
