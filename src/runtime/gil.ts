/**
 * GIL mode (issue 6): CPython's Global Interpreter Lock, made visible. Exactly one thread
 * executes snippet code at a time. A thread gives the GIL up when it blocks or sleeps, and when
 * another thread has waited a whole switch interval for it (CPython's "forced switching": the
 * waiter sets a drop request, the holder sees it at its next check and drops; the GIL then goes
 * to the thread that has waited longest).
 *
 * The GIL is a ticket lock in the shared heap (first come, first served). The holder checks for
 * a drop request at every runtime operation and, because the bundler instruments the snippet in
 * this mode, at every loop iteration and function entry (`__tl.g()`): one load of a heap cell.
 */
import { EventKind, GilReleaseReason } from '../trace/format';
import { ctx, scheduling, H_GIL_DROP, H_GIL_HOLDER, H_GIL_INTERVAL_US, H_GIL_LAST, H_GIL_SERVING, H_GIL_TICKET } from './shared';
import { ValueError } from './errors';

/** CPython's default switch interval: 5 ms. */
export const DEFAULT_SWITCH_INTERVAL_US = 5000;

export const gil = { on: false };

type Emit = (kind: EventKind, objectId: number, siteId: number, arg: number) => void;

let heap: Int32Array;
let me = 0;
let emit: Emit = () => undefined;
let held = false;
/** The ticket this thread holds the GIL with (a drop request names it). */
let myTicket = -1;
/** The drop-request cell alone, for the bundler's inline check (`if(__tld[0])__tl.g();`). */
export let dropRequest: Int32Array<ArrayBufferLike> = new Int32Array(1);

export function startGil(enabled: boolean, tid: number, record: Emit): void {
  gil.on = enabled;
  if (!enabled) dropRequest = new Int32Array(1);
  if (enabled) scheduling.on = true;
  held = false;
  if (!enabled) return;
  heap = ctx().heap;
  dropRequest = new Int32Array(heap.buffer, H_GIL_DROP * 4, 1);
  me = tid;
  emit = record;
}

function intervalMs(): number {
  return Math.max(1, Atomics.load(heap, H_GIL_INTERVAL_US)) / 1000;
}

/** Take the GIL: wait for this thread's ticket to come up; ask the holder to drop it after an interval. */
export function gilAcquire(): void {
  const ticket = Atomics.add(heap, H_GIL_TICKET, 1);
  let serving = Atomics.load(heap, H_GIL_SERVING);
  if (serving !== ticket) {
    emit(EventKind.GilRequest, 0, 0, 0);
    while (serving !== ticket) {
      const result = Atomics.wait(heap, H_GIL_SERVING, serving, intervalMs());
      const now = Atomics.load(heap, H_GIL_SERVING);
      // Next in line and the GIL has not moved for a whole interval: ask the holder to drop it
      // (the request names the holder's ticket, so a request that comes too late is ignored).
      if (result === 'timed-out' && now === serving && ticket === serving + 1) Atomics.store(heap, H_GIL_DROP, serving + 1);
      serving = now;
    }
  }
  Atomics.store(heap, H_GIL_HOLDER, me + 1);
  myTicket = ticket;
  held = true;
  emit(EventKind.GilAcquired, 0, 0, Atomics.load(heap, H_GIL_LAST) - 1);
}

/** Give the GIL up, to the thread that has waited longest. */
export function gilRelease(reason: GilReleaseReason): void {
  if (!held) return;
  held = false;
  emit(EventKind.GilReleased, 0, 0, reason);
  passGil(heap, me);
}

/**
 * Hand the GIL from thread `tid` to the longest waiter: the shared-memory half of a release.
 * The harness calls it for a worker that died holding the GIL.
 */
export function passGil(cells: Int32Array, tid: number): void {
  Atomics.store(cells, H_GIL_LAST, tid + 1);
  Atomics.store(cells, H_GIL_HOLDER, 0);
  Atomics.store(cells, H_GIL_DROP, 0);
  Atomics.add(cells, H_GIL_SERVING, 1);
  Atomics.notify(cells, H_GIL_SERVING);
}

/** The preemption check: cheap unless another thread has asked for the GIL for a whole interval. */
export function gilCheck(): void {
  const request = held ? heap[H_GIL_DROP] : 0;
  if (request === 0) return;
  if (request === myTicket + 1) {
    gilRelease(GilReleaseReason.Switch);
    gilAcquire();
  } else {
    // Meant for the previous holder: it came just as that one let go.
    Atomics.compareExchange(heap, H_GIL_DROP, request, 0);
  }
}

/** Run `wait` (which blocks the worker) without the GIL, as CPython releases it around blocking calls. */
export function withoutGil<T>(wait: () => T): T {
  gilRelease(GilReleaseReason.Blocks);
  try {
    return wait();
  } finally {
    gilAcquire();
  }
}

/** sys.setswitchinterval, in seconds. */
export function setSwitchInterval(seconds: number): void {
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) throw new TypeError('setSwitchInterval() takes a number of seconds');
  if (!(seconds > 0)) throw new ValueError('switch interval must be strictly positive');
  Atomics.store(ctx().heap, H_GIL_INTERVAL_US, Math.max(1, Math.min(0x7fffffff, Math.round(seconds * 1e6))));
}

/** sys.getswitchinterval, in seconds. */
export function getSwitchInterval(): number {
  const us = Atomics.load(ctx().heap, H_GIL_INTERVAL_US);
  return (us > 0 ? us : DEFAULT_SWITCH_INTERVAL_US) / 1e6;
}
