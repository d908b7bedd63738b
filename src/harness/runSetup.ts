/**
 * Setting a run up before any worker starts: the shared heap every worker maps, the
 * `WorkerSetup` each worker is given with its thread, controlled mode's scheduler state, and
 * free mode's millisecond ticker.
 *
 * The heap (Int32 cells; layout in runtime/shared.ts) is the header, one block of
 * THREAD_STRIDE cells per possible thread (TID_CAPACITY; `maxThreads` limits the live ones, not
 * the blocks), then PRIMITIVE_CELLS cells that
 * primitives allocate with a bump pointer. Object ids start after MainThread's
 * (MAIN_OBJECT_ID), tids after 0 (MainThread). In controlled mode MainThread holds the baton
 * first and the virtual clock starts at 0 ns. Ring sizes are a power of two (in events).
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';

import {
  H_GIL_INTERVAL_US,
  H_NEXT_CELL,
  H_NEXT_OBJECT_ID,
  H_NEXT_TID,
  H_S_LIVE,
  H_S_LOW_PRIORITY,
  H_S_RNG,
  H_S_TURN,
  H_TICK,
  H_VCLOCK_F64,
  MAIN_OBJECT_ID,
  T_S_GO,
  T_S_PRIORITY,
  T_S_STATE,
  TID_CAPACITY,
  cellsBase,
  threadBlockBase,
  type WorkerSetup,
} from '../runtime/shared';
import { EVENT_BYTES, RING_HEAD, RING_HEADER_BYTES } from '../trace/format';
import { LIVELOCK_STEPS, SchedState, UNFAIR_STEPS, initialPriority, pctChangePoints, seedState } from '../runtime/schedule';
import { DEFAULT_SWITCH_INTERVAL_US } from '../runtime/gil';

import { DEFAULTS, type RunOptions, type ScheduleInfo } from './types';

/** Int32 cells for primitives' state (16 MiB). */
const PRIMITIVE_CELLS = 4 << 20;

/** One run's heap and what every worker is told about the run. */
interface RunHeap {
  buffer: SharedArrayBuffer;
  i32: Int32Array;
  /** The same memory as float64s (the virtual clock, deadlines). */
  f64: Float64Array;
  setup: WorkerSetup;
  /** Events each thread's ring holds (a power of two). */
  ringEvents: number;
}

/**
 * A hunt's memory, reused from one run to the next: the heap and the event rings. Sharing a new
 * 20 MiB SharedArrayBuffer with a worker costs ~0.2 ms (and each ring ~15 µs), more than a
 * whole schedule's work; a reused one costs a few µs. What a run wrote is cleared when it is
 * given back: the header, the thread blocks of the threads started and the primitives' cells
 * allocated (the heap), and the header and the slots written (a ring). Only give back memory
 * no worker writes any more (its thread is done, or its worker has ended).
 */
export class RunMemory {
  private heap: SharedArrayBuffer | undefined;
  private readonly rings: SharedArrayBuffer[] = [];

  takeHeap(bytes: number): SharedArrayBuffer {
    const heap = this.heap?.byteLength === bytes ? this.heap : new SharedArrayBuffer(bytes);
    this.heap = undefined;
    return heap;
  }

  giveHeap(heap: SharedArrayBuffer): void {
    const i32 = new Int32Array(heap);
    const threads = Math.min(Atomics.load(i32, H_NEXT_TID), TID_CAPACITY);
    const cellsEnd = Math.min(Math.max(Atomics.load(i32, H_NEXT_CELL), cellsBase()), i32.length);
    i32.fill(0, cellsBase(), cellsEnd);
    i32.fill(0, 0, threadBlockBase(threads));
    this.heap = heap;
  }

  takeRing(bytes: number): SharedArrayBuffer {
    const index = this.rings.findIndex((ring) => ring.byteLength === bytes);
    return index >= 0 ? this.rings.splice(index, 1)[0] : new SharedArrayBuffer(bytes);
  }

  giveRing(ring: SharedArrayBuffer, capacity: number): void {
    const header = new Int32Array(ring, 0, RING_HEADER_BYTES / 4);
    const written = Math.min(Atomics.load(header, RING_HEAD), capacity);
    new Uint8Array(ring, RING_HEADER_BYTES).fill(0, 0, written * EVENT_BYTES);
    header.fill(0);
    this.rings.push(ring);
  }
}

/** A heap for one run (fresh, or a hunt's, cleared); `schedule` is given in controlled mode only. */
export function createRunHeap(options: RunOptions, schedule: ScheduleInfo | undefined, memory?: RunMemory): RunHeap {
  const maxThreads = options.maxThreads ?? DEFAULTS.maxThreads;
  const ringEvents = nextPowerOfTwo(options.ringEvents ?? DEFAULTS.ringEvents);
  const bytes = (cellsBase() + PRIMITIVE_CELLS) * 4;
  const buffer = memory ? memory.takeHeap(bytes) : new SharedArrayBuffer(bytes);
  const i32 = new Int32Array(buffer);
  const f64 = new Float64Array(buffer);
  i32[H_NEXT_OBJECT_ID] = MAIN_OBJECT_ID + 1;
  i32[H_NEXT_TID] = 1;
  i32[H_NEXT_CELL] = cellsBase();
  const setup: WorkerSetup = {
    heap: buffer,
    maxThreads,
    epochOrigin: performance.timeOrigin,
    record: options.record ?? true,
    // Controlled mode sees every shared access anyway: races are checked there by default.
    recordShared: options.recordShared ?? schedule !== undefined,
    cpuCount: os.availableParallelism?.() ?? os.cpus().length,
    mode: schedule ? 'controlled' : (options.mode ?? 'free'),
    ...(schedule
      ? {
          schedule: {
            strategy: schedule.strategy,
            seed: schedule.seed,
            changePoints: schedule.strategy === 'pct' ? pctChangePoints(schedule.seed, schedule.depth!, schedule.bound!) : [],
            ...(schedule.path ? { path: schedule.path } : {}),
            ...(options.scheduleLog ? { log: options.scheduleLog } : {}),
            unfairSteps: options.unfairSteps ?? UNFAIR_STEPS,
            livelockSteps: options.livelockSteps ?? LIVELOCK_STEPS,
          },
        }
      : {}),
  };
  if (schedule) seedScheduler(i32, f64, schedule);
  i32[H_GIL_INTERVAL_US] = DEFAULT_SWITCH_INTERVAL_US;
  return { buffer, i32, f64, setup, ringEvents };
}

/** Controlled mode: MainThread holds the baton first; the clock starts at 0. */
function seedScheduler(heap: Int32Array, heapF64: Float64Array, schedule: ScheduleInfo): void {
  // PCT: seeds in a row share their threads' priorities for `bound` seeds while the first
  // change point sweeps every step (runtime/schedule.ts pctChangePoints), so a hunt tries
  // each preemption point under one priority order before drawing another.
  heap[H_S_RNG] = seedState(schedule.strategy === 'pct' ? Math.floor(schedule.seed / Math.max(1, schedule.bound ?? 1)) : schedule.seed);
  heap[H_S_LOW_PRIORITY] = (schedule.depth ?? 1) - 1;
  heap[H_S_TURN] = 0;
  heap[H_S_LIVE] = 1; // MainThread
  heapF64[H_VCLOCK_F64] = 0;
  const main = threadBlockBase(0);
  heap[main + T_S_PRIORITY] = initialPriority(heap, schedule.depth ?? 1);
  heap[main + T_S_STATE] = SchedState.Runnable;
  heap[main + T_S_GO] = 1;
}

/** A worker that advances H_TICK every millisecond (recorders read the clock when it moves). */
export function startTicker(heap: SharedArrayBuffer): Worker {
  const ticker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const heap = new Int32Array(workerData.heap);
     const idle = new Int32Array(new SharedArrayBuffer(4));
     for (;;) { Atomics.wait(idle, 0, 0, 1); Atomics.add(heap, ${H_TICK}, 1); }`,
    { eval: true, workerData: { heap }, execArgv: [] },
  );
  ticker.unref();
  return ticker;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}
