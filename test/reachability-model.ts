/**
 * The reference side of test/reachability.test.ts: small straight-line threading programs, their
 * TypeScript source, and every outcome of an abstract model of them, computed here without the
 * runtime (issue 11, item 2).
 *
 * A program: MainThread preloads the queue, starts the workers (two in the generated programs),
 * runs a few statements of its own, joins the workers and prints the final state. Each statement is an operation on two
 * Locks, a Value, a Queue and an Event, most of them followed by a print.
 *
 * The model (sequential consistency, one visible operation at a time):
 * - State: per thread its pc, its register (what it read), whether it started, ended or waits
 *   on the Event (and whether a set() woke it since); lock owners; the Value `v` and `got`; the
 *   queue's items; the Event's flag; the output so far.
 * - A step is one visible operation of one thread plus the thread's local code after it (its
 *   print). Prints are not visible operations: in the runtime they belong to the step of the
 *   operation before them.
 * - A blocking acquire, get or join is enabled only when it can complete (a thread that blocks
 *   and is woken later is the same, for outcomes, as one that is not scheduled until then).
 * - Event.wait follows Python: a waiter that finds the flag unset waits; a set() wakes every
 *   waiter for good, so it returns even if a clear() comes before it runs again.
 * - No thread enabled: the outcome is "ok" if every thread ended, else "deadlock".
 *
 * The enumerator walks the whole state graph depth-first, each state once (a Map keyed by the
 * serialised state: output is part of the state, so two paths meet only when they printed the
 * same), and collects outcomes at terminal states. The same memo counts the interleavings
 * (maximal paths), which says how big a program is before anything runs it. Without the memo, a
 * naive enumeration walks every interleaving: thousands for the programs here.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';

// ── Programs ──────────────────────────────────────────────────────────────────────────────

/** A statement of a worker (before the print that may follow it). */
export type Leaf =
  | { k: 'incr' } // v.value = v.value + 1 (a read, then a write)
  | { k: 'assign'; n: number } // v.value = n
  | { k: 'show' } // console.log(tag, v.value)
  | { k: 'put'; n: number } // q.put(n)
  | { k: 'take' } // got.value = q.empty() ? -1 : q.get()
  | { k: 'get' } // got.value = q.get() (blocks while empty)
  | { k: 'evset' }
  | { k: 'evclear' }
  | { k: 'evwait' }
  | { k: 'isset' } // console.log(tag, ev.isSet())
  | { k: 'qsize' }; // console.log(tag, q.qsize())

export type Item = (Leaf & { print: boolean }) | { k: 'lock'; lock: number; printIn: boolean; printOut: boolean; body: Item[] };

export interface Program {
  /** Items on the queue before the workers start. */
  preload: number[];
  workers: Item[][];
  /** MainThread's own statements, between starting the workers and joining them. */
  main: Item[];
}

const LOCKS = ['lockA', 'lockB'];

/** One visible operation of the model. */
type Instr =
  | { k: 'acq' | 'rel'; lock: number }
  | { k: 'readV' } // reg = v
  | { k: 'writeV'; src: 'reg+1' | number } // v = reg + 1 | n
  | { k: 'showV' } // print v
  | { k: 'empty' } // skip = (q is empty); reg = -1
  | { k: 'get' } // reg = q.shift(), unless skip (blocks while empty)
  | { k: 'writeGot' } // got = reg
  | { k: 'put'; n: number }
  | { k: 'evset' | 'evclear' | 'evwait' | 'isset' | 'qsize' }
  | { k: 'start' | 'join'; t: number }
  | { k: 'final' }
  | { k: 'end' };

/** An operation, with the tag its statement prints after it (if it is the statement's last and prints). */
type Step = Instr & { tag?: string };

export interface Compiled {
  source: string;
  /** Model operations per thread: 0 is MainThread, i + 1 the i-th worker. */
  threads: Step[][];
}

function compileWorker(items: Item[], letter: string): { lines: string[]; instrs: Step[] } {
  const lines: string[] = [];
  const instrs: Step[] = [];
  let n = 0;
  const tag = () => `${letter}${++n}`;
  /** A statement: its code, its operations, and a print after it (of `value`, if given). */
  const emit = (code: string, ops: Instr[], print: boolean, value?: string) => {
    lines.push(code);
    instrs.push(...ops);
    if (!print) return;
    const t = tag();
    instrs[instrs.length - 1] = { ...instrs[instrs.length - 1], tag: t };
    lines.push(value === undefined ? `console.log(${JSON.stringify(t)});` : `console.log(${JSON.stringify(t)}, ${value});`);
  };
  /** A query printed in the same statement: `console.log(tag, query)`. */
  const query = (expr: string, op: Instr) => {
    const t = tag();
    lines.push(`console.log(${JSON.stringify(t)}, ${expr});`);
    instrs.push({ ...op, tag: t });
  };
  const walk = (list: Item[]) => {
    for (const item of list) {
      switch (item.k) {
        case 'lock':
          emit(`${LOCKS[item.lock]}.acquire();`, [{ k: 'acq', lock: item.lock }], item.printIn);
          walk(item.body);
          emit(`${LOCKS[item.lock]}.release();`, [{ k: 'rel', lock: item.lock }], item.printOut);
          break;
        case 'incr':
          emit('v.value = v.value + 1;', [{ k: 'readV' }, { k: 'writeV', src: 'reg+1' }], item.print);
          break;
        case 'assign':
          emit(`v.value = ${item.n};`, [{ k: 'writeV', src: item.n }], item.print);
          break;
        case 'show':
          query('v.value', { k: 'showV' });
          break;
        case 'put':
          emit(`q.put(${item.n});`, [{ k: 'put', n: item.n }], item.print);
          break;
        case 'take':
          emit('got.value = q.empty() ? -1 : q.get();', [{ k: 'empty' }, { k: 'get' }, { k: 'writeGot' }], item.print);
          break;
        case 'get':
          emit('got.value = q.get();', [{ k: 'get' }, { k: 'writeGot' }], item.print);
          break;
        case 'evset':
          emit('ev.set();', [{ k: 'evset' }], item.print);
          break;
        case 'evclear':
          emit('ev.clear();', [{ k: 'evclear' }], item.print);
          break;
        case 'evwait':
          emit('ev.wait();', [{ k: 'evwait' }], item.print);
          break;
        case 'isset':
          query('ev.isSet()', { k: 'isset' });
          break;
        case 'qsize':
          query('q.qsize()', { k: 'qsize' });
          break;
      }
    }
  };
  walk(items);
  instrs.push({ k: 'end' });
  return { lines, instrs };
}

export function compile(program: Program): Compiled {
  const workers = program.workers.map((items, i) => compileWorker(items, 'abc'[i]));
  const own = compileWorker(program.main, 'm');
  const ids = program.workers.map((_, i) => i);
  const source = [
    'import { Thread, Lock, Value, Queue, Event } from "threadlanes";',
    '',
    ...LOCKS.map((name) => `const ${name} = new Lock();`),
    'const v = new Value(0);',
    'const got = new Value(0);',
    'const q = new Queue<number>();',
    'const ev = new Event();',
    '',
    ...workers.flatMap((w, i) => [`function w${i}(): void {`, ...w.lines.map((l) => `  ${l}`), '}', '']),
    'export function main(): void {',
    ...program.preload.map((n) => `  q.put(${n});`),
    ...ids.map((i) => `  const t${i} = new Thread({ target: w${i} });`),
    ...ids.map((i) => `  t${i}.start();`),
    ...own.lines.map((l) => `  ${l}`),
    ...ids.map((i) => `  t${i}.join();`),
    '  console.log(v.value, got.value, q.qsize(), ev.isSet());',
    '}',
    '',
  ].join('\n');
  const main: Step[] = [
    ...program.preload.map((n): Step => ({ k: 'put', n })),
    ...ids.map((i): Step => ({ k: 'start', t: i + 1 })),
    ...own.instrs.slice(0, -1), // without its 'end'
    ...ids.map((i): Step => ({ k: 'join', t: i + 1 })),
    { k: 'final' },
    { k: 'end' },
  ];
  return { source, threads: [main, ...workers.map((w) => w.instrs)] };
}

// ── The model ─────────────────────────────────────────────────────────────────────────────

interface ThreadState {
  pc: number;
  reg: number;
  /** The last `q.empty()` said empty: the `q.get()` after it is not called. */
  skip: boolean;
  started: boolean;
  ended: boolean;
  /** In ev.wait(), found the flag unset. */
  waiting: boolean;
  /** A set() came since it began to wait. */
  woken: boolean;
}

interface State {
  threads: ThreadState[];
  owners: number[];
  v: number;
  got: number;
  q: number[];
  flag: boolean;
  output: string[];
}

export function outcomeText(deadlock: boolean, output: string[]): string {
  return `${deadlock ? 'deadlock' : 'ok'}: ${output.join(' | ')}`;
}

function enabled(program: Compiled, s: State, tid: number): boolean {
  const t = s.threads[tid];
  if (!t.started || t.ended) return false;
  const op = program.threads[tid][t.pc];
  switch (op.k) {
    case 'acq':
      return s.owners[op.lock] < 0;
    case 'get':
      return s.q.length > 0;
    case 'join':
      return s.threads[op.t].ended;
    case 'evwait':
      return !t.waiting || t.woken;
    default:
      return true;
  }
}

/** Thread `tid`'s next visible operation, then its local code (its print) up to the next one. */
function step(program: Compiled, s: State, tid: number): State {
  const next: State = { ...s, threads: s.threads.map((t) => ({ ...t })), owners: [...s.owners], q: [...s.q], output: [...s.output] };
  const t = next.threads[tid];
  const op = program.threads[tid][t.pc];
  let shown: string | undefined;
  let advance = true;
  switch (op.k) {
    case 'acq':
      next.owners[op.lock] = tid;
      break;
    case 'rel':
      assert.equal(next.owners[op.lock], tid, 'a worker releases only what it holds');
      next.owners[op.lock] = -1;
      break;
    case 'readV':
      t.reg = next.v;
      break;
    case 'writeV':
      next.v = op.src === 'reg+1' ? t.reg + 1 : op.src;
      break;
    case 'showV':
      shown = String(next.v);
      break;
    case 'empty':
      t.skip = next.q.length === 0;
      t.reg = -1;
      break;
    case 'get':
      t.reg = next.q.shift()!;
      break;
    case 'writeGot':
      next.got = t.reg;
      break;
    case 'put':
      next.q.push(op.n);
      break;
    case 'evset':
      next.flag = true;
      for (const other of next.threads) if (other.waiting) other.woken = true;
      break;
    case 'evclear':
      next.flag = false;
      break;
    case 'evwait':
      if (t.waiting) t.waiting = t.woken = false;
      else if (!next.flag) {
        // Finds the flag unset: it waits (the operation is not over).
        t.waiting = true;
        advance = false;
      }
      break;
    case 'isset':
      shown = String(next.flag);
      break;
    case 'qsize':
      shown = String(next.q.length);
      break;
    case 'start':
      next.threads[op.t].started = true;
      break;
    case 'join':
      break;
    case 'final':
      next.output.push(`${next.v} ${next.got} ${next.q.length} ${next.flag}`);
      break;
    case 'end':
      t.ended = true;
      advance = false;
      break;
  }
  if (advance) {
    if (op.tag !== undefined) next.output.push(shown === undefined ? op.tag : `${op.tag} ${shown}`);
    t.pc++;
    // Local code: the get() after an empty() that said so is not called.
    if (t.skip && program.threads[tid][t.pc].k === 'get') t.pc++;
    t.skip = false;
  }
  return next;
}

function initialState(program: Compiled): State {
  return {
    threads: program.threads.map((_, tid) => ({
      pc: 0,
      reg: 0,
      skip: false,
      started: tid === 0,
      ended: false,
      waiting: false,
      woken: false,
    })),
    owners: LOCKS.map(() => -1),
    v: 0,
    got: 0,
    q: [],
    flag: false,
    output: [],
  };
}

function keyOf(s: State): string {
  const threads = s.threads.map((t) => `${t.pc},${t.reg},${+t.skip}${+t.started}${+t.ended}${+t.waiting}${+t.woken}`).join(';');
  return `${threads}|${s.owners.join(',')}|${s.v},${s.got}|${s.q.join(',')}|${+s.flag}|${s.output.join('\n')}`;
}

const TOO_BIG = new Error('the model has too many states');

export interface Reference {
  /** Every outcome some interleaving reaches. */
  outcomes: Set<string>;
  /** Distinct states visited. */
  states: number;
  /** Interleavings (maximal paths through the state graph). */
  paths: number;
  /** Of those, the ones that end in a deadlock. */
  deadlockPaths: number;
}

/** Every outcome of every interleaving; each state is expanded once. Undefined past `maxStates` states. */
export function referenceOutcomes(program: Compiled, maxStates = Infinity): Reference | undefined {
  const outcomes = new Set<string>();
  /** State key → [interleavings, deadlocking interleavings] from it. */
  const paths = new Map<string, [number, number]>();
  const visit = (s: State): [number, number] => {
    const key = keyOf(s);
    const known = paths.get(key);
    if (known !== undefined) return known;
    if (paths.size >= maxStates) throw TOO_BIG;
    let all = 0;
    let deadlocked = 0;
    for (let tid = 0; tid < s.threads.length; tid++) {
      if (!enabled(program, s, tid)) continue;
      const [a, d] = visit(step(program, s, tid));
      all += a;
      deadlocked += d;
    }
    if (all === 0) {
      const deadlock = !s.threads.every((t) => t.ended);
      outcomes.add(outcomeText(deadlock, s.output));
      all = 1;
      deadlocked = deadlock ? 1 : 0;
    }
    // The graph is acyclic (every step advances a pc or a wait's phase), so this is final.
    paths.set(key, [all, deadlocked]);
    return [all, deadlocked];
  };
  try {
    const [total, deadlocked] = visit(initialState(program));
    return { outcomes, states: paths.size, paths: total, deadlockPaths: deadlocked };
  } catch (error) {
    if (error === TOO_BIG) return undefined;
    throw error;
  }
}

// ── Generated programs ────────────────────────────────────────────────────────────────────

/** Every statement of a worker, those inside lock blocks included. */
function statements(worker: Item[]): Item[] {
  return worker.flatMap((i) => (i.k === 'lock' ? [i, ...statements(i.body)] : [i]));
}

const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Leaf>({ k: 'incr' }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }).map((n): Leaf => ({ k: 'assign', n })) },
  { weight: 1, arbitrary: fc.constant<Leaf>({ k: 'show' }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }).map((n): Leaf => ({ k: 'put', n })) },
  { weight: 3, arbitrary: fc.constant<Leaf>({ k: 'take' }) },
  { weight: 1, arbitrary: fc.constant<Leaf>({ k: 'get' }) },
  { weight: 2, arbitrary: fc.constant<Leaf>({ k: 'evset' }) },
  { weight: 1, arbitrary: fc.constant<Leaf>({ k: 'evclear' }) },
  { weight: 2, arbitrary: fc.constant<Leaf>({ k: 'evwait' }) },
  { weight: 1, arbitrary: fc.constant<Leaf>({ k: 'isset' }) },
  { weight: 1, arbitrary: fc.constant<Leaf>({ k: 'qsize' }) },
);
/** Most statements print (the order of prints is most of what tells schedules apart). */
const print = fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const printed: fc.Arbitrary<Item> = fc.tuple(leaf, print).map(([l, p]) => ({ ...l, print: p }));

function lockBlock(inner: fc.Arbitrary<Item>, maxBody: number): fc.Arbitrary<Item> {
  return fc
    .record({ lock: fc.integer({ min: 0, max: 1 }), printIn: print, printOut: fc.boolean(), body: fc.array(inner, { maxLength: maxBody }) })
    .map((b): Item => ({ k: 'lock', ...b, body: b.body.map((i) => (i.k === 'lock' ? { ...i, lock: 1 - b.lock } : i)) }));
}
// Locks nest at most two deep, the inner one always the other lock (so ABBA is possible, a
// thread acquiring a Lock it holds already is not).
const innerLock = lockBlock(printed, 1);
const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 3, arbitrary: printed },
  { weight: 2, arbitrary: lockBlock(fc.oneof({ weight: 2, arbitrary: printed }, { weight: 1, arbitrary: innerLock }), 2) },
);
/** A worker: 1–4 statements. */
const worker = fc.array(item, { minLength: 1, maxLength: 4 });
/** MainThread's own statements (mostly none or one): a third thread of straight-line code. */
const mainItems = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Item[]>([]) },
  {
    weight: 3,
    arbitrary: fc.array(fc.oneof({ weight: 3, arbitrary: printed }, { weight: 1, arbitrary: lockBlock(printed, 1) }), {
      minLength: 1,
      maxLength: 2,
    }),
  },
);

export interface Limits {
  /** Most statements per worker (a lock block and each statement in it count). */
  statements: number;
  /** Most interleavings of the model (DFS runs some 1–3 times as many schedules). */
  paths: number;
  /** Most interleavings that deadlock (DFS runs several deadlocked schedules for each). */
  deadlockPaths: number;
}

export interface Generated {
  program: Program;
  reference: Reference;
  compiled: Compiled;
}

/**
 * Programs of 2 workers (1–4 statements each) and 0–2 statements of MainThread's own, within
 * `limits`, each with its reference outcomes. A program that deadlocks in every schedule is left
 * out, and one with a single outcome mostly (they have little to compare). Three workers are not generated: with MainThread starting and
 * joining them, even one statement each takes DFS over 2,000 schedules; MainThread's own
 * statements make the third thread instead.
 */
export function programs(limits: Limits): fc.Arbitrary<Generated> {
  return fc
    .record({
      preload: fc.oneof({ weight: 3, arbitrary: fc.constant<number[]>([]) }, { weight: 1, arbitrary: fc.constant<number[]>([9]) }),
      workers: fc.tuple(worker, worker),
      main: mainItems,
      /** Keep it even if it has one outcome only. */
      plain: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 3, arbitrary: fc.constant(false) }),
    })
    .filter((p) => p.workers.every((w) => statements(w).length <= limits.statements))
    .filter((p) => count(p, 'get') <= p.preload.length + count(p, 'put'))
    .chain(({ preload, workers, main, plain }) => {
      const found = withinLimits({ preload, workers: [...workers], main }, limits);
      return found && (plain || found.reference.outcomes.size > 1) ? fc.constant(found) : fc.constant(undefined);
    })
    .filter((g): g is Generated => g !== undefined);
}

/**
 * Programs that deadlock in some schedules and not in others: a textbook bug (lock-order
 * inversion, check-then-act on the queue, a set() and clear() that a waiter can miss, a consumer
 * whose item another thread takes back) with a statement or two around it.
 */
export function deadlockingPrograms(limits: Limits): fc.Arbitrary<Generated> {
  const two = (f: (p: boolean, r: boolean) => Program) => fc.tuple(print, print).map(([p, r]) => f(p, r));
  const bugs: fc.Arbitrary<Program>[] = [
    two((p, r) => ({ preload: [], workers: [[locked(0, [locked(1, [], p)])], [locked(1, [locked(0, [], r)])]], main: [] })),
    two((p, r) => ({ preload: [9], workers: [[leafItem({ k: 'take' }, p)], [leafItem({ k: 'take' }, r)]], main: [] })),
    two((p, r) => ({ preload: [9], workers: [[leafItem({ k: 'take' }, p)], [leafItem({ k: 'get' }, r)]], main: [] })),
    two((p, r) => ({
      preload: [],
      workers: [[leafItem({ k: 'evwait' }, p)], [leafItem({ k: 'evset' }, r), leafItem({ k: 'evclear' })]],
      main: [],
    })),
    two((p, r) => ({
      preload: [],
      workers: [[leafItem({ k: 'get' }, p)], [leafItem({ k: 'put', n: 1 }), leafItem({ k: 'take' }, r)]],
      main: [],
    })),
  ];
  /** Statements that never block, to put around the bug. */
  const quiet = fc
    .tuple(
      fc.oneof(
        fc.constant<Leaf>({ k: 'incr' }),
        fc.integer({ min: 1, max: 3 }).map((n): Leaf => ({ k: 'assign', n })),
        fc.constant<Leaf>({ k: 'show' }),
        fc.constant<Leaf>({ k: 'isset' }),
        fc.constant<Leaf>({ k: 'qsize' }),
      ),
      print,
    )
    .map(([l, p]) => ({ ...l, print: p }));
  /** Where the extra statement goes in a thread (-1: none). */
  const extra = fc.tuple(fc.integer({ min: -1, max: 2 }), quiet);
  const insert = (list: Item[], [at, what]: [number, Item]) => (at < 0 ? list : [...list.slice(0, at), what, ...list.slice(at)]);
  return fc
    .tuple(fc.oneof(...bugs), extra, extra, extra)
    .chain(([bug, e0, e1, em]) => {
      const program = {
        preload: bug.preload,
        workers: [insert(bug.workers[0], e0), insert(bug.workers[1], e1)],
        main: insert(bug.main, em),
      };
      const found = withinLimits(program, limits);
      return fc.constant(found && found.reference.deadlockPaths > 0 ? found : undefined);
    })
    .filter((g): g is Generated => g !== undefined);
}

/** The program with its reference, if it is within `limits` and does not deadlock in every schedule. */
function withinLimits(program: Program, limits: Limits): Generated | undefined {
  if (!program.workers.every((w) => statements(w).length <= limits.statements)) return undefined;
  // A get has an item in some schedule at least (else the program deadlocks in every one).
  if (count(program, 'get') > program.preload.length + count(program, 'put')) return undefined;
  // A cheap first cut, so the model stays small; then the model's own numbers decide.
  if (visibleOps(program) > 18) return undefined;
  const compiled = compile(program);
  const reference = referenceOutcomes(compiled, 10 * limits.paths);
  if (!reference || reference.paths > limits.paths || reference.deadlockPaths > limits.deadlockPaths) return undefined;
  if (reference.deadlockPaths === reference.paths) return undefined;
  // fast-check prints a counterexample as its source.
  const generated: Generated = { program, compiled, reference };
  return Object.assign(generated, { [fc.toStringMethod]: () => `\n${compiled.source}` });
}

/** Visible operations of all threads (a take counted as its longest path). */
function visibleOps(program: Program): number {
  const compiled = compile(program);
  return compiled.threads.slice(1).reduce((sum, t) => sum + t.length, compiled.threads[0].length);
}

function count(p: Program, kind: Leaf['k']): number {
  return [...p.workers, p.main].flatMap(statements).filter((i) => i.k === kind).length;
}

// ── Hand-written programs ─────────────────────────────────────────────────────────────────

export const leafItem = (l: Leaf, print = false): Item => ({ ...l, print });
export const locked = (lock: number, body: Item[], printIn = false, printOut = false): Item => ({
  k: 'lock',
  lock,
  printIn,
  printOut,
  body,
});
