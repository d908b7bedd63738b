/**
 * The sidebar beside the lanes, top to bottom: the deadlock inspector (inspector.ts) or, for a
 * run that failed otherwise, the exception, failed assert or livelock (failure.ts), the
 * potential deadlocks and data races (findings.ts), GIL mode's statistics (gil.ts) and the
 * locks list (locksList.ts). It builds them for the run shown and passes what happens in them
 * on to SidebarEvents (selection.ts answers); sorting the locks list it does itself.
 *
 * A thread or primitive name longer than NAME_CHARS is cut with an ellipsis wherever the sidebar
 * shows it (outside source code), and the element that shows it gets the whole text as its
 * tooltip (title): a 10,000-character name must not push the statistics out of view.
 */
import { clear, el, svg } from './dom';
import { failureSection } from './failure';
import { FindingsView, type FindingFocus } from './findings';
import { threadColorSlot } from './frame';
import { gilSection } from './gil';
import type { PanelHost } from './host';
import { DeadlockInspector } from './inspector';
import { LocksList } from './locksList';
import type { View } from './view';

/** Longest name the sidebar shows in full (the CLI's text report cuts at the same length). */
const NAME_CHARS = 80;

function shortName(name: string): string {
  return `${name.slice(0, NAME_CHARS - 1)}…`;
}

/**
 * Cut every name of `longNames` (longest first) in the text under `root`, outside <pre>, <code>
 * and SVG <title> (a tooltip already); the element holding such text gets the whole text as its title (in SVG, a <title>
 * child), unless its title already holds the names.
 */
function shortenLongNames(root: HTMLElement, longNames: readonly string[]): void {
  if (!longNames.length) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node as Text);
  for (const node of texts) {
    // Typed as HTMLElement, but text in the cycle graph sits in SVG elements.
    const parent = node.parentElement as Element | null;
    if (!parent || parent.closest('pre, code, title')) continue;
    const whole = node.data;
    const found = longNames.filter((name) => whole.includes(name));
    if (!found.length) continue;
    let short = whole;
    for (const name of found) short = short.split(name).join(shortName(name));
    node.data = short;
    if (parent instanceof HTMLElement) {
      if (!found.every((name) => parent.title.includes(name))) parent.title = parent.title ? `${parent.title}\n${whole}` : whole;
    } else if (!parent.querySelector(':scope > title')) {
      // SVG (the cycle graph): its tooltip is a <title> child.
      parent.append(svg('title', {}, whole));
    }
  }
}

/** What the sidebar asks of the page. */
export interface SidebarEvents {
  selectSite(entryIndex: number): void;
  selectLane(laneIndex: number): void;
  selectObject(objectId: number): void;
  hoverFinding(focus: FindingFocus | undefined): void;
  pickFinding(focus: FindingFocus): void;
  selectFindingSite(siteId: number, tid: number, button: HTMLElement): void;
  /** Open a site in the editor (the failure's line). */
  revealSite(siteId: number): void;
  hoverLock(objectId: number | undefined, anchor: HTMLElement | undefined): void;
}

export class Sidebar {
  readonly element: HTMLElement = el('aside', { className: 'sidebar', attrs: { 'aria-label': 'Deadlocks, races and locks' } });
  inspector: DeadlockInspector | undefined;
  findings: FindingsView | undefined;
  private locksList: LocksList | undefined;

  constructor(
    private readonly view: View,
    private readonly hostKind: PanelHost['kind'],
    private readonly viewChanged: () => void,
  ) {
    // Parts change after render too (the inspector shows the site a failure's focus picks):
    // cut long names in whatever appears. Cutting changes text once; the next pass finds none.
    new MutationObserver(() => shortenLongNames(this.element, this.longNames())).observe(this.element, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  }

  /** Builds the sidebar for the run shown (again after a theme change or new findings), keeping its scroll. */
  render(events: SidebarEvents): void {
    const view = this.view;
    const model = view.model;
    if (!model || !view.theme) return;
    const theme = view.theme;
    const scrollTop = this.element.scrollTop;
    clear(this.element);
    if (model.deadlock) {
      this.inspector = new DeadlockInspector(model, model.deadlock, view.sources, {
        site: (index) => events.selectSite(index),
        thread: (tid) => events.selectLane(model.threads.findIndex((t) => t.tid === tid)),
        primitive: (objectId) => events.selectObject(objectId),
      });
      this.inspector.showSite(view.state.selectedSiteIndex, false);
      this.element.append(this.inspector.element);
    } else {
      this.inspector = undefined;
      if (view.failure)
        this.element.append(failureSection(model, view.failure, view.sources, this.hostKind, (siteId) => events.revealSite(siteId)));
    }
    // The entries are new: the one under the pointer, if any, says so when the pointer moves.
    view.findingHover = undefined;
    this.findings = new FindingsView(model, view.sources, this.hostKind, {
      hover: (focus) => events.hoverFinding(focus),
      pick: (focus) => events.pickFinding(focus),
      site: (siteId, tid, button) => events.selectFindingSite(siteId, tid, button),
    });
    this.findings.markPicked(view.findingPicked?.key);
    this.element.append(...this.findings.elements);
    this.locksList = new LocksList(model, (i) => theme.holdColor[i % theme.holdColor.length], {
      hover: (objectId, anchor) => events.hoverLock(objectId, anchor),
      select: (objectId) => events.selectObject(objectId),
      sort: (key, descending) => {
        view.state.lockSort = { key, descending };
        this.renderLocks();
        this.viewChanged();
      },
    });
    this.renderLocks();
    if (model.gil)
      this.element.append(gilSection(model, (tid) => theme.threadColor[threadColorSlot(model, tid, theme.threadColor.length)]));
    this.element.append(this.locksList.element);
    shortenLongNames(this.element, this.longNames());
    this.element.scrollTop = scrollTop;
  }

  /** The run's thread and primitive names that are too long to show, longest first. */
  private longNames(): string[] {
    const model = this.view.model;
    if (!model) return [];
    const names = new Set<string>();
    for (const thread of model.threads) if (thread.name.length > NAME_CHARS) names.add(thread.name);
    for (const primitive of model.primitives) if (primitive.name.length > NAME_CHARS) names.add(primitive.name);
    return [...names].sort((a, b) => b.length - a.length);
  }

  /** The locks list in the view state's order, the selected primitive marked. */
  renderLocks(): void {
    const state = this.view.state;
    this.locksList?.render(state.lockSort.key, state.lockSort.descending, state.selectedObjectId);
    if (this.locksList) shortenLongNames(this.locksList.element, this.longNames());
  }
}
