/**
 * A reversible packing of the binary .tltrace form for the standalone report, so that gzip
 * finds the redundancy in the 24-byte event records and the page has less to inflate (a
 * 4,000,000-event trace: 99 MB; 26 MB gzipped as is; about 3 MB packed and gzipped):
 *   - each timestamp becomes the difference to the record before it (exact: timestamps are
 *     integers below 2^53 — when one is not, times are left as they are);
 *   - the records are transposed byte-wise into 24 planes: byte 0 of every record, then byte
 *     1, … (the "shuffle" of Blosc/HDF5), so slowly changing fields become long runs;
 *   - a plane whose bytes are all the same (the high bytes of ids, mostly) is left out and
 *     named by its value in `constantPlanes`.
 * The preamble and the header JSON stay as they are. Unpacking gives back the exact bytes,
 * which src/trace/file.ts then decodes. Pure: bytes in, bytes out.
 */
import { EVENT_BYTES } from './format';

/** Offset of the first event in a binary trace: magic (8) + header length (4) + header. */
function eventsOffset(bytes: Uint8Array): number {
  if (bytes.byteLength < 12) return bytes.byteLength;
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  return Math.min(bytes.byteLength, 12 + headerBytes);
}

export interface PackingInfo {
  /** Timestamps were stored as differences. */
  timeDelta: boolean;
  /** Per byte position of a record: the value every record has there, or -1 (the plane is stored). */
  constantPlanes: number[];
  /** Size of the unpacked trace. */
  bytes: number;
}

export interface Packed extends PackingInfo {
  packed: Uint8Array;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const WORDS = EVENT_BYTES / 4;

/** Records per block while transposing: keeps the scattered side of the copy in cache. */
const BLOCK = 8192;

export function packTrace(trace: Uint8Array): Packed {
  const offset = eventsOffset(trace);
  const eventBytes = trace.byteLength - offset;
  const none = new Array<number>(EVENT_BYTES).fill(-1);
  if (eventBytes % EVENT_BYTES !== 0) return { packed: trace.slice(), timeDelta: false, constantPlanes: none, bytes: trace.byteLength };
  const count = eventBytes / EVENT_BYTES;
  const events = trace.slice(offset);
  const view = new DataView(events.buffer, events.byteOffset, events.byteLength);
  let integers = true;
  for (let i = 0; i < count && integers; i++) {
    if (!Number.isSafeInteger(view.getFloat64(i * EVENT_BYTES, true))) integers = false;
  }
  if (integers) {
    let previous = 0;
    for (let i = 0; i < count; i++) {
      const t = view.getFloat64(i * EVENT_BYTES, true);
      view.setFloat64(i * EVENT_BYTES, t - previous, true);
      previous = t;
    }
  }
  const constantPlanes = none.slice();
  for (let k = 0; k < EVENT_BYTES && count > 0; k++) {
    const value = events[k];
    let constant = true;
    for (let i = 1; i < count && constant; i++) if (events[i * EVENT_BYTES + k] !== value) constant = false;
    if (constant) constantPlanes[k] = value;
  }
  const stored = constantPlanes.map((v, k) => (v < 0 ? k : -1)).filter((k) => k >= 0);
  const out = new Uint8Array(offset + stored.length * count);
  out.set(trace.subarray(0, offset));
  const planes = out.subarray(offset);
  for (let start = 0; start < count; start += BLOCK) {
    const end = Math.min(count, start + BLOCK);
    stored.forEach((k, p) => {
      const plane = p * count;
      for (let i = start; i < end; i++) planes[plane + i] = events[i * EVENT_BYTES + k];
    });
  }
  return { packed: out, timeDelta: integers, constantPlanes, bytes: trace.byteLength };
}

/** The exact .tltrace bytes back from packTrace's output. */
export function unpackTrace(packed: Uint8Array, info: PackingInfo): Uint8Array {
  const offset = eventsOffset(packed);
  const count = (info.bytes - offset) / EVENT_BYTES;
  const stored = info.constantPlanes.map((v, k) => (v < 0 ? k : -1)).filter((k) => k >= 0);
  if (!Number.isInteger(count) || count < 0 || packed.byteLength !== offset + stored.length * count) {
    throw new Error('the packed trace does not have the size its description gives');
  }
  const out = new Uint8Array(info.bytes);
  out.set(packed.subarray(0, offset));
  const planes = packed.subarray(offset);
  const planeOf = new Array<number>(EVENT_BYTES).fill(-1);
  stored.forEach((k, p) => (planeOf[k] = p * count));
  if (LITTLE_ENDIAN && (out.byteOffset + offset) % 4 === 0) {
    // Each 32-bit word: the constant bytes once, the stored planes or-ed in, written in order.
    const words = new Uint32Array(out.buffer, out.byteOffset + offset, count * WORDS);
    for (let w = 0; w < WORDS; w++) {
      let base = 0;
      const varying: { at: number; shift: number }[] = [];
      for (let j = 0; j < 4; j++) {
        const k = 4 * w + j;
        if (planeOf[k] < 0) base |= info.constantPlanes[k] << (8 * j);
        else varying.push({ at: planeOf[k], shift: 8 * j });
      }
      base >>>= 0;
      if (varying.length === 0) {
        if (base !== 0) for (let i = 0, at = w; i < count; i++, at += WORDS) words[at] = base;
        continue;
      }
      const [a, b, c, d] = [varying[0], varying[1] ?? varying[0], varying[2] ?? varying[0], varying[3] ?? varying[0]];
      const pa = a.at,
        sa = a.shift,
        pb = b.at,
        sb = b.shift,
        pc = c.at,
        sc = c.shift,
        pd = d.at,
        sd = d.shift;
      let at = w;
      // Or-ing a plane twice changes nothing, so fewer than four stored planes reuse the first.
      for (let i = 0; i < count; i++, at += WORDS) {
        words[at] = (base | (planes[pa + i] << sa) | (planes[pb + i] << sb) | (planes[pc + i] << sc) | (planes[pd + i] << sd)) >>> 0;
      }
    }
  } else {
    const events = out.subarray(offset);
    for (let k = 0; k < EVENT_BYTES; k++) {
      const plane = planeOf[k];
      for (let i = 0; i < count; i++) events[i * EVENT_BYTES + k] = plane < 0 ? info.constantPlanes[k] : planes[plane + i];
    }
  }
  if (info.timeDelta) {
    if (LITTLE_ENDIAN && (out.byteOffset + offset) % 8 === 0) {
      const times = new Float64Array(out.buffer, out.byteOffset + offset, count * (EVENT_BYTES / 8));
      let previous = 0;
      for (let at = 0; at < times.length; at += EVENT_BYTES / 8) {
        previous += times[at];
        times[at] = previous;
      }
    } else {
      const view = new DataView(out.buffer, out.byteOffset + offset, count * EVENT_BYTES);
      let previous = 0;
      for (let i = 0; i < count; i++) {
        previous += view.getFloat64(i * EVENT_BYTES, true);
        view.setFloat64(i * EVENT_BYTES, previous, true);
      }
    }
  }
  return out;
}
