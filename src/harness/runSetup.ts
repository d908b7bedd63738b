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
  cellsBase,
  threadBlockBase,
  type WorkerSetup,
} from '../runtime/shared';
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

/** A fresh heap for one run; `schedule` is given in controlled mode only. */
export function createRunHeap(options: RunOptions, schedule: ScheduleInfo | undefined): RunHeap {
  const maxThreads = options.maxThreads ?? DEFAULTS.maxThreads;
  const ringEvents = nextPowerOfTwo(options.ringEvents ?? DEFAULTS.ringEvents);
  const cells = cellsBase() + PRIMITIVE_CELLS;
  const buffer = new SharedArrayBuffer(cells * 4);
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
