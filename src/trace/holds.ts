/**
 * Who holds what, replayed from events in order. Used live by the harness (to say what each
 * deadlocked thread holds) and after the run by the summaries.
 *
 * Lock: one owner; any thread may release it (Python allows that), which ends the owner's hold.
 * RLock: one owner with a depth (the event's arg). Semaphore: permits per thread; a release by
 * a thread that holds none takes a permit from the longest holder.
 */
import { EventKind, type ObjectKind } from './format';

export class HoldTracker {
  /** objectId → (tid → count) */
  private readonly holders = new Map<number, Map<number, number>>();

  constructor(private readonly kindOf: (objectId: number) => ObjectKind | undefined) {}

  apply(tid: number, kind: number, objectId: number, arg: number): void {
    if (kind !== EventKind.Acquired && kind !== EventKind.Released) return;
    const objectKind = this.kindOf(objectId);
    let byThread = this.holders.get(objectId);
    if (!byThread) {
      byThread = new Map();
      this.holders.set(objectId, byThread);
    }
    if (objectKind === 'RLock') {
      if (kind === EventKind.Acquired) byThread.set(tid, arg);
      else if (arg <= 0) byThread.delete(tid);
      else byThread.set(tid, arg);
      return;
    }
    if (objectKind === 'Semaphore' || objectKind === 'BoundedSemaphore') {
      if (kind === EventKind.Acquired) {
        byThread.set(tid, (byThread.get(tid) ?? 0) + 1);
        return;
      }
      let permits = Math.max(1, arg);
      while (permits > 0 && byThread.size > 0) {
        const from = byThread.has(tid) ? tid : (byThread.keys().next().value as number);
        const held = byThread.get(from)!;
        const taken = Math.min(held, permits);
        permits -= taken;
        if (held - taken <= 0) byThread.delete(from);
        else byThread.set(from, held - taken);
      }
      return;
    }
    // Lock (and anything lock-like): a single owner.
    if (kind === EventKind.Acquired) {
      byThread.clear();
      byThread.set(tid, 1);
    } else {
      byThread.clear();
    }
  }

  /** Threads holding `objectId` now. */
  holdersOf(objectId: number): number[] {
    return [...(this.holders.get(objectId)?.keys() ?? [])];
  }

  /** Objects `tid` holds now, in no particular order. */
  heldBy(tid: number): number[] {
    const out: number[] = [];
    for (const [objectId, byThread] of this.holders) if (byThread.has(tid)) out.push(objectId);
    return out;
  }

  countHeld(objectId: number, tid: number): number {
    return this.holders.get(objectId)?.get(tid) ?? 0;
  }
}
