/**
 * The panel's entry point (bundled by esbuild into dist/webview.js, an iife for the browser).
 * In a VS Code webview it talks to the extension through acquireVsCodeApi(); in the standalone
 * HTML report it reads the inlined trace and plays the host's part itself. Both paths go
 * through the same validated message handler.
 */
import { MessageHandler, parseToPanel, parseViewState, type FromPanel, type ToPanel, type ViewState } from '../shared/protocol';
import type { Trace } from '../trace/format';
import { findingsOf, loadRun } from './load';
import { CompareView } from './ui/compare';
import type { PanelHost } from './ui/host';
import { Panel } from './ui/panel';
import { readEmbeddedMeta, readEmbeddedTrace, readTimings } from './standalone';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What tests and the bench read in the page (window.__threadlanes). */
interface TestHook {
  ready: boolean;
  error?: string;
  timings: {
    scriptStartAtMs?: number;
    decodeMs?: number;
    modelMs?: number;
    setModelMs?: number;
    readMs?: number;
    firstFrameAtMs?: number;
    loadStartAtMs?: number;
    findingsMs?: number;
    read?: typeof readTimings;
  };
  /** Messages the panel posted (the standalone report has no host to receive them). */
  posted: FromPanel[];
  panel?: Panel;
  /** The compare view's panels, top first, while it shows (then `panel` is the top one). */
  compare?: Panel[];
}

declare global {
  interface Window {
    __threadlanes: TestHook;
  }
}

function main(): void {
  const root = document.getElementById('app') ?? document.body;
  const hook: TestHook = { ready: false, timings: { scriptStartAtMs: performance.now() }, posted: [] };
  window.__threadlanes = hook;
  const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
  const host: PanelHost = vscode
    ? {
        kind: 'vscode',
        post: (message) => vscode.postMessage(message),
        saveState: (state) => vscode.setState(state),
      }
    : {
        kind: 'standalone',
        post: (message) => hook.posted.push(message),
        saveState: () => undefined,
      };
  // The view kept before the webview was revived: it belongs to the first run shown (the one
  // kept for the reload), not to a later run, which opens on its failure or whole.
  let saved: ViewState | undefined = vscode ? parseViewState(vscode.getState()) : undefined;
  let panel = new Panel(root, host, saved);
  hook.panel = panel;
  // The compare view replaces the single panel until the next `load`.
  let compare: CompareView | undefined;
  const single = (): Panel => {
    if (compare) {
      compare = undefined;
      hook.compare = undefined;
      panel = new Panel(root, host, saved);
      hook.panel = panel;
    }
    return panel;
  };
  const showProgress = (text: string) => {
    for (const shown of compare ? compare.panels : [panel]) shown.showProgress(text);
  };

  const handler = new MessageHandler<ToPanel, FromPanel>(
    parseToPanel,
    (message) => host.post(message),
    (raw) => {
      const type = typeof raw === 'object' && raw !== null && 'type' in raw ? String(raw.type) : typeof raw;
      host.post({ type: 'log', level: 'warn', message: `panel ignored a malformed or unknown message (${type.slice(0, 60)})` });
    },
  );
  /**
   * Runs `build` once the progress text has painted (building the model is synchronous). If it
   * throws, the view shows the error and the host is answered `loaded` with ok: false.
   */
  const afterProgress = (requestId: number, view: { showError(message: string): void }, build: () => void) => {
    requestAnimationFrame(() =>
      setTimeout(() => {
        try {
          build();
        } catch (error) {
          const text = (error as Error).message;
          view.showError(text);
          hook.error = text;
          handler.send({ type: 'loaded', requestId, ok: false, message: text });
        }
      }, 0),
    );
  };
  /** Potential deadlocks and races of a run, into its panel (they read every event again); a failure is only logged. */
  const showFindings = (shown: Panel | undefined, trace: Trace, took?: (ms: number) => void) => {
    try {
      const findings = findingsOf(trace);
      took?.(findings.ms);
      shown?.setFindings(findings.lockOrder, findings.races);
    } catch (error) {
      host.post({ type: 'log', level: 'warn', message: `could not look for potential deadlocks and races: ${(error as Error).message}` });
    }
  };
  handler.registerHandler('load', (message) => {
    const panel = single();
    hook.ready = false;
    panel.showProgress('Reading the trace…');
    afterProgress(message.requestId, panel, () => {
      const loaded = loadRun(message.trace);
      hook.timings.decodeMs = loaded.decodeMs;
      hook.timings.modelMs = loaded.modelMs;
      const setModelStart = performance.now();
      panel.setModel(loaded.model, message.sources ?? [], saved, message.about, loaded.failure);
      saved = undefined;
      hook.timings.setModelMs = performance.now() - setModelStart;
      void panel.nextFrame().then(() => {
        hook.timings.firstFrameAtMs = panel.stats.firstFrameAtMs;
        // Potential deadlocks and races read every event again: after the first frame, not before it.
        setTimeout(() => {
          showFindings(panel, loaded.trace, (ms) => (hook.timings.findingsMs = ms));
          hook.ready = true;
        }, 0);
      });
      handler.send({
        type: 'loaded',
        requestId: message.requestId,
        ok: true,
        threads: loaded.model.threads.length,
        events: loaded.model.events,
      });
    });
  });
  handler.registerHandler('compare', (message) => {
    compare = new CompareView(
      root,
      host,
      message.runs.map((run) => run.label),
    );
    const view = compare;
    hook.compare = view.panels;
    hook.panel = view.panels[0];
    hook.ready = false;
    for (const shown of view.panels) shown.showProgress('Reading the traces…');
    afterProgress(message.requestId, view, () => {
      const loaded = message.runs.map((run) => ({ run, ...loadRun(run.trace) }));
      const runs = loaded.map(({ run, model }) => ({ run, model }));
      view.setModels(runs, message.sources ?? []);
      // Two runs of one snippet, each usually small: their findings at once.
      loaded.forEach(({ trace }, i) => showFindings(view.panels[i], trace));
      void view.nextFrame().then(() => {
        hook.ready = true;
      });
      handler.send({
        type: 'loaded',
        requestId: message.requestId,
        ok: true,
        threads: runs.reduce((sum, { model }) => sum + model.threads.length, 0),
        events: runs.reduce((sum, { model }) => sum + model.events, 0),
      });
    });
  });
  handler.registerHandler('progress', (message) => {
    showProgress(
      `${message.phase === 'bundling' ? 'Bundling' : message.phase === 'running' ? 'Running' : 'Stopping'}… ${(message.elapsedMs / 1000).toFixed(1)} s · ${message.threads} threads · ${message.events.toLocaleString('en-US')} events`,
    );
  });
  handler.registerHandler('exploring', (message) => {
    showProgress(
      `Finding a deadlock… ${message.explored.toLocaleString('en-US')} of ${message.schedules.toLocaleString('en-US')} schedules`,
    );
  });
  handler.registerHandler('highlight', (message) => {
    for (const shown of compare ? compare.panels : [panel]) shown.highlightByName(message.primitiveName);
  });
  handler.registerHandler('restoreView', (message) => {
    if (!compare) panel.restoreView(message.state);
  });

  if (vscode) {
    window.addEventListener('message', (event: MessageEvent) => handler.handle(event.data));
    handler.send({ type: 'ready' });
    return;
  }
  void loadEmbedded(panel, handler, hook);
}

async function loadEmbedded(panel: Panel, handler: MessageHandler<ToPanel, FromPanel>, hook: TestHook): Promise<void> {
  try {
    const meta = readEmbeddedMeta(document);
    if (!meta) {
      panel.showError('This page carries no run. Open a report written by `threadlanes run <file> --html report.html`.');
      return;
    }
    panel.showProgress(`Reading the trace (${(meta.bytes / 1048576).toFixed(1)} MiB)…`);
    hook.timings.loadStartAtMs = performance.now();
    const bytes = await readEmbeddedTrace(document, meta);
    hook.timings.readMs = performance.now() - hook.timings.loadStartAtMs;
    hook.timings.read = { ...readTimings };
    // The same path a host's message takes, validation included.
    handler.handle({ type: 'load', requestId: 0, trace: bytes, sources: meta.sources });
  } catch (error) {
    const text = (error as Error).message;
    panel.showError(text);
    hook.error = text;
  }
}

main();
