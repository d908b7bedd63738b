/**
 * The sidebar's account of a run that failed without deadlocking (the inspector explains a
 * deadlock): the uncaught exception or failed assert (which thread, the message, the stack, the
 * line it was thrown at) or the livelock (the spinning thread and the line it spins on). The
 * line is shown from the run's sources when they are at hand; with an editor behind the panel a
 * button opens it there.
 */
import type { TimelineModel } from '../../analysis/model';
import type { SourceText } from '../../shared/protocol';
import { siteText } from '../layout/deadlock';
import type { Failure } from '../layout/failure';
import { el } from './dom';
import { sourceExcerpt } from './inspector';

const HEADINGS: Record<Failure['kind'], string> = {
  deadlock: 'Deadlock',
  livelock: 'Livelock',
  exception: 'Uncaught exception',
  assert: 'Failed assert',
};

/** Most stack lines shown (the tooltip of an exception marker has the rest). */
const STACK_LINES = 12;

export function failureSection(
  model: TimelineModel,
  failure: Failure,
  sources: SourceText[],
  hostKind: 'vscode' | 'standalone',
  reveal: (siteId: number) => void,
): HTMLElement {
  const names = failure.laneIndices.map((i) => model.threads[i]?.name ?? '');
  const [first, ...others] = names;
  const verb = failure.kind === 'livelock' ? 'spins' : 'raised it';
  const where = siteText(model, failure.siteId, true);
  const site = model.sites[failure.siteId];
  const stack = (failure.stack ?? '').split('\n').filter((line) => line.trim());
  const children: (HTMLElement | undefined)[] = [
    el('h2', { attrs: { id: 'failure-heading' } }, [
      el('span', { className: 'outcome-error', text: '✕ ', attrs: { 'aria-hidden': 'true' } }),
      `${HEADINGS[failure.kind]}${first ? ` in ${first}` : ''}`,
    ]),
    el('p', { className: 'summary-error', text: failure.title, attrs: { 'data-testid': 'failure-message' } }),
    stack.length
      ? el(
          'pre',
          { className: 'source', attrs: { 'aria-label': 'Stack' } },
          [...stack.slice(0, STACK_LINES), ...(stack.length > STACK_LINES ? ['…'] : [])].map((line) =>
            el('span', { className: 'source-line', text: line }),
          ),
        )
      : undefined,
    others.length
      ? el('p', {
          className: 'muted',
          text: failure.kind === 'livelock' ? `Spinning too: ${others.join(', ')}.` : `Also raised: ${others.join(', ')}.`,
        })
      : undefined,
  ];
  if (site && where) {
    const heading = el('div', { className: 'site-heading' }, [
      el('span', { text: `${first ?? 'The thread'} ${verb} at ` }),
      el('code', { className: 'site-location', text: where }),
    ]);
    if (hostKind === 'vscode') {
      const open = el('button', { className: 'finding-site', text: 'Open in the editor', title: `Show ${where} in the editor` });
      open.addEventListener('click', () => reveal(failure.siteId));
      heading.append(' ', open);
    }
    children.push(el('div', { className: 'site-view', attrs: { 'data-testid': 'failure-site' } }, [heading, sourceExcerpt(sources, site)]));
  }
  return el(
    'section',
    { className: 'panel-section failure-section', attrs: { 'aria-labelledby': 'failure-heading', 'data-testid': 'failure' } },
    children,
  );
}
