/**
 * The merge of the threads' streams by time, shared by trace/intervals.ts and
 * analysis/races.ts: a cursor per thread over its events, and a min-heap of the cursors
 * ordered by the time of their pending event, then by tid. Pure.
 */
import { MinHeap } from './heap';

/** One thread's stream, positioned at a pending event (`timeNs`), or `done`. */
export interface ThreadCursor {
  readonly tid: number;
  timeNs: number;
  done: boolean;
  /** Moves to the next pending event, or sets `done`. */
  advance(): void;
}

/** `a`'s pending event comes first: earlier, or at the same time on a lower tid. */
export function cursorBefore(a: ThreadCursor, b: ThreadCursor): boolean {
  return a.timeNs < b.timeNs || (a.timeNs === b.timeNs && a.tid < b.tid);
}

/** Moves every cursor to its first pending event; the heap of those not done. */
export function mergeThreads<T extends ThreadCursor>(cursors: readonly T[]): MinHeap<T> {
  const heap = new MinHeap<T>(cursorBefore);
  for (const cursor of cursors) {
    cursor.advance();
    if (!cursor.done) heap.push(cursor);
  }
  return heap;
}
