/**
 * What the harness keeps for the workers: queue items, futures' outcomes and done-callbacks.
 * Values arrive already encoded for the wire (see runtime/core.ts) and leave unchanged.
 */
import type { Wire } from '../runtime/core';

type QueueKind = 'Queue' | 'LifoQueue' | 'PriorityQueue';

export class ItemStore {
  private readonly queues = new Map<number, Wire[]>();
  private readonly boxes = new Map<number, Wire>();
  private readonly callbacks = new Map<number, Wire[]>();
  private readonly finished = new Set<number>();
  /** Insertion counter, so equal priorities come out first in, first out. */
  private sequence = 0;
  private readonly order = new WeakMap<object, number>();

  put(id: number, kind: QueueKind, item: Wire): void {
    let items = this.queues.get(id);
    if (!items) {
      items = [];
      this.queues.set(id, items);
    }
    if (kind !== 'PriorityQueue') {
      items.push(item);
      return;
    }
    // A binary heap, smallest first, like heapq.
    const entry = { item, seq: this.sequence++ };
    this.order.set(entry, entry.seq);
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareEntries(items[i], items[parent]) >= 0) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  get(id: number, kind: QueueKind): Wire {
    const items = this.queues.get(id);
    if (!items || items.length === 0) throw new Error(`queue ${id} is empty in the store`);
    if (kind === 'Queue') return items.shift();
    if (kind === 'LifoQueue') return items.pop();
    const top = items[0] as { item: Wire };
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && compareEntries(items[left], items[smallest]) < 0) smallest = left;
        if (right < items.length && compareEntries(items[right], items[smallest]) < 0) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest], items[i]];
        i = smallest;
      }
    }
    return top.item;
  }

  setBox(id: number, value: Wire): void {
    this.boxes.set(id, value);
    this.finished.add(id);
  }

  getBox(id: number): Wire {
    return this.boxes.get(id);
  }

  /** Returns true when the future is already done: the caller runs the callback itself. */
  addCallback(id: number, fn: Wire): boolean {
    if (this.finished.has(id)) return true;
    const list = this.callbacks.get(id) ?? [];
    list.push(fn);
    this.callbacks.set(id, list);
    return false;
  }

  /** The callbacks to run now that the future is done (cancelled futures come here too). */
  takeCallbacks(id: number): Wire[] {
    this.finished.add(id);
    const list = this.callbacks.get(id) ?? [];
    this.callbacks.delete(id);
    return list;
  }
}

function compareEntries(a: unknown, b: unknown): number {
  const x = a as { item: Wire; seq: number };
  const y = b as { item: Wire; seq: number };
  return compareValues(x.item, y.item) || x.seq - y.seq;
}

/** Python's ordering for the values people put in a PriorityQueue: numbers, strings, tuples. */
export function compareValues(a: Wire, b: Wire): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return 0;
}
