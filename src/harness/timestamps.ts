/**
 * Settling event times before a trace is handed out.
 *
 * Uncontended operations inherit the thread's last clock read instead of reading the clock
 * (runtime/recorder.ts, INHERITED_TIME). Here each run of inherited times is spread evenly
 * between the clock reads around it, and a Lock's hand-offs are kept in order: the release of
 * version v-1 never appears after the acquisition of version v (the version is the event's arg).
 */
import { EventKind, EVENT_BYTES, EVENT_WORDS } from '../trace/format';
import { WORD_ARG, WORD_KIND_SEQ, WORD_OBJECT, kindOf } from '../trace/events';
import { INHERITED_TIME } from '../runtime/recorder';

/** Rewrite times in place; `lockIds` are the objects of kind Lock. */
export function settleTimes(events: (Uint8Array | undefined)[], lockIds: Set<number>): void {
  const threads: ThreadTimes[] = [];
  events.forEach((bytes, tid) => {
    if (bytes && bytes.byteLength > 0) threads[tid] = interpolate(bytes);
  });
  if (lockIds.size > 0) keepHandOffsInOrder(threads, lockIds);
  // Whatever moved, a thread's times never go backwards.
  for (const thread of threads) {
    if (!thread) continue;
    const { f64, inherited } = thread;
    for (let i = 1; i < inherited.length; i++) if (inherited[i] && f64[i * 3] < f64[(i - 1) * 3]) f64[i * 3] = f64[(i - 1) * 3];
  }
}

interface ThreadTimes {
  f64: Float64Array;
  u32: Uint32Array;
  /** 1 where the time was inherited (and is now an estimate). */
  inherited: Uint8Array;
  /** For each event, the index of the clock read at or before it and at or after it (-1: none). */
  before: Int32Array;
  after: Int32Array;
}

/** Spread each run of inherited times evenly between the clock reads around it. */
function interpolate(bytes: Uint8Array): ThreadTimes {
  // Chunks are whole copies made by the harness, 8-byte aligned.
  const f64 = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const n = bytes.byteLength / EVENT_BYTES;
  const inherited = new Uint8Array(n);
  const before = new Int32Array(n).fill(-1);
  const after = new Int32Array(n).fill(-1);
  let lastExact = -1;
  let pending = 0;
  for (let i = 0; i <= n; i++) {
    const isEnd = i === n;
    if (!isEnd && (u32[i * EVENT_WORDS + WORD_KIND_SEQ] & INHERITED_TIME) !== 0) {
      inherited[i] = 1;
      u32[i * EVENT_WORDS + WORD_KIND_SEQ] &= ~INHERITED_TIME;
      before[i] = lastExact;
      pending++;
      continue;
    }
    if (pending > 0 && lastExact >= 0) {
      const from = f64[lastExact * 3];
      const to = isEnd ? from : f64[i * 3];
      for (let k = 1; k <= pending; k++) {
        f64[(lastExact + k) * 3] = Math.round(from + ((to - from) * k) / (pending + 1));
        if (!isEnd) after[lastExact + k] = i;
      }
    }
    pending = 0;
    lastExact = i;
    if (!isEnd) {
      before[i] = i;
      after[i] = i;
    }
  }
  return { f64, u32, inherited, before, after };
}

interface LockEvent {
  tid: number;
  index: number;
}

/** For one Lock, by version: which thread and event index acquired and released it (-1: none). */
interface VersionTable {
  acquireTid: Int32Array;
  acquireIndex: Int32Array;
  releaseTid: Int32Array;
  releaseIndex: Int32Array;
}

/**
 * The release of a Lock's version v-1 must not come after the acquisition of version v. When
 * an estimated time breaks that, move the estimate — never past the clock reads around it.
 */
function keepHandOffsInOrder(threads: ThreadTimes[], lockIds: Set<number>): void {
  // Versions are dense (1, 2, 3, … per lock): typed arrays, not maps, for millions of them.
  // Two plain passes (no callback per event: this runs over every event of the run).
  const maxVersion = new Map<number, number>();
  for (const thread of threads) {
    if (!thread) continue;
    const { u32 } = thread;
    for (let w = 0; w < u32.length; w += EVENT_WORDS) {
      const kind = kindOf(u32[w + WORD_KIND_SEQ]);
      if ((kind === EventKind.Acquired || kind === EventKind.Released) && lockIds.has(u32[w + WORD_OBJECT])) {
        const objectId = u32[w + WORD_OBJECT];
        if (u32[w + WORD_ARG] > (maxVersion.get(objectId) ?? 0)) maxVersion.set(objectId, u32[w + WORD_ARG]);
      }
    }
  }
  const tables = new Map<number, VersionTable>();
  for (const [objectId, max] of maxVersion) {
    tables.set(objectId, {
      acquireTid: new Int32Array(max + 1).fill(-1),
      acquireIndex: new Int32Array(max + 1),
      releaseTid: new Int32Array(max + 1).fill(-1),
      releaseIndex: new Int32Array(max + 1),
    });
  }
  threads.forEach((thread, tid) => {
    if (!thread) return;
    const { u32 } = thread;
    for (let w = 0, index = 0; w < u32.length; w += EVENT_WORDS, index++) {
      const kind = kindOf(u32[w + WORD_KIND_SEQ]);
      if (kind !== EventKind.Acquired && kind !== EventKind.Released) continue;
      const table = tables.get(u32[w + WORD_OBJECT]);
      if (!table) continue;
      const version = u32[w + WORD_ARG];
      if (kind === EventKind.Acquired) {
        table.acquireTid[version] = tid;
        table.acquireIndex[version] = index;
      } else {
        table.releaseTid[version] = tid;
        table.releaseIndex[version] = index;
      }
    }
  });
  const bounds = (e: LockEvent) => {
    const t = threads[e.tid];
    const lo = t.before[e.index] >= 0 ? t.f64[t.before[e.index] * 3] : -Infinity;
    const hi = t.after[e.index] >= 0 ? t.f64[t.after[e.index] * 3] : Infinity;
    return { lo, hi };
  };
  for (const table of tables.values()) {
    for (let version = 2; version < table.acquireTid.length; version++) {
      if (table.acquireTid[version] < 0 || table.releaseTid[version - 1] < 0) continue;
      const acquire: LockEvent = { tid: table.acquireTid[version], index: table.acquireIndex[version] };
      const release: LockEvent = { tid: table.releaseTid[version - 1], index: table.releaseIndex[version - 1] };
      const at = threads[acquire.tid];
      const rt = threads[release.tid];
      let acquireTime = at.f64[acquire.index * 3];
      let releaseTime = rt.f64[release.index * 3];
      if (releaseTime <= acquireTime) continue;
      if (rt.inherited[release.index]) {
        releaseTime = Math.max(acquireTime, bounds(release).lo);
        rt.f64[release.index * 3] = releaseTime;
        for (let j = release.index - 1; j >= 0 && rt.inherited[j] && rt.f64[j * 3] > releaseTime; j--) rt.f64[j * 3] = releaseTime;
      }
      if (releaseTime > acquireTime && at.inherited[acquire.index]) {
        acquireTime = Math.min(releaseTime, bounds(acquire).hi);
        at.f64[acquire.index * 3] = acquireTime;
        for (let j = acquire.index + 1; j < at.inherited.length && at.inherited[j] && at.f64[j * 3] < acquireTime; j++)
          at.f64[j * 3] = acquireTime;
      }
    }
  }
}
