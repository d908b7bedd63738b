/**
 * Who holds what while the run goes on, for deadlock reports (computed only when the deadlock
 * detector asks, i.e. when it has found a wait it cannot explain).
 *
 * A Lock's or RLock's owner is read from its cells (tid + 1 in L_OWNER / R_OWNER of
 * runtime/locks.ts; 0 when free). Semaphore permits have no owner cell: they are replayed from
 * the events drained so far into a HoldTracker (trace/holds.ts), each chunk once.
 */
import { EventKind, type ObjectKind } from '../trace/format';
import { EventStream } from '../trace/events';
import { HoldTracker } from '../trace/holds';
import { L_OWNER, R_OWNER } from '../runtime/locks';
import { INHERITED_TIME } from '../runtime/recorder';

import type { RunState } from './runState';

export class LiveHolds {
  private readonly holds: HoldTracker;

  constructor(private readonly state: RunState) {
    this.holds = new HoldTracker((id) => state.objects.get(id)?.kind);
  }

  /** Objects `tid` holds now: locks it owns, semaphore permits. */
  heldBy(tid: number): number[] {
    this.catchUp();
    const held: number[] = [];
    for (const object of this.state.objects.values()) {
      if (object.kind === 'Lock' || object.kind === 'RLock') {
        if (this.lockOwner(object) === tid) held.push(object.id);
      } else if (this.holds.countHeld(object.id, tid) > 0) {
        held.push(object.id);
      }
    }
    return held;
  }

  /** Threads holding `objectId` now. */
  holdersOf(objectId: number): number[] {
    const object = this.state.objects.get(objectId);
    if (!object) return [];
    if (object.kind === 'Lock' || object.kind === 'RLock') {
      const owner = this.lockOwner(object);
      return owner >= 0 ? [owner] : [];
    }
    this.catchUp();
    return this.holds.holdersOf(objectId);
  }

  /** The site of the thread's latest Block: a blocked thread published it last. */
  lastBlockSite(tid: number): number {
    const record = this.state.threads.get(tid);
    if (!record) return 0;
    for (let c = record.chunks.length - 1; c >= 0; c--) {
      const stream = EventStream.of(record.chunks[c]);
      for (let i = stream.count - 1; i >= 0; i--) {
        if ((stream.kind(i) & ~INHERITED_TIME) === EventKind.Block) return stream.siteId(i);
      }
    }
    return 0;
  }

  /** Replay semaphore events not yet seen (Lock and RLock owners are read from their cells). */
  private catchUp(): void {
    for (const record of this.state.threads.values()) {
      for (; record.scannedChunks < record.chunks.length; record.scannedChunks++) {
        const stream = EventStream.of(record.chunks[record.scannedChunks]);
        for (let i = 0; i < stream.count; i++) {
          // Chunks come straight from the rings: an uncontended operation's kind byte may still
          // carry the recorder's INHERITED_TIME flag (cleared later, when the trace is assembled).
          const kind = stream.kind(i) & ~INHERITED_TIME;
          if (kind !== EventKind.Acquired && kind !== EventKind.Released) continue;
          const objectId = stream.objectId(i);
          const objectKind = this.state.objects.get(objectId)?.kind;
          if (objectKind === 'Semaphore' || objectKind === 'BoundedSemaphore') this.holds.apply(record.tid, kind, objectId, stream.arg(i));
        }
      }
    }
  }

  /** The owner's tid, -1 when free (or when the object's cells are not known yet). */
  private lockOwner(object: { kind: ObjectKind; base: number }): number {
    return object.base ? Atomics.load(this.state.heap, object.base + (object.kind === 'RLock' ? R_OWNER : L_OWNER)) - 1 : -1;
  }
}
