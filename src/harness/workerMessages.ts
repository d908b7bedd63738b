/**
 * The coordinator's side of the conversation with the workers: giving a thread to a worker
 * (`assign`), and handling what workers say (runtime/rpc.ts `WorkerNotice`): objects defined,
 * threads spawned, output, exceptions, a thread done, synchronous requests (queue items,
 * futures' values and callbacks, thread names), and workers that fail or exit without a word.
 *
 * A request is answered with a 'reply' message, then the thread's T_RPC cell is set to 1 and
 * notified (the worker waits on that cell). Output beyond `outputCapBytes` (UTF-8 bytes plus one
 * per line) is counted, not kept; its Output events then point at no line (-1).
 * Invariants: a record's worker and port belong to it from `assign` until it is done; a thread
 * that is done sends nothing more that matters; a dead worker's thread ends once, as failed.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

import { ThreadState, type OutputLine } from '../trace/format';
import { H_GIL_HOLDER, H_LIVE_THREADS, T_RPC, T_S_GO, T_STATE, threadBlockBase, type ThreadAssignment } from '../runtime/shared';
import { GO_UNWIND } from '../runtime/schedule';
import type { Handle } from '../runtime/core';
import { passGil } from '../runtime/gil';
import type { RpcRequest, WorkerNotice } from '../runtime/rpc';

import type { Rings } from './rings';
import { newThreadRecord, type RunState, type StopRun, type ThreadRecord } from './runState';
import { ItemStore } from './store';
import { DEFAULTS } from './types';

/** Longest wait for a thread to unwind before its worker is terminated instead. */
const UNWIND_LIMIT_MS = 250;

/** What worker.ts reports a thread's process.exit(code) as (code not 0), its message the code: Python's SystemExit. */
const SYSTEM_EXIT = 'SystemExit';
import type { Watcher } from './watcher';
import type { RunWorkers } from './workerPool';

export class WorkerMessages {
  /** Queue items, futures' outcomes and callbacks the workers keep here. */
  private readonly store = new ItemStore();

  constructor(
    private readonly state: RunState,
    private readonly workers: RunWorkers,
    private readonly rings: Rings,
    private readonly watcher: Watcher,
    private readonly stop: StopRun,
  ) {}

  /** Give the thread a worker and tell it what to run. */
  assign(record: ThreadRecord, target: unknown, handle: Handle | undefined): void {
    const state = this.state;
    const warm = this.workers.take();
    record.worker = warm.worker;
    record.port = warm.port;
    state.threads.set(record.tid, record);
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
    const bundle = state.bundle;
    const assignment: ThreadAssignment = {
      tid: record.tid,
      name: record.name,
      ring: record.ring!, // a thread being assigned is not done: its ring is there
      bundlePath: bundle.bundlePath,
      epochOffsetMs: state.startedAt,
      sites: bundle.sites,
      initObjects: { ...state.initObjects },
      target,
      threadHandle: handle,
      daemon: record.daemon,
    };
    worker.postMessage({ type: 'assign', setup: state.setup, assignment, reusable: this.workers.reusable });
  }

  /** Handle the messages already queued on every thread's port, now rather than in a later turn. */
  readAllQueued(): void {
    // A reused worker's port belongs to the last thread assigned to it.
    const owners = new Map<MessagePort, ThreadRecord>();
    for (const record of this.state.threads.values()) if (record.port) owners.set(record.port, record);
    for (const [port, record] of owners) this.readQueued(port, record);
  }

  /**
   * The run is over and its threads cannot go on (a deadlock or a livelock, controlled mode):
   * wake every thread not done with GO_UNWIND, so that it unwinds (runtime/schedule.ts), and
   * wait, at most UNWIND_LIMIT_MS, for each worker to say it is free: those become spares again
   * instead of being terminated and booted anew. What the threads recorded is read first; what
   * they do and say while they unwind is not the run's.
   */
  async unwindAll(): Promise<void> {
    const state = this.state;
    // What they said before the run ended (they are all parked now) is the run's.
    this.readAllQueued();
    const unwinding: Promise<void>[] = [];
    for (const record of state.threads.values()) {
      if (record.done || !record.worker || !record.warm || record.unwinding) continue;
      this.rings.recoverUnpublished(record);
      const ring = record.ring;
      record.ring = null;
      const worker = record.worker;
      unwinding.push(
        new Promise<void>((resolve) => {
          let limit: NodeJS.Timeout | undefined = undefined;
          const settle = () => {
            clearTimeout(limit);
            worker.off('exit', settle);
            resolve();
          };
          limit = setTimeout(settle, UNWIND_LIMIT_MS);
          worker.once('exit', settle);
          record.unwinding = (reusable: boolean) => {
            record.done = true;
            if (ring) state.memory?.giveRing(ring, state.ringEvents);
            if (reusable && record.warm) {
              record.detach?.();
              this.workers.giveBack(record.warm);
            }
            settle();
          };
        }),
      );
      const go = threadBlockBase(record.tid) + T_S_GO;
      Atomics.store(state.heap, go, GO_UNWIND);
      Atomics.notify(state.heap, go);
    }
    await Promise.all(unwinding);
  }

  private onNotice(record: ThreadRecord, notice: WorkerNotice): void {
    const state = this.state;
    if (record.unwinding) {
      if (notice.type === 'done' && notice.unwound) record.unwinding(notice.reusable !== false);
      return;
    }
    switch (notice.type) {
      case 'define':
        state.objects.set(notice.id, {
          id: notice.id,
          kind: notice.kind,
          name: notice.name,
          siteId: notice.siteId,
          tid: notice.tid,
          base: notice.base,
          ...(notice.initial !== undefined ? { initial: notice.initial } : {}),
          ...(notice.internal ? { internal: true } : {}),
        });
        return;
      case 'init-object':
        state.initObjects[notice.key] = notice.handle;
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
        // It records nothing more: copy out what it did and let the ring go (a run that starts and
        // joins thousands of threads keeps only the live ones' rings).
        this.rings.retire(record);
        // The worker is finished with the snippet; its remaining messages were sent before this one.
        if (this.workers.reusable && record.warm && !record.failed && notice.reusable !== false) {
          record.detach?.();
          this.workers.giveBack(record.warm);
        } else {
          void record.worker?.terminate();
        }
        this.watcher.checkCompletion();
        return;
      case 'rpc':
        this.onRequest(record, notice.request);
        return;
      case 'reveal': {
        const object = state.objects.get(notice.id);
        if (object) delete object.internal;
        return;
      }
    }
  }

  private noteBase(handle: Handle): void {
    const object = this.state.objects.get(handle.id);
    if (object) object.base = handle.base;
    for (const value of Object.values(handle.extra ?? {})) {
      if (value && typeof value === 'object' && 'kind' in value && 'base' in value) this.noteBase(value as Handle);
    }
  }

  private onSpawn(notice: Extract<WorkerNotice, { type: 'spawn' }>): void {
    if (this.state.stopping) return;
    this.noteBase(notice.handle);
    const record = newThreadRecord(
      {
        tid: notice.tid,
        name: notice.name,
        objectId: notice.objectId,
        daemon: notice.daemon,
        pool: notice.pool,
        target: notice.target || undefined,
      },
      this.rings.create(),
    );
    this.assign(record, notice.payload, notice.handle);
  }

  private onOutput(record: ThreadRecord, stream: 'stdout' | 'stderr', text: string, timeNs: number): void {
    const state = this.state;
    const cap = state.options.outputCapBytes ?? DEFAULTS.outputCapBytes;
    const bytes = Buffer.byteLength(text) + 1;
    if (state.outputBytes + bytes > cap) {
      state.outputDropped++;
      state.truncated ??= 'output';
      record.outputOrdinals.push(-1);
      return;
    }
    state.outputBytes += bytes;
    const line: OutputLine = { tid: record.tid, thread: record.name, stream, text, timeNs };
    record.outputOrdinals.push(state.output.length);
    state.output.push(line);
    state.options.onOutput?.(line);
  }

  private onException(record: ThreadRecord, notice: Extract<WorkerNotice, { type: 'exception' }>): void {
    const state = this.state;
    const usageSite = notice.usageSiteId ? state.bundle.sites[notice.usageSiteId] : undefined;
    const line = usageSite?.line ?? notice.line;
    const col = usageSite?.col ?? notice.col ?? 1;
    // The site table entry is made when the trace is built, in time order: exceptions from
    // different threads arrive on different ports, in an order that varies from run to run.
    state.exceptions.push({
      tid: record.tid,
      name: notice.name,
      message: notice.message,
      stack: notice.stack,
      siteId: notice.usageSiteId ?? 0,
      timeNs: notice.timeNs,
      ...(notice.usageSiteId || !line ? {} : { line, col }),
    });
    if (record.tid === 0 || notice.usageSiteId) {
      // process.exit(code) in MainThread: the worker reports it as SystemExit, its message the code.
      const exitCode = record.tid === 0 && notice.name === SYSTEM_EXIT ? Number(notice.message) : undefined;
      state.mainError ??= {
        kind: notice.usageSiteId ? 'usage' : 'exception',
        message: notice.usageSiteId
          ? notice.message
          : exitCode !== undefined
            ? `MainThread called process.exit(${exitCode})`
            : `${notice.name}: ${notice.message}`,
        site: line ? `${usageSite?.file ?? state.options.file}:${line}:${col}` : '',
        line,
        col: line ? col : undefined,
        ...(exitCode !== undefined ? { exitCode } : {}),
      };
    }
  }

  private onRequest(record: ThreadRecord, request: RpcRequest): void {
    const state = this.state;
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
        value = [...state.threads.values()].find((t) => t.objectId === request.objectId)?.name ?? state.objects.get(request.objectId)?.name;
        break;
      case 'thread-rename': {
        const thread = [...state.threads.values()].find((t) => t.objectId === request.objectId);
        if (thread) thread.name = request.name;
        const object = state.objects.get(request.objectId);
        if (object) object.name = request.name;
        break;
      }
    }
    record.port!.postMessage({ type: 'reply', value });
    const cell = threadBlockBase(record.tid) + T_RPC;
    Atomics.store(state.heap, cell, 1);
    Atomics.notify(state.heap, cell);
  }

  private aliveThreadHandles(): Handle[] {
    const state = this.state;
    const out: Handle[] = [];
    for (const t of [...state.threads.values()].sort((a, b) => a.tid - b.tid)) {
      const threadState = Atomics.load(state.heap, threadBlockBase(t.tid) + T_STATE);
      if (threadState === ThreadState.Finished || threadState === ThreadState.Failed || threadState === ThreadState.NotStarted) continue;
      const base = state.objects.get(t.objectId)?.base ?? 0;
      out.push({ kind: 'Thread', id: t.objectId, base, name: t.name, extra: { daemon: t.daemon, pool: t.pool } });
    }
    return out;
  }

  private onWorkerError(record: ThreadRecord, error: Error): void {
    const state = this.state;
    if (state.stopping || record.done) return;
    const code = (error as { code?: string }).code;
    const message =
      code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `the thread ran out of memory (heap limit ${state.options.heapLimitMb ?? DEFAULTS.heapLimitMb} MiB)`
        : `${error.name}: ${error.message}`;
    this.onException(record, {
      type: 'exception',
      tid: record.tid,
      name: code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'MemoryError' : error.name,
      message,
      stack: '',
      timeNs: state.nowNs(),
    });
    this.onOutput(record, 'stderr', `Exception in thread ${record.name}:\n${message}`, state.nowNs());
    this.markDead(record);
  }

  /** Handle the messages already queued on `port`, now rather than in a later turn. */
  private readQueued(port: MessagePort, record: ThreadRecord): void {
    for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) {
      this.onNotice(record, message.message as WorkerNotice);
    }
  }

  private onWorkerExit(record: ThreadRecord, code: number): void {
    const state = this.state;
    if (state.stopping || record.done) return;
    // The worker may have exited on its own right after saying 'done': read what is still queued.
    this.readQueued(record.port!, record);
    if (record.done) return;
    if (code === 0 && !state.controlled) {
      // A worker that ended with code 0 without saying 'done' (the worker entry ends a thread
      // on process.exit() itself): end the thread quietly, as sys.exit() ends a Python thread.
      this.rings.recoverUnpublished(record);
      this.releaseGilOf(record);
      this.freePlace(record);
      record.done = true;
      const cell = threadBlockBase(record.tid) + T_STATE;
      Atomics.store(state.heap, cell, ThreadState.Finished);
      Atomics.notify(state.heap, cell);
      this.watcher.checkCompletion();
      return;
    }
    this.onException(record, {
      type: 'exception',
      tid: record.tid,
      name: 'Error',
      message: `the thread's worker exited unexpectedly (exit code ${code})`,
      stack: '',
      timeNs: state.nowNs(),
    });
    this.markDead(record);
  }

  /** A worker that ended without saying 'done' may have held the GIL: pass it on for it. */
  private releaseGilOf(record: ThreadRecord): void {
    const state = this.state;
    if (state.setup.mode === 'gil' && Atomics.load(state.heap, H_GIL_HOLDER) === record.tid + 1) passGil(state.heap, record.tid);
  }

  /** A thread whose worker ended without finish() (worker.ts) is no longer alive: its place under maxThreads is free. */
  private freePlace(record: ThreadRecord): void {
    const cell = threadBlockBase(record.tid) + T_STATE;
    const ended = Atomics.load(this.state.heap, cell);
    // finish() frees the place before it marks the thread ended: only one of the two frees it.
    if (record.tid !== 0 && ended !== ThreadState.Finished && ended !== ThreadState.Failed) Atomics.sub(this.state.heap, H_LIVE_THREADS, 1);
  }

  /** A worker died without finishing: wake its joiners, keep what it recorded. */
  private markDead(record: ThreadRecord): void {
    const state = this.state;
    this.releaseGilOf(record);
    this.freePlace(record);
    record.done = true;
    record.failed = true;
    this.rings.recoverUnpublished(record);
    const cell = threadBlockBase(record.tid) + T_STATE;
    Atomics.store(state.heap, cell, ThreadState.Failed);
    if (state.controlled && !state.stopping) {
      // It died holding the turn or waiting for it: no schedule can go on deterministically.
      const last = state.exceptions.filter((e) => e.tid === record.tid).at(-1);
      this.stop('error', {
        kind: 'internal',
        site: '',
        message: `${record.name}'s worker ended unexpectedly${last ? ` (${last.name}: ${last.message})` : ''}; a controlled run cannot go on without it`,
      });
      return;
    }
    Atomics.notify(state.heap, cell);
    this.watcher.checkCompletion();
  }
}
