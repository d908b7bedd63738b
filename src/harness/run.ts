/**
 * The harness: `run(options)` bundles the snippet, runs MainThread and every Thread in workers
 * over one shared heap, drains their event rings, answers their requests, watches for
 * deadlocks and limits, and returns the outcome with the full trace.
 *
 * The harness thread never runs user code and never blocks: it only reacts to messages,
 * timers and the ring doorbell, so it can always stop a run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

import { ThreadState, EventKind, EVENT_BYTES, EVENT_WORDS, RING_HEADER_BYTES, RING_HEAD, RING_TAIL, RING_WRITER_WAITING, TRACE_FORMAT, TRACE_VERSION, WAIT_KIND_NAMES, type ExceptionInfo, type ObjectInfo, type ObjectKind, type OutputLine, type Outcome, type Site, type ThreadFinalState, type ThreadInfo, type Trace, type Truncation } from '../trace/format';

import { H_DOORBELL, H_TICK, H_NEXT_CELL, H_S_CHOICES, H_S_RNG, H_S_LOW_PRIORITY, H_S_STATUS, H_S_STEP, H_S_TURN, H_VCLOCK_F64, T_S_GO, T_S_PRIORITY, T_S_STATE, H_S_LIVE, H_GIL_HOLDER, H_GIL_INTERVAL_US, MAIN_OBJECT_ID, H_NEXT_OBJECT_ID, H_NEXT_TID, HEADER_CELLS, THREAD_STRIDE, T_RPC, T_STATE, cellsBase, threadBlockBase, type ThreadAssignment, type WorkerSetup } from '../runtime/shared';
import type { Handle } from '../runtime/core';
import { SCHED_STUCK, STEP_NS, initialPriority, pctChangePoints, seedState } from '../runtime/schedule';

import { DEFAULT_SWITCH_INTERVAL_US, passGil } from '../runtime/gil';

import type { RpcRequest, WorkerNotice } from '../runtime/rpc';
import { HoldTracker } from '../trace/holds';

import { bundleSnippet, builtFile, BundleError, type BundleResult } from './bundle';

import { DeadlockDetector } from './deadlock';

import { ItemStore } from './store';

import { settleTimes } from './timestamps';

import {
  DEFAULTS, type DeadlockReport, type RunOptions, type RunResult, type ScheduleInfo, type SnippetError,
} from './types';


/** Int32 cells for primitives' state (16 MiB). */
const PRIMITIVE_CELLS = 4 << 20;
/** Spare workers kept started, so Thread.start() does not wait for a worker to boot. */
const WARM_WORKERS = 6;
/** Longest wait for the spares before starting anyway. */
const WARM_UP_LIMIT_MS = 3000;
const REFILL_DELAY_MS = 100;
/** Workers a hunt keeps booted and idle before each schedule. */
const POOL_WARM_WORKERS = 3;
const POLL_MS = 20;
/** Lock and RLock keep their owner (tid + 1) in their second cell (runtime/locks.ts). */
const LOCK_OWNER_CELL = 1;

interface ThreadRecord {
  tid: number;
  name: string;
  objectId: number;
  daemon: boolean;
  pool?: string;
  target?: string;
  worker?: Worker;
  port?: MessagePort;
  ring: SharedArrayBuffer;
  /** Drained event bytes, in order. */
  chunks: Uint8Array[];
  events: number;
  done: boolean;
  failed: boolean;
  outputOrdinals: number[];
  /** Chunks already replayed into the hold tracker. */
  scannedChunks: number;
  warm?: WarmWorker;
  /** Drop this run's listeners from the worker (before it goes back to the pool). */
  detach?: () => void;
}

interface WarmWorker {
  worker: Worker;
  port: MessagePort;
  exited: boolean;
}

/**
 * Workers kept from one run to the next (schedule hunting runs hundreds of schedules): a worker
 * boots in tens of ms, a reused one loads a fresh runtime and snippet in about one.
 */
export class WorkerPool {
  private readonly idle: WarmWorker[] = [];
  private readonly all = new Set<WarmWorker>();

  constructor(private readonly heapLimitMb: number = DEFAULTS.heapLimitMb) {}

  /** An idle worker (booted, or booting), or undefined. */
  take(): WarmWorker | undefined {
    let warm = this.idle.pop();
    while (warm && warm.exited) warm = this.idle.pop();
    return warm;
  }

  spawn(): WarmWorker {
    const warm = spawnWorker(this.heapLimitMb);
    this.all.add(warm);
    warm.worker.once('exit', () => this.all.delete(warm));
    return warm;
  }

  /** A worker whose thread ended normally: ready for another assignment. */
  give(warm: WarmWorker): void {
    if (warm.exited) return;
    warm.port.removeAllListeners('message');
    this.idle.push(warm);
  }

  /** Boot workers until `count` are idle, and wait until they are up. */
  async fill(count: number): Promise<void> {
    const booting: Promise<void>[] = [];
    while (this.idle.filter((w) => !w.exited).length < count) {
      const warm = this.spawn();
      this.idle.push(warm);
      booting.push(new Promise((resolve) => {
        warm.worker.once('online', () => resolve());
        warm.worker.once('exit', () => resolve());
      }));
    }
    await Promise.all(booting);
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.worker.terminate().catch(() => undefined)));
    for (const w of this.all) w.port.close();
  }
}

function spawnWorker(heapLimitMb: number): WarmWorker {
  const channel = new MessageChannel();
  const worker = new Worker(workerScriptPath(), {
    workerData: { port: channel.port2 },
    transferList: [channel.port2],
    resourceLimits: { maxOldGenerationSizeMb: heapLimitMb },
    // Not the host's flags (a test runner's loaders, an inspector): workers run built code only.
    execArgv: [],
    stdout: true,
    stderr: true,
  });
  worker.stdout.resume();
  worker.stderr.resume();
  const warm: WarmWorker = { worker, port: channel.port1, exited: false };
  worker.on('exit', () => {
    warm.exited = true;
  });
  // An unassigned worker that fails to boot is replaced when taken.
  worker.on('error', () => undefined);
  return warm;
}

export function workerScriptPath(): string {
  return builtFile('worker.js');
}

export async function run(options: RunOptions): Promise<RunResult> {
  return withBundle(options, async (bundle, started, bundleMs) => {
    const schedule = options.mode === 'controlled' ? await resolveSchedule(options, bundle) : undefined;
    const coordinator = new Coordinator(options, bundle, schedule);
    const result = await coordinator.run();
    return { ...result, bundleMs, startupMs: coordinator.epochMs - started };
  });
}

/**
 * Bundle the snippet, call `use` with it, and remove it afterwards. A snippet that does not
 * bundle (a syntax error) gives a failed result at once, with its line.
 */
export async function withBundle<R extends RunResult>(
  options: RunOptions,
  use: (bundle: BundleResult, started: number, bundleMs: number) => Promise<R>,
  failed: (result: RunResult) => R = (result) => result as R,
): Promise<R> {
  const source = options.source ?? fs.readFileSync(options.file, 'utf8');
  const started = performance.now();
  options.onProgress?.({ phase: 'bundling', elapsedMs: 0, threads: 0, events: 0 });
  let bundle: BundleResult;
  try {
    bundle = await bundleSnippet(options.file, source, options.file, { preemption: options.mode === 'gil' });
  } catch (error) {
    if (error instanceof BundleError) {
      const elapsed = performance.now() - started;
      return failed({ ...failedBeforeRun(options, error.snippetError, elapsed), bundleMs: elapsed, startupMs: elapsed });
    }
    throw error;
  }
  try {
    return await use(bundle, started, performance.now() - started);
  } finally {
    fs.rmSync(bundle.workDir, { recursive: true, force: true });
  }
}

/**
 * The schedule a controlled run follows. PCT draws its change points from the steps a run
 * takes; unless given a bound, it measures them once on the round-robin schedule (which does
 * not depend on any seed), so a seed alone replays the same PCT schedule.
 */
export async function resolveSchedule(options: RunOptions, bundle: BundleResult, pool?: WorkerPool): Promise<ScheduleInfo> {
  const strategy = options.strategy ?? DEFAULTS.strategy;
  const seed = options.seed ?? 0;
  if (strategy !== 'pct') return { strategy, seed, steps: 0 };
  const depth = options.depth ?? DEFAULTS.depth;
  let bound = options.bound;
  if (bound === undefined) {
    const calibration = new Coordinator({ ...options, record: false, onOutput: undefined, onProgress: undefined }, bundle, { strategy: 'rr', seed: 0, steps: 0 }, pool);
    const result = await calibration.run();
    bound = Math.max(1, result.schedule?.choices ?? 1);
  }
  return { strategy, seed, depth, bound, steps: 0 };
}

function failedBeforeRun(options: RunOptions, error: SnippetError, durationMs: number): Omit<RunResult, 'bundleMs' | 'startupMs'> {
  return {
    outcome: 'error',
    durationMs,
    wallMs: durationMs,
    events: 0,
    error,
    trace: {
      header: {
        format: TRACE_FORMAT, version: TRACE_VERSION, file: options.file, mode: options.mode ?? 'free', outcome: 'error',
        durationMs, startedAt: new Date().toISOString(), threads: [], objects: [], sites: [{ file: options.file, line: 0, col: 0 }],
        output: [], exceptions: [], eventCounts: [],
        error: { message: error.message, site: error.site, kind: error.kind },
      },
      events: [],
    },
  };
}

export class Coordinator {
  private readonly heapBuffer: SharedArrayBuffer;
  private readonly heap: Int32Array;
  private readonly maxThreads: number;
  private readonly ringEvents: number;
  private readonly setup: WorkerSetup;
  private readonly threads = new Map<number, ThreadRecord>();
  private readonly objects = new Map<number, ObjectInfo & { base: number }>();
  private readonly initObjects: Record<string, Handle> = {};
  private readonly output: OutputLine[] = [];
  /** Until the trace is built, a thrown exception's line and column wait here for a site. */
  private readonly exceptions: (ExceptionInfo & { line?: number; col?: number })[] = [];
  private readonly store = new ItemStore();
  private readonly holds: HoldTracker;
  private readonly detector: DeadlockDetector;
  private readonly warm: WarmWorker[] = [];
  private readonly allWorkers = new Set<Worker>();
  private outputBytes = 0;
  private outputDropped = 0;
  private totalEvents = 0;
  private startedAt = 0;
  private stopping = false;
  private truncated: Truncation;
  private resolve!: (result: Omit<RunResult, 'bundleMs' | 'startupMs'>) => void;
  private timers: NodeJS.Timeout[] = [];
  private mainError?: SnippetError;
  private doorbellWaiting = false;
  private refillTimer?: NodeJS.Timeout;
  private readonly controlled: boolean;
  private readonly heapF64: Float64Array;
  /** Controlled mode: the scheduler said no thread can run; waiting for finished threads' last words. */
  private stuck = false;
  private wallMs = 0;
  private unlisten?: () => void;

  constructor(
    private readonly options: RunOptions, private readonly bundle: BundleResult, private readonly schedule?: ScheduleInfo,
    private readonly pool?: WorkerPool,
  ) {
    this.maxThreads = options.maxThreads ?? DEFAULTS.maxThreads;
    this.ringEvents = nextPowerOfTwo(options.ringEvents ?? DEFAULTS.ringEvents);
    const cells = HEADER_CELLS + this.maxThreads * THREAD_STRIDE + PRIMITIVE_CELLS;
    this.heapBuffer = new SharedArrayBuffer(cells * 4);
    this.heap = new Int32Array(this.heapBuffer);
    this.heapF64 = new Float64Array(this.heapBuffer);
    this.controlled = schedule !== undefined;
    this.heap[H_NEXT_OBJECT_ID] = MAIN_OBJECT_ID + 1;
    this.heap[H_NEXT_TID] = 1;
    this.heap[H_NEXT_CELL] = cellsBase(this.maxThreads);
    this.setup = {
      heap: this.heapBuffer,
      maxThreads: this.maxThreads,
      epochOrigin: performance.timeOrigin,
      record: options.record ?? true,
      recordShared: options.recordShared ?? false,
      cpuCount: os.availableParallelism?.() ?? os.cpus().length,
      mode: schedule ? 'controlled' : options.mode ?? 'free',
      ...(schedule ? {
        schedule: {
          strategy: schedule.strategy, seed: schedule.seed,
          changePoints: schedule.strategy === 'pct' ? pctChangePoints(schedule.seed, schedule.depth!, schedule.bound!) : [],
        },
      } : {}),
    };
    if (schedule) this.initScheduler(schedule);
    this.heap[H_GIL_INTERVAL_US] = DEFAULT_SWITCH_INTERVAL_US;
    this.holds = new HoldTracker((id) => this.objects.get(id)?.kind);
    this.detector = new DeadlockDetector(this.heap, {
      threads: () => this.threads.values(),
      object: (id) => this.objects.get(id),
      nextTid: () => Atomics.load(this.heap, H_NEXT_TID),
      blockSite: (tid) => this.lastBlockSite(tid),
      heldBy: (tid) => this.heldBy(tid),
      holdersOf: (id) => this.holdersOf(id),
      sites: this.bundle.sites,
    });
  }

  /** Controlled mode: MainThread holds the baton first; the clock starts at 0. */
  private initScheduler(schedule: ScheduleInfo): void {
    const heap = this.heap;
    // PCT: seeds in a row share their threads' priorities for `bound` seeds while the first
    // change point sweeps every step (runtime/schedule.ts pctChangePoints), so a hunt tries
    // each preemption point under one priority order before drawing another.
    heap[H_S_RNG] = seedState(schedule.strategy === 'pct' ? Math.floor(schedule.seed / Math.max(1, schedule.bound ?? 1)) : schedule.seed);
    heap[H_S_LOW_PRIORITY] = (schedule.depth ?? 1) - 1;
    heap[H_S_TURN] = 0;
    heap[H_S_LIVE] = 1; // MainThread
    this.heapF64[H_VCLOCK_F64] = 0;
    const main = threadBlockBase(0);
    heap[main + T_S_PRIORITY] = initialPriority(heap, schedule.depth ?? 1);
    heap[main + T_S_STATE] = 1; // SchedState.Runnable
    heap[main + T_S_GO] = 1;
  }

  /** The run's epoch on this process's clock (performance.now()). */
  get epochMs(): number {
    return this.startedAt;
  }

  run(): Promise<Omit<RunResult, 'bundleMs' | 'startupMs'>> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      void this.warmUp().then(() => this.begin());
    });
  }

  /**
   * Start MainThread's worker and the spares before the run's clock starts: a worker takes
   * ~35 ms to boot (much more when several boot at once on two cores), and that time is not the
   * snippet's. With spares ready, Thread.start() costs a message, not a boot.
   */
  private async warmUp(): Promise<void> {
    if (this.pool) {
      // Reused workers are up already; the first run of a hunt boots a few.
      await this.pool.fill(POOL_WARM_WORKERS);
      for (let warm = this.pool.take(); warm; warm = this.pool.take()) {
        this.warm.push(warm);
        this.allWorkers.add(warm.worker);
      }
      return;
    }
    if (!this.controlled) this.startTicker();
    for (let i = 0; i < WARM_WORKERS + 1; i++) this.warm.push(this.spawnWorker());
    const online = this.warm.map((w) => new Promise<void>((resolve) => {
      w.worker.once('online', () => resolve());
      w.worker.once('exit', () => resolve());
    }));
    let limit: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(online), new Promise((resolve) => (limit = setTimeout(resolve, WARM_UP_LIMIT_MS)))]);
    clearTimeout(limit);
  }

  private begin(): void {
    this.startedAt = performance.now();
    this.assign({
      tid: 0, name: 'MainThread', objectId: MAIN_OBJECT_ID, daemon: false, ring: this.newRing(), chunks: [], events: 0,
      done: false, failed: false, outputOrdinals: [], scannedChunks: 0,
    }, undefined, undefined);
    const timeoutMs = (this.options.timeoutSeconds ?? DEFAULTS.timeoutSeconds) * 1000;
    this.timers.push(setTimeout(() => this.stop('timeout'), timeoutMs));
    this.timers.push(setInterval(() => this.poll(), POLL_MS));
    this.waitForDoorbell();
    const signal = this.options.signal;
    if (signal) {
      const cancel = () => this.stop('error', { kind: 'cancelled', message: 'cancelled', site: '' });
      if (signal.aborted) {
        cancel();
      } else {
        signal.addEventListener('abort', cancel, { once: true });
        // A hunt runs hundreds of runs on one signal: each takes its listener away when it ends.
        this.unlisten = () => signal.removeEventListener('abort', cancel);
      }
    }
  }

  // ── Workers ──────────────────────────────────────────────────────────────────────────────

  private spawnWorker(): WarmWorker {
    const warm = this.pool ? this.pool.spawn() : spawnWorker(this.options.heapLimitMb ?? DEFAULTS.heapLimitMb);
    this.allWorkers.add(warm.worker);
    warm.worker.once('exit', () => this.allWorkers.delete(warm.worker));
    return warm;
  }

  /** A worker that advances H_TICK every millisecond (recorders read the clock when it moves). */
  private startTicker(): void {
    const ticker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const heap = new Int32Array(workerData.heap);
       const idle = new Int32Array(new SharedArrayBuffer(4));
       for (;;) { Atomics.wait(idle, 0, 0, 1); Atomics.add(heap, ${H_TICK}, 1); }`,
      { eval: true, workerData: { heap: this.heapBuffer }, execArgv: [] },
    );
    ticker.unref();
    this.allWorkers.add(ticker);
  }

  private newRing(): SharedArrayBuffer {
    return new SharedArrayBuffer(RING_HEADER_BYTES + this.ringEvents * EVENT_BYTES);
  }

  private takeWarm(): WarmWorker {
    let warm = this.warm.shift();
    while (warm && warm.exited) warm = this.warm.shift();
    const taken = warm ?? this.spawnWorker();
    this.scheduleRefill();
    return taken;
  }

  /**
   * Replace taken spares a little later: booting a worker takes a core for tens of ms, and the
   * threads that were just started (often several at once) should have the cores first. If the
   * spares run out meanwhile, takeWarm() boots one on demand.
   */
  private scheduleRefill(): void {
    if (this.refillTimer || this.stopping || this.pool) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refillWarm();
    }, REFILL_DELAY_MS);
  }

  private refillWarm(): void {
    if (this.stopping) return;
    while (this.warm.filter((w) => !w.exited).length < WARM_WORKERS) this.warm.push(this.spawnWorker());
  }

  private assign(record: ThreadRecord, target: unknown, handle: Handle | undefined): void {
    const warm = this.takeWarm();
    record.worker = warm.worker;
    record.port = warm.port;
    this.threads.set(record.tid, record);
    record.warm = warm;
    const worker = warm.worker;
    warm.port.removeAllListeners('message');
    warm.port.on('message', (notice: WorkerNotice) => this.onNotice(record, notice));
    worker.removeAllListeners('error');
    worker.on('error', (error) => this.onWorkerError(record, error));
    const onExit = (code: number) => this.onWorkerExit(record, code);
    worker.on('exit', onExit);
    record.detach = () => {
      worker.off('exit', onExit);
      worker.removeAllListeners('error');
      worker.on('error', () => undefined);
    };
    const assignment: ThreadAssignment = {
      tid: record.tid, name: record.name, ring: record.ring, bundlePath: this.bundle.bundlePath, epochOffsetMs: this.startedAt,
      sites: this.bundle.sites, initObjects: { ...this.initObjects }, target, threadHandle: handle, daemon: record.daemon,
    };
    worker.postMessage({ type: 'assign', setup: this.setup, assignment, reusable: this.pool !== undefined });
  }

  // ── Messages from workers ────────────────────────────────────────────────────────────────

  private onNotice(record: ThreadRecord, notice: WorkerNotice): void {
    switch (notice.type) {
      case 'define':
        this.objects.set(notice.id, {
          id: notice.id, kind: notice.kind, name: notice.name, siteId: notice.siteId, tid: notice.tid,
          base: notice.base, ...(notice.initial !== undefined ? { initial: notice.initial } : {}), ...(notice.internal ? { internal: true } : {}),
        });
        return;
      case 'init-object':
        this.initObjects[notice.key] = notice.handle;
        this.noteBase(notice.handle);
        return;
      case 'spawn':
        this.onSpawn(notice);
        return;
      case 'output':
        this.onOutput(record, notice.stream, notice.text, notice.timeNs);
        return;
      case 'exception':
        this.onException(record, notice);
        return;
      case 'done':
        record.done = true;
        record.failed = notice.failed;
        this.drainRing(record);
        // The worker is finished with the snippet; its remaining messages were sent before this one.
        if (this.pool && record.warm && !record.failed && notice.reusable !== false) {
          record.detach?.();
          this.warm.push(record.warm);
        } else {
          void record.worker?.terminate();
        }
        this.checkCompletion();
        return;
      case 'rpc':
        this.onRequest(record, notice.request);
        return;
      case 'reveal': {
        const object = this.objects.get(notice.id);
        if (object) delete object.internal;
        return;
      }
    }
  }

  private noteBase(handle: Handle): void {
    const object = this.objects.get(handle.id);
    if (object) object.base = handle.base;
    for (const value of Object.values(handle.extra ?? {})) {
      if (value && typeof value === 'object' && 'kind' in value && 'base' in value) this.noteBase(value as Handle);
    }
  }

  private onSpawn(notice: Extract<WorkerNotice, { type: 'spawn' }>): void {
    if (this.stopping) return;
    this.noteBase(notice.handle);
    const record: ThreadRecord = {
      tid: notice.tid, name: notice.name, objectId: notice.objectId, daemon: notice.daemon, pool: notice.pool,
      target: notice.target || undefined, ring: this.newRing(), chunks: [], events: 0, done: false, failed: false,
      outputOrdinals: [], scannedChunks: 0,
    };
    this.assign(record, notice.payload, notice.handle);
  }

  private onOutput(record: ThreadRecord, stream: 'stdout' | 'stderr', text: string, timeNs: number): void {
    const cap = this.options.outputCapBytes ?? DEFAULTS.outputCapBytes;
    const bytes = Buffer.byteLength(text) + 1;
    if (this.outputBytes + bytes > cap) {
      this.outputDropped++;
      this.truncated ??= 'output';
      record.outputOrdinals.push(-1);
      return;
    }
    this.outputBytes += bytes;
    const line: OutputLine = { tid: record.tid, thread: record.name, stream, text, timeNs };
    record.outputOrdinals.push(this.output.length);
    this.output.push(line);
    this.options.onOutput?.(line);
  }

  private onException(record: ThreadRecord, notice: Extract<WorkerNotice, { type: 'exception' }>): void {
    const usageSite = notice.usageSiteId ? this.bundle.sites[notice.usageSiteId] : undefined;
    const line = usageSite?.line ?? notice.line;
    const col = usageSite?.col ?? notice.col ?? 1;
    // The site table entry is made when the trace is built, in time order: exceptions from
    // different threads arrive on different ports, in an order that varies from run to run.
    this.exceptions.push({
      tid: record.tid, name: notice.name, message: notice.message, stack: notice.stack, siteId: notice.usageSiteId ?? 0,
      timeNs: notice.timeNs, ...(notice.usageSiteId || !line ? {} : { line, col }),
    });
    if (record.tid === 0 || notice.usageSiteId) {
      this.mainError ??= {
        kind: notice.usageSiteId ? 'usage' : 'exception',
        message: notice.usageSiteId ? notice.message : `${notice.name}: ${notice.message}`,
        site: line ? `${usageSite?.file ?? this.options.file}:${line}:${col}` : '',
        line, col: line ? col : undefined,
      };
    }
  }

  /** The exceptions in time order, each with its site in the site table. */
  private exceptionsWithSites(): ExceptionInfo[] {
    const ordered = [...this.exceptions].sort((a, b) => a.timeNs - b.timeNs || a.tid - b.tid);
    return ordered.map(({ line, col, ...info }) => {
      if (info.siteId || !line) return info;
      this.bundle.sites.push({ file: this.options.file, line, col: col ?? 1 });
      return { ...info, siteId: this.bundle.sites.length - 1 };
    });
  }

  private onRequest(record: ThreadRecord, request: RpcRequest): void {
    let value: unknown;
    switch (request.op) {
      case 'queue-put':
        this.store.put(request.id, request.kind, request.item);
        break;
      case 'queue-get':
        value = this.store.get(request.id, request.kind);
        break;
      case 'box-set':
        this.store.setBox(request.id, request.value);
        break;
      case 'box-get':
        value = this.store.getBox(request.id);
        break;
      case 'callback-add':
        value = this.store.addCallback(request.id, request.fn);
        break;
      case 'callbacks-take':
        value = this.store.takeCallbacks(request.id);
        break;
      case 'threads':
        value = this.aliveThreadHandles();
        break;
      case 'thread-name':
        value = [...this.threads.values()].find((t) => t.objectId === request.objectId)?.name
          ?? this.objects.get(request.objectId)?.name;
        break;
      case 'thread-rename': {
        const thread = [...this.threads.values()].find((t) => t.objectId === request.objectId);
        if (thread) thread.name = request.name;
        const object = this.objects.get(request.objectId);
        if (object) object.name = request.name;
        break;
      }
    }
    record.port!.postMessage({ type: 'reply', value });
    const cell = threadBlockBase(record.tid) + T_RPC;
    Atomics.store(this.heap, cell, 1);
    Atomics.notify(this.heap, cell);
  }

  private aliveThreadHandles(): Handle[] {
    const out: Handle[] = [];
    for (const t of [...this.threads.values()].sort((a, b) => a.tid - b.tid)) {
      const state = Atomics.load(this.heap, threadBlockBase(t.tid) + T_STATE);
      if (state === ThreadState.Finished || state === ThreadState.Failed || state === ThreadState.NotStarted) continue;
      const base = this.objects.get(t.objectId)?.base ?? 0;
      out.push({ kind: 'Thread', id: t.objectId, base, name: t.name, extra: { daemon: t.daemon, pool: t.pool } });
    }
    return out;
  }

  private onWorkerError(record: ThreadRecord, error: Error): void {
    if (this.stopping || record.done) return;
    const code = (error as { code?: string }).code;
    const message = code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? `the thread ran out of memory (heap limit ${this.options.heapLimitMb ?? DEFAULTS.heapLimitMb} MiB)`
      : `${error.name}: ${error.message}`;
    this.onException(record, { type: 'exception', tid: record.tid, name: code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'MemoryError' : error.name, message, stack: '', timeNs: this.nowNs() });
    this.onOutput(record, 'stderr', `Exception in thread ${record.name}:\n${message}`, this.nowNs());
    this.markDead(record);
  }

  /** Handle the messages already queued on `port`, now rather than in a later turn. */
  private readQueued(port: MessagePort, record: ThreadRecord): void {
    for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) {
      this.onNotice(record, message.message as WorkerNotice);
    }
  }

  private onWorkerExit(record: ThreadRecord, code: number): void {
    if (this.stopping || record.done) return;
    // The worker may have exited on its own right after saying 'done': read what is still queued.
    this.readQueued(record.port!, record);
    if (record.done) return;
    if (code === 0 && !this.controlled) {
      // A worker that ended with code 0 without saying 'done' (the worker entry ends a thread
      // on process.exit() itself): end the thread quietly, as sys.exit() ends a Python thread.
      this.recoverUnpublished(record);
      this.releaseGilOf(record);
      record.done = true;
      const cell = threadBlockBase(record.tid) + T_STATE;
      Atomics.store(this.heap, cell, ThreadState.Finished);
      Atomics.notify(this.heap, cell);
      this.checkCompletion();
      return;
    }
    this.onException(record, { type: 'exception', tid: record.tid, name: 'Error', message: `the thread's worker exited unexpectedly (exit code ${code})`, stack: '', timeNs: this.nowNs() });
    this.markDead(record);
  }

  /** A worker that ended without saying 'done' may have held the GIL: pass it on for it. */
  private releaseGilOf(record: ThreadRecord): void {
    if (this.setup.mode === 'gil' && Atomics.load(this.heap, H_GIL_HOLDER) === record.tid + 1) passGil(this.heap, record.tid);
  }

  /** A worker died without finishing: wake its joiners, keep what it recorded. */
  private markDead(record: ThreadRecord): void {
    this.releaseGilOf(record);
    record.done = true;
    record.failed = true;
    this.recoverUnpublished(record);
    const cell = threadBlockBase(record.tid) + T_STATE;
    Atomics.store(this.heap, cell, ThreadState.Failed);
    if (this.controlled && !this.stopping) {
      // It died holding the turn or waiting for it: no schedule can go on deterministically.
      const last = this.exceptions.filter((e) => e.tid === record.tid).at(-1);
      this.stop('error', {
        kind: 'internal', site: '',
        message: `${record.name}'s worker ended unexpectedly${last ? ` (${last.name}: ${last.message})` : ''}; a controlled run cannot go on without it`,
      });
      return;
    }
    Atomics.notify(this.heap, cell);
    this.checkCompletion();
  }

  // ── Rings ────────────────────────────────────────────────────────────────────────────────

  private waitForDoorbell(): void {
    if (this.stopping || this.doorbellWaiting) return;
    const value = Atomics.load(this.heap, H_DOORBELL);
    const result = Atomics.waitAsync(this.heap, H_DOORBELL, value);
    if (!result.async) {
      setImmediate(() => { this.drainAll(); this.waitForDoorbell(); });
      return;
    }
    this.doorbellWaiting = true;
    void result.value.then(() => {
      this.doorbellWaiting = false;
      if (this.stopping) return;
      this.drainAll();
      this.waitForDoorbell();
    });
  }

  private drainAll(): void {
    for (const record of this.threads.values()) this.drainRing(record);
    if (this.controlled && !this.stuck && Atomics.load(this.heap, H_S_STATUS) === SCHED_STUCK) {
      this.stuck = true;
      setImmediate(() => this.onStuck());
    }
    const limit = this.options.maxEvents ?? DEFAULTS.maxEvents;
    if (this.totalEvents > limit && !this.stopping) {
      this.truncated = 'events';
      this.stop('error', { kind: 'limit', message: `the run recorded more than ${limit} events (the --max-events limit); the trace keeps the first ones`, site: '' });
    }
  }

  /** Copy published events out of the ring and free the space. */
  private drainRing(record: ThreadRecord, upTo?: number): void {
    const header = new Int32Array(record.ring, 0, RING_HEADER_BYTES / 4);
    const head = upTo ?? Atomics.load(header, RING_HEAD);
    const tail = Atomics.load(header, RING_TAIL);
    if (head === tail) return;
    const bytes = new Uint8Array(record.ring, RING_HEADER_BYTES);
    const capacity = this.ringEvents;
    const from = tail % capacity;
    const count = head - tail;
    const chunk = new Uint8Array(count * EVENT_BYTES);
    const firstPart = Math.min(count, capacity - from);
    chunk.set(bytes.subarray(from * EVENT_BYTES, (from + firstPart) * EVENT_BYTES), 0);
    if (firstPart < count) chunk.set(bytes.subarray(0, (count - firstPart) * EVENT_BYTES), firstPart * EVENT_BYTES);
    this.consume(record, chunk);
    Atomics.store(header, RING_TAIL, head);
    if (Atomics.load(header, RING_WRITER_WAITING)) Atomics.notify(header, RING_TAIL);
  }

  private consume(record: ThreadRecord, chunk: Uint8Array): void {
    record.chunks.push(chunk);
    const n = chunk.byteLength / EVENT_BYTES;
    record.events += n;
    this.totalEvents += n;
  }

  // ── Who holds what, for deadlock reports (computed only when one is found) ──────────────

  /** Replay semaphore events not yet seen (Lock and RLock owners are read from their cells). */
  private catchUpHolds(): void {
    for (const record of this.threads.values()) {
      for (; record.scannedChunks < record.chunks.length; record.scannedChunks++) {
        const chunk = record.chunks[record.scannedChunks];
        const words = new Int32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength / 4);
        for (let w = 0; w < words.length; w += EVENT_WORDS) {
          const kind = words[w + 2] & 0xff;
          if (kind !== EventKind.Acquired && kind !== EventKind.Released) continue;
          const objectId = words[w + 3] >>> 0;
          const objectKind = this.objects.get(objectId)?.kind;
          if (objectKind === 'Semaphore' || objectKind === 'BoundedSemaphore') this.holds.apply(record.tid, kind, objectId, words[w + 5]);
        }
      }
    }
  }

  private lockOwner(object: { kind: ObjectKind; base: number }): number {
    return object.base ? Atomics.load(this.heap, object.base + LOCK_OWNER_CELL) - 1 : -1;
  }

  private heldBy(tid: number): number[] {
    this.catchUpHolds();
    const held: number[] = [];
    for (const object of this.objects.values()) {
      if (object.kind === 'Lock' || object.kind === 'RLock') {
        if (this.lockOwner(object) === tid) held.push(object.id);
      } else if (this.holds.countHeld(object.id, tid) > 0) {
        held.push(object.id);
      }
    }
    return held;
  }

  private holdersOf(objectId: number): number[] {
    const object = this.objects.get(objectId);
    if (!object) return [];
    if (object.kind === 'Lock' || object.kind === 'RLock') {
      const owner = this.lockOwner(object);
      return owner >= 0 ? [owner] : [];
    }
    this.catchUpHolds();
    return this.holds.holdersOf(objectId);
  }

  /** The site of the thread's latest Block: a blocked thread published it last. */
  private lastBlockSite(tid: number): number {
    const record = this.threads.get(tid);
    if (!record) return 0;
    for (let c = record.chunks.length - 1; c >= 0; c--) {
      const chunk = record.chunks[c];
      const words = new Int32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength / 4);
      for (let w = words.length - EVENT_WORDS; w >= 0; w -= EVENT_WORDS) {
        if ((words[w + 2] & 0xff) === EventKind.Block) return words[w + 4] >>> 0;
      }
    }
    return 0;
  }

  /**
   * After a worker is gone: events it wrote but had not published yet are still in the ring;
   * take those whose sequence number follows on (a slot from an older lap does not match).
   */
  private recoverUnpublished(record: ThreadRecord): void {
    const header = new Int32Array(record.ring, 0, RING_HEADER_BYTES / 4);
    this.drainRing(record);
    let head = Atomics.load(header, RING_TAIL);
    const words = new Uint32Array(record.ring, RING_HEADER_BYTES);
    const capacity = this.ringEvents;
    let recovered = 0;
    while (recovered < capacity) {
      const w = (head % capacity) * EVENT_WORDS;
      const kindAndSeq = words[w + 2];
      if ((kindAndSeq & 0xff) === 0 || kindAndSeq >>> 8 !== (head & 0xffffff)) break;
      head++;
      recovered++;
    }
    if (recovered > 0) {
      Atomics.store(header, RING_HEAD, head);
      this.drainRing(record, head);
    }
  }

  // ── Watching ─────────────────────────────────────────────────────────────────────────────

  /**
   * Controlled mode: no thread can ever run again. Once every thread that ended has said so,
   * either the run is complete (only daemons wait) or it is deadlocked: report it now.
   */
  private onStuck(): void {
    if (this.stopping) return;
    // A reused worker's port belongs to the last thread assigned to it.
    const owners = new Map<MessagePort, ThreadRecord>();
    for (const record of this.threads.values()) if (record.port) owners.set(record.port, record);
    for (const [port, record] of owners) this.readQueued(port, record);
    if (this.stopping) return;
    this.checkCompletion();
    if (this.stopping) return;
    for (const record of this.threads.values()) {
      const state = Atomics.load(this.heap, threadBlockBase(record.tid) + T_STATE);
      if (!record.done && (state === ThreadState.Finished || state === ThreadState.Failed)) {
        setTimeout(() => this.onStuck(), 1); // its 'done' is on the way
        return;
      }
    }
    this.drainAll();
    const report = this.detector.check(this.nowNs(), true);
    if (report) this.stop('deadlock', undefined, report);
    else this.stop('error', { kind: 'internal', message: 'no thread can run, but the deadlock detector found no wait it could explain', site: '' });
  }

  private poll(): void {
    if (this.stopping) return;
    this.drainAll();
    if (this.stopping) return;
    this.options.onProgress?.({ phase: 'running', elapsedMs: performance.now() - this.startedAt, threads: this.threads.size, events: this.totalEvents });
    if (this.controlled) return; // the scheduler says when no thread can run
    const report = this.detector.check(this.nowNs());
    if (report) this.stop('deadlock', undefined, report);
  }

  private checkCompletion(): void {
    if (this.stopping) return;
    const main = this.threads.get(0);
    if (!main?.done) return;
    const started = Atomics.load(this.heap, H_NEXT_TID);
    for (let tid = 1; tid < Math.min(started, this.maxThreads); tid++) {
      const record = this.threads.get(tid);
      if (!record) return; // started, its spawn message is on the way
      if (!record.done && !record.daemon) return;
    }
    this.stop(this.mainError?.kind === 'exception' || this.mainError?.kind === 'usage' ? 'error' : 'completed');
  }

  private nowNs(): number {
    if (this.controlled) return this.heapF64[H_VCLOCK_F64];
    return Math.round((performance.now() - this.startedAt) * 1e6);
  }

  // ── Stopping ─────────────────────────────────────────────────────────────────────────────

  private stop(outcome: Outcome, error?: SnippetError, deadlock?: DeadlockReport): void {
    if (this.stopping) return;
    this.stopping = true;
    this.unlisten?.();
    const wallMs = performance.now() - this.startedAt;
    let durationMs = wallMs;
    if (this.controlled) {
      // Virtual time stops when no thread can run; give a deadlock's blocked lanes some length.
      const vclock = this.heapF64[H_VCLOCK_F64];
      durationMs = (outcome === 'deadlock' ? vclock + Math.max(STEP_NS, vclock / 4) : vclock) / 1e6;
    }
    this.wallMs = wallMs;
    for (const timer of this.timers) clearTimeout(timer);
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.options.onProgress?.({ phase: 'stopping', elapsedMs: durationMs, threads: this.threads.size, events: this.totalEvents });
    void this.finish(outcome, durationMs, error ?? (outcome === 'error' || outcome === 'completed' ? this.mainError : undefined), deadlock);
  }

  private async finish(outcome: Outcome, durationMs: number, error: SnippetError | undefined, deadlock: DeadlockReport | undefined): Promise<void> {
    // Stop every worker, then collect everything they recorded (published or not). In a hunt,
    // workers whose thread ended normally and spares go back to the pool instead.
    const kept = new Set<Worker>();
    if (this.pool) {
      for (const warm of this.warm) {
        if (warm.exited || kept.has(warm.worker)) continue;
        kept.add(warm.worker);
        this.pool.give(warm);
      }
    }
    const workers = [...this.allWorkers].filter((w) => !kept.has(w));
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
    // Messages already queued on the ports (output, exceptions) are delivered before we read them.
    await new Promise((resolve) => setImmediate(resolve));
    for (const record of this.threads.values()) this.recoverUnpublished(record);
    for (const record of this.threads.values()) if (!kept.has(record.worker!)) record.port?.close();
    for (const w of this.warm) if (!kept.has(w.worker)) w.port.close();
    if (outcome === 'timeout') {
      error = { kind: 'limit', message: `the run did not finish within ${this.options.timeoutSeconds ?? DEFAULTS.timeoutSeconds} s (the timeout); threads still running were stopped`, site: '' };
    }
    this.resolve({
      outcome,
      durationMs,
      wallMs: this.wallMs,
      ...(this.schedule ? {
        schedule: { ...this.schedule, steps: Atomics.load(this.heap, H_S_STEP), choices: Atomics.load(this.heap, H_S_CHOICES) },
      } : {}),
      events: this.totalEvents,
      ...(deadlock ? { deadlock } : {}),
      ...(error ? { error } : {}),
      ...(this.truncated ? { truncated: this.truncated } : {}),
      trace: this.buildTrace(outcome, durationMs, error, deadlock),
    });
  }

  private buildTrace(outcome: Outcome, durationMs: number, error?: SnippetError, deadlock?: DeadlockReport): Trace {
    const records = [...this.threads.values()].sort((a, b) => a.tid - b.tid);
    const threads: ThreadInfo[] = records.map((r) => ({
      tid: r.tid, name: r.name, objectId: r.objectId, daemon: r.daemon,
      ...(r.pool ? { pool: r.pool } : {}), ...(r.target ? { target: r.target } : {}),
      finalState: this.finalState(r),
    }));
    // Output from different threads arrives on different ports; order it by when it was written.
    const order = this.output.map((line, index) => ({ line, index })).sort((a, b) => a.line.timeNs - b.line.timeNs || a.index - b.index);
    const newIndex = new Map(order.map((entry, position) => [entry.index, position]));
    const output = order.map((entry) => entry.line);
    for (const r of records) r.outputOrdinals = r.outputOrdinals.map((i) => (i < 0 ? i : newIndex.get(i)!));
    const events: Uint8Array[] = [];
    const eventCounts: number[] = [];
    for (const r of records) {
      const joined = concat(r.chunks);
      this.rewriteOutputArgs(joined, r);
      events[r.tid] = joined;
      eventCounts[r.tid] = joined.byteLength / EVENT_BYTES;
    }
    settleTimes(events, new Set([...this.objects.values()].filter((o) => o.kind === 'Lock').map((o) => o.id)));
    const objects = [...this.objects.values()].sort((a, b) => a.id - b.id).map(({ base: _base, ...info }) => info);
    const exceptions = this.exceptionsWithSites();
    return {
      header: {
        format: TRACE_FORMAT, version: TRACE_VERSION, file: this.options.file, mode: this.setup.mode, outcome,
        ...(this.setup.mode === 'gil' ? { gil: { switchIntervalMs: DEFAULT_SWITCH_INTERVAL_US / 1000 } } : {}),
        waitsRecorded: true,
        durationMs, endNs: Math.round(durationMs * 1e6), startedAt: new Date(performance.timeOrigin + this.startedAt).toISOString(),
        threads, objects, sites: this.bundle.sites as Site[], output, exceptions,
        ...(this.truncated ? { truncated: this.truncated } : {}),
        ...(deadlock ? {
          deadlock: {
            kind: deadlock.kind, explanation: deadlock.explanation, detectedAtNs: deadlock.detectedAtNs,
            cycle: deadlock.cycle.map((e) => ({
              tid: e.tid, holds: e.holdsIds, waitsFor: e.waitsForId, waitKind: kindCode(e.waitsForKind), heldBy: e.heldByTids, siteId: e.siteId,
            })),
          },
        } : {}),
        ...(error ? { error: { message: error.message, site: error.site, kind: error.kind } } : {}),
        eventCounts,
      },
      events,
    };
  }

  /** Output events carry the thread's own ordinal; the trace wants the index into header.output. */
  private rewriteOutputArgs(bytes: Uint8Array, record: ThreadRecord): void {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    for (let w = 0; w < words.length; w += EVENT_WORDS) {
      if ((words[w + 2] & 0xff) === EventKind.Output) words[w + 5] = record.outputOrdinals[words[w + 5]] ?? -1;
    }
  }

  private finalState(record: ThreadRecord): ThreadFinalState {
    const state = Atomics.load(this.heap, threadBlockBase(record.tid) + T_STATE);
    switch (state) {
      case ThreadState.Finished: return 'finished';
      case ThreadState.Failed: return 'failed';
      case ThreadState.Blocked: return 'blocked';
      case ThreadState.Waiting: return 'waiting';
      case ThreadState.Sleeping: return 'sleeping';
      case ThreadState.Running: case ThreadState.Starting: return 'running';
      default: return 'not-started';
    }
  }
}

function kindCode(name: string): number {
  const entry = Object.entries(WAIT_KIND_NAMES).find(([, n]) => n === name);
  return entry ? Number(entry[0]) : 0;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

