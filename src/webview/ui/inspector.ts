/**
 * The deadlock inspector: the banner in words, the wait-for cycle as a small graph
 * (thread → primitive → thread), and the blocking sites; picking a site asks the host to
 * reveal it (and, without an editor, shows the line here).
 */
import type { DeadlockView, TimelineModel } from '../../analysis/model';
import type { SourceText } from '../../shared/protocol';
import { deadlockGraph, explainDeadlock, objectName, siteText, threadName } from '../layout/deadlock';
import { WAIT_KIND_NAMES } from '../../trace/format';
import { clear, el, svg } from './dom';

interface InspectorEvents {
  site(entryIndex: number): void;
  thread(tid: number): void;
  primitive(objectId: number): void;
}

const GRAPH_CSS_PX = 300;

export function deadlockBanner(model: TimelineModel, deadlock: DeadlockView): HTMLElement {
  return el('div', { className: 'banner banner-deadlock', attrs: { role: 'alert', 'data-testid': 'deadlock-banner' } }, [
    el('span', { className: 'banner-icon', text: '⚠', attrs: { 'aria-hidden': 'true' } }),
    el('span', { className: 'banner-title', text: deadlock.kind === 'cycle' ? 'Deadlock' : 'All threads blocked' }),
    el('span', { className: 'banner-text', text: explainDeadlock(model, deadlock) }),
  ]);
}

/** The lines around a site, the site's own marked, when the run's sources include its file. */
export function sourceExcerpt(sources: SourceText[], site: { file: string; line: number }): HTMLElement | undefined {
  const source = sources.find((s) => s.file === site.file) ?? (sources.length === 1 ? sources[0] : undefined);
  if (!source) return undefined;
  const lines = source.text.split(/\r?\n/);
  const first = Math.max(1, site.line - 2);
  const last = Math.min(lines.length, site.line + 2);
  const pre = el('pre', { className: 'source', attrs: { 'aria-label': `Source around line ${site.line}` } });
  for (let n = first; n <= last; n++) {
    const line = lines[n - 1] ?? '';
    // A very long line (a generated name, minified code) is cut; its tooltip has it whole.
    const shown = line.length > SOURCE_LINE_CHARS ? `${line.slice(0, SOURCE_LINE_CHARS - 1)}…` : line;
    pre.append(
      el('span', { className: n === site.line ? 'source-line current' : 'source-line' }, [
        el('span', { className: 'line-number', text: String(n).padStart(4) }),
        el('span', { className: 'line-text', text: ` ${shown}`, ...(shown !== line ? { title: line } : {}) }),
      ]),
    );
  }
  return pre;
}

/** Longest source line an excerpt shows whole. */
const SOURCE_LINE_CHARS = 200;

export class DeadlockInspector {
  readonly element: HTMLElement;
  private readonly sites: HTMLElement;
  private readonly siteView: HTMLElement;
  private readonly buttons: HTMLButtonElement[] = [];

  constructor(
    private readonly model: TimelineModel,
    private readonly deadlock: DeadlockView,
    private readonly sources: SourceText[],
    private readonly events: InspectorEvents,
  ) {
    this.sites = el('ol', { className: 'sites', attrs: { 'aria-label': 'Where each thread is blocked' } });
    this.siteView = el('div', { className: 'site-view', attrs: { 'aria-live': 'polite', 'data-testid': 'site-view' } });
    this.element = el('section', { className: 'panel-section inspector', attrs: { 'aria-labelledby': 'inspector-heading' } }, [
      el('h2', {
        text: deadlock.kind === 'cycle' ? 'Deadlock: the wait-for cycle' : 'Deadlock: every thread waits',
        attrs: { id: 'inspector-heading' },
      }),
      this.graph(),
      el('h3', { text: 'Blocking sites' }),
      this.sites,
      this.siteView,
    ]);
    deadlock.entries.forEach((entry, index) => {
      const site = siteText(model, entry.siteId, true);
      const kind = WAIT_KIND_NAMES[entry.waitKind] ?? 'object';
      const button = el('button', { className: 'site', attrs: { 'aria-pressed': 'false', 'data-site-index': String(index) } }, [
        el('span', { className: 'site-thread', text: threadName(model, entry.tid) }),
        el('span', { className: 'site-what', text: ` waits for ${kind} ${objectName(model, entry.waitsFor)}` }),
        el('span', { className: 'site-where', text: site || 'site unknown' }),
      ]);
      button.title = site ? `Show ${site}` : 'No site recorded';
      button.addEventListener('click', () => this.events.site(index));
      this.buttons.push(button);
      this.sites.append(el('li', {}, [button]));
    });
  }

  /** Marks a site picked and shows it: the file:line:col and, when the source is at hand, the line. */
  showSite(entryIndex: number | undefined, revealedInEditor: boolean): void {
    this.buttons.forEach((button, i) => {
      button.setAttribute('aria-pressed', String(i === entryIndex));
      button.classList.toggle('selected', i === entryIndex);
    });
    clear(this.siteView);
    if (entryIndex === undefined) return;
    const entry = this.deadlock.entries[entryIndex];
    const site = this.model.sites[entry.siteId];
    if (!site || entry.siteId === 0) {
      this.siteView.append(el('p', { className: 'muted', text: 'No site was recorded for this wait.' }));
      return;
    }
    const where = `${site.file}:${site.line}:${site.col}`;
    this.siteView.append(
      el('div', { className: 'site-heading' }, [
        el('span', { text: `${threadName(this.model, entry.tid)} is blocked at ` }),
        el('code', { className: 'site-location', text: where }),
        revealedInEditor ? el('span', { className: 'muted', text: ' (opened in the editor)' }) : undefined,
      ]),
    );
    const excerpt = sourceExcerpt(this.sources, site);
    if (excerpt) this.siteView.append(excerpt);
  }

  private graph(): SVGSVGElement {
    const { nodes, edges, sizeCssPx } = deadlockGraph(this.model, this.deadlock, GRAPH_CSS_PX);
    const root = svg('svg', {
      viewBox: `0 0 ${sizeCssPx} ${sizeCssPx}`,
      class: 'cycle-graph',
      role: 'img',
      'aria-label': `Wait-for cycle: ${edges.map((e) => `${nodes.find((n) => n.id === e.from)?.label} ${e.label} ${nodes.find((n) => n.id === e.to)?.label}`).join('; ')}`,
    });
    const defs = svg('defs');
    const marker = svg('marker', {
      id: 'arrow',
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }));
    defs.append(marker);
    root.append(defs);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const radius = (kind: string) => (kind === 'thread' ? 24 : 20);
    for (const edge of edges) {
      const a = byId.get(edge.from);
      const b = byId.get(edge.to);
      if (!a || !b) continue;
      const dx = b.xCssPx - a.xCssPx;
      const dy = b.yCssPx - a.yCssPx;
      const length = Math.hypot(dx, dy) || 1;
      const x0 = a.xCssPx + (dx / length) * radius(a.kind);
      const y0 = a.yCssPx + (dy / length) * radius(a.kind) * 0.7;
      const x1 = b.xCssPx - (dx / length) * (radius(b.kind) + 2);
      const y1 = b.yCssPx - (dy / length) * (radius(b.kind) * 0.7 + 2);
      root.append(
        svg('line', {
          x1: x0,
          y1: y0,
          x2: x1,
          y2: y1,
          class: `edge ${edge.label === 'held by' ? 'edge-held' : 'edge-waits'}`,
          'marker-end': 'url(#arrow)',
        }),
      );
    }
    for (const node of nodes) {
      const group = svg('g', {
        class: `node node-${node.kind}`,
        tabindex: 0,
        role: 'button',
        'aria-label': `${node.kind === 'thread' ? 'Thread' : 'Primitive'} ${node.label}`,
      });
      if (node.kind === 'thread') {
        group.append(svg('rect', { x: node.xCssPx - 40, y: node.yCssPx - 12, width: 80, height: 24, rx: 12 }));
      } else {
        group.append(svg('rect', { x: node.xCssPx - 34, y: node.yCssPx - 11, width: 68, height: 22, rx: 3, class: 'primitive-box' }));
      }
      const label = node.label.length > 11 ? `${node.label.slice(0, 10)}…` : node.label;
      group.append(svg('text', { x: node.xCssPx, y: node.yCssPx + 4, 'text-anchor': 'middle' }, label));
      group.append(svg('title', {}, node.label));
      const activate = () => (node.kind === 'thread' ? this.events.thread(node.ref) : this.events.primitive(node.ref));
      group.addEventListener('click', activate);
      group.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          activate();
        }
      });
      root.append(group);
    }
    return root;
  }
}
