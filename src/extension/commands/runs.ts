/**
 * The run commands: Visualise threads, Re-run (which replays a schedule Find deadlock found)
 * and Find deadlock. Each runs the snippet in the child runner, then shows the run in its panel,
 * in Problems and on the blocking lines, keeps its trace for a reload, and reports the outcome.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatDurationNs, plural } from '../../shared/wording';
import { aboutRun, durationWords, huntWords, replayOf } from '../hunt';
import type { Problems } from '../problems';
import { startRun, type RunOutcome } from '../runner/client';
import type { Session } from '../session';
import { requestFor, type RunKind } from '../settings';
import { documentAt, documentOfPanel, prepareSnippet, snippetPath } from '../snippetDocuments';

/** Ends with a full stop (a seeded hunt's sentence has none; a DFS hunt's has). */
function asSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export class RunCommands {
  constructor(
    private readonly session: Session,
    private readonly problems: Problems,
  ) {}

  async visualise(uri?: vscode.Uri): Promise<RunOutcome | undefined> {
    if (this.session.refuseUntrusted()) return undefined;
    const document = await documentAt(uri);
    if (!document) return undefined;
    // Run as the settings say: a schedule a hunt found is replayed only by Re-run.
    this.session.replays.delete(snippetPath(document));
    return this.runDocument(document, { kind: 'run' });
  }

  /** Runs the panel's snippet again; after Find deadlock found a schedule, replays that schedule. */
  async rerun(file?: string): Promise<RunOutcome | undefined> {
    const panel = this.session.panelFor(file);
    if (!panel) return this.visualise();
    if (this.session.refuseUntrusted()) return undefined;
    const document = await documentOfPanel(panel.file);
    return this.runDocument(document, { kind: 'run', replay: this.session.replays.get(panel.file) });
  }

  /**
   * Hunts in controlled mode for a schedule that deadlocks, livelocks, raises or fails an assert
   * (with strategy dfs, through every schedule within the preemption bound): the Find deadlock command.
   */
  async findDeadlock(target?: vscode.Uri | string): Promise<RunOutcome | undefined> {
    if (this.session.refuseUntrusted()) return undefined;
    // From the palette or the title bar with the panel focused there is no text editor: hunt in the panel's snippet.
    const panelFile =
      typeof target === 'string' ? target : !target && !vscode.window.activeTextEditor ? this.session.panelFor()?.file : undefined;
    const document = panelFile ? await documentOfPanel(panelFile) : await documentAt(typeof target === 'string' ? undefined : target);
    if (!document) return undefined;
    return this.runDocument(document, { kind: 'hunt' });
  }

  private async runDocument(document: vscode.TextDocument, how: RunKind): Promise<RunOutcome | undefined> {
    const { session } = this;
    const { file, source } = prepareSnippet(session.context, (line) => session.log(line), document);
    session.activeRuns.get(file)?.cancel();
    const request = requestFor(file, source, how);
    const panel = session.openPanel(file);
    await session.traces.rememberPanel(file);
    const name = path.basename(file);
    const title = request.type === 'explore' ? `Threadlanes: finding a deadlock in ${name}` : `Threadlanes: running ${name}`;
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        let explored = 0;
        const handle = startRun(
          session.distDir,
          request,
          (p) => {
            if (p.type === 'explored' && request.type === 'explore') {
              progress.report({
                message: `${p.explored.toLocaleString('en-US')} of ${plural(request.schedules, 'schedule')}`,
                increment: (100 * (p.explored - explored)) / request.schedules,
              });
              explored = p.explored;
              panel.progress({ type: 'exploring', explored: p.explored, schedules: request.schedules });
            } else if (p.type === 'progress') {
              const { elapsedMs, threads, events } = p.progress;
              progress.report({
                message: `${formatDurationNs(elapsedMs * 1e6)} · ${plural(threads, 'thread')} · ${plural(events, 'event')}`,
              });
              panel.progress({ type: 'progress', ...p.progress });
            }
          },
          (line) => session.log(line),
        );
        const untrack = session.track(file, handle);
        const cancel = token.onCancellationRequested(() => handle.cancel());
        try {
          return await handle.done;
        } catch (error) {
          session.log(String((error as Error).stack ?? error));
          void vscode.window.showErrorMessage(`Threadlanes could not run ${name}: ${(error as Error).message}`);
          return undefined;
        } finally {
          cancel.dispose();
          untrack();
        }
      },
    );
    if (!outcome) {
      session.log(`${name}: ${request.type === 'explore' ? 'hunt' : 'run'} cancelled`);
      return undefined;
    }
    const huntSentence =
      request.type === 'explore' && outcome.hunt && outcome.hunt.explored > 0
        ? huntWords(outcome.hunt, request.seed ?? 0, request.strategy ?? 'random')
        : undefined;
    if (request.type === 'explore') {
      const replay = replayOf(outcome.hunt);
      if (replay) session.replays.set(file, replay);
      else session.replays.delete(file);
    }
    session.lastRuns.set(file, outcome.summary);
    this.problems.show(outcome.summary, file, document);
    panel.show(outcome.trace, [{ file, text: source }], aboutRun(outcome.schedule, huntSentence, outcome.hunt));
    void session.traces.store(file, outcome.trace);
    this.report(outcome, name, huntSentence);
    return outcome;
  }

  /** The status line in the output channel, and a notification when something went wrong or a hunt ended. */
  private report(outcome: RunOutcome, name: string, huntSentence: string | undefined): void {
    const { summary, hunt } = outcome;
    const duration = durationWords(summary.durationMs, outcome.wallMs, outcome.schedule);
    this.session.log(`${name}: ${summary.outcome} after ${duration}, ${plural(summary.events, 'event')}`);
    if (hunt) this.session.log(`${name}: ${huntSentence ?? 'no schedule ran'} (hunt took ${formatDurationNs(hunt.huntMs * 1e6)})`);
    if (hunt?.found) {
      void vscode.window.showWarningMessage(`Threadlanes: ${name}: ${huntSentence} ${hunt.found.summary}`.slice(0, 400));
      return;
    }
    if (huntSentence && summary.outcome !== 'error') {
      void vscode.window.showInformationMessage(`Threadlanes: ${name}: ${asSentence(huntSentence)}`);
      return;
    }
    if (summary.outcome === 'deadlock') {
      void vscode.window.showWarningMessage(`Threadlanes: ${name} deadlocked. ${summary.deadlock?.explanation ?? ''}`.slice(0, 400));
    } else if (summary.outcome === 'error' && summary.error) {
      // A hunt stops at an error that is not the snippet's exception (a limit, a syntax error).
      void vscode.window.showErrorMessage(
        `Threadlanes: ${name} failed${huntSentence ? ` (${huntSentence.replace(/\.$/, '')}, then the hunt stopped)` : ''}: ${summary.error.message}`.slice(
          0,
          400,
        ),
      );
    } else if (summary.outcome === 'timeout') {
      // The limit is on wall time, whatever the mode.
      void vscode.window.showWarningMessage(
        `Threadlanes: ${name} was stopped after ${formatDurationNs(outcome.wallMs * 1e6)} (threadlanes.timeoutSeconds).`,
      );
    }
  }
}
