/**
 * What the panel needs from whoever hosts it: the VS Code webview (an extension behind it) or
 * the standalone HTML report (main.ts plays the host there).
 */
import type { FromPanel, ViewState } from '../../shared/protocol';

export interface PanelHost {
  /** 'vscode': a webview with an extension behind it; 'standalone': the HTML report. */
  readonly kind: 'vscode' | 'standalone';
  post(message: FromPanel): void;
  /** Keeps the view across hide/show (vscode.setState); may do nothing. */
  saveState(state: ViewState): void;
  /** False: no Re-run, Find deadlock or Export buttons (a run of the compare view; default true in VS Code). */
  readonly runActions?: boolean;
}
