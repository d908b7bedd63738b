/**
 * The per-thread event writer: fixed 24-byte records into this thread's ring in shared memory
 * (layout in src/trace/format.ts). Single writer (this thread), single reader (the harness).
 *
 * Fast path: one clock read and five stores; the head is published every RING_PUBLISH_EVERY
 * events and before any blocking wait, so an uncontended operation pays no atomic store.
 * When the ring is full the writer waits for the harness to drain it: nothing is dropped.
 */
import {
  EVENT_BYTES,
  EVENT_WORDS,
  RING_HEADER_BYTES,
  RING_HEAD,
  RING_PUBLISH_EVERY,
  RING_TAIL,
  RING_WRITER_WAITING,
  type EventKind,
} from '../trace/format';
import { WORD_ARG, WORD_KIND_SEQ, WORD_OBJECT, WORD_SITE, kindAndSeq } from '../trace/events';
import { H_DOORBELL, H_TICK } from './shared';
import { virtualEventNs } from './schedule';

/**
 * Set in the kind byte of an event whose time was not read but inherited from the thread's last
 * clock read; the harness replaces it with a time interpolated between the clock reads around it
 * before the trace is handed out (the stored trace never has this bit).
 */
export const INHERITED_TIME = 0x80;
/** On the fast path the clock is read at least every this many events. */
const CLOCK_EVERY = 16;

const BASE_WORDS = RING_HEADER_BYTES / 4;

export class Recorder {
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly header: Int32Array;
  private readonly mask: number;
  private readonly capacity: number;
  private head = 0;
  private tailSeen = 0;
  private lastTick = -1;
  private lastTimeNs = 0;
  private sinceClock = 0;
  /** Add to performance.now() to get ms since the run's epoch. */
  private readonly clockOffsetMs: number;

  constructor(
    ring: SharedArrayBuffer,
    private readonly heap: Int32Array,
    epochOrigin: number,
    epochOffsetMs: number,
    public enabled: boolean,
  ) {
    this.u32 = new Uint32Array(ring);
    this.i32 = new Int32Array(ring);
    this.f64 = new Float64Array(ring);
    this.header = new Int32Array(ring, 0, BASE_WORDS);
    this.capacity = (ring.byteLength - RING_HEADER_BYTES) / EVENT_BYTES;
    if ((this.capacity & (this.capacity - 1)) !== 0) throw new Error('ring capacity must be a power of two');
    this.mask = this.capacity - 1;
    this.clockOffsetMs = performance.timeOrigin - epochOrigin - epochOffsetMs;
    this.head = Atomics.load(this.header, RING_HEAD);
    this.tailSeen = Atomics.load(this.header, RING_TAIL);
  }

  /** Nanoseconds since the run's epoch (an integer in a float64). */
  nowNs(): number {
    return Math.round((performance.now() + this.clockOffsetMs) * 1e6);
  }

  emit(kind: EventKind, objectId: number, siteId: number, arg: number): void {
    if (!this.enabled) return;
    const head = this.head;
    if (head - this.tailSeen >= this.capacity) this.waitForSpace();
    const word = BASE_WORDS + (head & this.mask) * EVENT_WORDS;
    const timeNs = this.nowNs();
    this.lastTimeNs = timeNs;
    this.sinceClock = 0;
    this.f64[word >> 1] = timeNs;
    this.u32[word + WORD_OBJECT] = objectId;
    this.u32[word + WORD_SITE] = siteId;
    this.i32[word + WORD_ARG] = arg;
    // Written last: a reader recovering unpublished events trusts a slot whose sequence matches.
    this.u32[word + WORD_KIND_SEQ] = kindAndSeq(kind, head);
    this.head = head + 1;
    if ((this.head & (RING_PUBLISH_EVERY - 1)) === 0) this.publish();
  }

  /**
   * The fast path for uncontended operations: a clock read (100+ ns here) costs more than the
   * operation, so read it only when the harness's millisecond tick moved or every CLOCK_EVERY
   * events; otherwise inherit the last time and let the harness interpolate.
   */
  emitFast(kind: EventKind, objectId: number, siteId: number, arg: number): void {
    if (!this.enabled) return;
    const head = this.head;
    if (head - this.tailSeen >= this.capacity) this.waitForSpace();
    const word = BASE_WORDS + (head & this.mask) * EVENT_WORDS;
    const tick = this.heap[H_TICK];
    let flag = 0;
    if (tick !== this.lastTick || ++this.sinceClock >= CLOCK_EVERY) {
      this.lastTick = tick;
      this.sinceClock = 0;
      this.lastTimeNs = Math.round((performance.now() + this.clockOffsetMs) * 1e6);
    } else {
      flag = INHERITED_TIME;
    }
    this.f64[word >> 1] = this.lastTimeNs;
    this.u32[word + WORD_OBJECT] = objectId;
    this.u32[word + WORD_SITE] = siteId;
    this.i32[word + WORD_ARG] = arg;
    this.u32[word + WORD_KIND_SEQ] = kindAndSeq(kind | flag, head);
    this.head = head + 1;
    if ((this.head & (RING_PUBLISH_EVERY - 1)) === 0) this.publish();
  }

  /** Make every event written so far visible to the harness. Call before blocking or exiting. */
  publish(): void {
    Atomics.store(this.header, RING_HEAD, this.head);
    if (this.head - this.tailSeen > this.capacity >> 1) {
      this.tailSeen = Atomics.load(this.header, RING_TAIL);
      if (this.head - this.tailSeen > this.capacity >> 1) this.ringDoorbell();
    }
  }

  private ringDoorbell(): void {
    Atomics.add(this.heap, H_DOORBELL, 1);
    Atomics.notify(this.heap, H_DOORBELL);
  }

  private waitForSpace(): void {
    Atomics.store(this.header, RING_HEAD, this.head);
    for (;;) {
      this.tailSeen = Atomics.load(this.header, RING_TAIL);
      if (this.head - this.tailSeen < this.capacity) break;
      Atomics.store(this.header, RING_WRITER_WAITING, 1);
      this.ringDoorbell();
      Atomics.wait(this.header, RING_TAIL, this.tailSeen, 50);
    }
    Atomics.store(this.header, RING_WRITER_WAITING, 0);
  }
}

/**
 * Controlled mode's recorder: every event takes its time from the scheduler's virtual clock
 * (exact, so nothing is interpolated). A subclass, so free mode's hot path has no branch for it.
 */
export class VirtualRecorder extends Recorder {
  override nowNs(): number {
    return virtualEventNs();
  }

  /** Every event reads the (virtual) clock: it costs nothing and keeps events strictly ordered. */
  override emitFast(kind: EventKind, objectId: number, siteId: number, arg: number): void {
    this.emit(kind, objectId, siteId, arg);
  }
}
