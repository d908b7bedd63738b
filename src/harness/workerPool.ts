/**
 * Booting workers and keeping them warm, so that starting a thread costs a message, not a boot.
 *
 * A worker (worker.ts, built as dist/worker.js) takes ~35 ms to boot, much more when several
 * boot at once on two cores; a reused one loads a fresh runtime and snippet in about one.
 *   - `RunWorkers`: one run's workers. It boots MainThread's worker and WARM_WORKERS spares
 *     before the run's clock starts, hands a spare to each thread that starts, boots
 *     replacements REFILL_DELAY_MS later, takes back as a spare every worker whose thread ended
 *     normally and left nothing pending (so starting and joining threads one after another costs
 *     no boot each), and at the end stops every worker it started.
 *   - `WorkerPool`: the workers a hunt (explore.ts) keeps from one run to the next. A run given
 *     a pool takes its workers from it and gives back, at the end, its spares (workers whose
 *     thread ended normally among them); nothing else is ever reused.
 * Invariant: a worker is in at most one place at a time (a run's spares, a thread, the pool).
 */
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';

import { builtFile } from './bundle';
import { RunMemory } from './runSetup';
import { DEFAULTS } from './types';

/** Spare workers kept started, so Thread.start() does not wait for a worker to boot. */
const WARM_WORKERS = 6;
/** Longest wait for the spares before starting anyway. */
const WARM_UP_LIMIT_MS = 3000;
const REFILL_DELAY_MS = 100;
/** Workers a hunt keeps booted and idle before each schedule. */
const POOL_WARM_WORKERS = 3;

export interface WarmWorker {
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
  /** The heap and rings, reused too. */
  readonly memory = new RunMemory();
  /** Workers booted so far. */
  booted = 0;

  constructor(private readonly heapLimitMb: number = DEFAULTS.heapLimitMb) {}

  /** An idle worker (booted, or booting), or undefined. */
  take(): WarmWorker | undefined {
    let warm = this.idle.pop();
    while (warm && warm.exited) warm = this.idle.pop();
    return warm;
  }

  spawn(): WarmWorker {
    this.booted++;
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
      booting.push(untilOnline(warm));
    }
    await Promise.all(booting);
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.worker.terminate().catch(() => undefined)));
    for (const w of this.all) w.port.close();
  }
}

/** One run's workers: the spares, and every worker (and the ticker) to stop at the end. */
export class RunWorkers {
  /** Booted workers no thread runs on yet, taken first in, first out. */
  private readonly spares: WarmWorker[] = [];
  /** Every worker this run started or took, until it exits. */
  private readonly all = new Set<Worker>();
  /** Workers given back to the pool at the end (their ports stay open). */
  private readonly kept = new Set<Worker>();
  private refillTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly heapLimitMb: number,
    private readonly pool?: WorkerPool,
  ) {}

  /** Workers whose thread ended normally are reused (within the run, and in a hunt by the next runs). */
  readonly reusable = true;

  /** Stop `worker` with the others at the end (the ticker). */
  track(worker: Worker): void {
    this.all.add(worker);
  }

  /**
   * Start MainThread's worker and the spares before the run's clock starts: a worker takes
   * ~35 ms to boot (much more when several boot at once on two cores), and that time is not the
   * snippet's. With spares ready, Thread.start() costs a message, not a boot.
   */
  async warmUp(): Promise<void> {
    if (this.pool) {
      // Reused workers are up already; the first run of a hunt boots a few.
      await this.pool.fill(POOL_WARM_WORKERS);
      for (let warm = this.pool.take(); warm; warm = this.pool.take()) {
        this.spares.push(warm);
        this.all.add(warm.worker);
      }
      return;
    }
    for (let i = 0; i < WARM_WORKERS + 1; i++) this.spares.push(this.spawn());
    let limit: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.spares.map(untilOnline)),
      new Promise((resolve) => (limit = setTimeout(resolve, WARM_UP_LIMIT_MS))),
    ]);
    clearTimeout(limit);
  }

  /** A worker for a thread that starts now: a spare if one is left, else one booted now. */
  take(): WarmWorker {
    let warm = this.spares.shift();
    while (warm && warm.exited) warm = this.spares.shift();
    const taken = warm ?? this.spawn();
    this.scheduleRefill();
    return taken;
  }

  /** A worker whose thread ended normally: a spare again (for this run, then a hunt's pool). */
  giveBack(warm: WarmWorker): void {
    this.spares.push(warm);
  }

  /** No more refills (the run is stopping). */
  stop(): void {
    this.stopped = true;
    if (this.refillTimer) clearTimeout(this.refillTimer);
  }

  /** Give the spares back to the pool (in a hunt) and terminate every other worker. */
  async end(): Promise<void> {
    if (this.pool) {
      for (const warm of this.spares) {
        if (warm.exited || this.kept.has(warm.worker)) continue;
        this.kept.add(warm.worker);
        this.pool.give(warm);
      }
    }
    const workers = [...this.all].filter((w) => !this.kept.has(w));
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
  }

  /** After end(): close the ports of the threads' and spares' workers not given back. */
  closePorts(threads: Iterable<{ worker?: Worker; port?: MessagePort }>): void {
    for (const record of threads) if (!this.kept.has(record.worker!)) record.port?.close();
    for (const w of this.spares) if (!this.kept.has(w.worker)) w.port.close();
  }

  private spawn(): WarmWorker {
    const warm = this.pool ? this.pool.spawn() : spawnWorker(this.heapLimitMb);
    this.all.add(warm.worker);
    warm.worker.once('exit', () => this.all.delete(warm.worker));
    return warm;
  }

  /**
   * Replace taken spares a little later: booting a worker takes a core for tens of ms, and the
   * threads that were just started (often several at once) should have the cores first. If the
   * spares run out meanwhile, take() boots one on demand.
   */
  private scheduleRefill(): void {
    if (this.refillTimer || this.stopped || this.pool) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, REFILL_DELAY_MS);
  }

  private refill(): void {
    if (this.stopped) return;
    while (this.spares.filter((w) => !w.exited).length < WARM_WORKERS) this.spares.push(this.spawn());
  }
}

function spawnWorker(heapLimitMb: number): WarmWorker {
  const channel = new MessageChannel();
  const worker = new Worker(builtFile('worker.js'), {
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

/** Resolves once the worker is up (or gone). */
function untilOnline(warm: WarmWorker): Promise<void> {
  return new Promise((resolve) => {
    warm.worker.once('online', () => resolve());
    warm.worker.once('exit', () => resolve());
  });
}
