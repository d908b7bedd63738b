/**
 * The run's header above the lanes: how it ended, the file, the facts (duration, threads,
 * events, mode, schedule), the host's note (a hunt's sentence) and a DFS hunt's coverage badge,
 * truncation and errors; the deadlock banner under it; and the progress or error text while no
 * run is shown.
 */
import type { Outcome } from '../../trace/format';
import type { HuntCoverage, RunAbout } from '../../shared/protocol';
import { formatDurationNs, plural, scheduleWords } from '../../shared/wording';
import { clear, el } from './dom';
import { deadlockBanner } from './inspector';
import type { Model } from './view';

const OUTCOMES: Record<Outcome, { text: string; className: string; icon: string }> = {
  completed: { text: 'Completed', className: 'outcome-completed', icon: '✓' },
  deadlock: { text: 'Deadlock', className: 'outcome-deadlock', icon: '⚠' },
  livelock: { text: 'Livelock', className: 'outcome-deadlock', icon: '⟳' },
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

/**
 * A DFS hunt's badge: "proved · 1,284 schedules · ≤ 2 preemptions" when it explored every
 * schedule within the bound and none failed, else "incomplete"; the tooltip says more.
 */
export function coverageBadge(coverage: HuntCoverage): { text: string; title: string; proved: boolean } {
  const bound = coverage.preemptionBound;
  const boundText = bound === null ? 'no preemption bound' : bound === 0 ? 'no preemption' : `≤ ${plural(bound, 'preemption')}`;
  const fair = coverage.madeFair
    ? ` ${plural(coverage.madeFair, 'schedule')} ${coverage.madeFair === 1 ? 'was' : 'were'} made fair after spinning; the choices after that point were not explored.`
    : '';
  if (coverage.complete) {
    return {
      text: `proved · ${plural(coverage.schedules, 'schedule')} · ${boundText}`,
      title: `Every schedule (${boundText}) was explored: no deadlock, livelock, uncaught exception or failed assert.${fair}`,
      proved: true,
    };
  }
  const why = coverage.incomplete ? `: ${coverage.incomplete.replace(/[.\s]+$/, '')}` : '';
  return {
    text: 'incomplete',
    title: `${plural(coverage.schedules, 'schedule')} (${boundText}) explored without finding a bug, but not all of them${why}.${fair}`,
    proved: false,
  };
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
    if (about.coverage) {
      const badge = coverageBadge(about.coverage);
      summary.append(
        el('span', {
          className: `summary-coverage ${badge.proved ? 'outcome-completed' : 'summary-warning'}`,
          text: badge.text,
          title: badge.title,
          attrs: { 'data-testid': 'coverage' },
        }),
      );
    }
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
