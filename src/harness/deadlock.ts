/**
 * Live deadlock detection (ARCHITECTURE.md, decision 7), from the threads' live-state cells.
 *
 * Every POLL the harness builds the wait-for graph: a thread blocked on a Lock or RLock points
 * at the owner; a thread joining points at the thread it joins. A cycle among threads in
 * untimed waits is a deadlock: at once through RLocks and joins, and through a plain Lock at
 * once if no thread outside the cycle can run, else after it has lasted a second (Python lets
 * any thread release a Lock, and CPython's own tests rely on that) — and never while others
 * can run if the snippet has really released a Lock from a thread that did not own it. Waits on a Condition, Event, Queue, Barrier, Semaphore or Future
 * can be ended by any thread, so they are a deadlock only when *every* live thread is in an
 * untimed wait ("all threads blocked"). Either finding must hold on two polls in a row with the
 * same wait episodes, so a hand-off in progress is never mistaken for a deadlock.
 */
import { ThreadState, WaitKind, WAIT_KIND_NAMES, WAIT_TIMED, type ObjectInfo, type Site } from '../trace/format';
import { L_RELEASED_BY_OTHER } from '../runtime/locks';
import { T_EPISODE, T_PARK, T_STATE, T_WAIT_KIND, T_WAIT_OBJECT, threadBlockBase } from '../runtime/shared';

/** A cycle through a plain Lock while other threads can still run is reported once it lasts this long. */
const LOCK_CYCLE_GRACE_NS = 1e9;

/** Waits that park on the thread's own cell (runtime/condition.ts WaitQueue): T_PARK = 1 means woken. */
const PARKING_KINDS = new Set<number>([WaitKind.Condition, WaitKind.Barrier, WaitKind.Queue, WaitKind.Future]);
import type { DeadlockCycleEntry, DeadlockReport } from './types';

interface DetectorThread {
  tid: number;
  name: string;
  objectId: number;
  done: boolean;
}

interface DetectorSources {
  threads(): Iterable<DetectorThread>;
  object(id: number): (ObjectInfo & { base: number }) | undefined;
  nextTid(): number;
  /** Objects the thread holds now (locks it owns, semaphore permits). */
  heldBy(tid: number): number[];
  /** Threads holding the object now. */
  holdersOf(objectId: number): number[];
  /** Site id of the thread's most recent Block event. */
  blockSite(tid: number): number;
  sites: Site[];
}

interface Snapshot {
  tid: number;
  state: number;
  waitObject: number;
  waitKind: number;
  episode: number;
}

export class DeadlockDetector {
  private previous = '';
  private firstSeenNs = 0;

  constructor(
    private readonly heap: Int32Array,
    private readonly sources: DetectorSources,
  ) {}

  /** `settled`: nothing can change any more (controlled mode's scheduler says so): report at once. */
  check(nowNs: number, settled = false): DeadlockReport | undefined {
    const threads = [...this.sources.threads()];
    const known = new Set(threads.map((t) => t.tid));
    const started = this.sources.nextTid();
    for (let tid = 0; tid < started; tid++) if (!known.has(tid)) return this.reset(); // a start is in flight
    const alive = threads.filter((t) => !t.done);
    if (alive.length === 0) return this.reset();
    const snapshots = new Map<number, Snapshot>();
    for (const t of alive) {
      const block = threadBlockBase(t.tid);
      snapshots.set(t.tid, {
        tid: t.tid,
        state: Atomics.load(this.heap, block + T_STATE),
        waitObject: Atomics.load(this.heap, block + T_WAIT_OBJECT),
        waitKind: Atomics.load(this.heap, block + T_WAIT_KIND),
        episode: Atomics.load(this.heap, block + T_EPISODE),
      });
    }
    const byObject = new Map(threads.map((t) => [t.objectId, t.tid]));
    const isPlainLock = (m: Snapshot) => (m.waitKind & 0xff) === WaitKind.Lock && this.sources.object(m.waitObject)?.kind === 'Lock';
    const stuck = (s: Snapshot | undefined) =>
      s !== undefined &&
      (s.state === ThreadState.Blocked || s.state === ThreadState.Waiting) &&
      (s.waitKind & WAIT_TIMED) === 0 &&
      s.waitObject !== 0 &&
      !this.satisfied(s, byObject);

    const edges = (s: Snapshot): number[] => {
      const kind = s.waitKind & 0xff;
      if (kind === WaitKind.Lock) return this.sources.holdersOf(s.waitObject);
      if (kind === WaitKind.Join) {
        const tid = byObject.get(s.waitObject);
        return tid === undefined ? [] : [tid];
      }
      return [];
    };

    let cycle = findCycle(
      [...snapshots.values()].filter(stuck),
      (s) =>
        edges(s)
          .map((tid) => snapshots.get(tid))
          .filter(stuck) as Snapshot[],
    );
    /** How long the finding must hold before it is reported (ns). */
    let grace = 0;
    if (cycle && cycle.some((m) => isPlainLock(m))) {
      // Python lets any thread release a Lock. A cycle through one is certain once no thread
      // outside it can run; while one can, report it only if it lasts (LOCK_CYCLE_GRACE_NS),
      // and never where the snippet has actually released a Lock from another thread.
      const inCycle = new Set(cycle.map((m) => m.tid));
      const othersStuck = [...snapshots.values()].every((s) => inCycle.has(s.tid) || stuck(s));
      if (!othersStuck) {
        if (cycle.some((m) => this.releasedByOthers(m))) cycle = undefined;
        else grace = LOCK_CYCLE_GRACE_NS;
      }
    }
    let finding: { kind: 'cycle' | 'all-blocked'; members: Snapshot[] } | undefined;
    if (cycle) finding = { kind: 'cycle', members: cycle };
    else if ([...snapshots.values()].every(stuck)) finding = { kind: 'all-blocked', members: [...snapshots.values()] };
    if (!finding && settled) finding = { kind: 'all-blocked', members: [...snapshots.values()] };
    if (!finding) return this.reset();
    if (settled) return this.report(finding.kind, finding.members, threads, edges, nowNs);
    const signature = `${finding.kind}|${finding.members.map((m) => `${m.tid}:${m.episode}:${m.waitObject}`).join(',')}`;
    if (signature !== this.previous) {
      this.previous = signature;
      this.firstSeenNs = nowNs;
      return undefined;
    }
    if (nowNs - this.firstSeenNs < grace) return undefined;
    return this.report(finding.kind, finding.members, threads, edges, nowNs);
  }

  /**
   * The thing waited for has already happened and the thread just has not run yet (on a
   * loaded machine a woken thread can take tens of ms to be scheduled): not stuck.
   */
  private satisfied(s: Snapshot, byObject: Map<number, number>): boolean {
    const kind = s.waitKind & 0xff;
    const heap = this.heap;
    if (Atomics.load(heap, threadBlockBase(s.tid) + T_PARK) === 1 && PARKING_KINDS.has(kind)) return true;
    if (kind === WaitKind.Join) {
      const tid = byObject.get(s.waitObject);
      if (tid === undefined) return false;
      const state = Atomics.load(heap, threadBlockBase(tid) + T_STATE);
      return state === ThreadState.Finished || state === ThreadState.Failed;
    }
    const object = this.sources.object(s.waitObject);
    if (!object?.base) return false;
    const first = Atomics.load(heap, object.base);
    if (kind === WaitKind.Lock) return first === 0; // the lock is free
    if (kind === WaitKind.Event) return first === 1; // the flag is set
    if (kind === WaitKind.Semaphore) return first > 0; // a permit is free
    return false;
  }

  /** Waits on a Lock that some thread has released while another owned it. */
  private releasedByOthers(s: Snapshot): boolean {
    if ((s.waitKind & 0xff) !== WaitKind.Lock) return false;
    const object = this.sources.object(s.waitObject);
    return object?.kind === 'Lock' && object.base > 0 && Atomics.load(this.heap, object.base + L_RELEASED_BY_OTHER) === 1;
  }

  private reset(): undefined {
    this.previous = '';
    return undefined;
  }

  private report(
    kind: 'cycle' | 'all-blocked',
    members: Snapshot[],
    threads: DetectorThread[],
    edges: (s: Snapshot) => number[],
    nowNs: number,
  ): DeadlockReport {
    const nameOfThread = (tid: number) => threads.find((t) => t.tid === tid)?.name ?? `thread ${tid}`;
    const byObject = new Map(threads.map((t) => [t.objectId, t]));
    const objectName = (id: number) => {
      const thread = byObject.get(id);
      if (thread && this.sources.object(id)?.kind === 'Thread') return thread.name;
      return this.sources.object(id)?.name ?? `object ${id}`;
    };
    const cycle: DeadlockCycleEntry[] = members.map((m) => {
      const heldIds = this.sources.heldBy(m.tid).filter((id) => !this.sources.object(id)?.internal);
      const waitedFor = edges(m);
      const siteId = this.sources.blockSite(m.tid);
      const site = this.sources.sites[siteId];
      return {
        thread: nameOfThread(m.tid),
        tid: m.tid,
        holdsIds: heldIds,
        waitsForId: m.waitObject,
        heldByTids: waitedFor,
        siteId,
        holds: heldIds.map(objectName),
        waitsFor: objectName(m.waitObject),
        waitsForKind: WAIT_KIND_NAMES[m.waitKind & 0xff] ?? 'unknown',
        heldBy: waitedFor.map(nameOfThread),
        site: site && siteId ? `${site.file}:${site.line}` : '?',
      };
    });
    return { kind, cycle, explanation: explain(kind, cycle), detectedAtNs: nowNs };
  }
}

/** A cycle in the graph restricted to `nodes`, as the nodes in order, or undefined. */
function findCycle(nodes: Snapshot[], next: (s: Snapshot) => Snapshot[]): Snapshot[] | undefined {
  const state = new Map<number, 'visiting' | 'done'>();
  const stack: Snapshot[] = [];
  const visit = (node: Snapshot): Snapshot[] | undefined => {
    state.set(node.tid, 'visiting');
    stack.push(node);
    for (const to of next(node)) {
      const seen = state.get(to.tid);
      if (seen === 'visiting') return stack.slice(stack.findIndex((s) => s.tid === to.tid));
      if (seen === undefined) {
        const found = visit(to);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node.tid, 'done');
    return undefined;
  };
  for (const node of nodes) {
    if (state.has(node.tid)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

function describeWait(entry: DeadlockCycleEntry): string {
  switch (entry.waitsForKind) {
    case 'lock':
      return `waits for ${entry.waitsFor}`;
    case 'join':
      return `waits for ${entry.waitsFor} to finish`;
    default:
      return `waits on ${entry.waitsForKind} ${entry.waitsFor}`;
  }
}

/** The deadlock in words: "Plato holds fork 1 and waits for fork 2, held by Kant, who …". */
function explain(kind: 'cycle' | 'all-blocked', cycle: DeadlockCycleEntry[]): string {
  const line = (e: DeadlockCycleEntry) => (e.site === '?' ? '' : ` (at ${e.site})`);
  if (kind === 'cycle') {
    const parts = cycle.map((e, i) => {
      const holds = e.holds.length ? `holds ${e.holds.join(', ')} and ` : '';
      const next = cycle[(i + 1) % cycle.length];
      const by = e.waitsForKind === 'join' ? '' : `, held by ${next.thread}`;
      return `${i === 0 ? e.thread : `${e.thread}, who`} ${holds}${describeWait(e)}${line(e)}${by}`;
    });
    return `Deadlock: ${parts.join('; ')}. None of them can go on.`;
  }
  const parts = cycle.map((e) => {
    const holds = e.holds.length ? ` (holding ${e.holds.join(', ')})` : '';
    return `${e.thread}${holds} ${describeWait(e)}${line(e)}`;
  });
  return `All threads are blocked and none can wake the others: ${parts.join('; ')}.`;
}
