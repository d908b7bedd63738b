/**
 * Compare free and GIL: runs the snippet in free mode, then in GIL mode (one after the other,
 * so they do not compete for the cores), and shows both runs in its panel, free above GIL.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Mode } from '../../trace/format';
import { formatDurationNs, plural } from '../../shared/wording';
import { durationWords } from '../hunt';
import { startRun, type RunOutcome } from '../runner/client';
import type { RunRequest } from '../runner/protocol';
import type { Session } from '../session';
import { runLimits } from '../settings';
import { documentAt, prepareSnippet } from '../snippetDocuments';

const MODES: Mode[] = ['free', 'gil'];

export async function compareGil(session: Session, uri?: vscode.Uri): Promise<RunOutcome[] | undefined> {
  if (session.refuseUntrusted()) return undefined;
  const document = await documentAt(uri);
  if (!document) return undefined;
  const { file, source } = prepareSnippet(session.context, (line) => session.log(line), document);
  session.activeRuns.get(file)?.cancel();
  const panel = session.openPanel(file);
  await session.traces.rememberPanel(file);
  const name = path.basename(file);
  const outcomes = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Threadlanes: comparing free and GIL mode on ${name}`, cancellable: true },
    async (progress, token) => {
      const done: RunOutcome[] = [];
      for (const mode of MODES) {
        if (token.isCancellationRequested) return undefined;
        progress.report({ message: `${mode} mode` });
        const request: RunRequest = { type: 'run', file, source, mode, ...runLimits() };
        const handle = startRun(
          session.distDir,
          request,
          (p) => {
            if (p.type === 'progress') panel.progress({ type: 'progress', ...p.progress });
          },
          (line) => session.log(line),
        );
        const untrack = session.track(file, handle);
        const cancel = token.onCancellationRequested(() => handle.cancel());
        try {
          const outcome = await handle.done;
          if (!outcome) return undefined;
          done.push(outcome);
          session.log(
            `${name} (${mode} mode): ${outcome.summary.outcome} after ${durationWords(outcome.summary.durationMs, outcome.wallMs, outcome.schedule)}, ${plural(outcome.summary.events, 'event')}`,
          );
        } catch (error) {
          session.log(String((error as Error).stack ?? error));
          void vscode.window.showErrorMessage(`Threadlanes could not run ${name} in ${mode} mode: ${(error as Error).message}`);
          return undefined;
        } finally {
          cancel.dispose();
          untrack();
        }
      }
      return done;
    },
  );
  if (!outcomes) {
    session.log(`${name}: compare cancelled`);
    return undefined;
  }
  const [free, gil] = outcomes;
  const ratio = free.summary.durationMs > 0 ? ` (${(gil.summary.durationMs / free.summary.durationMs).toFixed(2)}× the free run)` : '';
  session.log(
    `${name}: GIL mode took ${formatDurationNs(gil.summary.durationMs * 1e6)}, free mode ${formatDurationNs(free.summary.durationMs * 1e6)}${ratio}`,
  );
  panel.showCompare(
    [
      { label: 'free mode', trace: free.trace },
      { label: 'GIL mode', trace: gil.trace },
    ],
    [{ file, text: source }],
  );
  return outcomes;
}
