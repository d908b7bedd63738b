/**
 * Messages between a worker and the harness — one typed protocol for both sides, shaped like the host ↔ panel one (src/shared/protocol.ts).
 *
 * Notifications flow worker → harness on the worker's port, in order. Requests that need an
 * answer are synchronous: the worker posts the request, blocks on its RPC cell, and reads the
 * reply with receiveMessageOnPort — the harness thread never runs user code, so it always answers.
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import type { ObjectKind } from '../trace/format';
import type { Handle, Wire } from './core';
import { ctx, T_RPC } from './shared';

/** Worker → harness, no reply. */
export type WorkerNotice =
  /** A shared object was made. */
  | {
      type: 'define';
      id: number;
      kind: ObjectKind;
      name: string;
      siteId: number;
      tid: number;
      base: number;
      initial?: number;
      internal?: boolean;
    }
  /** MainThread made an object at module top level: other workers bind to it by `key`. */
  | { type: 'init-object'; key: string; handle: Handle }
  /** Start a thread. */
  | {
      type: 'spawn';
      tid: number;
      objectId: number;
      name: string;
      daemon: boolean;
      target: string;
      payload: Wire;
      handle: Handle;
      pool?: string;
    }
  | { type: 'output'; tid: number; stream: 'stdout' | 'stderr'; text: string; timeNs: number }
  | {
      type: 'exception';
      tid: number;
      name: string;
      message: string;
      stack: string;
      line?: number;
      col?: number;
      usageSiteId?: number;
      timeNs: number;
    }
  /** The thread's target returned or threw; the worker is about to exit. */
  | {
      type: 'done';
      tid: number;
      failed: boolean;
      /** False: timers of the snippet are pending, do not reuse the worker. */ reusable?: boolean;
      /** The harness unwound it at the end of a run that could not go on (GO_UNWIND): not the thread's end. */
      unwound?: boolean;
    }
  /** An internal object the snippet now uses directly (a Value's lock): show it. */
  | { type: 'reveal'; id: number }
  | { type: 'rpc'; tid: number; request: RpcRequest };

/** Requests that need an answer (synchronous for the worker). */
export type RpcRequest =
  | { op: 'queue-put'; id: number; kind: 'Queue' | 'LifoQueue' | 'PriorityQueue'; item: Wire }
  | { op: 'queue-get'; id: number; kind: 'Queue' | 'LifoQueue' | 'PriorityQueue' }
  /** Store a future's outcome. */
  | { op: 'box-set'; id: number; value: Wire }
  | { op: 'box-get'; id: number }
  /** Add a done-callback; the reply says whether to run it now (the future is already done). */
  | { op: 'callback-add'; id: number; fn: Wire }
  | { op: 'callbacks-take'; id: number }
  | { op: 'threads' }
  | { op: 'thread-name'; objectId: number }
  | { op: 'thread-rename'; objectId: number; name: string };

interface RpcReply {
  type: 'reply';
  value: unknown;
}

export function notify(notice: WorkerNotice): void {
  ctx().port.postMessage(notice);
}

export function rpc(request: RpcRequest): unknown {
  const c = ctx();
  const cell = c.self + T_RPC;
  Atomics.store(c.heap, cell, 0);
  c.port.postMessage({ type: 'rpc', tid: c.tid, request } satisfies WorkerNotice);
  while (Atomics.load(c.heap, cell) === 0) Atomics.wait(c.heap, cell, 0, 1000);
  // The reply was posted before the cell was set; it is normally there already.
  for (let attempt = 0; ; attempt++) {
    const received = receiveMessageOnPort(c.port);
    if (received) return (received.message as RpcReply).value;
    Atomics.wait(c.heap, cell, 1, attempt < 10 ? 0.05 : 1);
  }
}
