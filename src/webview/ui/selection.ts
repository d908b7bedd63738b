/**
 * Selection, hover and tooltips: what a click picks (a lane, a primitive, a deadlock site, a
 * finding or its site), what the pointer highlights and says in the tooltip (hitTest.ts finds
 * what is under it), and the status line screen readers hear. Interaction.ts and the sidebar
 * call in here; changing the view state ends in one frame.
 */
import { siteText } from '../layout/deadlock';
import { failureWords, type Failure } from '../layout/failure';
import { boxAt } from '../layout/lanes';
import { clear, el } from './dom';
import type { FindingFocus } from './findings';
import { GUTTER_CSS_PX } from './frame';
import { hitTest } from './hitTest';
import type { PanelHost } from './host';
import type { Sidebar, SidebarEvents } from './sidebar';
import { lockTooltip } from './tooltip';
import type { View } from './view';

/** The key of the failure's focus among the findings (it is picked like one, and let go like one). */
const FAILURE_KEY = 'failure';

export interface SelectionActions {
  requestFrame(): void;
  /** The view state changed: a frame, and the host keeps it. */
  viewChanged(): void;
}

export class Selection implements SidebarEvents {
  readonly tooltip: HTMLElement = el('div', { className: 'tooltip', attrs: { role: 'tooltip', id: 'tooltip' } });
  /** Said to screen readers (aria-live). */
  readonly status: HTMLElement = el('div', { className: 'sr-only', attrs: { 'aria-live': 'polite', id: 'status' } });

  constructor(
    private readonly view: View,
    private readonly canvas: HTMLCanvasElement,
    private readonly laneList: HTMLElement,
    private readonly sidebar: Sidebar,
    private readonly host: PanelHost,
    private readonly actions: SelectionActions,
  ) {
    this.tooltip.hidden = true;
  }

  // ---------------------------------------------------------------------------------------
  // Selection

  /** Picks a primitive (again: lets it go): its holds stand out in the lanes and its row in the locks list. */
  selectObject(objectId: number): void {
    const state = this.view.state;
    state.selectedObjectId = state.selectedObjectId === objectId ? undefined : objectId;
    this.sidebar.renderLocks();
    const name = state.selectedObjectId !== undefined ? this.view.primitiveById.get(objectId)?.name : undefined;
    this.announce(name ? `Highlighting the holds of ${name}` : 'Highlight cleared');
    this.actions.viewChanged();
  }

  /** Picks a lane and scrolls it into view. */
  selectLane(laneIndex: number): void {
    const view = this.view;
    if (laneIndex < 0 || !view.model) return;
    view.selectedLaneIndex = laneIndex;
    const box = view.layout.boxes.find((b) => b.laneIndex === laneIndex);
    const viewHeight = view.heightCssPx - view.lanesTop();
    if (box && viewHeight > 0) {
      if (box.topCssPx < view.state.scrollTopCssPx) view.state.scrollTopCssPx = box.topCssPx;
      else if (box.topCssPx + box.heightCssPx > view.state.scrollTopCssPx + viewHeight)
        view.state.scrollTopCssPx = box.topCssPx + box.heightCssPx - viewHeight;
    }
    const item = this.laneList.children[view.layout.boxes.findIndex((b) => b.laneIndex === laneIndex)];
    this.announce(item?.textContent ?? view.model.threads[laneIndex].name);
    this.actions.viewChanged();
  }

  /** Picks a deadlock site: marks it, highlights that thread's blocked segment, and asks the host to reveal it. */
  selectSite(entryIndex: number): void {
    const model = this.view.model;
    const entry = model?.deadlock?.entries[entryIndex];
    if (!model || !entry) return;
    this.view.state.selectedSiteIndex = entryIndex;
    this.selectLane(model.threads.findIndex((t) => t.tid === entry.tid));
    const site = model.sites[entry.siteId];
    const reveal = Boolean(site && entry.siteId !== 0);
    if (site && reveal) this.host.post({ type: 'reveal', file: site.file, line: site.line, col: site.col });
    this.sidebar.inspector?.showSite(entryIndex, reveal && this.host.kind === 'vscode');
    this.announce(
      site
        ? `${model.threads.find((t) => t.tid === entry.tid)?.name ?? ''} is blocked at ${siteText(model, entry.siteId, true)}`
        : 'No site recorded',
    );
    this.actions.viewChanged();
  }

  /** Picks a potential deadlock or a race (again: lets it go): its locks and lanes stay highlighted. */
  pickFinding(focus: FindingFocus): void {
    const view = this.view;
    view.findingPicked = view.findingPicked?.key === focus.key ? undefined : focus;
    this.sidebar.findings?.markPicked(view.findingPicked?.key);
    this.announce(view.findingPicked ? 'Highlighting its locks and threads' : 'Highlight cleared');
    this.actions.requestFrame();
  }

  /**
   * Puts the run's failure in focus (the view's range is the caller's): its threads and
   * primitives stand out as a picked finding's do, its first thread is the selected lane
   * (scrolled into view), and for a deadlock the inspector shows the site of the thread that
   * closed the cycle. Nothing is revealed in the editor: the user did not ask for it.
   */
  focusFailure(failure: Failure): void {
    const view = this.view;
    const model = view.model;
    if (!model) return;
    view.findingPicked = {
      key: FAILURE_KEY,
      objectIds: failure.objectIds,
      tids: failure.laneIndices.map((i) => model.threads[i].tid),
    };
    this.sidebar.findings?.markPicked(FAILURE_KEY);
    if (failure.entryIndex !== undefined) {
      view.state.selectedSiteIndex = failure.entryIndex;
      this.sidebar.inspector?.showSite(failure.entryIndex, false);
    }
    const lane = failure.laneIndices[0];
    if (lane !== undefined) this.selectLane(lane);
    else this.actions.viewChanged();
    this.announce(failureWords(model, failure));
  }

  /** A site of a potential deadlock or a race: asks the host to reveal it and shows it under the finding's section. */
  selectFindingSite(siteId: number, tid: number, button: HTMLElement): void {
    const model = this.view.model;
    const site = model?.sites[siteId];
    if (!model || !site || siteId === 0) return;
    this.host.post({ type: 'reveal', file: site.file, line: site.line, col: site.col });
    this.sidebar.findings?.showSite(button, this.host.kind === 'vscode');
    this.selectLane(model.threads.findIndex((t) => t.tid === tid));
    this.announce(`${siteText(model, siteId, true)}${this.host.kind === 'vscode' ? ' opened in the editor' : ''}`);
  }

  /** Asks the host to open a site in the editor (the failure section's button). */
  revealSite(siteId: number): void {
    const model = this.view.model;
    const site = model?.sites[siteId];
    if (!model || !site || siteId === 0) return;
    this.host.post({ type: 'reveal', file: site.file, line: site.line, col: site.col });
    this.announce(`${siteText(model, siteId, true)} opened in the editor`);
  }

  /** A click on the lanes (not a drag): a hold or a lock wait picks its primitive, elsewhere on a lane the lane, off the lanes nothing. */
  click(xCssPx: number, yCssPx: number): void {
    const view = this.view;
    if (!view.model || yCssPx < view.lanesTop()) return;
    const found = boxAt(view.layout, yCssPx - view.lanesTop() + view.state.scrollTopCssPx);
    if (!found) {
      view.selectedLaneIndex = undefined;
      this.actions.requestFrame();
      return;
    }
    const hit = hitTest(view, xCssPx, yCssPx);
    view.selectedLaneIndex = found.box.laneIndex;
    if (hit?.objectId !== undefined) this.selectObject(hit.objectId);
    else this.selectLane(found.box.laneIndex);
  }

  /** Escape: no selected primitive, finding or lane, nothing hovered. */
  clear(): void {
    const view = this.view;
    view.state.selectedObjectId = undefined;
    view.findingPicked = undefined;
    this.sidebar.findings?.markPicked(undefined);
    view.selectedLaneIndex = undefined;
    view.hoverObjectId = undefined;
    this.hideTooltip();
    this.sidebar.renderLocks();
    this.actions.viewChanged();
  }

  private announce(text: string): void {
    this.status.textContent = text;
  }

  // ---------------------------------------------------------------------------------------
  // Hover and tooltips

  /** Highlights a primitive's holds by name (the host asks when a lock is hovered in the editor). */
  highlightByName(name: string): void {
    const primitive = this.view.model?.primitives.find((p) => p.name === name);
    this.view.hoverObjectId = primitive?.id;
    this.actions.requestFrame();
  }

  hoverFinding(focus: FindingFocus | undefined): void {
    this.view.findingHover = focus;
    this.actions.requestFrame();
  }

  /** A row of the locks list under the pointer or the focus (undefined: it left): its holds stand out, its tooltip beside the row. */
  hoverLock(objectId: number | undefined, anchor: HTMLElement | undefined): void {
    const view = this.view;
    view.hoverObjectId = objectId;
    this.actions.requestFrame();
    if (objectId === undefined || !anchor || !view.model) {
      this.hideTooltip();
      return;
    }
    const rect = anchor.getBoundingClientRect();
    this.showTooltip(lockTooltip(view.model, objectId, view.instantNs), rect.left - 8, rect.top, 'left');
  }

  /** The pointer moved over the lanes (not dragging): the cursor line, the highlight and the tooltip follow. */
  hover(xCssPx: number, yCssPx: number, clientX: number, clientY: number): void {
    const view = this.view;
    const model = view.model;
    const scale = view.scale();
    if (!model || !scale) return;
    const hit = hitTest(view, xCssPx, yCssPx);
    const previousObject = view.hoverObjectId;
    view.hoverObjectId = hit?.objectId;
    const inTime = xCssPx >= GUTTER_CSS_PX;
    const cursor = inTime ? scale.cssPxToTimeNs(xCssPx - GUTTER_CSS_PX) : undefined;
    if (cursor !== view.cursorNs || previousObject !== view.hoverObjectId) {
      view.cursorNs = cursor;
      this.actions.requestFrame();
    }
    if (cursor !== undefined) view.instantNs = cursor;
    if (!hit) {
      this.hideTooltip();
      return;
    }
    // Near the right end of the lanes the tooltip opens to the left, over the lanes, not the side panel.
    const canvasRight = this.canvas.getBoundingClientRect().right;
    if (clientX > canvasRight - 440) this.showTooltip(hit.content(), clientX - 14, clientY + 16, 'left');
    else this.showTooltip(hit.content(), clientX + 14, clientY + 16, 'right');
  }

  /** The pointer left the lanes: no cursor line, no highlight, no tooltip. */
  leave(): void {
    this.view.cursorNs = undefined;
    this.view.hoverObjectId = undefined;
    this.hideTooltip();
    this.actions.requestFrame();
  }

  hideTooltip(): void {
    if (!this.tooltip.hidden) this.tooltip.hidden = true;
  }

  private showTooltip(content: HTMLElement, x: number, y: number, side: 'left' | 'right'): void {
    const tooltip = this.tooltip;
    clear(tooltip);
    tooltip.append(content);
    tooltip.hidden = false;
    const width = tooltip.offsetWidth;
    const height = tooltip.offsetHeight;
    let left = side === 'left' ? x - width : x;
    if (left + width > window.innerWidth - 4) left = x - width - 28;
    if (side === 'left' && left < 4) left = x + 28;
    left = Math.max(4, left);
    const top = Math.max(4, Math.min(y, window.innerHeight - height - 4));
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${top}px`;
  }
}
