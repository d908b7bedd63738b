/**
 * Exhaustive schedule search (`--strategy dfs`): a stateless depth-first search over the
 * scheduler's decisions, as in VeriSoft, CHESS and Loom.
 *
 * Each run follows a path (the choices that differ from the default: keep running the thread
 * that runs, else the lowest runnable tid) and logs every decision it takes (runtime/schedule.ts,
 * "The decision log"): who could run, who ran, and what the step that ended touched. The search
 * rebuilds the tree of decisions from those logs and picks the next unexplored choice, deepest
 * first, until none is left.
 *
 * - **Preemption bound.** Switching away from a thread that could go on is a preemption;
 *   schedules with more than `bound` of them are not explored (`Infinity`: every schedule).
 * - **Sleep sets** (Godefroid 1996; Flanagan & Godefroid, POPL 2005). Two steps are independent
 *   when they touch different objects, or only read the same one (and do not both print):
 *   running them in either order gives the same state. Once the subtree of a choice `u` is
 *   explored, a sibling branch does not run `u` again until some step dependent with `u`'s has
 *   run: every schedule it would give is a reordering of one explored already.
 *   Sleep sets and a preemption bound do not combine soundly as they are (Coons, Musuvathi &
 *   McKinley, "Bounded partial-order reduction", OOPSLA 2013: the explored reordering may need
 *   more preemptions than the bound allows). So a choice is put to sleep only if its subtree
 *   was explored without the bound cutting anything; then every schedule under it, of any
 *   preemption count, was explored, and the argument holds again.
 *
 * A schedule that runs past the unfair-steps limit is made fair by the runtime (so a spin loop
 * cannot starve the thread it waits for); its decisions from there on are not branched, and the
 * result says how many schedules that happened to.
 */
import { OBJECT_ANY } from '../runtime/shared';
import {
  LOG_ENDED_COMMUTE,
  LOG_ENDED_OUTPUT,
  LOG_ENDED_WRITE,
  LOG_FAIR,
  LOG_HEADER,
  LOG_PREEMPTIBLE,
  LOG_TIMED,
  LOG_YIELD,
} from '../runtime/schedule';

/** What a step touched: one object (OBJECT_ANY: anything; 0: nothing shared), whether it changed it, whether it printed. */
interface Footprint {
  object: number;
  write: boolean;
  output: boolean;
  /** Its change commutes with any other step so flagged on the same object (runtime OP_COMMUTE). */
  commute?: boolean;
}

/** One scheduling decision, as the runtime logged it. */
export interface Decision {
  /** The thread that was running (the decision is taken in it). */
  me: number;
  /** The thread chosen to run the next step. */
  chosen: number;
  /** `me` could have gone on (a switch here is a preemption). */
  preemptible: boolean;
  /** Taken in fair mode (after the unfair-steps limit): not a branch. */
  fair: boolean;
  /** `me` spun (repeated a read with nothing written since) and yielded: not a branch, not a preemption. */
  yielded: boolean;
  /** Something read the clock before it: the state depends on when things happened, not only on their order. */
  timed: boolean;
  /** The step `me` just ran (chosen at the previous decision). */
  ended: Footprint;
  runnable: number[];
}

/** A step that touched anything: dependent with every step. */
const ANY: Footprint = { object: OBJECT_ANY, write: true, output: true };

export function readDecisionLog(buffer: SharedArrayBuffer): { decisions: Decision[]; overflow: boolean } {
  const words = new Int32Array(buffer);
  const end = Atomics.load(words, 0);
  const decisions: Decision[] = [];
  for (let at = LOG_HEADER; at < end;) {
    const me = words[at++];
    const chosen = words[at++];
    const flags = words[at++];
    const object = words[at++];
    const count = words[at++];
    const runnable = Array.from(words.subarray(at, at + count));
    at += count;
    decisions.push({
      me,
      chosen,
      preemptible: (flags & LOG_PREEMPTIBLE) !== 0,
      fair: (flags & LOG_FAIR) !== 0,
      yielded: (flags & LOG_YIELD) !== 0,
      timed: (flags & LOG_TIMED) !== 0,
      ended: {
        object,
        write: (flags & LOG_ENDED_WRITE) !== 0,
        output: (flags & LOG_ENDED_OUTPUT) !== 0,
        commute: (flags & LOG_ENDED_COMMUTE) !== 0,
      },
      runnable,
    });
  }
  return { decisions, overflow: Atomics.load(words, 1) !== 0 };
}

/** Empty the log for the next run. */
export function clearDecisionLog(buffer: SharedArrayBuffer): void {
  const words = new Int32Array(buffer);
  Atomics.store(words, 0, 0);
  Atomics.store(words, 1, 0);
}

/** Do the two steps commute (running them in either order gives the same state and output)? */
function dependent(a: Footprint, b: Footprint): boolean {
  if (a.object === OBJECT_ANY || b.object === OBJECT_ANY) return true;
  if (a.output && b.output) return true;
  return a.object !== 0 && a.object === b.object && (a.write || b.write) && !(a.commute && b.commute);
}

interface Explored {
  /** What its step touched. */
  footprint: Footprint;
  /** The bound cut something in its subtree. */
  cut: boolean;
}

interface Frame {
  me: number;
  preemptible: boolean;
  /** A spinning thread yielded here: the runtime's choice, not the search's. */
  forced: boolean;
  runnable: number[];
  /** Preemptions on the path before this decision. */
  preemptionsBefore: number;
  /** Threads not to run here, with the step each would take. */
  sleep: Map<number, Footprint>;
  /** Choices explored here, in order. */
  done: Map<number, Explored>;
  /** The choice being explored (-1: the run took one that sleeps here, so nothing is explored through it). */
  current: number;
  /** The bound cut something below the current choice. */
  currentCut: boolean;
  /** Its state's fingerprint (absent: not cached, see StateCache). */
  key?: string;
  /** The same state was explored already, at least as far: nothing below it is explored again. */
  seen: boolean;
  /** Choices left out here because they need more preemptions than the bound. */
  beyond: number;
}

export interface DfsCoverage {
  /** Every schedule within the bound was explored (up to reordering independent steps). */
  complete: boolean;
  /** Runs made. */
  schedules: number;
  /** Most preemptions per schedule (Infinity: no bound). */
  preemptionBound: number;
  /** Choices not explored because they only reorder independent steps (sleep sets). */
  pruned: number;
  /** Choices not explored because they need more preemptions than the bound. */
  beyondBound: number;
  /** Runs made fair after the unfair-steps limit (a thread spun): their later decisions were not branched. */
  madeFair: number;
  /** Decisions not explored again because the same state (the same steps, up to reordering independent ones) was explored from already. */
  statesSeen: number;
  /** Why it is not complete, in words (budget, a log that overflowed, a snippet that does not replay). */
  incomplete?: string;
}

export type Path = [number, number][];

/** The search's state between runs: `next()` gives the path of the next run, `record()` takes its log. */
export class DfsSearch {
  private readonly stack: Frame[] = [];
  private readonly states = new StateCache();
  private nextPath: Path | undefined = [];
  readonly coverage: DfsCoverage;

  constructor(bound: number) {
    this.coverage = { complete: false, schedules: 0, preemptionBound: bound, pruned: 0, beyondBound: 0, madeFair: 0, statesSeen: 0 };
  }

  /** The path of the next run, or undefined once the search is over. */
  next(): Path | undefined {
    return this.nextPath;
  }

  /** Take the decisions of the run that followed next()'s path, and choose the next path. */
  record(decisions: Decision[], overflow: boolean): void {
    this.coverage.schedules++;
    if (overflow) this.coverage.incomplete ??= 'a schedule took more decisions than the log holds';
    const stack = this.stack;
    const fingerprint = new TraceFingerprint();
    let cacheable = true;
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i];
      if (d.fair) {
        this.coverage.madeFair++;
        break;
      }
      if (i > 0) fingerprint.step(decisions[i - 1].chosen, d.ended);
      // A yield is the runtime's choice, from what the thread read since the last write: not a function of the state alone.
      if (d.timed || d.yielded) cacheable = false;
      if (i < stack.length) {
        const frame = stack[i];
        if (frame.current >= 0 && frame.current !== d.chosen) {
          this.coverage.incomplete ??= `the snippet did not run the same way twice (decision ${i}): it depends on something besides the schedule (time, randomness, the environment)`;
          break;
        }
        if (frame.current >= 0) frame.done.get(frame.current)!.footprint = decisions[i + 1]?.ended ?? ANY;
        continue;
      }
      const frame = this.push(d, i, decisions);
      if (frame.current < 0) break; // into a sleeping choice: everything below was explored already
      if (cacheable) {
        frame.key = fingerprint.key(d.me);
        if (this.seenAlready(frame)) break;
      }
    }
    this.nextPath = this.backtrack();
    if (this.nextPath === undefined) this.coverage.complete = this.coverage.incomplete === undefined;
  }

  /** Go on, but the result cannot be a proof. */
  incomplete(reason: string): void {
    this.coverage.incomplete ??= reason;
  }

  /** Stop early (budget or a finding): the coverage says how far it got. */
  stop(reason: string): void {
    this.coverage.incomplete ??= reason;
    this.nextPath = undefined;
  }

  private push(d: Decision, i: number, decisions: Decision[]): Frame {
    const parent = this.stack[i - 1];
    const sleep = new Map<number, Footprint>();
    let preemptionsBefore = 0;
    if (parent) {
      preemptionsBefore = parent.preemptionsBefore + (parent.preemptible && !parent.forced && parent.current !== parent.me ? 1 : 0);
      // What the parent's chosen step touched: it ended at this decision.
      const step = d.ended;
      const asleep = (tid: number, footprint: Footprint) => {
        if (tid !== parent.current && !dependent(footprint, step)) sleep.set(tid, footprint);
      };
      for (const [tid, footprint] of parent.sleep) asleep(tid, footprint);
      for (const [tid, explored] of parent.done) if (tid !== parent.current && !explored.cut) asleep(tid, explored.footprint);
    }
    const footprint = i + 1 < decisions.length ? decisions[i + 1].ended : ANY;
    const frame: Frame = {
      me: d.me,
      preemptible: d.preemptible,
      forced: d.yielded,
      runnable: d.yielded ? [d.chosen] : d.runnable,
      preemptionsBefore,
      sleep,
      done: new Map(),
      current: sleep.has(d.chosen) ? -1 : d.chosen,
      currentCut: false,
      seen: false,
      beyond: 0,
    };
    if (frame.current >= 0) frame.done.set(frame.current, { footprint, cut: false });
    this.stack.push(frame);
    return frame;
  }

  /** The deepest decision with a choice left: the path to it, with that choice. */
  private backtrack(): Path | undefined {
    const stack = this.stack;
    while (stack.length > 0) {
      const j = stack.length - 1;
      const frame = stack[j];
      if (frame.seen) {
        stack.pop();
        continue;
      }
      if (frame.current >= 0) frame.done.get(frame.current)!.cut = frame.currentCut;
      const choice = frame.runnable.find((tid) => !frame.done.has(tid) && !frame.sleep.has(tid) && this.withinBound(frame, tid));
      if (choice !== undefined) {
        frame.current = choice;
        frame.currentCut = false;
        // What its step touches is known once it has run (record() fills it in).
        frame.done.set(choice, { footprint: ANY, cut: false });
        return this.pathTo(j);
      }
      // Exhausted: say what was left out, and why.
      for (const tid of frame.runnable) {
        if (frame.done.has(tid)) continue;
        if (frame.sleep.has(tid)) this.coverage.pruned++;
        else {
          this.coverage.beyondBound++;
          frame.beyond++;
          // Every subtree this state lies in is now incomplete: none of them may put its choice to sleep.
          for (let k = 0; k < j; k++) stack[k].currentCut = true;
        }
      }
      if (frame.key !== undefined) this.states.add(frame.key, frame, frame.beyond > 0 || [...frame.done.values()].some((e) => e.cut));
      stack.pop();
    }
    return undefined;
  }

  /**
   * Was this state explored already from a frame with no more preemptions used and no more
   * choices asleep? Then every schedule from here is a reordering of one explored from there
   * (the same steps, dependent ones in the same order, give the same state: the threads are
   * deterministic and read only what the steps' footprints say). The frame ends the run's
   * branch; if the bound cut anything below the first visit, the branches above are cut too.
   */
  private seenAlready(frame: Frame): boolean {
    const entry = this.states.get(frame.key!);
    if (!entry || entry.preemptionsBefore > frame.preemptionsBefore) return false;
    for (const tid of entry.sleep) if (!frame.sleep.has(tid)) return false;
    frame.seen = true;
    this.coverage.statesSeen++;
    if (entry.cut) for (const k of this.stack) if (k !== frame) k.currentCut = true;
    return true;
  }

  private withinBound(frame: Frame, tid: number): boolean {
    return frame.preemptionsBefore + (frame.preemptible && tid !== frame.me ? 1 : 0) <= this.coverage.preemptionBound;
  }

  /** The choices from the root to frame `j` that differ from the default. */
  private pathTo(j: number): Path {
    const path: Path = [];
    for (let k = 0; k <= j; k++) {
      const frame = this.stack[k];
      if (frame.forced) continue;
      const byDefault = frame.preemptible ? frame.me : Math.min(...frame.runnable);
      if (frame.current !== byDefault) path.push([k, frame.current]);
    }
    return path;
  }
}

/** What a fully explored state's frame was explored with. */
interface StateEntry {
  preemptionsBefore: number;
  sleep: number[];
  /** The bound cut something below it. */
  cut: boolean;
}

/** States explored in full, by fingerprint (TraceFingerprint plus the running thread); a bounded memory. */
class StateCache {
  private readonly entries = new Map<string, StateEntry>();

  get(key: string): StateEntry | undefined {
    return this.entries.get(key);
  }

  add(key: string, frame: Frame, cut: boolean): void {
    const old = this.entries.get(key);
    // Keep the visit that covers more: fewer preemptions used (then fewer choices asleep).
    if (
      old &&
      (old.preemptionsBefore < frame.preemptionsBefore ||
        (old.preemptionsBefore === frame.preemptionsBefore && old.sleep.length <= frame.sleep.size))
    )
      return;
    if (!old && this.entries.size >= STATE_CACHE_LIMIT) return;
    this.entries.set(key, { preemptionsBefore: frame.preemptionsBefore, sleep: [...frame.sleep.keys()], cut });
  }
}

/** Most states remembered (~100 bytes each). */
const STATE_CACHE_LIMIT = 500_000;

/** Markers in TraceFingerprint for what every step reads and what printing writes. */
const EVERYTHING = OBJECT_ANY;
const OUTPUT = -2;
/** An access that is a block of its own (beside NONE, READS and COMMUTES below). */
const WRITE = 3;

/**
 * One object's accesses so far, as a chain of blocks: a write, or a run of reads, or a run of
 * commuting changes (OP_COMMUTE); a run is a multiset (its steps commute among themselves).
 */
interface ObjectHistory {
  /** Hash of the closed blocks, in order. */
  closedA: number;
  closedB: number;
  /** The open run: READS, COMMUTES or NONE, and the sum of its steps' hashes. */
  open: number;
  sumA: number;
  sumB: number;
}

const NONE = 0;
const READS = 1;
const COMMUTES = 2;

/**
 * A fingerprint of the steps run so far up to reordering independent ones (their Mazurkiewicz
 * trace): for each object, its writes in order with the multiset of reads between them, hashed
 * twice with 32 bits each, summed over the objects. Every step also reads EVERYTHING (which a
 * step that may touch anything writes) and a step that printed writes OUTPUT, so they order as
 * `dependent` says. Two prefixes with the same fingerprint (and the same running thread) reach
 * the same state.
 */
class TraceFingerprint {
  private readonly objects = new Map<number, ObjectHistory>();
  private sumA = 0;
  private sumB = 0;

  /** Thread `tid` ran a step with this footprint. */
  step(tid: number, footprint: Footprint): void {
    if (footprint.object === OBJECT_ANY) {
      this.access(EVERYTHING, tid, WRITE);
      return;
    }
    this.access(EVERYTHING, tid, READS);
    if (footprint.object !== 0) this.access(footprint.object, tid, !footprint.write ? READS : footprint.commute ? COMMUTES : WRITE);
    if (footprint.output) this.access(OUTPUT, tid, WRITE);
  }

  key(running: number): string {
    return `${running}:${(this.sumA >>> 0).toString(36)}:${(this.sumB >>> 0).toString(36)}`;
  }

  /** `kind`: WRITE (a block of its own), or READS or COMMUTES (joins an open run of the same kind). */
  private access(object: number, tid: number, kind: number): void {
    let history = this.objects.get(object);
    if (!history) {
      history = { closedA: 0, closedB: 0, open: NONE, sumA: 0, sumB: 0 };
      this.objects.set(object, history);
    }
    this.sumA = (this.sumA - contribution(object, history, SEED_A)) | 0;
    this.sumB = (this.sumB - contribution(object, history, SEED_B)) | 0;
    if (kind === WRITE || kind !== history.open) {
      history.closedA = chain(history.closedA, block(history.open, history.sumA, SEED_A));
      history.closedB = chain(history.closedB, block(history.open, history.sumB, SEED_B));
      history.open = kind;
      history.sumA = 0;
      history.sumB = 0;
    }
    history.sumA = (history.sumA + mix(tid, SEED_A)) | 0;
    history.sumB = (history.sumB + mix(tid, SEED_B)) | 0;
    this.sumA = (this.sumA + contribution(object, history, SEED_A)) | 0;
    this.sumB = (this.sumB + contribution(object, history, SEED_B)) | 0;
  }
}

const SEED_A = 0x9e3779b1;
const SEED_B = 0x85ebca77;

/** murmur3's 32-bit finaliser over `value` and a seed. */
function mix(value: number, seed: number): number {
  let h = Math.imul(value ^ seed, 0xcc9e2d51);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A block's hash: its kind and its steps (one write's thread, or a run's sum). */
function block(kind: number, sum: number, seed: number): number {
  return mix(mix(kind, seed) ^ sum, seed + 1);
}

function chain(closed: number, next: number): number {
  return mix((Math.imul(closed, 31) + next) | 0, 0x27d4eb2f);
}

function contribution(object: number, history: ObjectHistory, seed: number): number {
  const closed = seed === SEED_A ? history.closedA : history.closedB;
  const sum = seed === SEED_A ? history.sumA : history.sumB;
  return mix(mix(object, seed) ^ chain(closed, block(history.open, sum, seed)), seed + 2);
}

/** A path as text for the command line: "decision:tid" pairs, "3:1,7:0" ("" for the default schedule). */
export function formatPath(path: Path): string {
  return path.map(([decision, tid]) => `${decision}:${tid}`).join(',');
}

/** Most a decision index or a tid may be: the runtime counts both in Int32 heap cells. */
const MOST_IN_PATH = 0x7fffffff;

/**
 * The inverse of formatPath: "3:1,7:0" → [[3, 1], [7, 0]], "" → [] (the default schedule).
 * Spaces around the numbers are allowed; decisions must increase, as formatPath writes them.
 * Throws an Error that says which part is wrong.
 */
export function parsePath(text: string): Path {
  const path: Path = [];
  if (text.trim() === '') return path;
  for (const part of text.split(',')) {
    const pair = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(part);
    if (part.trim() === '') throw new Error('a pair is empty (a comma too many)');
    if (!pair) throw new Error(`"${part.trim()}" is not a decision:thread pair such as 3:1`);
    const [decision, tid] = [Number(pair[1]), Number(pair[2])];
    if (decision > MOST_IN_PATH || tid > MOST_IN_PATH) throw new Error(`"${part.trim()}" has a number larger than ${MOST_IN_PATH}`);
    const previous = path.at(-1);
    if (previous && decision === previous[0]) throw new Error(`decision ${decision} is given twice`);
    if (previous && decision < previous[0])
      throw new Error(`decision ${decision} comes after decision ${previous[0]}: the decisions go in increasing order`);
    path.push([decision, tid]);
  }
  return path;
}
