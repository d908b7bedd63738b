/**
 * Settling event times before a trace is handed out.
 *
 * Uncontended operations inherit the thread's last clock read instead of reading the clock
 * (runtime/recorder.ts, INHERITED_TIME). Here each run of inherited times is spread evenly
 * between the clock reads around it, and a Lock's hand-offs are kept in order: the release of
 * version v-1 never appears after the acquisition of version v (the version is the event's arg).
 */
import { EventKind, EVENT_WORDS } from '../trace/format';
import { INHERITED_TIME } from '../runtime/recorder';

interface LockEvent {
  tid: number;
  index: number;
}

/** Rewrite times in place; `lockIds` are the objects of kind Lock. */
export function settleTimes(events: (Uint8Array | undefined)[], lockIds: Set<number>): void {
  const interpolated: (Uint8Array | undefined)[] = [];
  const times: (Float64Array | undefined)[] = [];
  const words: (Uint32Array | undefined)[] = [];
  events.forEach((bytes, tid) => {
    if (!bytes || bytes.byteLength === 0) return;
    // Chunks are whole copies made by the harness, 8-byte aligned.
    const f64 = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const n = bytes.byteLength / (EVENT_WORDS * 4);
    const flags = new Uint8Array(n);
    let lastExact = -1;
    let pending = 0;
    for (let i = 0; i <= n; i++) {
      const isEnd = i === n;
      const inherited = !isEnd && (u32[i * EVENT_WORDS + 2] & INHERITED_TIME) !== 0;
      if (inherited) {
        flags[i] = 1;
        u32[i * EVENT_WORDS + 2] &= ~INHERITED_TIME;
        pending++;
        continue;
      }
      if (pending > 0 && lastExact >= 0) {
        const from = f64[lastExact * 3];
        const to = isEnd ? from : f64[i * 3];
        for (let k = 1; k <= pending; k++) f64[(lastExact + k) * 3] = Math.round(from + ((to - from) * k) / (pending + 1));
      }
      pending = 0;
      lastExact = i;
    }
    interpolated[tid] = flags;
    times[tid] = f64;
    words[tid] = u32;
  });
  if (lockIds.size === 0) return;

  // Per Lock: version → its acquisition and its release.
  const acquired = new Map<number, Map<number, LockEvent>>();
  const released = new Map<number, Map<number, LockEvent>>();
  words.forEach((u32, tid) => {
    if (!u32) return;
    const n = u32.length / EVENT_WORDS;
    for (let i = 0; i < n; i++) {
      const kind = u32[i * EVENT_WORDS + 2] & 0xff;
      if (kind !== EventKind.Acquired && kind !== EventKind.Released) continue;
      const objectId = u32[i * EVENT_WORDS + 3];
      if (!lockIds.has(objectId)) continue;
      const version = u32[i * EVENT_WORDS + 5];
      const table = kind === EventKind.Acquired ? acquired : released;
      let byVersion = table.get(objectId);
      if (!byVersion) table.set(objectId, (byVersion = new Map()));
      byVersion.set(version, { tid, index: i });
    }
  });
  for (const [objectId, acquisitions] of acquired) {
    const releases = released.get(objectId);
    if (!releases) continue;
    for (const [version, acquire] of acquisitions) {
      const release = releases.get(version - 1);
      if (!release) continue;
      const at = times[acquire.tid]!;
      const rt = times[release.tid]!;
      const acquireTime = at[acquire.index * 3];
      if (rt[release.index * 3] <= acquireTime) continue;
      if (interpolated[release.tid]![release.index]) {
        // Pull the release (and inherited times before it) back to the acquisition.
        rt[release.index * 3] = acquireTime;
        for (let j = release.index - 1; j >= 0 && interpolated[release.tid]![j] && rt[j * 3] > acquireTime; j--) rt[j * 3] = acquireTime;
      } else if (interpolated[acquire.tid]![acquire.index]) {
        const releaseTime = rt[release.index * 3];
        at[acquire.index * 3] = releaseTime;
        for (let j = acquire.index + 1; j < at.length / 3 && interpolated[acquire.tid]![j] && at[j * 3] < releaseTime; j++) at[j * 3] = releaseTime;
      }
    }
  }
}
