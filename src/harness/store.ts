/**
 * What the harness keeps for the workers: queue items, futures' outcomes and done-callbacks.
 * Values arrive already encoded for the wire (see runtime/core.ts) and leave unchanged.
 */
import type { Wire } from '../runtime/core';
import { MinHeap } from '../trace/heap';

type QueueKind = 'Queue' | 'LifoQueue' | 'PriorityQueue';

interface Entry {
  item: Wire;
  seq: number;
}

export class ItemStore {
  private readonly queues = new Map<number, Wire[]>();
  private readonly heaps = new Map<number, MinHeap<Entry>>();
  private readonly boxes = new Map<number, Wire>();
  private readonly callbacks = new Map<number, Wire[]>();
  private readonly finished = new Set<number>();
  /** Insertion counter, so equal priorities come out first in, first out. */
  private sequence = 0;

  put(id: number, kind: QueueKind, item: Wire): void {
    if (kind === 'PriorityQueue') {
      // Smallest first, like heapq.
      let heap = this.heaps.get(id);
      if (!heap) this.heaps.set(id, (heap = new MinHeap<Entry>((a, b) => (compareValues(a.item, b.item) || a.seq - b.seq) < 0)));
      heap.push({ item, seq: this.sequence++ });
      return;
    }
    let items = this.queues.get(id);
    if (!items) this.queues.set(id, (items = []));
    items.push(item);
  }

  get(id: number, kind: QueueKind): Wire {
    if (kind === 'PriorityQueue') {
      const heap = this.heaps.get(id);
      if (!heap || heap.size === 0) throw new Error(`queue ${id} is empty in the store`);
      return heap.pop().item;
    }
    const items = this.queues.get(id);
    if (!items || items.length === 0) throw new Error(`queue ${id} is empty in the store`);
    return kind === 'Queue' ? items.shift() : items.pop();
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

/** Python's ordering for the values people put in a PriorityQueue: numbers, strings, tuples. */
function compareValues(a: Wire, b: Wire): number {
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
