/**
 * Potential deadlocks: lock-order inversions, from any trace (the run need not have deadlocked).
 *
 * The lock-order graph has an edge A → B when a thread acquires B (or blocks trying to) while it
 * holds A; each edge keeps where A was taken, where B was, by which thread, and every other lock
 * the thread held then. A cycle in the graph (A → B → A, or fork 1 → fork 2 → … → fork 5 → fork 1)
 * is a lock-order inversion when it could really deadlock, which is what ThreadSanitizer's
 * lock-order-inversion report says, without its known false positives:
 *
 *   - A released before B is acquired is not nested: no edge. Holds are followed in each thread's
 *     program order, never by timestamps (two events can carry the same time).
 *   - Re-entering an RLock the thread already holds cannot block: no edge, and no edge to itself.
 *   - One thread taking both orders cannot deadlock with itself: the edges of a cycle must come
 *     from different threads.
 *   - A gate lock held around both orders serialises them: the locks held at the edges of a cycle
 *     must be pairwise disjoint (Bensalem & Havelund's guarded cycles, as in iGoodlock, Joshi et
 *     al., PLDI 2009). If every A → B and every B → A was taken holding G, there is no inversion.
 *
 * A cycle is reported when some choice of one recorded edge per step satisfies both rules; the
 * report shows that choice. Only Lock and RLock take part (a semaphore has no owner to wait for).
 * A Lock released by another thread (Python allows it) ends the hold when that release happened.
 *
 * Cost: one pass over the events per thread (two if some Lock is released by a thread that does
 * not hold it); memory proportional to the distinct edges, not to the events.
 */
import { EventKind, WaitKind, WAIT_TIMED, formatSiteShort, waitKindOf, type Trace, type TraceHeader } from '../trace/format';
import { EventStream } from '../trace/events';
import { objectNamer } from '../trace/intervals';

/** One way the order was taken: `thread` acquired `to` at `acquireSite` while holding `from` (taken at `holdSite`). */
interface LockOrderEdge {
  from: string;
  to: string;
  thread: string;
  /** file:line where `from` was acquired. */
  holdSite: string;
  /** file:line where `to` was acquired (or where the thread blocked trying to). */
  acquireSite: string;
  fromId: number;
  toId: number;
  tid: number;
  holdSiteId: number;
  acquireSiteId: number;
}

export interface LockOrderInversion {
  /** The cycle's locks, in the order of `edges` (edges[i] goes from locks[i] to locks[i + 1], the last back to locks[0]). */
  locks: string[];
  lockIds: number[];
  edges: LockOrderEdge[];
  /** In words, naming threads, locks and lines. */
  explanation: string;
  /** The run itself deadlocked on these locks. */
  deadlockedInThisRun: boolean;
}

/** Every recorded way of taking `to` while holding `from`, deduplicated. */
export interface LockOrderGraphEdge {
  fromId: number;
  toId: number;
  occurrences: EdgeOccurrence[];
}

interface EdgeOccurrence {
  tid: number;
  holdSiteId: number;
  acquireSiteId: number;
  /** Every Lock / RLock the thread held at that moment (including `from`), sorted. */
  held: number[];
  /** The thread blocked on `to` and never got it (the run ended first). */
  attempt: boolean;
}

export interface LockOrderOptions {
  /** Longest cycle looked for (default 12 locks). */
  maxCycleLength?: number;
  /** Most cycles examined (default 1000); beyond, the rest are not reported. */
  maxCycles?: number;
  /** Most distinct occurrences kept per edge (default 32). */
  maxOccurrencesPerEdge?: number;
}

const enum LockType {
  None = 0,
  Lock = 1,
  RLock = 2,
}

/** Object id → LockType, for every object of the header. */
function lockTypes(header: TraceHeader): Uint8Array {
  const types = new Uint8Array(Math.max(0, ...header.objects.map((object) => object.id)) + 1);
  for (const object of header.objects) {
    if (object.kind === 'Lock') types[object.id] = LockType.Lock;
    else if (object.kind === 'RLock') types[object.id] = LockType.RLock;
  }
  return types;
}

/** The locks one thread holds, in the order it took them, column by column. */
class HeldLocks {
  readonly lockIds: number[] = [];
  readonly siteIds: number[] = [];
  /** Lock: the version of the hold (0 if unknown; RLock: 0). */
  readonly versions: number[] = [];

  get length(): number {
    return this.lockIds.length;
  }

  push(lockId: number, siteId: number, version: number): void {
    this.lockIds.push(lockId);
    this.siteIds.push(siteId);
    this.versions.push(version);
  }

  removeAt(index: number): void {
    if (index === this.lockIds.length - 1) {
      this.lockIds.pop();
      this.siteIds.pop();
      this.versions.pop();
    } else {
      this.lockIds.splice(index, 1);
      this.siteIds.splice(index, 1);
      this.versions.splice(index, 1);
    }
  }

  /** The latest hold of the lock (matching the version when both are known), or -1. */
  find(lockId: number, version: number): number {
    for (let i = this.lockIds.length - 1; i >= 0; i--) {
      if (this.lockIds[i] !== lockId) continue;
      const held = this.versions[i];
      if (version <= 0 || held <= 0 || held === version) return i;
    }
    return -1;
  }
}

/**
 * A stack of holds (lock and acquire site, in the order taken) as a node of a per-thread trie: a
 * loop that takes the same locks at the same lines comes back to the same node, so an
 * acquisition already seen from there costs one set lookup, not new edges.
 */
class HeldState {
  private readonly children = new Map<number, HeldState>();
  /** Acquisitions already turned into edges from this state: (lock, site, attempt) keys. */
  readonly seen = new Set<number>();
  private sortedIds: number[] | undefined;

  /** `parent` is the state without the last hold (undefined for the root). */
  constructor(
    private readonly lockIds: readonly number[],
    readonly parent: HeldState | undefined,
  ) {}

  child(lockId: number, siteId: number): HeldState {
    const key = lockId * 2097152 + siteId;
    let next = this.children.get(key);
    if (!next) {
      next = new HeldState([...this.lockIds, lockId], this);
      this.children.set(key, next);
    }
    return next;
  }

  /** Every lock held, sorted, each once. */
  heldIds(): number[] {
    this.sortedIds ??= [...new Set(this.lockIds)].sort((a, b) => a - b);
    return this.sortedIds;
  }
}

/** The state of `held`, walked from the root (after a release that was not the last hold). */
function stateOf(root: HeldState, held: HeldLocks): HeldState {
  let state = root;
  for (let i = 0; i < held.length; i++) state = state.child(held.lockIds[i], held.siteIds[i]);
  return state;
}

/** The lock-order graph of a trace: nodes are Lock / RLock ids, edges keyed `from → to`. */
export function lockOrderGraph(trace: Trace, options: LockOrderOptions = {}): LockOrderGraphEdge[] {
  const maxOccurrences = options.maxOccurrencesPerEdge ?? 32;
  const types = lockTypes(trace.header);
  if (!types.some((type) => type !== LockType.None)) return [];
  const typeOf = (objectId: number) => (objectId < types.length ? types[objectId] : LockType.None);
  const foreign = foreignReleases(trace, types);
  const edges = new Map<string, LockOrderGraphEdge>();
  const seen = new Set<string>();

  const addEdges = (tid: number, held: HeldLocks, state: HeldState, toId: number, siteId: number, attempt: boolean) => {
    if (held.length === 0) return;
    const acquisition = (toId * 2097152 + siteId) * 2 + (attempt ? 1 : 0);
    if (state.seen.has(acquisition)) return;
    state.seen.add(acquisition);
    const heldIds = state.heldIds();
    for (let i = 0; i < held.length; i++) {
      const fromId = held.lockIds[i];
      const holdSiteId = held.siteIds[i];
      if (fromId === toId) continue;
      const key = `${fromId}>${toId}`;
      // Two states can give the same occurrence (the same holds taken in another order).
      const occurrenceKey = `${key}|${tid}|${holdSiteId}|${siteId}|${attempt ? 1 : 0}|${heldIds.join(',')}`;
      if (seen.has(occurrenceKey)) continue;
      seen.add(occurrenceKey);
      let edge = edges.get(key);
      if (!edge) {
        edge = { fromId, toId, occurrences: [] };
        edges.set(key, edge);
      }
      if (edge.occurrences.length < maxOccurrences) {
        edge.occurrences.push({ tid, holdSiteId, acquireSiteId: siteId, held: heldIds, attempt });
      }
    }
  };

  trace.events.forEach((bytes, tid) => {
    if (!bytes || bytes.byteLength === 0) return;
    const held = new HeldLocks();
    const root = new HeldState([], undefined);
    let state = root;
    // The lock this thread is blocked on (an acquire that has not completed), 0 = none.
    let blockedOn = 0;
    let blockedSite = 0;
    forEachLockEvent(bytes, true, (timeNs, kind, lockId, siteId, arg) => {
      const type = typeOf(lockId);
      if (kind === EventKind.Block) {
        // A timed wait ends by itself: it cannot be half of a deadlock.
        const waitsForLock = type !== LockType.None && waitKindOf(arg) === WaitKind.Lock && (arg & WAIT_TIMED) === 0;
        blockedOn = waitsForLock ? lockId : 0;
        blockedSite = siteId;
        return;
      }
      if (kind === EventKind.Unblock) {
        if (arg !== 1) blockedOn = 0; // gave up: no acquisition follows
        return;
      }
      if (type === LockType.None) return;
      if (foreign.size > 0 && dropForeignReleased(held, foreign, timeNs)) state = stateOf(root, held);
      if (kind === EventKind.Acquired) {
        blockedOn = 0;
        // RLock re-entry (this thread holds it already) cannot block.
        if (type === LockType.RLock && held.find(lockId, 0) >= 0) return;
        addEdges(tid, held, state, lockId, siteId, false);
        held.push(lockId, siteId, type === LockType.Lock ? arg : 0);
        state = state.child(lockId, siteId);
      } else {
        // An RLock is still held until the depth after the release is 0.
        if (type === LockType.RLock && arg > 0) return;
        const index = held.find(lockId, type === LockType.Lock ? arg : 0);
        if (index < 0) return;
        const last = index === held.length - 1;
        held.removeAt(index);
        state = last && state.parent ? state.parent : stateOf(root, held);
      }
    });
    // Blocked on a lock when the run ended (a deadlock, a timeout): the attempt is an edge too.
    if (blockedOn !== 0) {
      if (foreign.size > 0 && dropForeignReleased(held, foreign, Infinity)) state = stateOf(root, held);
      addEdges(tid, held, state, blockedOn, blockedSite, true);
    }
  });
  return [...edges.values()];
}

/**
 * Visit the Acquired and Released events (and Block / Unblock with `blocks`) of one thread in
 * order. The kind byte is tested before anything is decoded: most events are something else.
 */
function forEachLockEvent(
  bytes: Uint8Array,
  blocks: boolean,
  visit: (timeNs: number, kind: number, objectId: number, siteId: number, arg: number) => void,
): void {
  const stream = EventStream.of(bytes);
  for (let i = 0, n = stream.count; i < n; i++) {
    const kind = stream.kind(i);
    if (kind !== EventKind.Acquired && kind !== EventKind.Released && (!blocks || (kind !== EventKind.Block && kind !== EventKind.Unblock)))
      continue;
    visit(stream.timeNs(i), kind, stream.objectId(i), stream.siteId(i), stream.arg(i));
  }
}

/** `lockId * 2^32 + version` → when another thread released that hold of a Lock. */
type ForeignReleases = Map<number, number>;

const holdKey = (lockId: number, version: number) => lockId * 4294967296 + version;

/**
 * Lock holds that a thread other than the holder released: a first pass finds the Released events
 * of a Lock version the releasing thread does not hold. Empty for almost every trace.
 */
function foreignReleases(trace: Trace, types: Uint8Array): ForeignReleases {
  const result: ForeignReleases = new Map();
  if (!types.includes(LockType.Lock)) return result;
  trace.events.forEach((bytes) => {
    if (!bytes || bytes.byteLength === 0) return;
    // A thread holds a Lock at most once at a time: lock id → the version it holds (0 = none).
    const own = new Float64Array(types.length);
    forEachLockEvent(bytes, false, (timeNs, kind, lockId, _siteId, version) => {
      if (version <= 0 || lockId >= types.length || types[lockId] !== LockType.Lock) return;
      if (kind === EventKind.Acquired) own[lockId] = version;
      else if (own[lockId] === version) own[lockId] = 0;
      else result.set(holdKey(lockId, version), timeNs);
    });
  });
  return result;
}

/** Forget holds another thread released at or before `timeNs` (at the same instant: assume released, no edge); true if any. */
function dropForeignReleased(held: HeldLocks, foreign: ForeignReleases, timeNs: number): boolean {
  let dropped = false;
  for (let i = held.length - 1; i >= 0; i--) {
    const version = held.versions[i];
    if (version <= 0) continue;
    const releasedNs = foreign.get(holdKey(held.lockIds[i], version));
    if (releasedNs !== undefined && releasedNs <= timeNs) {
      held.removeAt(i);
      dropped = true;
    }
  }
  return dropped;
}

/** Lock-order inversions: cycles of the lock-order graph that could deadlock (see the file comment). */
export function lockOrderInversions(trace: Trace, options: LockOrderOptions = {}): LockOrderInversion[] {
  const maxLength = options.maxCycleLength ?? 12;
  const maxCycles = options.maxCycles ?? 1000;
  const graph = lockOrderGraph(trace, options);
  const edgeOf = new Map<string, LockOrderGraphEdge>();
  const successors = new Map<number, number[]>();
  for (const edge of graph) {
    edgeOf.set(`${edge.fromId}>${edge.toId}`, edge);
    const list = successors.get(edge.fromId) ?? [];
    list.push(edge.toId);
    successors.set(edge.fromId, list);
  }
  for (const list of successors.values()) list.sort((a, b) => a - b);

  const header = trace.header;
  const inversions: LockOrderInversion[] = [];
  let examined = 0;
  for (const cycle of elementaryCycles(successors, maxLength)) {
    if (++examined > maxCycles) break;
    const steps = cycle.map((from, i) => edgeOf.get(`${from}>${cycle[(i + 1) % cycle.length]}`)!);
    const chosen = chooseOccurrences(steps);
    if (chosen) inversions.push(describe(header, cycle, steps, chosen));
  }
  inversions.sort((a, b) => a.locks.length - b.locks.length);
  return inversions;
}

/** Most steps the search for cycles takes (a bound for pathological graphs). */
const MAX_SEARCH_STEPS = 1_000_000;

/**
 * Elementary cycles, each once, starting at its smallest lock id: from each start, a depth-first
 * search back to it through larger ids of the same strongly connected component (locks always
 * taken in one order form no component and cost nothing).
 */
function* elementaryCycles(successors: Map<number, number[]>, maxLength: number): Generator<number[]> {
  const component = stronglyConnectedComponents(successors);
  const starts = [...successors.keys()].sort((a, b) => a - b);
  const path: number[] = [];
  const onPath = new Set<number>();
  let steps = 0;
  function* extend(start: number, node: number): Generator<number[]> {
    for (const next of successors.get(node) ?? []) {
      if (++steps > MAX_SEARCH_STEPS) return;
      if (next === start) {
        if (path.length >= 2) yield [...path];
      } else if (next > start && component.get(next) === component.get(start) && !onPath.has(next) && path.length < maxLength) {
        path.push(next);
        onPath.add(next);
        yield* extend(start, next);
        path.pop();
        onPath.delete(next);
      }
    }
  }
  for (const start of starts) {
    path.push(start);
    onPath.add(start);
    yield* extend(start, start);
    path.pop();
    onPath.delete(start);
  }
}

/** Tarjan's algorithm, without recursion: node → the index of its strongly connected component. */
function stronglyConnectedComponents(successors: Map<number, number[]>): Map<number, number> {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const component = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  let counter = 0;
  let components = 0;
  for (const root of successors.keys()) {
    if (index.has(root)) continue;
    // Each frame: a node and how many of its successors have been looked at.
    const frames: [number, number][] = [[root, 0]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const [node, next] = frame;
      const list = successors.get(node) ?? [];
      if (next < list.length) {
        frame[1]++;
        const to = list[next];
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          frames.push([to, 0]);
        } else if (onStack.has(to)) {
          low.set(node, Math.min(low.get(node)!, index.get(to)!));
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
      }
      if (low.get(node) === index.get(node)) {
        let member: number;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.set(member, components);
        } while (member !== node);
        components++;
      }
    }
  }
  return component;
}

/**
 * One occurrence per step such that the threads differ and the locks they held are pairwise
 * disjoint; undefined if there is none (a single thread, or a gate lock). Backtracking, bounded.
 */
function chooseOccurrences(steps: LockOrderGraphEdge[]): EdgeOccurrence[] | undefined {
  const chosen: EdgeOccurrence[] = [];
  let budget = 100_000;
  const compatible = (candidate: EdgeOccurrence) =>
    chosen.every((other) => other.tid !== candidate.tid && disjoint(other.held, candidate.held));
  const search = (step: number): boolean => {
    if (step === steps.length) return true;
    // Completed acquisitions first: they make the clearest report.
    const candidates = [...steps[step].occurrences].sort((a, b) => Number(a.attempt) - Number(b.attempt));
    for (const candidate of candidates) {
      if (--budget < 0) return false;
      if (!compatible(candidate)) continue;
      chosen.push(candidate);
      if (search(step + 1)) return true;
      chosen.pop();
    }
    return false;
  };
  return search(0) ? chosen : undefined;
}

/** Both sorted. */
function disjoint(a: number[], b: number[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) return false;
    if (a[i] < b[j]) i++;
    else j++;
  }
  return true;
}

function describe(header: TraceHeader, cycle: number[], steps: LockOrderGraphEdge[], chosen: EdgeOccurrence[]): LockOrderInversion {
  const lockName = objectNamer(header);
  const threadNames = new Map(header.threads.map((thread) => [thread.tid, thread.name]));
  const threadName = (tid: number) => threadNames.get(tid) ?? `Thread-${tid}`;
  const site = (siteId: number) => formatSiteShort(header.sites, siteId);
  const edges: LockOrderEdge[] = steps.map((step, i) => {
    const occurrence = chosen[i];
    return {
      from: lockName(step.fromId),
      to: lockName(step.toId),
      thread: threadName(occurrence.tid),
      holdSite: site(occurrence.holdSiteId),
      acquireSite: site(occurrence.acquireSiteId),
      fromId: step.fromId,
      toId: step.toId,
      tid: occurrence.tid,
      holdSiteId: occurrence.holdSiteId,
      acquireSiteId: occurrence.acquireSiteId,
    };
  });
  const deadlocked = deadlockedOn(header, cycle);
  const clauses = edges.map(
    (edge, i) =>
      `${edge.thread} ${chosen[i].attempt ? 'tries to take' : 'takes'} ${edge.to} (at ${edge.acquireSite}) while holding ${edge.from} (taken at ${edge.holdSite})`,
  );
  const together =
    edges.length === 2
      ? "If both run these at the same time, each can hold its first lock and wait forever for the other's"
      : `If all ${edges.length} run these at the same time, each can hold its first lock and wait forever for the next one's`;
  const verdict = deadlocked
    ? 'this run deadlocked on it.'
    : 'a potential deadlock, even though this run did not deadlock on it. Take the locks in one order everywhere.';
  return {
    locks: cycle.map(lockName),
    lockIds: cycle,
    edges,
    explanation: `Lock-order inversion: ${clauses.join('; ')}. ${together}: ${verdict}`,
    deadlockedInThisRun: deadlocked,
  };
}

/** The run's own deadlock waited for every lock of the cycle. */
function deadlockedOn(header: TraceHeader, cycle: number[]): boolean {
  const waited = new Set(header.deadlock?.cycle.map((entry) => entry.waitsFor) ?? []);
  return cycle.every((lockId) => waited.has(lockId));
}
