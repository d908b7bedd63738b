/**
 * What every primitive shares: the current site, the registry of module-level functions and
 * classes, the thread's live-state cells, object identity across workers, and the wire format
 * for values that cross from one thread to another.
 */
import { EventKind, ThreadState, WaitKind, WAIT_TIMED, type ObjectKind } from '../trace/format';
import { ThreadlanesUsageError, ERROR_CLASSES } from './errors';
import type { Recorder } from './recorder';
import { clockMs, noteOutput, setSiteReader } from './schedule';
import { scheduling } from './shared';
import { gilCheck, dropRequest } from './gil';
import { ctx, allocCells, nextObjectId, nextDefaultName, T_STATE, T_WAIT_OBJECT, T_WAIT_KIND, T_EPISODE } from './shared';

// ── Sites and the registry: the bundler writes to `__tl` from the user's module ───────────

type Getter = () => unknown;

/**
 * The bundler rewrites the snippet so that every call of the API first stores its site id
 * here (`(__tl.site = 12, lock).acquire()`), and registers every module-level function and
 * class by name (`__tl.register("worker", () => worker)`), so that a target can be found by
 * name in another worker.
 */
export const __tl = {
  site: 0,
  /** Temporary for the rewrite that restores a call's site after its arguments ran. */
  t: undefined as unknown,
  /** GIL mode's preemption check, which the bundler puts in every loop and function… */
  g: gilCheck,
  /** …behind a test of this cell (GIL mode's drop request), inline, so it costs one load. */
  get d(): Int32Array<ArrayBufferLike> {
    return dropRequest;
  },
  /**
   * `throw x` is rewritten to `throw __tl.x(x, siteId)`: a thrown value that is not an Error has
   * no stack, so its line is kept here for the report if it ends the thread. Returns `x`.
   */
  x(value: unknown, siteId: number): unknown {
    if (!(value instanceof Error) && !(lastThrown && Object.is(lastThrown.value, value))) lastThrown = { value, siteId };
    return value;
  },
  register(name: string, get: Getter): void {
    registry.set(name, get);
  },
  /** A module the snippet imports: its exported functions and classes can cross too. */
  registerModule(from: string, get: Getter): void {
    modules.set(from, get);
  },
};
setSiteReader(() => __tl.site);

const modules = new Map<string, Getter>();

/** The last non-Error value thrown by a `throw` of the snippet, and where (see `__tl.x`). */
let lastThrown: { value: unknown; siteId: number } | undefined;

/** Where `value` was thrown, if it is the last non-Error the snippet threw; else undefined. */
export function thrownSite(value: unknown): number | undefined {
  return lastThrown && Object.is(lastThrown.value, value) ? lastThrown.siteId : undefined;
}

const registry = new Map<string, Getter>();
const namesByValue = new Map<unknown, string>();
/** Classes and functions of the runtime itself that cross threads (Timer, the pool worker). */
const builtins = new Map<string, unknown>();

export function registerBuiltin(name: string, value: unknown): void {
  builtins.set(`threadlanes:${name}`, value);
  namesByValue.set(value, `threadlanes:${name}`);
}

/**
 * A function a thread, a pool or a timer calls with the user's arguments. Its parameters are
 * `any` on purpose: with `unknown[]`, a typed target such as `(n: number) => void` would not be
 * accepted (parameters are contravariant), and Python's `target=` takes any callable.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Callable<R = unknown> = (...args: any[]) => R;

/** The class an instance was made by (its prototype's constructor). */
export function classOf(object: object): Callable | undefined {
  const proto = Object.getPrototypeOf(object) as { constructor?: Callable } | null;
  return proto?.constructor;
}

/** The name another worker can find `value` by, or undefined if it is not module-level. */
export function registeredName(value: unknown): string | undefined {
  const known = namesByValue.get(value);
  if (known !== undefined) return known;
  for (const [name, get] of registry) {
    let resolved: unknown;
    try {
      resolved = get();
    } catch {
      continue; // declared later in the module (temporal dead zone): not reachable yet
    }
    if (resolved !== undefined && !namesByValue.has(resolved)) namesByValue.set(resolved, name);
    if (resolved === value) return name;
  }
  for (const [from, get] of modules) {
    let namespace: Record<string, unknown>;
    try {
      namespace = get() as Record<string, unknown>;
    } catch {
      continue;
    }
    for (const key of Object.keys(namespace ?? {})) {
      if (namespace[key] === value) return `${from}#${key}`;
    }
  }
  return undefined;
}

function lookupRegistered(name: string): unknown {
  if (builtins.has(name)) return builtins.get(name);
  const hash = name.lastIndexOf('#');
  if (hash > 0 && modules.has(name.slice(0, hash))) {
    try {
      return (modules.get(name.slice(0, hash))!() as Record<string, unknown>)[name.slice(hash + 1)];
    } catch {
      return undefined;
    }
  }
  const get = registry.get(name);
  if (!get) return undefined;
  try {
    return get();
  } catch {
    return undefined;
  }
}

// ── Sites as text, for error messages raised inside a worker ──────────────────────────────

interface SiteText {
  file: string;
  line: number;
  col: number;
  declaredAs?: string;
}

let siteTable: SiteText[] = [];

export function setSiteTable(sites: SiteText[]): void {
  siteTable = sites;
}

export function siteText(siteId: number): string {
  const site = siteTable[siteId];
  if (!site || siteId === 0) return 'an unknown line';
  return `${site.file}:${site.line}:${site.col}`;
}

function declaredName(siteId: number): string | undefined {
  return siteTable[siteId]?.declaredAs;
}

// ── The recorder and the thread's live state ──────────────────────────────────────────────

let recorder: Recorder | undefined;

export function setRecorder(r: Recorder): void {
  recorder = r;
}

/**
 * Record an operation. Recording is never a scheduling point: the point comes before the
 * operation (`visible()` in runtime/schedule.ts), so an operation and its events are one step.
 */
export function rec(kind: EventKind, objectId: number, siteId: number, arg: number): void {
  recorder!.emit(kind, objectId, siteId, arg);
}

/** For uncontended operations: the time may be interpolated (see Recorder.emitFast). */
export function recFast(kind: EventKind, objectId: number, siteId: number, arg: number): void {
  recorder!.emitFast(kind, objectId, siteId, arg);
}

/** A line of the snippet's output: recorded, and part of the step (its order is the schedule's). */
export function recOutput(siteId: number, index: number): void {
  recorder!.emit(EventKind.Output, 0, siteId, index);
  if (scheduling.on) noteOutput();
}

/**
 * A wait that did not have to wait (the thread had ended, the event was set, the future was
 * done, the queue had nothing unfinished): recorded as a zero-length Block/Unblock pair, so the
 * race check sees the order it gives as exactly as for a real wait.
 */
export function recordPassedWait(objectId: number, kind: WaitKind, siteId: number): void {
  recorder!.emit(EventKind.Block, objectId, siteId, kind);
  recorder!.emit(EventKind.Unblock, objectId, siteId, 1);
}

export function publish(): void {
  recorder?.publish();
}

export function nowNs(): number {
  return recorder!.nowNs();
}

/** Enter a blocking wait: mark the live state (the harness's deadlock detector reads it) and record it. */
export function beginBlock(objectId: number, kind: WaitKind, timed: boolean, siteId: number): void {
  const c = ctx();
  const heap = c.heap;
  const self = c.self;
  Atomics.store(heap, self + T_WAIT_OBJECT, objectId);
  Atomics.store(heap, self + T_WAIT_KIND, kind | (timed ? WAIT_TIMED : 0));
  Atomics.add(heap, self + T_EPISODE, 1);
  Atomics.store(heap, self + T_STATE, kind === WaitKind.Lock ? ThreadState.Blocked : ThreadState.Waiting);
  recorder!.emit(EventKind.Block, objectId, siteId, kind | (timed ? WAIT_TIMED : 0));
  recorder!.publish();
}

export function endBlock(success: boolean, siteId: number): void {
  const c = ctx();
  const objectId = c.heap[c.self + T_WAIT_OBJECT];
  Atomics.store(c.heap, c.self + T_STATE, ThreadState.Running);
  Atomics.store(c.heap, c.self + T_WAIT_OBJECT, 0);
  recorder!.emit(EventKind.Unblock, objectId, siteId, success ? 1 : 0);
}

// ── Timeouts (seconds, as in Python) ──────────────────────────────────────────────────────

/**
 * The deadline (ms on the run's clock), or Infinity. `timeout` is seconds; null/undefined mean
 * forever. A negative (or NaN) timeout is a deadline that has passed already, as in CPython,
 * where Condition.wait(t <= 0) only polls: only a lock's acquire(true, -1) means forever, and
 * Lock/RLock handle that themselves.
 */
export function deadlineFor(timeout: number | null | undefined): number {
  if (timeout === undefined || timeout === null) return Infinity;
  return clockMs() + (timeout > 0 ? timeout * 1000 : 0);
}

export function remainingMs(deadline: number): number {
  if (deadline === Infinity) return Infinity;
  return Math.max(0, deadline - clockMs());
}

// ── Objects that live in shared memory ────────────────────────────────────────────────────

/** The form in which a shared object crosses to another worker. */
export interface Handle {
  kind: ObjectKind;
  id: number;
  base: number;
  name: string;
  /** Kind-specific: parameters and the handles of internal parts. */
  extra?: Record<string, unknown>;
}

export const HANDLE = Symbol('threadlanes.handle');

export interface Shared {
  [HANDLE](): Handle;
}

type Reviver = (handle: Handle) => Shared;
const revivers = new Map<ObjectKind, Reviver>();
const liveObjects = new Map<number, Shared>();

export function registerReviver(kind: ObjectKind, revive: Reviver): void {
  revivers.set(kind, revive);
}

/** The object for `handle` in this worker (one per id, so identity holds within a thread). */
export function revive(handle: Handle): Shared {
  const existing = liveObjects.get(handle.id);
  if (existing) return existing;
  const reviver = revivers.get(handle.kind);
  if (!reviver) throw new Error(`threadlanes: cannot rebuild a ${handle.kind} in this thread`);
  const made = reviver(handle);
  liveObjects.set(handle.id, made);
  return made;
}

export function remember(id: number, object: Shared): void {
  liveObjects.set(id, object);
}

let constructionDepth = 0;
let internalDepth = 0;

/**
 * True while a worker other than MainThread re-evaluates the module body. Every thread runs the
 * top-level code again (to define its functions and bind module-level primitives), but what that
 * code *does* to shared primitives already happened once, in MainThread: so while replaying,
 * operations on primitives have no effect (a put puts nothing, a start starts nothing, a wait
 * returns at once, a sleep does not sleep).
 */
export const replay = { on: false };

/** For operations that cannot be skipped while replaying (they must produce a value). */
export function replayError(what: string, siteId: number): never {
  throw new ThreadlanesUsageError(
    `${what} at ${siteText(siteId)} runs at module top level. Every thread runs the module's top-level code again, and there it cannot produce a value. Move this into \`export function main() { … }\` (or under \`if (isMainThread)\`).`,
    siteId,
  );
}

/** Part keys: the n-th part of an object made at top level binds like the object itself. */
let partScope: { key: string; next: number } | undefined;

/** Make the parts of the object whose init key is `key` (Timer's event, a pool's queue). */
export function partsOf<T>(key: string | undefined, make: () => T): T {
  const saved = partScope;
  partScope = key === undefined ? undefined : { key, next: partCounters.get(key) ?? 0 };
  constructionDepth++;
  try {
    return make();
  } finally {
    if (key !== undefined && partScope) partCounters.set(key, partScope.next);
    constructionDepth--;
    partScope = saved;
  }
}
const partCounters = new Map<string, number>();

/** An init key for an object that is not itself shared (a ThreadPoolExecutor), made at top level. */
export function claimInitKey(): string | undefined {
  const c = ctx();
  if (!c.initPhase || constructionDepth > 0) return undefined;
  const siteId = __tl.site;
  const occurrence = c.initOccurrences.get(siteId) ?? 0;
  c.initOccurrences.set(siteId, occurrence + 1);
  return `${siteId}:${occurrence}`;
}

/** Make the runtime's own helper objects (a pool's work queue): recorded, but hidden from summaries. */
export function internalParts<T>(make: () => T): T {
  internalDepth++;
  constructionDepth++;
  try {
    return make();
  } finally {
    internalDepth--;
    constructionDepth--;
  }
}

/**
 * Create or bind the shared identity of a new object.
 *
 * - Reviving from a handle: bind to it.
 * - In a worker other than MainThread, while the module body runs: an object made at the same
 *   site (and occurrence) by MainThread's module body is the same object — bind to it. This is
 *   what makes `const lock = new Lock()` at top level one lock for every thread.
 * - Otherwise allocate cells, announce the object to the harness, and (in MainThread's module
 *   body) publish it for the other workers to bind to.
 */
export interface Identity {
  handle: Handle;
  /** True when bound to an object MainThread made; its state is already initialised. */
  bound: boolean;
  /** Set in MainThread's module body: publish the finished object under this key. */
  initKey?: string;
  /** The object's init key (made at top level), for its parts. */
  key?: string;
}

/** Call at the end of a constructor: lets other workers bind to an object made at top level. */
export function publishIdentity(identity: Identity, object: Shared): void {
  if (identity.initKey !== undefined) {
    ctx().port.postMessage({ type: 'init-object', key: identity.initKey, handle: object[HANDLE]() });
  }
}

export function makeIdentity(
  kind: ObjectKind,
  cells: number,
  name: string | undefined | (() => string),
  details: { initial?: number; internal?: boolean } = {},
): Identity {
  const c = ctx();
  const siteId = __tl.site;
  const internal = details.internal || internalDepth > 0;
  const outermost = constructionDepth === 0 && !internal;
  let key: string | undefined;
  if (c.initPhase) {
    if (constructionDepth === 0 && internalDepth === 0) {
      const occurrence = c.initOccurrences.get(siteId) ?? 0;
      c.initOccurrences.set(siteId, occurrence + 1);
      key = `${siteId}:${occurrence}`;
    } else if (partScope) {
      key = `${partScope.key}/${partScope.next++}`;
    }
  }
  if (key !== undefined) {
    if (!c.isMain) {
      const handle = c.assignment.initObjects[key] as Handle | undefined;
      if (handle && handle.kind === kind) return { handle, bound: true, key };
    } else {
      return { handle: allocate(), bound: false, initKey: key, key };
    }
  }
  return { handle: allocate(), bound: false };

  function allocate(): Handle {
    const id = nextObjectId();
    const base = cells > 0 ? allocCells(cells) : 0;
    const given = typeof name === 'function' ? name() : name;
    const chosen = given ?? (outermost ? declaredName(siteId) : undefined) ?? nextDefaultName(kind);
    c.port.postMessage({
      type: 'define',
      id,
      kind,
      name: chosen,
      siteId,
      tid: c.tid,
      base,
      initial: details.initial,
      internal,
    });
    return { kind, id, base, name: chosen };
  }
}

/** Run `make` with nested constructions marked as parts of an outer object. */
export function constructingParts<T>(make: () => T): T {
  constructionDepth++;
  try {
    return make();
  } finally {
    constructionDepth--;
  }
}

// ── The wire: values that cross to another thread ─────────────────────────────────────────

export type Wire = unknown;

function describeValue(value: unknown): string {
  if (typeof value === 'function') {
    const fn = value as { name?: string };
    const isArrow = !Object.prototype.hasOwnProperty.call(value, 'prototype');
    return `${isArrow ? 'the arrow function' : 'the function'} ${fn.name ? `"${fn.name}"` : '(anonymous)'}`;
  }
  const ctor = (value as object)?.constructor?.name;
  return ctor ? `a ${ctor}` : String(value);
}

/** Throws ThreadlanesUsageError with a message that says what cannot cross and how to fix it. */
function notSendable(what: string, value: unknown, siteId: number, reason: string): never {
  throw new ThreadlanesUsageError(
    `${what} at ${siteText(siteId)} cannot be sent to another thread: ${describeValue(value)} ${reason}`,
    siteId,
  );
}

/**
 * Encode `value` for another worker. `what` names it in errors ("the target", "argument 2").
 * Shared objects become handles, module-level functions and classes become names, plain data
 * is copied. Anything else fails now, at the user's line, rather than later in the other thread.
 */
export function toWire(value: unknown, what: string, siteId: number, seen = new Set<object>()): Wire {
  if (value === null || value === undefined) return value;
  const type = typeof value;
  if (type === 'number' || type === 'string' || type === 'boolean' || type === 'bigint') return value;
  if (type === 'symbol') notSendable(what, value, siteId, 'is a symbol, which has no meaning in another thread.');
  if (type === 'function') {
    const name = registeredName(value);
    if (name === undefined) {
      notSendable(
        what,
        value,
        siteId,
        'is not declared at the top level of the module. Each thread re-runs your module and finds functions by their top-level name, so a closure or a function defined inside another function cannot be found there. Move it to the top level of the file (and pass what it used as args).',
      );
    }
    return { $fn: name };
  }
  // tsc narrows `value` to {} here, typescript-eslint to object: the assertion is needed by the first.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const object = value as object;
  if (HANDLE in object) return { $h: (object as Shared)[HANDLE]() };
  if (seen.has(object)) notSendable(what, value, siteId, 'refers to itself (a cycle); send plain, tree-shaped data.');
  seen.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => toWire(item, what, siteId, seen));
    if (object instanceof Map) {
      return { $map: [...object].map(([k, v]) => [toWire(k, what, siteId, seen), toWire(v, what, siteId, seen)]) };
    }
    if (object instanceof Set) return { $set: [...object].map((v) => toWire(v, what, siteId, seen)) };
    if (object instanceof Error) return { $error: { name: object.name, message: object.message, stack: object.stack } };
    if (
      object instanceof Date ||
      object instanceof RegExp ||
      ArrayBuffer.isView(object) ||
      object instanceof ArrayBuffer ||
      object instanceof SharedArrayBuffer
    ) {
      return { $raw: object };
    }
    const proto = Object.getPrototypeOf(object) as { constructor?: Callable } | null;
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, Wire> = {};
      for (const key of Object.keys(object)) out[key] = toWire((object as Record<string, unknown>)[key], what, siteId, seen);
      return { $o: out };
    }
    const className = registeredName(proto.constructor);
    if (className === undefined) {
      notSendable(
        what,
        value,
        siteId,
        'is an instance of a class that is not declared at the top level of the module, so another thread cannot rebuild it. Declare the class at the top level, or send plain data.',
      );
    }
    const props: Record<string, Wire> = {};
    for (const key of Object.keys(object)) props[key] = toWire((object as Record<string, unknown>)[key], what, siteId, seen);
    return { $obj: className, props };
  } finally {
    seen.delete(object);
  }
}

/**
 * Forget everything of the previous run (a worker reused by a hunt runs a new copy of the
 * snippet with this runtime): what the snippet registered, the objects it bound, the counters
 * of the module body. Only the runtime's own builtins and revivers stay.
 */
export function resetCore(): void {
  lastThrown = undefined;
  modules.clear();
  registry.clear();
  namesByValue.clear();
  for (const [name, value] of builtins) namesByValue.set(value, name);
  siteTable = [];
  recorder = undefined;
  liveObjects.clear();
  constructionDepth = 0;
  internalDepth = 0;
  replay.on = false;
  partScope = undefined;
  partCounters.clear();
  __tl.site = 0;
  __tl.t = undefined;
}

export function fromWire(wire: Wire): unknown {
  if (wire === null || typeof wire !== 'object') return wire;
  if (Array.isArray(wire)) return wire.map(fromWire);
  const w = wire as Record<string, unknown>;
  if ('$h' in w) return revive(w.$h as Handle);
  if ('$fn' in w) {
    const fn = lookupRegistered(w.$fn as string);
    if (fn === undefined) throw new Error(`threadlanes: "${String(w.$fn)}" is not defined in this thread's module`);
    return fn;
  }
  if ('$o' in w) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(w.$o as Record<string, unknown>)) out[key] = fromWire(value);
    return out;
  }
  if ('$map' in w) return new Map((w.$map as [Wire, Wire][]).map(([k, v]) => [fromWire(k), fromWire(v)]));
  if ('$set' in w) return new Set((w.$set as Wire[]).map(fromWire));
  if ('$raw' in w) return w.$raw;
  if ('$error' in w) {
    const e = w.$error as { name: string; message: string; stack?: string };
    const ErrorClass = ERROR_CLASSES[e.name] ?? Error;
    const error = new ErrorClass(e.message);
    if (!ERROR_CLASSES[e.name]) error.name = e.name;
    if (e.stack) error.stack = e.stack;
    return error;
  }
  if ('$obj' in w) {
    const Class = lookupRegistered(w.$obj as string) as { prototype: object } | undefined;
    if (!Class) throw new Error(`threadlanes: class "${String(w.$obj)}" is not defined in this thread's module`);
    const instance = Object.create(Class.prototype) as Record<string | symbol, unknown>;
    for (const [key, value] of Object.entries(w.props as Record<string, unknown>)) instance[key] = fromWire(value);
    return instance;
  }
  throw new Error('threadlanes: malformed value from another thread');
}
