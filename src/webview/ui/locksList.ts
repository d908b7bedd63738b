/**
 * The locks list: one row per lock-like primitive with its statistics, sortable by any column.
 * Hovering or focusing a row highlights all its holds in the lanes and shows the lock's
 * tooltip; clicking pins the highlight.
 */
import type { LockStatistics, PrimitiveInfo, TimelineModel } from '../../analysis/model';
import { formatDurationNs } from '../../shared/wording';
import { clear, el } from './dom';

interface LockRow {
  primitive: PrimitiveInfo;
  stats: LockStatistics;
}

/** Counts as people read them in a narrow column: 1,234 · 56.7 k · 2.00 M (the exact number is in the cell's title). */
function compactCount(n: number): string {
  if (n < 100_000) return n.toLocaleString('en-US');
  if (n < 1e6) return `${(n / 1e3).toFixed(0)} k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} M`;
}

const LOCK_COLUMNS: {
  key: string;
  label: string;
  title: string;
  value: (row: LockRow) => number | string;
  format: (row: LockRow) => string;
}[] = [
  { key: 'name', label: 'Lock', title: 'Name and kind', value: (r) => r.primitive.name.toLowerCase(), format: (r) => r.primitive.name },
  {
    key: 'acquisitions',
    label: 'Acq.',
    title: 'Acquisitions',
    value: (r) => r.stats.acquisitions,
    format: (r) => compactCount(r.stats.acquisitions),
  },
  {
    key: 'contended',
    label: 'Cont.',
    title: 'Contended acquisitions (had to wait)',
    value: (r) => r.stats.contended,
    format: (r) => compactCount(r.stats.contended),
  },
  {
    key: 'waitNs',
    label: 'Wait',
    title: 'Total time threads waited for it',
    value: (r) => r.stats.waitNs,
    format: (r) => formatDurationNs(r.stats.waitNs),
  },
  {
    key: 'maxWaitNs',
    label: 'Max wait',
    title: 'Longest single wait',
    value: (r) => r.stats.maxWaitNs,
    format: (r) => formatDurationNs(r.stats.maxWaitNs),
  },
  {
    key: 'maxHoldNs',
    label: 'Max hold',
    title: 'Longest single hold',
    value: (r) => r.stats.maxHoldNs,
    format: (r) => formatDurationNs(r.stats.maxHoldNs),
  },
];

function lockRows(model: TimelineModel): LockRow[] {
  const byId = new Map(model.primitives.map((p) => [p.id, p]));
  const rows: LockRow[] = [];
  for (const stats of model.stats) {
    const primitive = byId.get(stats.objectId);
    if (primitive && !primitive.internal) rows.push({ primitive, stats });
  }
  return rows;
}

function sortLockRows(rows: LockRow[], key: string, descending: boolean): LockRow[] {
  const column = LOCK_COLUMNS.find((c) => c.key === key) ?? LOCK_COLUMNS[0];
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    if (x < y) return -sign;
    if (x > y) return sign;
    return a.primitive.id - b.primitive.id;
  });
}

interface LocksListEvents {
  hover(objectId: number | undefined, anchor: HTMLElement | undefined): void;
  select(objectId: number): void;
  sort(key: string, descending: boolean): void;
}

export class LocksList {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly head: HTMLTableRowElement;
  private readonly rows: LockRow[];

  constructor(
    model: TimelineModel,
    private readonly holdColor: (colorIndex: number) => string,
    private readonly events: LocksListEvents,
  ) {
    this.rows = lockRows(model);
    this.head = el('tr');
    this.body = el('tbody');
    const table = el('table', { className: 'locks', attrs: { 'aria-label': 'Locks and their statistics' } }, [
      el('thead', {}, [this.head]),
      this.body,
    ]);
    this.element = el('section', { className: 'panel-section locks-section', attrs: { 'aria-labelledby': 'locks-heading' } }, [
      el('h2', { text: 'Locks', attrs: { id: 'locks-heading' } }),
      this.rows.length ? table : el('p', { className: 'muted', text: 'This run used no locks or semaphores.' }),
    ]);
  }

  render(sortKey: string, descending: boolean, selectedObjectId: number | undefined): void {
    clear(this.head);
    for (const column of LOCK_COLUMNS) {
      const active = column.key === sortKey;
      const button = el('button', {
        className: 'sort',
        text: `${column.label}${active ? (descending ? ' ▼' : ' ▲') : ''}`,
        title: `${column.title} — sort`,
      });
      button.addEventListener('click', () => this.events.sort(column.key, active ? !descending : column.key !== 'name'));
      this.head.append(
        el(
          'th',
          {
            attrs: {
              scope: 'col',
              'aria-sort': active ? (descending ? 'descending' : 'ascending') : 'none',
              class: column.key === 'name' ? 'name' : 'number',
            },
          },
          [button],
        ),
      );
    }
    clear(this.body);
    for (const row of sortLockRows(this.rows, sortKey, descending)) {
      const objectId = row.primitive.id;
      const swatch = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
      swatch.style.backgroundColor = this.holdColor(row.primitive.colorIndex);
      const tr = el('tr', {
        className: objectId === selectedObjectId ? 'selected' : '',
        attrs: { tabindex: '0', 'data-object-id': String(objectId), 'aria-selected': String(objectId === selectedObjectId) },
      });
      LOCK_COLUMNS.forEach((column, i) => {
        if (i === 0) {
          tr.append(
            el('th', { className: 'name', attrs: { scope: 'row' } }, [
              el('span', { className: 'lock-line' }, [swatch, el('span', { className: 'lock-name', text: row.primitive.name })]),
              el('span', { className: 'lock-kind', text: row.primitive.kind }),
            ]),
          );
        } else {
          const value = column.value(row);
          tr.append(
            el('td', {
              className: 'number',
              text: column.format(row),
              title:
                typeof value === 'number'
                  ? `${column.title}: ${column.key.endsWith('Ns') ? `${(value / 1e6).toLocaleString('en-US')} ms` : value.toLocaleString('en-US')}`
                  : undefined,
            }),
          );
        }
      });
      tr.addEventListener('mouseenter', () => this.events.hover(objectId, tr));
      tr.addEventListener('mouseleave', () => this.events.hover(undefined, undefined));
      tr.addEventListener('focus', () => this.events.hover(objectId, tr));
      tr.addEventListener('blur', () => this.events.hover(undefined, undefined));
      tr.addEventListener('click', () => this.events.select(objectId));
      tr.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          this.events.select(objectId);
        }
      });
      this.body.append(tr);
    }
  }
}
