/**
 * One run of a bundled snippet, from the first worker booted to the RunResult: MainThread and
 * every Thread run in workers over one shared heap while this process's main thread coordinates.
 *
 * The parts, each in its own file:
 *   runSetup.ts        the heap and the setup every worker is given (RunState holds them)
 *   workerPool.ts      booting workers, the run's spares, a hunt's pool
 *   workerMessages.ts  assigning threads to workers; what workers say and ask
 *   rings.ts           draining the event rings
 *   liveHolds.ts       who holds what, for deadlock reports
 *   watcher.ts         doorbell, poll, deadlock watch, limits, timeout, cancel
 *   traceAssembly.ts   the RunResult and its Trace at the end
 * This class starts the run (its epoch is when MainThread is assigned, after the spares are up)
 * and ends it: `stop` (the first call wins) stops the clock, and `finish` stops every worker,
 * collects what they recorded, published or not, and resolves the run's promise.
 *
 * The coordinator never runs user code and never blocks: it only reacts to messages, timers and
 * the ring doorbell, so it can always stop a run.
 */
import { MAIN_OBJECT_ID, H_VCLOCK_F64 } from '../runtime/shared';
import { STEP_NS } from '../runtime/schedule';
import type { Outcome } from '../trace/format';

import type { BundleResult } from './bundle';
import { LiveHolds } from './liveHolds';
import { Rings } from './rings';
import { startTicker } from './runSetup';
import { RunState, newThreadRecord } from './runState';
import { runResult } from './traceAssembly';
import { DEFAULTS, type DeadlockReport, type RunOptions, type RunResult, type ScheduleInfo, type SnippetError } from './types';
import { Watcher } from './watcher';
import { WorkerMessages } from './workerMessages';
import { RunWorkers, type WorkerPool } from './workerPool';

export class Coordinator {
  private readonly state: RunState;
  private readonly workers: RunWorkers;
  private readonly rings: Rings;
  private readonly watcher: Watcher;
  private readonly messages: WorkerMessages;
  private resolve!: (result: Omit<RunResult, 'bundleMs' | 'startupMs'>) => void;

  constructor(
    options: RunOptions,
    bundle: BundleResult,
    schedule?: ScheduleInfo,
    private readonly pool?: WorkerPool,
  ) {
    const stop = this.stop.bind(this);
    this.state = new RunState(options, bundle, schedule, pool?.memory);
    this.workers = new RunWorkers(options.heapLimitMb ?? DEFAULTS.heapLimitMb, pool);
    this.rings = new Rings(this.state);
    this.watcher = new Watcher(this.state, this.rings, new LiveHolds(this.state), stop, () => this.messages.readAllQueued());
    this.messages = new WorkerMessages(this.state, this.workers, this.rings, this.watcher, stop);
  }

  /** The run's epoch on this process's clock (performance.now()). */
  get epochMs(): number {
    return this.state.startedAt;
  }

  run(): Promise<Omit<RunResult, 'bundleMs' | 'startupMs'>> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      void this.warmUp().then(() => this.begin());
    });
  }

  /** Before the clock starts: free and GIL mode's ticker, then MainThread's worker and the spares. */
  private async warmUp(): Promise<void> {
    if (!this.pool && !this.state.controlled) this.workers.track(startTicker(this.state.heapBuffer));
    await this.workers.warmUp();
  }

  private begin(): void {
    const state = this.state;
    state.startedAt = performance.now();
    const main = newThreadRecord({ tid: 0, name: 'MainThread', objectId: MAIN_OBJECT_ID, daemon: false }, this.rings.create());
    this.messages.assign(main, undefined, undefined);
    this.watcher.start();
  }

  private stop(outcome: Outcome, error?: SnippetError, deadlock?: DeadlockReport): void {
    const state = this.state;
    if (state.stopping) return;
    state.stopping = true;
    this.watcher.end();
    this.workers.stop();
    const wallMs = performance.now() - state.startedAt;
    let durationMs = wallMs;
    if (state.controlled) {
      // Virtual time stops when no thread can run; give a deadlock's blocked lanes some length.
      const vclock = state.heapF64[H_VCLOCK_F64];
      durationMs = (outcome === 'deadlock' ? vclock + Math.max(STEP_NS, vclock / 4) : vclock) / 1e6;
    }
    state.options.onProgress?.({ phase: 'stopping', elapsedMs: durationMs, threads: state.threads.size, events: state.totalEvents });
    void this.finish(
      outcome,
      durationMs,
      wallMs,
      error ?? (outcome === 'error' || outcome === 'completed' ? state.mainError : undefined),
      deadlock,
    );
  }

  private async finish(
    outcome: Outcome,
    durationMs: number,
    wallMs: number,
    error: SnippetError | undefined,
    deadlock: DeadlockReport | undefined,
  ): Promise<void> {
    const state = this.state;
    // Stop every worker, then collect everything they recorded (published or not). In a hunt,
    // workers whose thread ended normally and spares go back to the pool instead.
    // A hunt's run that ended with threads blocked (a deadlock, a livelock, daemons, an error in
    // MainThread): they unwind, and their workers are reused. A timeout's thread may be in a loop
    // that never reaches a visible operation: terminated.
    if (this.pool && state.controlled && outcome !== 'timeout') await this.messages.unwindAll();
    await this.workers.end();
    // Messages already queued on the ports (output, exceptions) are delivered before we read them.
    await new Promise((resolve) => setImmediate(resolve));
    this.rings.retireAll();
    this.workers.closePorts(state.threads.values());
    if (outcome === 'timeout') {
      error = {
        kind: 'limit',
        message: `the run did not finish within ${state.options.timeoutSeconds ?? DEFAULTS.timeoutSeconds} s (the timeout); threads still running were stopped`,
        site: '',
      };
    }
    const result = runResult(state, outcome, durationMs, wallMs, error, deadlock);
    state.memory?.giveHeap(state.heapBuffer);
    this.resolve(result);
  }
}
