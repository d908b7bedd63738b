/**
 * The toolbar above the lanes: Fit all and zoom, Show failure (for a run that failed), the hand-offs toggle (and its note when there
 * are too many to draw), the thread filters, and, with an extension behind the panel, Re-run,
 * Find deadlock and the exports. It only builds the controls and passes their clicks on.
 */
import { LANE_FILTERS } from '../layout/lanes';
import { el } from './dom';
import type { FrameOutput } from './frame';
import type { PanelHost } from './host';
import type { View } from './view';

export interface ToolbarActions {
  fitAll(): void;
  zoomIn(): void;
  zoomOut(): void;
  /** Put the view on the run's failure again. */
  showFailure(): void;
  toggleHandoffs(): void;
  /** The filter text or the filter choice changed (already in the view state). */
  filtersChanged(): void;
}

export class Toolbar {
  readonly element: HTMLElement;
  private readonly handoffButton: HTMLButtonElement;
  private readonly failureButton: HTMLButtonElement;
  private readonly handoffNote: HTMLElement;
  private readonly filterInput: HTMLInputElement;
  private readonly filterSelect: HTMLSelectElement;

  constructor(
    host: PanelHost,
    private readonly view: View,
    actions: ToolbarActions,
  ) {
    this.handoffButton = el('button', {
      className: 'toggle',
      text: 'Hand-offs',
      title: 'Show arrows from each release to the acquire it unblocked (H)',
      attrs: { 'aria-pressed': 'false' },
    });
    this.filterInput = el('input', {
      className: 'filter',
      attrs: { type: 'search', placeholder: 'Filter threads by name', 'aria-label': 'Filter threads by name', spellcheck: 'false' },
    });
    this.filterSelect = el('select', { className: 'filter-state', attrs: { 'aria-label': 'Show threads' } });
    for (const filter of LANE_FILTERS) this.filterSelect.append(el('option', { text: filter.label, attrs: { value: filter.id } }));
    const button = (text: string, title: string, action: () => void) => {
      const b = el('button', { text, title, attrs: { 'aria-label': title } });
      b.addEventListener('click', action);
      return b;
    };
    this.failureButton = button('Show failure', 'Zoom to where the run failed and select its threads', () => actions.showFailure());
    this.failureButton.hidden = true;
    this.handoffNote = el('span', { className: 'muted handoff-note', attrs: { 'aria-live': 'polite' } });
    this.element = el('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'View' } }, [
      button('Fit all', 'Fit the whole run (0)', () => actions.fitAll()),
      button('−', 'Zoom out (−)', () => actions.zoomOut()),
      button('+', 'Zoom in (+)', () => actions.zoomIn()),
      this.failureButton,
      this.handoffButton,
      this.handoffNote,
      el('span', { className: 'spacer' }),
      this.filterInput,
      this.filterSelect,
      // Only a host with an extension behind it can save files (the HTML report is already one).
      ...(host.kind === 'vscode' && host.runActions !== false
        ? [
            el('span', { className: 'toolbar-sep', attrs: { 'aria-hidden': 'true' } }),
            button('Re-run', 'Run the snippet again (after Find deadlock: replay the schedule it found)', () =>
              host.post({ type: 'rerun' }),
            ),
            button('Find deadlock', 'Run the snippet under many controlled schedules until one deadlocks or raises', () =>
              host.post({ type: 'findDeadlock' }),
            ),
            el('span', { className: 'toolbar-sep', attrs: { 'aria-hidden': 'true' } }),
            el('span', { className: 'muted', text: 'Export', attrs: { 'aria-hidden': 'true' } }),
            button('Chrome trace', 'Export the run as Chrome Trace Event JSON (opens in Perfetto, chrome://tracing)', () =>
              host.post({ type: 'export', format: 'chrome' }),
            ),
            button('HTML report', 'Export the run as one self-contained HTML page', () => host.post({ type: 'export', format: 'html' })),
          ]
        : []),
    ]);
    this.handoffButton.addEventListener('click', () => actions.toggleHandoffs());
    this.filterInput.addEventListener('input', () => {
      this.view.state.filterText = this.filterInput.value;
      actions.filtersChanged();
    });
    this.filterSelect.addEventListener('change', () => {
      this.view.state.laneFilter = this.filterSelect.value;
      actions.filtersChanged();
    });
  }

  /** Shows the view state's filters (after a run loads or a view is restored). */
  showFilters(): void {
    this.filterInput.value = this.view.state.filterText;
    this.filterSelect.value = this.view.state.laneFilter;
  }

  /** Show failure: there only for a run that failed, and named after how it failed. */
  showFailure(): void {
    const failure = this.view.failure;
    this.failureButton.hidden = !failure;
    if (!failure) return;
    const what = { deadlock: 'deadlock', livelock: 'livelock', exception: 'exception', assert: 'failed assert' }[failure.kind];
    this.failureButton.textContent = `Show ${what}`;
    const title = `Zoom to the ${what} and select its threads`;
    this.failureButton.title = title;
    this.failureButton.setAttribute('aria-label', title);
  }

  /** The hand-offs toggle: pressed or not, and disabled when the run has none. */
  showHandoffs(): void {
    const { model, state } = this.view;
    this.handoffButton.setAttribute('aria-pressed', String(state.showHandoffs));
    this.handoffButton.classList.toggle('on', state.showHandoffs);
    this.handoffButton.disabled = !model || model.handoffs.length === 0;
    this.handoffButton.title =
      model && model.handoffs.length === 0
        ? 'No hand-offs in this run (no thread waited for a lock another released)'
        : 'Show arrows from each release to the acquire it unblocked (H)';
  }

  /** After each frame: says so when there were hand-offs in view but too many to draw. */
  showHandoffNote(frame: FrameOutput | undefined): void {
    const text =
      this.view.state.showHandoffs && frame && frame.handoffsInView > frame.handoffsDrawn && frame.handoffsDrawn === 0
        ? `${frame.handoffsInView.toLocaleString('en-US')} hand-offs here: zoom in to see them`
        : '';
    if (this.handoffNote.textContent !== text) this.handoffNote.textContent = text;
  }
}
