/**
 * The `threadlanes` module: Python's threading, queue and concurrent.futures, spelled for
 * TypeScript. Times are seconds (floats), as in Python.
 *
 * Each Thread runs in its own worker and re-evaluates the snippet's module (like
 * multiprocessing's spawn): put the main program in `export function main()` (or under
 * `if (isMainThread)`), use module-level functions as targets, and share state through the
 * primitives here (`Value`, `SharedArray`, `Queue`, locks) — module-level primitives are the
 * same object in every thread.
 */
import { isMainThreadNow } from './thread';

export { Thread, currentThread, mainThread, enumerate, activeCount, getIdent, sleep } from './thread';
export type { ThreadOptions } from './thread';
export { Lock, RLock } from './locks';
export type { Held } from './locks';
export { Condition } from './condition';
export { Semaphore, BoundedSemaphore, Event, Barrier } from './signals';
export { Timer } from './timer';
export { Queue, LifoQueue, PriorityQueue } from './queues';
export { Value, SharedArray } from './values';
export { Future, ThreadPoolExecutor, wait, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from './futures';
export type { ThreadPoolExecutorOptions, DoneAndNotDone, ReturnWhen } from './futures';
export {
  RuntimeError,
  ValueError,
  TimeoutError,
  BrokenBarrierError,
  Empty,
  Full,
  CancelledError,
  InvalidStateError,
  OverflowError,
} from './errors';

/** True in the thread running the snippet's main program (Python's `if __name__ == "__main__"`). */
export let isMainThread = false;

export { TIMEOUT_MAX } from './locks';
/** sys.setswitchinterval / sys.getswitchinterval (seconds): how long a thread may keep the GIL in gil mode. */
export { setSwitchInterval, getSwitchInterval } from './gil';

/** @internal Used by the worker entry and the bundler's rewrite of the snippet. */
export { __tl } from './core';

/** @internal */
export function __refreshIsMainThread(): void {
  isMainThread = isMainThreadNow();
}

/** @internal The worker entry's access to the runtime (one instance per worker). */
export * as __internals from './internals';
