/**
 * The state of one run that the coordinator's parts share: the heap (runSetup.ts), the threads
 * and objects the workers reported, the output and exceptions, the event count and the flags
 * that say how far the run is.
 *
 * Units: `startedAt` is the run's epoch on this process's clock (ms, performance.now());
 * `nowNs()` is ns since that epoch, on the run's own clock (virtual in controlled mode).
 * Invariants: `threads` holds a record for every thread that was assigned a worker, by tid;
 * once `stopping` is set, nothing starts, refills or stops the run again.
 */
import type { MessagePort, Worker } from 'node:worker_threads';

import { H_VCLOCK_F64, type WorkerSetup } from '../runtime/shared';
import type { Handle } from '../runtime/core';
import type { ExceptionInfo, ObjectInfo, OutputLine, Outcome, Truncation } from '../trace/format';

import type { BundleResult } from './bundle';
import { createRunHeap, type RunMemory } from './runSetup';
import type { DeadlockReport, RunOptions, ScheduleInfo, SnippetError } from './types';
import type { WarmWorker } from './workerPool';

export interface ThreadRecord {
  tid: number;
  name: string;
  objectId: number;
  daemon: boolean;
  pool?: string;
  target?: string;
  worker?: Worker;
  port?: MessagePort;
  /** Its event ring; null once the thread is done and the ring drained for the last time (Rings.retire). */
  ring: SharedArrayBuffer | null;
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
  /** Set while the harness unwinds the thread (WorkerMessages.unwindAll): called when its worker says it is free. */
  unwinding?: (reusable: boolean) => void;
}

/** A thread that has not been given a worker yet. */
export function newThreadRecord(
  thread: Pick<ThreadRecord, 'tid' | 'name' | 'objectId' | 'daemon' | 'pool' | 'target'>,
  ring: SharedArrayBuffer,
): ThreadRecord {
  return { ...thread, ring, chunks: [], events: 0, done: false, failed: false, outputOrdinals: [], scannedChunks: 0 };
}

/** A primitive or Thread object, with the heap index of its cells (0 until known). */
type RunObject = ObjectInfo & { base: number };

/** Until the trace is built, a thrown exception's line and column wait here for a site. */
type PendingException = ExceptionInfo & { line?: number; col?: number };

/** Ends the run (the first call wins). */
export type StopRun = (outcome: Outcome, error?: SnippetError, deadlock?: DeadlockReport) => void;

export class RunState {
  readonly heapBuffer: SharedArrayBuffer;
  readonly heap: Int32Array;
  readonly heapF64: Float64Array;
  readonly setup: WorkerSetup;
  readonly ringEvents: number;
  /** Controlled mode: a seeded scheduler runs one thread at a time on a virtual clock. */
  readonly controlled: boolean;
  readonly threads = new Map<number, ThreadRecord>();
  readonly objects = new Map<number, RunObject>();
  /** Objects MainThread made at module top level, by "siteId:occurrence" (every thread binds to them). */
  readonly initObjects: Record<string, Handle> = {};
  readonly output: OutputLine[] = [];
  readonly exceptions: PendingException[] = [];
  outputBytes = 0;
  outputDropped = 0;
  totalEvents = 0;
  startedAt = 0;
  stopping = false;
  truncated: Truncation;
  /** What ended MainThread, or the first misuse of the API in any thread. */
  mainError?: SnippetError;

  constructor(
    readonly options: RunOptions,
    readonly bundle: BundleResult,
    readonly schedule?: ScheduleInfo,
    /** A hunt's memory, reused from one run to the next. */
    readonly memory?: RunMemory,
  ) {
    const heap = createRunHeap(options, schedule, memory);
    this.heapBuffer = heap.buffer;
    this.heap = heap.i32;
    this.heapF64 = heap.f64;
    this.setup = heap.setup;
    this.ringEvents = heap.ringEvents;
    this.controlled = schedule !== undefined;
  }

  nowNs(): number {
    if (this.controlled) return this.heapF64[H_VCLOCK_F64];
    return Math.round((performance.now() - this.startedAt) * 1e6);
  }
}
