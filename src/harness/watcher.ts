/**
 * Watching a run until it must stop: it drains the rings when a writer rings the doorbell and
 * every POLL_MS, looks for deadlocks (deadlock.ts) on each poll, and stops the run when the
 * program is over, when it deadlocks, at the timeout, past the event limit, when controlled
 * mode's scheduler says no thread can ever run again, or when the caller aborts.
 *
 * Units: POLL_MS and the timeout are wall-clock ms (an Infinity timeout sets no timer; one past
 * MAX_TIMEOUT_SECONDS waits that long); the detector is given ns on the run's clock.
 * The watcher never blocks: it reacts to timers, the doorbell (Atomics.waitAsync on
 * H_DOORBELL) and the abort signal only, so it can always stop a run.
 */
import { ThreadState } from '../trace/format';
import { H_DOORBELL, H_NEXT_TID, H_S_LIVELOCK_TID, H_S_STATUS, T_S_SITE, T_STATE, threadBlockBase } from '../runtime/shared';
import { LIVELOCK_STEPS, SCHED_LIVELOCK, SCHED_STUCK } from '../runtime/schedule';

import { DeadlockDetector } from './deadlock';
import type { LiveHolds } from './liveHolds';
import type { Rings } from './rings';
import type { RunState, StopRun } from './runState';
import { DEFAULTS, MAX_TIMEOUT_SECONDS } from './types';

const POLL_MS = 20;

export class Watcher {
  private readonly detector: DeadlockDetector;
  private readonly timers: NodeJS.Timeout[] = [];
  private doorbellWaiting = false;
  /** checkCompletion: every thread below this tid is done or a daemon. */
  private settledBelow = 1;
  /** Controlled mode: the scheduler said no thread can run; waiting for finished threads' last words. */
  private stuck = false;
  private unlisten?: () => void;

  constructor(
    private readonly state: RunState,
    private readonly rings: Rings,
    holds: LiveHolds,
    private readonly stop: StopRun,
    /** Handle every message the workers have sent and this process has not read yet. */
    private readonly readAllQueued: () => void,
  ) {
    this.detector = new DeadlockDetector(state.heap, {
      threads: () => state.threads.values(),
      object: (id) => state.objects.get(id),
      nextTid: () => Atomics.load(state.heap, H_NEXT_TID),
      blockSite: (tid) => holds.lastBlockSite(tid),
      heldBy: (tid) => holds.heldBy(tid),
      holdersOf: (id) => holds.holdersOf(id),
      sites: state.bundle.sites,
    });
  }

  /** At the run's epoch: the timeout, the poll, the doorbell and the abort signal. */
  start(): void {
    const options = this.state.options;
    // No limit at Infinity; a timer longer than a setTimeout can wait would fire at once (Node
    // warns and waits 1 ms), so a huge timeout is the longest wait there is.
    const timeoutSeconds = options.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
    if (timeoutSeconds !== Infinity) {
      const timeoutMs = Math.min(timeoutSeconds, MAX_TIMEOUT_SECONDS) * 1000;
      this.timers.push(setTimeout(() => this.stop('timeout'), timeoutMs));
    }
    this.timers.push(setInterval(() => this.poll(), POLL_MS));
    this.waitForDoorbell();
    const signal = options.signal;
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

  /** The run is stopping: no more timers, and the abort signal loses its listener. */
  end(): void {
    this.unlisten?.();
    for (const timer of this.timers) clearTimeout(timer);
    // Settle the pending Atomics.waitAsync: V8 keeps it, and through it this whole run
    // (coordinator, state, rings), for as long as nobody rings: a hunt leaked every run.
    Atomics.notify(this.state.heap, H_DOORBELL);
  }

  /** Stop the run as completed (or failed, if MainThread failed) once every non-daemon thread is done. */
  checkCompletion(): void {
    const state = this.state;
    if (state.stopping) return;
    const main = state.threads.get(0);
    if (!main?.done) return;
    const started = Atomics.load(state.heap, H_NEXT_TID);
    // Threads below `settledBelow` are done or daemons for good: each check goes on from there.
    for (let tid = this.settledBelow; tid < started; tid++) {
      const record = state.threads.get(tid);
      if (!record || (!record.done && !record.daemon)) {
        // Started and its spawn message on the way, or still running.
        this.settledBelow = tid;
        return;
      }
    }
    this.settledBelow = started;
    this.stop(state.mainError?.kind === 'exception' || state.mainError?.kind === 'usage' ? 'error' : 'completed');
  }

  /** Drain every ring, then check for a stuck scheduler and the event limit. */
  drainAll(): void {
    const state = this.state;
    this.rings.drainAll();
    if (state.controlled && !this.stuck && Atomics.load(state.heap, H_S_STATUS) === SCHED_STUCK) {
      this.stuck = true;
      setImmediate(() => this.onStuck());
    }
    if (state.controlled && !this.stuck && Atomics.load(state.heap, H_S_STATUS) === SCHED_LIVELOCK) {
      this.stuck = true;
      setImmediate(() => this.onLivelock());
    }
    const limit = state.options.maxEvents ?? DEFAULTS.maxEvents;
    if (state.totalEvents > limit && !state.stopping) {
      state.truncated = 'events';
      this.stop('error', {
        kind: 'limit',
        message: `the run recorded more than ${limit} events (the --max-events limit); the trace keeps the first ones`,
        site: '',
      });
    }
  }

  private waitForDoorbell(): void {
    const state = this.state;
    if (state.stopping || this.doorbellWaiting) return;
    const value = Atomics.load(state.heap, H_DOORBELL);
    const result = Atomics.waitAsync(state.heap, H_DOORBELL, value);
    if (!result.async) {
      setImmediate(() => {
        this.drainAll();
        this.waitForDoorbell();
      });
      return;
    }
    this.doorbellWaiting = true;
    void result.value.then(() => {
      this.doorbellWaiting = false;
      if (state.stopping) return;
      this.drainAll();
      this.waitForDoorbell();
    });
  }

  private poll(): void {
    const state = this.state;
    if (state.stopping) return;
    this.drainAll();
    if (state.stopping) return;
    state.options.onProgress?.({
      phase: 'running',
      elapsedMs: performance.now() - state.startedAt,
      threads: state.threads.size,
      events: state.totalEvents,
    });
    if (state.controlled) {
      // The scheduler says when no thread can run. Read what the ports hold now too: a message
      // not yet dispatched (seen about once in 5,000 hunt runs) would otherwise stall the run.
      this.readAllQueued();
      return;
    }
    const report = this.detector.check(state.nowNs());
    if (report) this.stop('deadlock', undefined, report);
  }

  /** Controlled mode: the scheduler saw the threads spin, fairly scheduled, without any of them changing anything. */
  private onLivelock(): void {
    const state = this.state;
    if (state.stopping) return;
    this.drainAll();
    const tid = Atomics.load(state.heap, H_S_LIVELOCK_TID) - 1;
    const name = state.threads.get(tid)?.name ?? `thread ${tid}`;
    const site = state.bundle.sites[Atomics.load(state.heap, threadBlockBase(tid) + T_S_SITE)];
    const where = site ? `${site.file}:${site.line}` : '';
    const steps = state.options.livelockSteps ?? LIVELOCK_STEPS;
    this.stop('livelock', {
      kind: 'livelock',
      message: `livelock: ${name} spun ${steps.toLocaleString('en-US')} steps${where ? ` at ${where}` : ''} without any thread making progress (every thread was given turns; none changed anything, and no timer was pending)`,
      site: where,
      ...(site ? { line: site.line, col: site.col } : {}),
    });
  }

  /**
   * Controlled mode: no thread can ever run again. Once every thread that ended has said so,
   * either the run is complete (only daemons wait) or it is deadlocked: report it now.
   */
  private onStuck(): void {
    const state = this.state;
    if (state.stopping) return;
    this.readAllQueued();
    if (state.stopping) return;
    this.checkCompletion();
    if (state.stopping) return;
    for (const record of state.threads.values()) {
      const threadState = Atomics.load(state.heap, threadBlockBase(record.tid) + T_STATE);
      if (!record.done && (threadState === ThreadState.Finished || threadState === ThreadState.Failed)) {
        setTimeout(() => this.onStuck(), 1); // its 'done' is on the way
        return;
      }
    }
    this.drainAll();
    const report = this.detector.check(state.nowNs(), true);
    if (report) this.stop('deadlock', undefined, report);
    else
      this.stop('error', {
        kind: 'internal',
        message: 'no thread can run, but the deadlock detector found no wait it could explain',
        site: '',
      });
  }
}
