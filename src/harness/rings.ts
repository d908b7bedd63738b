/**
 * The reader's side of the event rings (layout in trace/format.ts; runtime/recorder.ts is the
 * one writer): each thread's ring is copied out into chunks of whole 24-byte records, in order,
 * and the space freed for the writer.
 *
 * Head and tail are monotonic event counts; slot i is at (i mod ringEvents). A writer waiting
 * for space (RING_WRITER_WAITING) is woken once the tail moves. Chunks are fresh copies, 8-byte
 * aligned, that the run keeps until the trace is built; nothing is ever dropped.
 */
import { EVENT_BYTES, EVENT_WORDS, RING_HEADER_BYTES, RING_HEAD, RING_TAIL, RING_WRITER_WAITING } from '../trace/format';
import { SEQ_MASK, WORD_KIND_SEQ, kindOf, seqOf } from '../trace/events';

import type { RunState, ThreadRecord } from './runState';

export class Rings {
  constructor(private readonly state: RunState) {}

  /** An empty ring for a thread about to start. */
  create(): SharedArrayBuffer {
    const bytes = RING_HEADER_BYTES + this.state.ringEvents * EVENT_BYTES;
    return this.state.memory ? this.state.memory.takeRing(bytes) : new SharedArrayBuffer(bytes);
  }

  drainAll(): void {
    for (const record of this.state.threads.values()) this.drain(record);
  }

  /** Copy published events (up to `upTo`, default the published head) out of the ring and free the space. */
  drain(record: ThreadRecord, upTo?: number): void {
    if (!record.ring) return;
    const header = new Int32Array(record.ring, 0, RING_HEADER_BYTES / 4);
    const head = upTo ?? Atomics.load(header, RING_HEAD);
    const tail = Atomics.load(header, RING_TAIL);
    if (head === tail) return;
    const bytes = new Uint8Array(record.ring, RING_HEADER_BYTES);
    const capacity = this.state.ringEvents;
    const from = tail % capacity;
    const count = head - tail;
    const chunk = new Uint8Array(count * EVENT_BYTES);
    const firstPart = Math.min(count, capacity - from);
    chunk.set(bytes.subarray(from * EVENT_BYTES, (from + firstPart) * EVENT_BYTES), 0);
    if (firstPart < count) chunk.set(bytes.subarray(0, (count - firstPart) * EVENT_BYTES), firstPart * EVENT_BYTES);
    record.chunks.push(chunk);
    record.events += count;
    this.state.totalEvents += count;
    Atomics.store(header, RING_TAIL, head);
    if (Atomics.load(header, RING_WRITER_WAITING)) Atomics.notify(header, RING_TAIL);
  }

  /**
   * The thread is done (its worker writes no more to the ring; the GIL's last release comes after
   * its last publish): take every event it wrote, then let the ring go.
   */
  retire(record: ThreadRecord): void {
    this.recoverUnpublished(record);
    if (record.ring) this.state.memory?.giveRing(record.ring, this.state.ringEvents);
    record.ring = null;
  }

  /** At the end of the run, once every worker is done or ended: every ring goes. */
  retireAll(): void {
    for (const record of this.state.threads.values()) this.retire(record);
  }

  /**
   * After a worker is gone: events it wrote but had not published yet are still in the ring;
   * take those whose sequence number follows on (a slot from an older lap does not match).
   */
  recoverUnpublished(record: ThreadRecord): void {
    if (!record.ring) return;
    const header = new Int32Array(record.ring, 0, RING_HEADER_BYTES / 4);
    this.drain(record);
    let head = Atomics.load(header, RING_TAIL);
    const words = new Uint32Array(record.ring, RING_HEADER_BYTES);
    const capacity = this.state.ringEvents;
    let recovered = 0;
    while (recovered < capacity) {
      const kindAndSeq = words[(head % capacity) * EVENT_WORDS + WORD_KIND_SEQ];
      if (kindOf(kindAndSeq) === 0 || seqOf(kindAndSeq) !== (head & SEQ_MASK)) break;
      head++;
      recovered++;
    }
    if (recovered > 0) {
      Atomics.store(header, RING_HEAD, head);
      this.drain(record, head);
    }
  }
}
