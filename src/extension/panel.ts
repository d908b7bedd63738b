/**
 * The swimlane panel in VS Code: a webview that hosts the panel app (dist/webview.js, the same
 * app as the standalone HTML report) and talks to it through the typed protocol of
 * src/shared/protocol.ts. One panel per snippet; it survives being hidden and a window reload
 * (the serializer revives it from the last trace kept in the extension's storage).
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import {
  MessageHandler,
  parseFromPanel,
  type CompareRun,
  type ExportFormat,
  type FromPanel,
  type MessageOf,
  type RunAbout,
  type SourceText,
  type ToPanel,
} from '../shared/protocol';

export interface PanelCallbacks {
  /** The panel asked to show a site in the editor. */
  reveal(file: string, line: number, col: number): void;
  log(line: string): void;
  /** The last trace kept for this snippet, to show after a reload. */
  storedTrace(file: string): Promise<Uint8Array | undefined>;
  /** The snippet a revived panel showed (the app's own state holds only its view, so panels are found by title). */
  fileForTitle(title: string): string | undefined;
  /** The panel's Export button: save the run it shows. */
  exportRun(panel: ThreadlanesPanel, format: ExportFormat): void;
  /** The panel's Re-run button: run its snippet again (replaying a schedule a hunt found). */
  rerun(panel: ThreadlanesPanel): void;
  /** The panel's Find deadlock button: hunt for a failing schedule of its snippet. */
  findDeadlock(panel: ThreadlanesPanel): void;
}

interface ShownRun {
  trace: Uint8Array;
  sources: SourceText[];
  about?: RunAbout;
  /** The compare view: the runs shown one above the other (`trace` is the last of them). */
  compare?: CompareRun[];
}

export class ThreadlanesPanel {
  static readonly viewType = 'threadlanes.panel';
  private static readonly panels = new Map<string, ThreadlanesPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private readonly handler: MessageHandler<FromPanel, ToPanel>;
  private ready = false;
  /** The newest message that shows a run, sent once the app says it is ready. */
  private pendingLoad?: ShownRun;
  /** The run the panel shows (or is about to), for the export buttons. */
  private shown?: ShownRun;
  /** The app's answer to the last run sent (tests read it through threadlanes._state). */
  private lastLoaded?: { ok: boolean; threads?: number; events?: number };

  /** The panel of `file`, created beside the editor or brought forward. */
  static createOrShow(extensionUri: vscode.Uri, file: string, callbacks: PanelCallbacks): ThreadlanesPanel {
    const existing = ThreadlanesPanel.panels.get(file);
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      ThreadlanesPanel.viewType,
      ThreadlanesPanel.title(file),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        ...ThreadlanesPanel.webviewOptions(extensionUri),
        retainContextWhenHidden: true,
      },
    );
    return new ThreadlanesPanel(panel, extensionUri, file, callbacks);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, callbacks: PanelCallbacks): void {
    const file = callbacks.fileForTitle(panel.title) ?? '';
    const revived = new ThreadlanesPanel(panel, extensionUri, file, callbacks);
    if (file) {
      void callbacks.storedTrace(file).then((trace) => {
        if (trace) revived.show(trace, []);
      });
    }
  }

  static get(file: string): ThreadlanesPanel | undefined {
    return ThreadlanesPanel.panels.get(file);
  }

  static all(): ThreadlanesPanel[] {
    return [...ThreadlanesPanel.panels.values()];
  }

  /** Only what the app needs: its bundle and styles in dist/, and media/. */
  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  static title(file: string): string {
    return `Threads: ${file.split(/[\\/]/).pop() || 'snippet'}`;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    readonly file: string,
    private readonly callbacks: PanelCallbacks,
  ) {
    ThreadlanesPanel.panels.set(file, this);
    this.handler = new MessageHandler<FromPanel, ToPanel>(
      parseFromPanel,
      (message) => void this.panel.webview.postMessage(message),
      (raw) => callbacks.log(`panel sent an unknown or malformed message: ${JSON.stringify(raw)?.slice(0, 200)}`),
    );
    this.handler.registerHandler('ready', () => {
      this.ready = true;
      this.flush();
    });
    this.handler.registerHandler('loaded', (message) => {
      if (!message.ok) callbacks.log(`the panel could not show the run: ${message.message ?? ''}`);
    });
    this.handler.registerHandler('reveal', (message) => callbacks.reveal(message.file, message.line, message.col));
    this.handler.registerHandler('viewState', () => undefined); // the app keeps it with vscode.setState
    this.handler.registerHandler('log', (message) => callbacks.log(`[panel ${message.level}] ${message.message}`));
    this.handler.registerHandler('export', (message) => callbacks.exportRun(this, message.format));
    this.handler.registerHandler('rerun', () => callbacks.rerun(this));
    this.handler.registerHandler('findDeadlock', () => callbacks.findDeadlock(this));

    this.panel.webview.options = ThreadlanesPanel.webviewOptions(extensionUri);
    this.panel.webview.html = this.html();
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((raw: unknown) => this.handler.handle(raw)),
    );
  }

  /** Show a run (replaces what the panel shows), with what the host knows of it beyond the trace. */
  show(trace: Uint8Array, sources: SourceText[], about?: RunAbout): void {
    this.pendingLoad = { trace, sources, about };
    this.shown = { trace, sources, about };
    this.lastLoaded = undefined;
    this.flush();
  }

  /** Show runs of the snippet one above the other (the compare view: free mode, then GIL mode). */
  showCompare(runs: CompareRun[], sources: SourceText[]): void {
    const last = runs[runs.length - 1];
    this.pendingLoad = { trace: last.trace, sources, compare: runs };
    this.shown = this.pendingLoad;
    this.lastLoaded = undefined;
    this.flush();
  }

  /** The labels of the compare view's runs, while it shows. */
  get compared(): string[] | undefined {
    return this.shown?.compare?.map((run) => run.label);
  }

  /** The run shown (the compare view: its last run), as the binary .tltrace and the sources sent with it. */
  get run(): { trace: Uint8Array; sources: SourceText[] } | undefined {
    return this.shown;
  }

  /** What the panel was told of the run it shows (schedule, a hunt's sentence). */
  get about(): RunAbout | undefined {
    return this.shown?.about;
  }

  /** Whether the app showed the last run sent, once it has answered. */
  get loaded(): { ok: boolean; threads?: number; events?: number } | undefined {
    return this.lastLoaded;
  }

  progress(message: MessageOf<ToPanel, 'progress' | 'exploring'>): void {
    if (this.ready) this.handler.send(message);
  }

  highlight(primitiveName: string): void {
    if (this.ready) this.handler.send({ type: 'highlight', primitiveName });
    this.panel.reveal(undefined, true);
  }

  private flush(): void {
    if (!this.ready || !this.pendingLoad) return;
    const { trace, sources, about, compare } = this.pendingLoad;
    this.pendingLoad = undefined;
    void this.handler
      .request<MessageOf<FromPanel, 'loaded'>>((requestId) =>
        compare
          ? { type: 'compare', requestId, runs: compare, sources }
          : { type: 'load', requestId, trace, sources, ...(about ? { about } : {}) },
      )
      .then((answer) => {
        if (this.shown?.trace !== trace) return; // a newer run was sent meanwhile
        this.lastLoaded = {
          ok: answer.ok,
          ...(answer.threads !== undefined ? { threads: answer.threads } : {}),
          ...(answer.events !== undefined ? { events: answer.events } : {}),
        };
        if (!answer.ok) this.callbacks.log(`the panel could not show the run: ${answer.message ?? ''}`);
      });
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = crypto.randomBytes(18).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString();
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.css')).toString();
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style}" nonce="${nonce}">
<title>Threadlanes</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (ThreadlanesPanel.panels.get(this.file) === this) ThreadlanesPanel.panels.delete(this.file);
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
