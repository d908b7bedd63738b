/**
 * Trouble the run did not run into, in the sidebar: potential deadlocks (lock-order inversions
 * the run did not deadlock on; its own deadlock is the inspector's) and data races on shared
 * values (when the run recorded shared accesses). Each finding names its threads and sites; a
 * site asks the host to reveal it, and hovering or picking a finding highlights its locks and
 * lanes. Nothing shows when there is nothing to say.
 */
import type { TimelineModel } from '../../analysis/model';
import type { LockOrderInversion } from '../../analysis/lockOrder';
import type { DataRace } from '../../analysis/races';
import type { SourceText } from '../../shared/protocol';
import { siteText } from '../layout/deadlock';
import { clear, el } from './dom';
import { sourceExcerpt } from './inspector';

/** What a finding involves: the panel highlights these holds and lanes. */
export interface FindingFocus {
  /** 'deadlock:0', 'race:3': stable while the model is shown. */
  key: string;
  objectIds: number[];
  tids: number[];
}

interface FindingEvents {
  /** The pointer or the focus is on a finding (undefined: it left). */
  hover(focus: FindingFocus | undefined): void;
  /** A finding's title was clicked: keep it highlighted (clicked again: let go). */
  pick(focus: FindingFocus): void;
  /** A site was clicked: reveal it (the thread is the one that was there; `button` is the one clicked). */
  site(siteId: number, tid: number, button: HTMLElement): void;
}

/** Lock-order inversions worth listing: the run's own deadlock is explained by the banner and the inspector. */
function potentialDeadlocks(model: TimelineModel): LockOrderInversion[] {
  return (model.lockOrder ?? []).filter((inversion) => !inversion.deadlockedInThisRun);
}

/** "alice ⇄ bob"; a longer cycle "fork 1 → fork 2 → … → fork 1". */
function cycleTitle(locks: string[]): string {
  return locks.length === 2 ? `${locks[0]} ⇄ ${locks[1]}` : [...locks, locks[0]].join(' → ');
}

/** `counter`, or `slots[2]` for an element of a SharedArray. */
function raceLocation(model: TimelineModel, race: DataRace): string {
  const kind = model.primitives.find((p) => p.id === race.objectId)?.kind;
  return kind === 'SharedArray' ? `${race.object}[${race.index}]` : race.object;
}

/** The run has Values or SharedArrays but recorded no access to them: races were not looked for. */
function racesUnchecked(model: TimelineModel): boolean {
  return model.races === undefined && model.primitives.some((p) => !p.internal && (p.kind === 'Value' || p.kind === 'SharedArray'));
}

/** Most findings of each kind listed; the rest are counted (the CLI's --json has every one). */
const MOST_LISTED = 50;

function more(total: number): HTMLElement | undefined {
  return total > MOST_LISTED
    ? el('p', { className: 'findings-more muted', text: `… and ${(total - MOST_LISTED).toLocaleString('en-US')} more` })
    : undefined;
}

export class FindingsView {
  /** The sections to show, in order; empty when there is nothing to report. */
  readonly elements: HTMLElement[] = [];
  private readonly siteViews: HTMLElement[] = [];
  private readonly siteButtons: HTMLButtonElement[] = [];
  private readonly pickButtons = new Map<string, HTMLButtonElement>();

  constructor(
    private readonly model: TimelineModel,
    private readonly sources: SourceText[],
    hostKind: 'vscode' | 'standalone',
    private readonly events: FindingEvents,
  ) {
    const inversions = potentialDeadlocks(model);
    if (inversions.length) this.elements.push(this.deadlockSection(inversions));
    const races = model.races ?? [];
    if (races.length) this.elements.push(this.raceSection(races));
    else if (racesUnchecked(model)) {
      const how = hostKind === 'vscode' ? 'turn on the threadlanes.recordShared setting and run again' : 'run with --record-shared';
      this.elements.push(
        el('p', {
          className: 'panel-section findings-note muted',
          text: `Data races: not checked (to check, ${how}).`,
          attrs: { 'data-testid': 'races-unchecked' },
        }),
      );
    }
  }

  /** Marks the picked finding (undefined: none). */
  markPicked(key: string | undefined): void {
    for (const [findingKey, button] of this.pickButtons) {
      button.setAttribute('aria-pressed', String(findingKey === key));
      button.closest('.finding')?.classList.toggle('selected', findingKey === key);
    }
  }

  private deadlockSection(inversions: LockOrderInversion[]): HTMLElement {
    const list = el('ol', { className: 'findings' });
    inversions.slice(0, MOST_LISTED).forEach((inversion, index) => {
      const focus: FindingFocus = { key: `deadlock:${index}`, objectIds: inversion.lockIds, tids: inversion.edges.map((edge) => edge.tid) };
      const steps = el('ul', { className: 'finding-steps' });
      for (const edge of inversion.edges) {
        steps.append(
          el('li', { className: 'finding-step' }, [
            el('div', {}, [
              el('span', { className: 'finding-thread', text: edge.thread }),
              ' takes ',
              el('strong', { text: edge.to }),
              ' while holding ',
              el('strong', { text: edge.from }),
            ]),
            el('div', { className: 'finding-sites' }, [
              this.siteButton(`${edge.from} taken at`, edge.holdSiteId, edge.tid, `${edge.thread} takes ${edge.from}`),
              this.siteButton(
                `${edge.to} taken at`,
                edge.acquireSiteId,
                edge.tid,
                `${edge.thread} takes ${edge.to} while holding ${edge.from}`,
              ),
            ]),
          ]),
        );
      }
      list.append(this.finding(focus, cycleTitle(inversion.locks), inversion.explanation, [steps]));
    });
    return this.section(
      'potential-deadlocks',
      `Potential deadlocks (${inversions.length})`,
      'Locks taken in opposite orders by different threads: this run did not deadlock on them, another run can. Take the locks in one order everywhere.',
      list,
      more(inversions.length),
    );
  }

  private raceSection(races: DataRace[]): HTMLElement {
    const list = el('ol', { className: 'findings' });
    races.slice(0, MOST_LISTED).forEach((race, index) => {
      const focus: FindingFocus = { key: `race:${index}`, objectIds: [], tids: race.accesses.map((access) => access.tid) };
      const steps = el('ul', { className: 'finding-steps' });
      for (const access of race.accesses) {
        const verb = access.access === 'write' ? 'writes' : 'reads';
        steps.append(
          el('li', { className: 'finding-step finding-access' }, [
            el('span', { className: 'finding-thread', text: access.thread }),
            ` ${verb} at `,
            this.siteButton('', access.siteId, access.tid, `${access.thread} ${verb} ${race.object}`),
          ]),
        );
      }
      const facts = `${race.kinds.join(', ')} · ${race.count.toLocaleString('en-US')} time${race.count === 1 ? '' : 's'}`;
      list.append(
        this.finding(focus, raceLocation(this.model, race), race.explanation, [
          el('div', { className: 'finding-facts muted', text: facts }),
          steps,
        ]),
      );
    });
    return this.section(
      'data-races',
      `Data races (${races.length})`,
      'Two threads access one shared value, at least one writing, with nothing ordering them (no lock held by both, no join, event or queue between them).',
      list,
      more(races.length),
    );
  }

  private section(id: string, heading: string, intro: string, list: HTMLElement, rest: HTMLElement | undefined): HTMLElement {
    const siteView = el('div', { className: 'site-view', attrs: { 'aria-live': 'polite', 'data-testid': `${id}-site` } });
    this.siteViews.push(siteView);
    const headingId = `${id}-heading`;
    return el(
      'section',
      { className: `panel-section findings-section findings-${id}`, attrs: { 'aria-labelledby': headingId, 'data-testid': id } },
      [
        el('h2', { attrs: { id: headingId } }, [
          el('span', { className: 'findings-icon', text: '⚠ ', attrs: { 'aria-hidden': 'true' } }),
          heading,
        ]),
        el('p', { className: 'findings-intro muted', text: intro }),
        list,
        rest,
        siteView,
      ],
    );
  }

  private finding(focus: FindingFocus, title: string, explanation: string, body: HTMLElement[]): HTMLElement {
    const pick = el('button', {
      className: 'finding-title',
      text: title,
      title: 'Highlight its locks and threads in the lanes (click again to let go)',
      attrs: { 'aria-pressed': 'false' },
    });
    pick.addEventListener('click', () => this.events.pick(focus));
    this.pickButtons.set(focus.key, pick);
    const item = el('li', { className: 'finding', attrs: { 'data-finding': focus.key } }, [pick, ...body]);
    // The explanation in words, for a pointer that lingers (the entry already says it in parts).
    item.title = explanation;
    item.addEventListener('mouseenter', () => this.events.hover(focus));
    item.addEventListener('mouseleave', () => this.events.hover(undefined));
    item.addEventListener('focusin', () => this.events.hover(focus));
    item.addEventListener('focusout', () => this.events.hover(undefined));
    return item;
  }

  private siteButton(label: string, siteId: number, tid: number, what: string): HTMLElement {
    const where = siteText(this.model, siteId);
    const site = this.model.sites[siteId];
    const short = site && siteId !== 0 ? `${site.file.split(/[\\/]/).pop()}:${site.line}` : 'site unknown';
    const button = el('button', { className: 'finding-site', attrs: { 'data-site-id': String(siteId) } }, [
      label ? el('span', { className: 'finding-site-label', text: `${label} ` }) : undefined,
      el('span', { className: 'finding-site-where', text: short }),
    ]);
    button.title = where ? `${what}: show ${where}` : 'No site recorded';
    button.disabled = !where;
    button.addEventListener('click', () => this.events.site(siteId, tid, button));
    this.siteButtons.push(button);
    return button;
  }

  /** Marks the clicked site and shows it under its section: file:line:col and, with the source at hand, the line. */
  showSite(button: HTMLElement | undefined, revealedInEditor: boolean): void {
    for (const other of this.siteButtons) other.classList.toggle('selected', other === button);
    for (const view of this.siteViews) clear(view);
    if (!button) return;
    const siteId = Number(button.dataset.siteId);
    const site = this.model.sites[siteId];
    const view = button.closest('.findings-section')?.querySelector<HTMLElement>('.site-view');
    if (!site || !view) return;
    view.append(
      el('div', { className: 'site-heading' }, [
        el('code', { className: 'site-location', text: `${site.file}:${site.line}:${site.col}` }),
        revealedInEditor ? el('span', { className: 'muted', text: ' (opened in the editor)' }) : undefined,
      ]),
    );
    const excerpt = sourceExcerpt(this.sources, site);
    if (excerpt) view.append(excerpt);
  }
}
