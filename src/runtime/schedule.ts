/**
 * Controlled mode (ARCHITECTURE.md, decision 4): exactly one thread of the snippet runs at a time, and
 * a seeded scheduler decides which one at every scheduling point. Time is virtual.
 *
 * There is no scheduler thread. The thread that runs holds the baton; at a scheduling point it
 * makes the decision itself, from state kept in the shared heap (which threads can run, what
 * the others wait for, the random generator, the virtual clock), and hands the baton over by
 * setting the chosen thread's "go" cell. Only the baton holder touches that state, so every
 * decision is a pure function of the seed and the snippet: the same seed gives the same
 * schedule, output and trace on any machine.
 *
 * Blocking: every wait in the runtime is a futex wait on a heap cell (`waitCell`) and every
 * wake a futex wake (`wakeCell`). In free mode they are Atomics.wait/notify. In controlled mode
 * a wait marks the thread as waiting on that cell (with a virtual deadline) and passes the
 * baton; a wake makes the waiters on the cell runnable again, first come first served. When no
 * thread can run, the clock jumps to the earliest deadline (sleeps, timeouts); when there is
 * none either, the run is stuck and the harness is told at once.
 */
import {
  ctx,
  threadBlockBase,
  scheduling,
  H_DOORBELL,
  H_NEXT_TID,
  H_S_TURN,
  H_S_STEP,
  H_S_RNG,
  H_S_WAIT_SEQ,
  H_S_STATUS,
  H_S_LOW_PRIORITY,
  H_VCLOCK_F64,
  H_S_SLICE_LEFT,
  H_S_CHOICES,
  H_S_LIVE,
  T_S_STATE,
  T_S_CELL,
  T_S_SEQ,
  T_S_WOKEN,
  T_S_DEADLINE,
  T_S_PRIORITY,
  T_S_GO,
  T_S_OP,
  T_S_OP_FLAGS,
  T_S_SITE,
  T_THREAD_OBJECT,
  H_S_DECISIONS,
  H_S_FAIR,
  H_S_IDLE_STEPS,
  H_S_LIVELOCK_TID,
  H_S_WRITES,
  H_S_TIMED,
  OP_WRITE,
  OP_OUTPUT,
  OP_COMMUTE,
  type ScheduleSetup,
} from './shared';
import { GilReleaseReason } from '../trace/format';
import { gil, gilAcquire, gilCheck, gilRelease, withoutGil } from './gil';

/** Virtual time one scheduling step takes (ns); recorded events between steps are 1 ns apart. */
export const STEP_NS = 1000;

export const enum SchedState {
  Unused = 0,
  Runnable = 1,
  Waiting = 2,
  Finished = 3,
}

/** H_S_STATUS: the run goes on, or no thread can ever run again, or threads spin without anyone making progress. */
export const SCHED_STUCK = 1;
export const SCHED_LIVELOCK = 2;

/** Defaults for ScheduleSetup.unfairSteps and .livelockSteps (as Coyote's MaxUnfairSchedulingSteps). */
export const UNFAIR_STEPS = 10_000;
export const LIVELOCK_STEPS = 10_000;

/** Set once per worker by the worker entry; free mode leaves it off (every hook returns at once). */
export const sched = { on: false };

let heap: Int32Array;
let heapF64: Float64Array;
let me = 0;
let self = 0;
let strategy: ScheduleSetup['strategy'] = 'random';
let changePoints: number[] = [];
/** Round-robin: scheduling steps per time slice (1 to 5, from the seed). */
let slice = 1;
/** Nesting of the runtime's own internal mutexes: no scheduling point inside them. */
let internalHeld = 0;
/** DFS: decision index → the tid to run there, where it differs from the default. */
let path: Map<number, number> | undefined;
/** DFS: the decision log (see logDecision). */
let log: Int32Array | undefined;
let unfairSteps = UNFAIR_STEPS;
let livelockSteps = LIVELOCK_STEPS;
/** This thread printed during its current step (output order is part of what a schedule decides). */
let printed = false;

/** The clock is virtual (stays so after this thread has passed the baton on for good). */
let virtualTime = false;
/** The harness is unwinding this thread (T_S_GO was GO_UNWIND): every visible operation throws Unwind. */
let unwinding = false;
/** The real clock, whatever the snippet does to performance.now. */
const realNow = performance.now.bind(performance);

/** Call before startGil: it sets the scheduling flag again if GIL mode is on. */
export function startScheduling(setup: ScheduleSetup | undefined, tid: number): void {
  internalHeld = 0;
  unwinding = false;
  if (!setup) {
    sched.on = false;
    virtualTime = false;
    scheduling.on = false;
    return;
  }
  scheduling.on = true;
  virtualTime = true;
  const c = ctx();
  heap = c.heap;
  heapF64 = c.heapF64;
  me = tid;
  self = threadBlockBase(tid);
  strategy = setup.strategy;
  changePoints = setup.changePoints;
  slice = rrSlice(setup.seed);
  path = setup.path ? new Map(setup.path) : undefined;
  log = setup.log ? new Int32Array(setup.log) : undefined;
  unfairSteps = setup.unfairSteps;
  livelockSteps = setup.livelockSteps;
  internalHeld = 0;
  printed = false;
  readsSinceWrite.clear();
  writesSeen = -1;
  sched.on = true;
}

// ── The random generator (xorshift32, state in the heap so every thread draws from one stream) ──

/** The generator's first state for `seed` (never 0). */
export function seedState(seed: number): number {
  let x = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x5bd1e995) | 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  x ^= x >>> 12;
  return x === 0 ? 0x1234567 : x;
}

export function nextRandom(cells: Int32Array, at: number): number {
  let x = cells[at];
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  cells[at] = x;
  return x >>> 0;
}

/** A PCT priority for a new thread: above every change-point priority (1 … depth-1). */
export function initialPriority(cells: Int32Array, depth: number): number {
  return depth + (nextRandom(cells, H_S_RNG) % 0x3fffffff);
}

/**
 * PCT's d-1 priority change points: distinct steps in 1 … bound. The first is stratified —
 * seed mod bound — so consecutive seeds (a hunt) try every step in turn instead of drawing
 * the same ones again; the others are drawn from the seed's own generator (so they do not
 * depend on what the run draws later).
 */
export function pctChangePoints(seed: number, depth: number, bound: number): number[] {
  const range = Math.max(1, bound);
  const wanted = Math.min(Math.max(0, depth - 1), range);
  if (wanted === 0) return [];
  const points = new Set<number>([1 + (Math.abs(seed | 0) % range)]);
  const cells = new Int32Array([seedState(seed ^ 0x51ed270b)]);
  while (points.size < wanted) points.add(1 + (nextRandom(cells, 0) % range));
  return [...points];
}

/** Round-robin's time slice for a seed: seeds 0, 1, 2, … give slices of 1, 2, 3, 4, 5, 1, … steps. */
function rrSlice(seed: number): number {
  return 1 + (Math.abs(seed | 0) % 5);
}

// ── Time ──────────────────────────────────────────────────────────────────────────────────

/** The run's clock in ms: virtual in controlled mode, performance.now() otherwise. */
export function clockMs(): number {
  if (!virtualTime) return realNow();
  heap[H_S_TIMED] = 1;
  return heapF64[H_VCLOCK_F64] / 1e6;
}

/** The virtual clock (ns since the epoch) for the next recorded event; events are 1 ns apart. */
export function virtualEventNs(): number {
  const t = heapF64[H_VCLOCK_F64];
  heapF64[H_VCLOCK_F64] = t + 1;
  return t;
}

function deadlineCell(tid: number): number {
  return (threadBlockBase(tid) + T_S_DEADLINE) >> 1;
}

// ── Scheduling points ─────────────────────────────────────────────────────────────────────
//
// A step runs from one scheduling decision to the next: the chosen thread performs the visible
// operation it stopped in front of, then its own code up to its next visible operation (or until
// it blocks or ends). The point is taken *before* each visible operation (every primitive
// operation, query, Value/SharedArray access, thread start and end), never inside the
// runtime's internal critical sections, so no two visible operations are ever fused into one
// step and every interleaving of them is a possible schedule.

export function enterInternal(): void {
  internalHeld++;
}

export function leaveInternal(): void {
  internalHeld--;
}

/**
 * The scheduling point in front of a visible operation on `object` (OBJECT_ANY: it may touch
 * anything; 0: nothing shared). `write`: it may change the object, not only read it. Callers
 * guard it with `if (scheduling.on)` so free mode pays one load.
 */
export function visible(object: number, write: boolean): void {
  if (unwinding || (sched.on && heap[self + T_S_GO] === GO_UNWIND)) unwind();
  if (gil.on) {
    if (internalHeld === 0) gilCheck();
    return;
  }
  if (!sched.on || internalHeld > 0) return;
  heapF64[H_VCLOCK_F64] = Math.floor(heapF64[H_VCLOCK_F64] / STEP_NS) * STEP_NS + STEP_NS;
  heap[H_S_STEP]++;
  wakeExpired();
  const next = decide(true);
  heap[self + T_S_OP] = object;
  heap[self + T_S_OP_FLAGS] = write ? OP_WRITE : 0;
  heap[self + T_S_SITE] = siteNow();
  if (next !== me && next >= 0) {
    handOff(next);
    waitForTurn();
  }
}

/** The operation turned out only to read its object (a try-acquire that failed, a get_nowait on an empty queue). */
export function onlyRead(): void {
  if (sched.on) heap[self + T_S_OP_FLAGS] &= ~OP_WRITE;
}

/** The step's change commutes with others so flagged on its object (OP_COMMUTE). */
export function commutes(): void {
  if (sched.on) heap[self + T_S_OP_FLAGS] |= OP_COMMUTE;
}

/** The snippet printed: output order is something a schedule decides. */
export function noteOutput(): void {
  printed = true;
}

/** Where the snippet is: the site of the operation being called (core.ts passes its reader in). */
let siteNow: () => number = () => 0;
export function setSiteReader(read: () => number): void {
  siteNow = read;
}

/**
 * A scheduling step where more than one thread could run: PCT's unit. Its change points fall
 * only on such steps (a step with one runnable thread has nothing to reorder), which keeps the
 * range they are drawn from — and so the chance of missing a bug — small.
 */
function choiceStep(): void {
  const n = ++heap[H_S_CHOICES];
  // PCT: at the i-th change point the running thread drops below every other priority.
  if (changePoints.length > 0 && changePoints.includes(n)) heap[self + T_S_PRIORITY] = heap[H_S_LOW_PRIORITY]--;
}

/** Make threads whose virtual deadline has passed runnable again (timed out). */
function wakeExpired(): void {
  const now = heapF64[H_VCLOCK_F64];
  const count = Atomics.load(heap, H_NEXT_TID);
  for (let tid = 0; tid < count; tid++) {
    const block = threadBlockBase(tid);
    if (heap[block + T_S_STATE] === SchedState.Waiting && heapF64[deadlineCell(tid)] <= now) {
      heap[block + T_S_STATE] = SchedState.Runnable;
      heap[block + T_S_WOKEN] = 2;
    }
  }
}

/** The earliest virtual deadline of a waiting thread (Infinity: none). */
function earliestDeadline(): number {
  let earliest = Infinity;
  const count = Atomics.load(heap, H_NEXT_TID);
  for (let tid = 0; tid < count; tid++) {
    if (heap[threadBlockBase(tid) + T_S_STATE] === SchedState.Waiting) earliest = Math.min(earliest, heapF64[deadlineCell(tid)]);
  }
  return earliest;
}

/**
 * A scheduling decision: the step the running thread took ends here. Says who runs next (-1:
 * nobody can), logs the decision for the DFS explorer, and watches for starvation: after
 * `unfairSteps` steps the schedule turns fair (every point passes the baton on in turn), and in
 * fair mode `livelockSteps` steps in a row in which no thread changed anything, with no timer
 * that could change that, is a livelock.
 * `preemptible`: a point in the running thread (it could go on); otherwise it waits or has ended.
 */
function decide(preemptible: boolean): number {
  const ended = heap[self + T_S_OP];
  const endedFlags = heap[self + T_S_OP_FLAGS] | (printed ? OP_OUTPUT : 0);
  const spinning = preemptible && spin(ended, endedFlags);
  const fair = heap[H_S_FAIR] !== 0 || (heap[H_S_STEP] > unfairSteps && (heap[H_S_FAIR] = 1) === 1);
  if (fair) {
    if (endedFlags & OP_WRITE) heap[H_S_IDLE_STEPS] = 0;
    else if (++heap[H_S_IDLE_STEPS] >= livelockSteps) {
      heap[H_S_IDLE_STEPS] = 0;
      // Spinning cannot change anything, but a timer might: let virtual time run to it.
      const earliest = earliestDeadline();
      if (earliest === Infinity) reportLivelock();
      heapF64[H_VCLOCK_F64] = Math.max(heapF64[H_VCLOCK_F64], earliest);
      wakeExpired();
    }
  }
  // DFS: a spinning thread yields (not a preemption, and not a branch): the others run.
  const yielded = spinning && strategy === 'dfs' && !fair ? fairChoice(true) : -1;
  const next = yielded >= 0 ? yielded : fair ? fairChoice(preemptible) : choose(preemptible);
  // Nobody can run: nothing is decided yet (the caller lets virtual time pass and asks again).
  if (next < 0) return next;
  printed = false;
  heap[H_S_DECISIONS]++;
  if (log) logDecision(preemptible, next, ended, endedFlags, fair, yielded >= 0);
  return next;
}

/** Reads this thread took since the last write by any thread, as "object:site". */
const readsSinceWrite = new Set<string>();
let writesSeen = -1;

/**
 * Did the step that ended only repeat a read this thread made already, with nothing written
 * since by anyone? Then it read the same value again: the thread spins. (Its local state may
 * differ — a loop counter — which is why only DFS, which would otherwise branch at every turn
 * of the loop, makes it yield.)
 */
function spin(object: number, flags: number): boolean {
  if (flags & OP_WRITE) {
    heap[H_S_WRITES]++;
    return false;
  }
  if (heap[H_S_WRITES] !== writesSeen) {
    writesSeen = heap[H_S_WRITES];
    readsSinceWrite.clear();
  }
  const key = `${object}:${heap[self + T_S_SITE]}`;
  if (readsSinceWrite.has(key)) return true;
  if (readsSinceWrite.size < 64) readsSinceWrite.add(key);
  return false;
}

// ── The decision log (DFS) ────────────────────────────────────────────────────────────────
//
// Int32 words: [0] words used, [1] 1 if the log overflowed, then one entry per decision:
// [me, chosen, flags, endedObject, runnableCount, ...runnable tids]. `ended*` describe the step
// that just ended (the one `me` ran); flags: LOG_PREEMPTIBLE, LOG_ENDED_WRITE, LOG_ENDED_OUTPUT, LOG_FAIR.

export const LOG_HEADER = 2;
export const LOG_PREEMPTIBLE = 1;
export const LOG_ENDED_WRITE = 2;
export const LOG_ENDED_OUTPUT = 4;
export const LOG_FAIR = 8;
/** A spinning thread yielded: not a preemption, not a branch. */
export const LOG_YIELD = 16;
/** Something read the clock before this decision (H_S_TIMED). */
export const LOG_TIMED = 32;
/** The step that ended commutes with others so flagged on its object (OP_COMMUTE). */
export const LOG_ENDED_COMMUTE = 64;

function logDecision(preemptible: boolean, chosen: number, ended: number, endedFlags: number, fair: boolean, yielded: boolean): void {
  const words = log!;
  const count = Atomics.load(heap, H_NEXT_TID);
  let at = words[0] === 0 ? LOG_HEADER : words[0];
  if (at + 5 + count > words.length) {
    words[1] = 1;
    return;
  }
  words[at++] = me;
  words[at++] = chosen;
  words[at++] =
    (preemptible ? LOG_PREEMPTIBLE : 0) |
    (endedFlags & OP_WRITE ? LOG_ENDED_WRITE : 0) |
    (endedFlags & OP_OUTPUT ? LOG_ENDED_OUTPUT : 0) |
    (endedFlags & OP_COMMUTE ? LOG_ENDED_COMMUTE : 0) |
    (fair ? LOG_FAIR : 0) |
    (yielded ? LOG_YIELD : 0) |
    (heap[H_S_TIMED] ? LOG_TIMED : 0);
  words[at++] = ended;
  const countAt = at++;
  let runnable = 0;
  for (let tid = 0; tid < count; tid++) {
    if (heap[threadBlockBase(tid) + T_S_STATE] === SchedState.Runnable) {
      words[at++] = tid;
      runnable++;
    }
  }
  words[countAt] = runnable;
  words[0] = at;
}

/** Fair mode: the next runnable thread after this one, in tid order. */
function fairChoice(preemptible: boolean): number {
  const count = Atomics.load(heap, H_NEXT_TID);
  for (let i = 1; i <= count; i++) {
    const tid = (me + i) % count;
    if (tid === me && !preemptible) break;
    if (heap[threadBlockBase(tid) + T_S_STATE] === SchedState.Runnable) return tid;
  }
  return -1;
}

/** The strategy's pick among runnable threads, or -1 if none can run. `preemptible`: a point in the running thread. */
function choose(preemptible: boolean): number {
  const count = Atomics.load(heap, H_NEXT_TID);
  let runnable = 0;
  let afterMe = -1;
  let first = -1;
  for (let tid = 0; tid < count; tid++) {
    const block = threadBlockBase(tid);
    if (heap[block + T_S_STATE] !== SchedState.Runnable) continue;
    runnable++;
    if (first < 0) first = tid;
    if (afterMe < 0 && tid > me) afterMe = tid;
  }
  if (runnable === 0) return -1;
  // May lower the running thread's PCT priority, so PCT looks at priorities after it.
  if (preemptible && runnable > 1) choiceStep();
  switch (strategy) {
    case 'pct':
      return bestRunnable(count);
    case 'rr':
      // Keep the running thread for its slice, then the next runnable thread in tid order.
      if (heap[self + T_S_STATE] === SchedState.Runnable && --heap[H_S_SLICE_LEFT] > 0) return me;
      heap[H_S_SLICE_LEFT] = slice;
      return afterMe >= 0 ? afterMe : first;
    case 'dfs': {
      // The explorer's path where it says; elsewhere go on without preempting (else the lowest tid).
      const forced = path?.get(heap[H_S_DECISIONS]);
      if (forced !== undefined && forced < count && heap[threadBlockBase(forced) + T_S_STATE] === SchedState.Runnable) return forced;
      return preemptible ? me : first;
    }
    default: {
      let k = nextRandom(heap, H_S_RNG) % runnable;
      for (let tid = 0; tid < count; tid++) {
        if (heap[threadBlockBase(tid) + T_S_STATE] !== SchedState.Runnable) continue;
        if (k-- === 0) return tid;
      }
      return first;
    }
  }
}

/** PCT: the runnable thread with the highest priority (the lowest tid of equals). */
function bestRunnable(count: number): number {
  let best = -1;
  let bestPriority = -Infinity;
  for (let tid = 0; tid < count; tid++) {
    const block = threadBlockBase(tid);
    if (heap[block + T_S_STATE] === SchedState.Runnable && heap[block + T_S_PRIORITY] > bestPriority) {
      bestPriority = heap[block + T_S_PRIORITY];
      best = tid;
    }
  }
  return best;
}

function handOff(next: number): void {
  heap[H_S_TURN] = next;
  const go = threadBlockBase(next) + T_S_GO;
  Atomics.store(heap, go, 1);
  Atomics.notify(heap, go, 1);
}

function waitForTurn(): void {
  const go = self + T_S_GO;
  while (Atomics.load(heap, go) === 0) Atomics.wait(heap, go, 0);
  if (Atomics.load(heap, go) === GO_UNWIND) unwind();
  Atomics.store(heap, go, 0);
}

/**
 * T_S_GO's value when the harness ends a run whose threads cannot go on (a deadlock, a
 * livelock) and wants their workers back: each thread throws Unwind out of the wait it is in,
 * and out of every visible operation after (a `finally` that releases a lock), up to the
 * worker, which gives the worker back without reporting anything.
 */
export const GO_UNWIND = -1;

/** Something no snippet code expects: not an Error, so `catch (e) { if (e instanceof Error) … }` lets it through. */
class Unwind {
  readonly unwinding = true;
}

function unwind(): never {
  unwinding = true;
  // Not an Error on purpose (see Unwind).
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw new Unwind();
}

/** Is this thread being unwound (its worker says nothing of what happens now)? */
export function isUnwinding(): boolean {
  return unwinding;
}

/** Stay here for good: the run is over for this thread; the harness ends the worker, or unwinds it. */
function parkForGood(): never {
  for (;;) {
    const go = Atomics.load(heap, self + T_S_GO);
    if (go === GO_UNWIND) unwind();
    Atomics.wait(heap, self + T_S_GO, go);
  }
}

/**
 * Hand the baton to the next thread when this one cannot go on (it waits, or it has ended).
 * 'none' if no thread can ever run again.
 */
function passOn(): 'self' | 'other' | 'none' {
  let next = decide(false);
  for (;;) {
    if (next === me) return 'self';
    if (next >= 0) {
      handOff(next);
      return 'other';
    }
    // Nobody can run: jump the clock to the earliest deadline.
    const earliest = earliestDeadline();
    if (earliest === Infinity) return 'none';
    heapF64[H_VCLOCK_F64] = Math.max(heapF64[H_VCLOCK_F64], earliest);
    wakeExpired();
    next = decide(false);
  }
}

function anyWaiting(): boolean {
  const count = Atomics.load(heap, H_NEXT_TID);
  for (let tid = 0; tid < count; tid++) if (heap[threadBlockBase(tid) + T_S_STATE] === SchedState.Waiting) return true;
  return false;
}

/** Tell the harness no thread can run (a deadlock, or only daemons left waiting). */
function reportStuck(): void {
  Atomics.store(heap, H_S_STATUS, SCHED_STUCK);
  Atomics.add(heap, H_DOORBELL, 1);
  Atomics.notify(heap, H_DOORBELL);
}

/** Tell the harness the threads spin without progress, and stop here for good. */
function reportLivelock(): never {
  heap[H_S_LIVELOCK_TID] = me + 1;
  Atomics.store(heap, H_S_STATUS, SCHED_LIVELOCK);
  Atomics.add(heap, H_DOORBELL, 1);
  Atomics.notify(heap, H_DOORBELL);
  parkForGood();
}

// ── Blocking ──────────────────────────────────────────────────────────────────────────────

/**
 * Atomics.wait(heap, cell, expected, ms) in free mode. In controlled mode: wait until a
 * wakeCell on `cell` or until `ms` of virtual time pass (cell -1: a pure sleep).
 */
export function waitCell(cells: Int32Array, cell: number, expected: number, ms: number): 'ok' | 'not-equal' | 'timed-out' {
  if (!sched.on) return gil.on ? withoutGil(() => Atomics.wait(cells, cell, expected, ms)) : Atomics.wait(cells, cell, expected, ms);
  if (cell >= 0 && Atomics.load(cells, cell) !== expected) return 'not-equal';
  if (ms <= 0) return 'timed-out';
  heap[self + T_S_STATE] = SchedState.Waiting;
  heap[self + T_S_CELL] = cell;
  heap[self + T_S_SEQ] = ++heap[H_S_WAIT_SEQ];
  heap[self + T_S_WOKEN] = 0;
  heapF64[deadlineCell(me)] = ms === Infinity ? Infinity : heapF64[H_VCLOCK_F64] + Math.max(1, Math.round(ms * 1e6));
  heap[H_S_STEP]++;
  const passed = passOn();
  if (passed === 'none') {
    // Nothing will ever wake this thread: the harness reports the deadlock and ends the run.
    reportStuck();
    parkForGood();
  }
  if (passed === 'other') waitForTurn();
  return heap[self + T_S_WOKEN] === 1 ? 'ok' : 'timed-out';
}

/** Atomics.notify in free mode; in controlled mode, make up to `count` waiters on `cell` runnable. */
export function wakeCell(cells: Int32Array, cell: number, count = Infinity): number {
  if (!sched.on) return Atomics.notify(cells, cell, count);
  let woken = 0;
  const threads = Atomics.load(heap, H_NEXT_TID);
  while (woken < count) {
    let oldest = -1;
    let oldestSeq = Infinity;
    for (let tid = 0; tid < threads; tid++) {
      const block = threadBlockBase(tid);
      if (heap[block + T_S_STATE] === SchedState.Waiting && heap[block + T_S_CELL] === cell && heap[block + T_S_SEQ] < oldestSeq) {
        oldest = tid;
        oldestSeq = heap[block + T_S_SEQ];
      }
    }
    if (oldest < 0) break;
    const block = threadBlockBase(oldest);
    heap[block + T_S_STATE] = SchedState.Runnable;
    heap[block + T_S_WOKEN] = 1;
    woken++;
  }
  return woken;
}

/** Sleep `ms` on the run's clock (virtual in controlled mode). */
export function sleepMs(ms: number, idle: Int32Array): void {
  // time.sleep gives the GIL up for the whole sleep.
  if (gil.on) withoutGil(() => sleepUntil(clockMs() + ms, idle));
  else sleepUntil(clockMs() + ms, idle);
}

function sleepUntil(deadline: number, idle: Int32Array): void {
  for (;;) {
    const left = deadline - clockMs();
    if (left <= 0) return;
    if (sched.on) waitCell(heap, -1, 0, left);
    else Atomics.wait(idle, 0, 0, left);
  }
}

// ── Thread life ───────────────────────────────────────────────────────────────────────────

/** In start(): the new thread can be scheduled from now on. */
export function threadStarted(tid: number, daemon: boolean): void {
  if (!sched.on) return;
  if (!daemon) heap[H_S_LIVE]++;
  const block = threadBlockBase(tid);
  heap[block + T_S_PRIORITY] = initialPriority(heap, changePoints.length + 1);
  // Its first step runs its own code up to its first visible operation: it touches nothing shared.
  heap[block + T_S_OP] = 0;
  heap[block + T_S_OP_FLAGS] = 0;
  heap[block + T_S_STATE] = SchedState.Runnable;
}

/** First thing a thread does: wait for the baton. */
export function threadEntered(): void {
  if (gil.on) gilAcquire();
  if (!sched.on) return;
  waitForTurn();
}

/** Before a thread is marked as ended: ending is a visible operation (join and isAlive see it). */
export function threadEnding(): void {
  if (sched.on) visible(heap[self + T_THREAD_OBJECT], true);
}

/**
 * Last thing a thread does: pass the baton on for good — unless it was the last non-daemon
 * thread: then the program is over (as when Python's interpreter exits) and daemon threads
 * never run again, whatever they wait for.
 */
export function threadExited(daemon: boolean): void {
  if (gil.on) {
    gilRelease(GilReleaseReason.Exits);
    gil.on = false;
    scheduling.on = false;
  }
  if (!sched.on) return;
  heap[self + T_S_STATE] = SchedState.Finished;
  if (!daemon && --heap[H_S_LIVE] === 0) {
    sched.on = false;
    scheduling.on = false;
    return;
  }
  if (passOn() === 'none' && anyWaiting()) reportStuck();
  scheduling.on = false;
  sched.on = false;
}
