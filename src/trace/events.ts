/**
 * The one reader of the 24-byte event record (layout in format.ts). Every consumer of an event
 * stream — the state intervals, lock order, races, statistics, the exporters, the harness's
 * ring drain and the file forms — reads records through what is here, so the layout lives in
 * two places only: format.ts, which specifies it, and this file, which decodes it (the
 * recorder in runtime/recorder.ts is its one writer).
 *
 * The record as 32-bit words (EVENT_WORDS = 6 per event):
 *   words 0..1  float64  timeNs          (an EventStream reads it as f64[3i])
 *   word 2      uint32   kind | seq << 8  (kindOf, seqOf)
 *   word 3      uint32   objectId
 *   word 4      uint32   siteId
 *   word 5      int32    arg
 *
 * `EventStream` gives typed-array views over a stream (faster than a DataView in hot loops):
 * records are little-endian and 8-byte aligned in every trace this project makes; anything else
 * is first copied into an aligned, native-order copy. Pure: no Node, no DOM.
 */
import { EVENT_BYTES, EVENT_WORDS, type TraceEvent } from './format';

/** Word offsets of a record's fields (the time is words 0 and 1, read as one float64). */
export const WORD_KIND_SEQ = 2;
export const WORD_OBJECT = 3;
export const WORD_SITE = 4;
export const WORD_ARG = 5;

/** Byte offset of the kind within a record (its low byte of word 2, little-endian). */
export const BYTE_KIND = WORD_KIND_SEQ * 4;

/** The sequence number is kept modulo 2^24. */
export const SEQ_MASK = 0xffffff;

/** The event kind of a record's word 2. */
export function kindOf(kindAndSeq: number): number {
  return kindAndSeq & 0xff;
}

/** The per-thread sequence number (modulo 2^24) of a record's word 2. */
export function seqOf(kindAndSeq: number): number {
  return kindAndSeq >>> 8;
}

/** Word 2 of a record. */
export function kindAndSeq(kind: number, seq: number): number {
  return ((seq & SEQ_MASK) << 8) | (kind & 0xff);
}

/** A record's words, read in the accessors' hot paths as a local constant (not through an import binding). */
const WORDS: number = EVENT_WORDS;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typed-array views over one thread's events; event i is f64[3i] and u32 / i32[6i + 2 … 6i + 5]. */
export class EventStream {
  static readonly empty = new EventStream(new Float64Array(0), new Uint32Array(0), new Int32Array(0), 0);

  private constructor(
    readonly f64: Float64Array,
    readonly u32: Uint32Array,
    readonly i32: Int32Array,
    /** Whole records in the stream (a trailing partial record is not one). */
    readonly count: number,
  ) {}

  /** Views of `bytes` (no copy when they are aligned and the machine is little-endian). */
  static of(bytes: Uint8Array | undefined): EventStream {
    const count = bytes ? Math.floor(bytes.byteLength / EVENT_BYTES) : 0;
    if (!bytes || count === 0) return EventStream.empty;
    let buffer: ArrayBufferLike = bytes.buffer;
    let offset = bytes.byteOffset;
    if (!LITTLE_ENDIAN || offset % 8 !== 0) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const copy = new ArrayBuffer(count * EVENT_BYTES);
      const f64 = new Float64Array(copy);
      const u32 = new Uint32Array(copy);
      for (let i = 0; i < count; i++) {
        f64[i * 3] = view.getFloat64(i * EVENT_BYTES, true);
        for (let w = WORD_KIND_SEQ; w < EVENT_WORDS; w++) u32[i * EVENT_WORDS + w] = view.getUint32(i * EVENT_BYTES + w * 4, true);
      }
      buffer = copy;
      offset = 0;
    }
    return new EventStream(
      new Float64Array(buffer, offset, count * 3),
      new Uint32Array(buffer, offset, count * EVENT_WORDS),
      new Int32Array(buffer, offset, count * EVENT_WORDS),
      count,
    );
  }

  timeNs(i: number): number {
    return this.f64[i * 3];
  }

  kind(i: number): number {
    return this.u32[i * WORDS + WORD_KIND_SEQ] & 0xff;
  }

  seq(i: number): number {
    return this.u32[i * WORDS + WORD_KIND_SEQ] >>> 8;
  }

  objectId(i: number): number {
    return this.u32[i * WORDS + WORD_OBJECT];
  }

  siteId(i: number): number {
    return this.u32[i * WORDS + WORD_SITE];
  }

  arg(i: number): number {
    return this.i32[i * WORDS + WORD_ARG];
  }

  /** Event i as an object (for tests and small traces). */
  event(tid: number, i: number): TraceEvent {
    return {
      tid,
      seq: this.seq(i),
      timeNs: this.timeNs(i),
      kind: this.kind(i),
      objectId: this.objectId(i),
      siteId: this.siteId(i),
      arg: this.arg(i),
    };
  }
}

/** Every event of one thread as an object (for readers that prefer objects: tests, small traces). */
export function decodeEvents(tid: number, bytes: Uint8Array): TraceEvent[] {
  const stream = EventStream.of(bytes);
  const out: TraceEvent[] = new Array<TraceEvent>(stream.count);
  for (let i = 0; i < stream.count; i++) out[i] = stream.event(tid, i);
  return out;
}

/** Visits every event without allocating an object per event (for millions of events). */
export function forEachEvent(
  bytes: Uint8Array,
  visit: (timeNs: number, kind: number, objectId: number, siteId: number, arg: number) => void,
): void {
  const stream = EventStream.of(bytes);
  const { f64, u32, i32 } = stream;
  for (let i = 0, w = 0; i < stream.count; i++, w += WORDS) {
    visit(f64[i * 3], u32[w + WORD_KIND_SEQ] & 0xff, u32[w + WORD_OBJECT], u32[w + WORD_SITE], i32[w + WORD_ARG]);
  }
}
