/**
 * The run's header above the lanes: how it ended, the file, the facts (duration, threads,
 * events, mode, schedule), the host's note, truncation and errors; the deadlock banner under
 * it; and the progress or error text while no run is shown.
 */
import type { Outcome } from '../../trace/format';
import type { RunAbout } from '../../shared/protocol';
import { formatDurationNs, scheduleWords } from '../../shared/wording';
import { clear, el } from './dom';
import { deadlockBanner } from './inspector';
import type { Model } from './view';

const OUTCOMES: Record<Outcome, { text: string; className: string; icon: string }> = {
  completed: { text: 'Completed', className: 'outcome-completed', icon: '✓' },
  deadlock: { text: 'Deadlock', className: 'outcome-deadlock', icon: '⚠' },
  timeout: { text: 'Timed out', className: 'outcome-timeout', icon: '⚠' },
  error: { text: 'Error', className: 'outcome-error', icon: '✕' },
};

/** "7.0 µs virtual time · 3 threads · 41 events · controlled mode · seed 4, strategy pct (depth 2)". */
export function summaryFacts(model: Pick<Model, 'durationMs' | 'threads' | 'events' | 'mode'>, about: RunAbout): string {
  // A controlled run's clock is virtual (src/runtime/schedule.ts): it says nothing of how long the run took.
  const duration = `${formatDurationNs(model.durationMs * 1e6)}${model.mode === 'controlled' ? ' virtual time' : ''}`;
  const facts = [
    duration,
    `${model.threads.length} thread${model.threads.length === 1 ? '' : 's'}`,
    `${model.events.toLocaleString('en-US')} events`,
    `${model.mode} mode`,
  ];
  const schedule = about.schedule;
  if (schedule) facts.push(scheduleWords(schedule));
  return facts.join(' · ');
}

export class RunSummary {
  readonly element: HTMLElement = el('header', { className: 'summary', attrs: { 'aria-label': 'Run summary' } }, [
    el('span', { className: 'muted', text: 'Waiting for a run…' }),
  ]);
  readonly bannerSlot: HTMLElement = el('div', { className: 'banner-slot' });

  showProgress(text: string): void {
    clear(this.element);
    this.element.append(el('span', { className: 'muted', text }));
  }

  showError(message: string): void {
    clear(this.element);
    this.element.append(
      el('span', { className: 'outcome outcome-error', text: 'Cannot show this run' }),
      el('span', { className: 'summary-error', text: message }),
    );
  }

  /** The run's header and banner; the lanes canvas's label says the same in short. */
  show(model: Model, about: RunAbout, canvas: HTMLCanvasElement): void {
    const summary = this.element;
    clear(summary);
    const outcome = OUTCOMES[model.outcome];
    const file = model.file.split(/[\\/]/).pop() ?? model.file;
    summary.append(
      el('span', { className: `outcome ${outcome.className}`, attrs: { 'data-testid': 'outcome' } }, [
        el('span', { text: outcome.icon, attrs: { 'aria-hidden': 'true' } }),
        ` ${outcome.text}`,
      ]),
      el('span', { className: 'summary-file', text: file, title: model.file }),
      el('span', { className: 'summary-facts', text: summaryFacts(model, about) }),
    );
    if (about.note) summary.append(el('span', { className: 'summary-note', text: about.note, attrs: { 'data-testid': 'run-note' } }));
    if (model.truncated)
      summary.append(
        el('span', {
          className: 'summary-warning',
          text: `Recording was cut short by the ${model.truncated} limit; the trace keeps what came before.`,
        }),
      );
    if (model.error)
      summary.append(
        el('span', { className: 'summary-error', text: `${model.error.site ? `${model.error.site}: ` : ''}${model.error.message}` }),
      );
    else if (model.outcome === 'error' && model.threads.length === 0)
      summary.append(el('span', { className: 'summary-error', text: 'The run failed before any thread ran.' }));
    clear(this.bannerSlot);
    if (model.deadlock) this.bannerSlot.append(deadlockBanner(model, model.deadlock));
    canvas.setAttribute(
      'aria-label',
      `Swimlanes of ${model.threads.length} threads over ${formatDurationNs(model.endNs - model.startNs)}${model.deadlock ? ', ending in a deadlock' : ''}`,
    );
  }
}
