/**
 * The compare view: two runs of one snippet one above the other (free mode on top, GIL mode
 * below), each a full Panel, on one time scale: both axes start at their run's start and span
 * the longer run, and zooming or panning one moves the other the same way, so a run that took
 * twice as long looks twice as long. The Panels' hosts are the page's, without the view state
 * (the single view keeps that) and without Re-run / Find deadlock / Export (they act on one run).
 */
import type { FromPanel, SourceText, CompareRun } from '../../shared/protocol';
import { formatDurationNs } from '../../shared/wording';
import { clear, el } from './dom';
import type { PanelHost } from './host';
import { Panel } from './panel';
import type { Model } from './view';

export class CompareView {
  readonly panels: Panel[] = [];
  private readonly headings: HTMLElement[] = [];

  constructor(root: HTMLElement, host: PanelHost, labels: string[]) {
    clear(root);
    const subHost: PanelHost = {
      kind: host.kind,
      runActions: false,
      // The single view's state is the one kept; these two would overwrite it.
      post: (message: FromPanel) => {
        if (message.type !== 'viewState') host.post(message);
      },
      saveState: () => undefined,
    };
    const view = el('div', { className: 'compare', attrs: { 'data-testid': 'compare' } });
    for (const label of labels) {
      const heading = el('h2', { className: 'compare-heading', text: label });
      const slot = el('div', { className: 'compare-slot' });
      view.append(el('section', { className: 'compare-run', attrs: { 'aria-label': label } }, [heading, slot]));
      this.headings.push(heading);
      this.panels.push(new Panel(slot, subHost, undefined));
    }
    root.append(view);
    this.panels.forEach((panel, index) => {
      panel.onRangeChange = (startOffsetNs, endOffsetNs) => {
        this.panels.forEach((other, otherIndex) => {
          if (otherIndex !== index) other.showOffsets(startOffsetNs, endOffsetNs);
        });
      };
    });
  }

  /** Shows the runs (models in the order of the labels) and puts them on one scale. */
  setModels(runs: { model: Model; run: CompareRun }[], sources: SourceText[]): void {
    runs.forEach(({ model, run }, i) => this.panels[i]?.setModel(model, sources, undefined, run.about ?? {}));
    const spans = runs.map(({ model }) => model.endNs - model.startNs);
    const longest = Math.max(...spans);
    runs.forEach(({ model, run }, i) => {
      this.panels[i]?.shareSpan(longest);
      // How it compares with the longest run (said only when they differ).
      const ratio = spans[i] > 0 && spans[i] < longest ? ` · ${(longest / spans[i]).toFixed(1)}× shorter` : '';
      this.headings[i].textContent =
        `${run.label} · ${formatDurationNs(spans[i])}${model.gil ? ` · ${model.gil.switches.toLocaleString('en-US')} GIL switches` : ''}${ratio}`;
    });
  }

  showError(message: string): void {
    for (const panel of this.panels) panel.showError(message);
  }

  /** Resolves when both panels have painted a frame. */
  nextFrame(): Promise<number[]> {
    return Promise.all(this.panels.map((panel) => panel.nextFrame()));
  }
}
