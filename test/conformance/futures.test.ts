/**
 * concurrent.futures against CPython's Lib/test/test_concurrent_futures/ (test_future.py,
 * executor.py, test_thread_pool.py, test_wait.py, test_as_completed.py, test_shutdown.py).
 */
import { strict as assert } from 'node:assert';
import { describeRun, merged, runCompleted, valuesOf } from './helpers';

/**
 * CPython's create_future(state): Futures in each state, made by hand. Names the states as
 * test_future.py does.
 */
const MAKE_FUTURES = `import { Future, ValueError } from "threadlanes";
function pending() {
  return new Future();
}
function running() {
  const f = new Future();
  f.setRunningOrNotifyCancel();
  return f;
}
function cancelled() {
  const f = new Future();
  f.cancel();
  return f;
}
function cancelledAndNotified() {
  const f = new Future();
  f.cancel();
  f.setRunningOrNotifyCancel();
  return f;
}
function exceptionFuture() {
  const f = new Future();
  f.setException(new ValueError("stored"));
  return f;
}
function successful() {
  const f = new Future();
  f.setResult(42);
  return f;
}
const STATES: Record<string, () => Future> = { pending, running, cancelled, cancelledAndNotified, exceptionFuture, successful };`;

describe('Future (test_future)', () => {
  it('cancelled(), done(), running() in each state (test_cancelled, test_done, test_running)', async () => {
    const run = await runCompleted(`${MAKE_FUTURES}
export function main() {
  const table: Record<string, boolean[]> = {};
  for (const [name, make] of Object.entries(STATES)) {
    const f = make();
    table[name] = [f.cancelled(), f.done(), f.running()];
  }
  emit({ table });
}`);
    assert.deepEqual(merged(run).table, {
      pending: [false, false, false],
      running: [false, false, true],
      cancelled: [true, true, false],
      cancelledAndNotified: [true, true, false],
      exceptionFuture: [false, true, false],
      successful: [false, true, false],
    });
  });

  it('cancel(): pending and cancelled -> true; running and finished -> false (test_cancel)', async () => {
    const run = await runCompleted(`${MAKE_FUTURES}
export function main() {
  const result: Record<string, [boolean, boolean]> = {};
  for (const [name, make] of Object.entries(STATES)) {
    const f = make();
    result[name] = [f.cancel(), f.cancelled()];
  }
  emit({ result });
}`);
    assert.deepEqual(merged(run).result, {
      pending: [true, true],
      running: [false, false],
      cancelled: [true, true],
      cancelledAndNotified: [true, true],
      exceptionFuture: [false, false],
      successful: [false, false],
    });
  });

  it('result(0): TimeoutError when pending or running, CancelledError, the stored exception, the value (test_result_with_timeout)', async () => {
    const run = await runCompleted(`${MAKE_FUTURES}
export function main() {
  const result: Record<string, string> = {};
  for (const [name, make] of Object.entries(STATES)) {
    const f = make();
    try {
      result[name] = "value " + JSON.stringify(f.result(0));
    } catch (error) {
      result[name] = (error as Error).name + ": " + (error as Error).message;
    }
  }
  emit({ result });
}`);
    const r = merged(run).result;
    assert.match(r.pending, /^TimeoutError/);
    assert.match(r.running, /^TimeoutError/);
    assert.match(r.cancelled, /^CancelledError/);
    assert.match(r.cancelledAndNotified, /^CancelledError/);
    assert.equal(r.exceptionFuture, 'ValueError: stored');
    assert.equal(r.successful, 'value 42');
  });

  it('exception(0): TimeoutError, CancelledError, the exception, null (test_exception_with_timeout)', async () => {
    const run = await runCompleted(`${MAKE_FUTURES}
export function main() {
  const result: Record<string, string> = {};
  for (const [name, make] of Object.entries(STATES)) {
    try {
      const e = make().exception(0);
      result[name] = e === null ? "null" : "returned " + e.name;
    } catch (error) {
      result[name] = "threw " + (error as Error).name;
    }
  }
  emit({ result });
}`);
    assert.deepEqual(merged(run).result, {
      pending: 'threw TimeoutError',
      running: 'threw TimeoutError',
      cancelled: 'threw CancelledError',
      cancelledAndNotified: 'threw CancelledError',
      exceptionFuture: 'returned ValueError',
      successful: 'null',
    });
  });

  it('a blocked result() wakes when another thread sets the result or cancels (test_result_with_success, test_result_with_cancel, test_exception_with_success)', async () => {
    const run = await runCompleted(`import { Future, Thread, ValueError, sleep } from "threadlanes";
function later(f: Future<number>, what: string) {
  sleep(0.1);
  if (what === "result") f.setResult(42);
  else if (what === "exception") f.setException(new ValueError("later"));
  else f.cancel();
}
function settle(what: string): string {
  const f = new Future<number>();
  const t = new Thread({ target: later, args: [f, what] });
  t.start();
  let outcome: string;
  try {
    outcome = "value " + f.result(10);
  } catch (error) {
    outcome = (error as Error).name;
  }
  t.join();
  return outcome;
}
function settleException(): string {
  const f = new Future<number>();
  const t = new Thread({ target: later, args: [f, "exception"] });
  t.start();
  const e = f.exception(10);
  t.join();
  return e ? e.name + ": " + e.message : "null";
}
export function main() {
  emit({ result: settle("result"), cancel: settle("cancel"), exception: settleException() });
}`);
    assert.deepEqual(merged(run), { result: 'value 42', cancel: 'CancelledError', exception: 'ValueError: later' });
  });

  it('setResult / setException on a finished future raise InvalidStateError (test_multiple_set_result, test_multiple_set_exception)', async () => {
    const run = await runCompleted(`import { Future, ValueError } from "threadlanes";
export function main() {
  const a = new Future();
  a.setResult(1);
  const resultTwice = errorName(() => a.setResult(2));
  const b = new Future();
  b.setException(new ValueError("x"));
  const exceptionTwice = errorName(() => b.setException(new ValueError("y")));
  const c = new Future();
  c.cancel();
  const afterCancel = errorName(() => c.setResult(3));
  emit({ resultTwice, exceptionTwice, afterCancel, a: a.result(), b: errorName(() => b.result()) });
}`);
    assert.deepEqual(merged(run), {
      resultTwice: 'InvalidStateError',
      exceptionTwice: 'InvalidStateError',
      afterCancel: 'InvalidStateError',
      a: 1,
      b: 'ValueError',
    });
  });

  it('done callbacks run with the result, the exception, on cancel; at once when already done (test_done_callback_*)', async () => {
    const run = await runCompleted(`import { Future, ValueError } from "threadlanes";
function record(f: Future<number>) {
  let state: string;
  if (f.cancelled()) state = "cancelled";
  else if (f.exception() !== null) state = "exception " + f.exception()!.message;
  else state = "result " + f.result();
  emit({ callback: f.name, state });
}
export function main() {
  const withResult = new Future<number>("withResult");
  withResult.addDoneCallback(record);
  emit({ step: "before setResult" });
  withResult.setResult(5);

  const withException = new Future<number>("withException");
  withException.addDoneCallback(record);
  withException.setException(new ValueError("bad"));

  const withCancel = new Future<number>("withCancel");
  withCancel.addDoneCallback(record);
  withCancel.cancel();

  for (const [name, settle] of [
    ["alreadySuccessful", (f: Future<number>) => f.setResult(7)],
    ["alreadyFailed", (f: Future<number>) => f.setException(new ValueError("early"))],
    ["alreadyCancelled", (f: Future<number>) => f.cancel()],
  ] as const) {
    const f = new Future<number>(name);
    settle(f);
    emit({ step: "adding to " + name });
    f.addDoneCallback(record);
  }
}`);
    assert.deepEqual(run.json, [
      { step: 'before setResult' },
      { callback: 'withResult', state: 'result 5' },
      { callback: 'withException', state: 'exception bad' },
      { callback: 'withCancel', state: 'cancelled' },
      { step: 'adding to alreadySuccessful' },
      { callback: 'alreadySuccessful', state: 'result 7' },
      { step: 'adding to alreadyFailed' },
      { callback: 'alreadyFailed', state: 'exception early' },
      { step: 'adding to alreadyCancelled' },
      { callback: 'alreadyCancelled', state: 'cancelled' },
    ]);
  });

  it('a callback that throws is logged and the other callbacks still run (test_done_callback_raises)', async () => {
    const run = await runCompleted(`import { Future } from "threadlanes";
function raising(_f: Future<number>) {
  throw new Error("doh!");
}
function fine(f: Future<number>) {
  emit({ fine: f.result() });
}
export function main() {
  const f = new Future<number>();
  f.addDoneCallback(raising);
  f.addDoneCallback(fine);
  f.setResult(5);
  emit({ after: true });
}`);
    assert.deepEqual(merged(run), { fine: 5, after: true });
    assert.ok(
      run.stderr.some((line) => /doh!/.test(line)),
      describeRun(run),
    );
  });

  it('its repr names the state (test_repr)', async () => {
    const run = await runCompleted(`${MAKE_FUTURES}
export function main() {
  const reprs: Record<string, string> = {};
  for (const [name, make] of Object.entries(STATES)) reprs[name] = String(make());
  emit({ reprs });
}`);
    const r = merged(run).reprs;
    assert.match(r.pending, /pending/);
    assert.match(r.running, /running/);
    assert.match(r.cancelled, /cancelled/);
    assert.match(r.successful, /finished/);
    assert.match(r.exceptionFuture, /finished/);
  });
});

describe('ThreadPoolExecutor (ExecutorTest, ThreadPoolExecutorTest)', () => {
  it("submit() returns a future with the result; the call's exception is rethrown by result() (test_submit)", async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor, ValueError } from "threadlanes";
function pow(a: number, b: number) {
  return a ** b;
}
function fails(message: string): number {
  throw new ValueError(message);
}
export function main() {
  using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const ok = executor.submit(pow, 2, 8);
  const bad = executor.submit(fails, "from the pool");
  let rethrown = "none";
  try {
    bad.result();
  } catch (error) {
    rethrown = (error as Error).name + ": " + (error as Error).message + " / instanceof ValueError: " + (error instanceof ValueError);
  }
  emit({ result: ok.result(), rethrown, exception: bad.exception()?.name, failed: bad.done() && !bad.cancelled() });
}`);
    assert.deepEqual(merged(run), {
      result: 256,
      rethrown: 'ValueError: from the pool / instanceof ValueError: true',
      exception: 'ValueError',
      failed: true,
    });
  });

  it('result(timeout) raises TimeoutError while the call runs', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor, Event } from "threadlanes";
function waitFor(evt: Event) {
  evt.wait();
  return "done";
}
export function main() {
  const evt = new Event();
  using executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const f = executor.submit(waitFor, evt);
  const t0 = performance.now();
  const error = errorName(() => f.result(0.1));
  const dt = since(t0);
  evt.set();
  emit({ error, dt, then: f.result() });
}`);
    const { error, dt, then } = merged(run);
    assert.equal(error, 'TimeoutError');
    assert.ok(dt >= 0.1 * 0.6 && dt < 0.1 * 10, `result(0.1) took ${dt} s`);
    assert.equal(then, 'done');
  });

  it('cancel() of a queued call succeeds and it never runs; of a running call fails (cancel matrix)', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor, Event, Value } from "threadlanes";
const ran = new Value(0);
function block(started: Event, go: Event) {
  started.set();
  go.wait();
  return "first";
}
function mark() {
  ran.value = 1;
  return "second";
}
export function main() {
  const started = new Event();
  const go = new Event();
  const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  const running = executor.submit(block, started, go);
  const queued = executor.submit(mark);
  started.wait();
  const cancelRunning = running.cancel();
  const cancelQueued = queued.cancel();
  const state = { runningRunning: running.running(), queuedCancelled: queued.cancelled(), queuedDone: queued.done() };
  go.set();
  executor.shutdown(true);
  emit({
    cancelRunning, cancelQueued, ...state,
    runningResult: running.result(), queuedResult: errorName(() => queued.result()), ran: ran.value,
    cancelFinished: running.cancel(),
  });
}`);
    assert.deepEqual(merged(run), {
      cancelRunning: false,
      cancelQueued: true,
      runningRunning: true,
      queuedCancelled: true,
      queuedDone: true,
      runningResult: 'first',
      queuedResult: 'CancelledError',
      ran: 0,
      cancelFinished: false,
    });
  });

  it('addDoneCallback on pool futures, also on one already done', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor, Future } from "threadlanes";
function square(x: number) {
  return x * x;
}
function report(f: Future<number>) {
  emit({ callbackResult: f.result() });
}
export function main() {
  using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const f = executor.submit(square, 3);
  f.addDoneCallback(report);
  f.result();
  const done = executor.submit(square, 4);
  done.result();
  done.addDoneCallback(report);
}`);
    assert.deepEqual(valuesOf(run, 'callbackResult').sort(), [16, 9]);
  });

  it('map() yields results in input order (test_map)', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor, sleep } from "threadlanes";
function slowSquare(x: number, delay: number) {
  sleep(delay);
  return x * x;
}
export function main() {
  using executor = new ThreadPoolExecutor({ maxWorkers: 4 });
  emit({ results: [...executor.map(slowSquare, [1, 2, 3, 4, 5], [0.05, 0.01, 0.03, 0, 0.02])] });
}`);
    assert.deepEqual(merged(run), { results: [1, 4, 9, 16, 25] });
  });

  it("map()'s iterator raises at the failing element, after the results before it (test_map_exception)", async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor } from "threadlanes";
function divide(a: number, b: number) {
  if (b === 0) throw new RangeError("division by zero");
  return a / b;
}
export function main() {
  using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const results: number[] = [];
  let error = "none";
  try {
    for (const r of executor.map(divide, [1, 1, 1, 1], [1, 2, 0, 5])) results.push(r);
  } catch (e) {
    error = (e as Error).name + ": " + (e as Error).message;
  }
  emit({ results, error });
}`);
    assert.deepEqual(merged(run), { results: [1, 0.5], error: 'RangeError: division by zero' });
  });

  it('map() with a timeout raises TimeoutError after the results that came in time (test_map_timeout)', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor, Event } from "threadlanes";
function waitOrNot(seconds: number, evt: Event) {
  if (seconds > 0) evt.wait(seconds);
  return null;
}
export function main() {
  const evt = new Event();
  const executor = new ThreadPoolExecutor({ maxWorkers: 3 });
  const results: unknown[] = [];
  let error = "none";
  try {
    for (const r of executor.map(waitOrNot, [0, 0, 5], [evt, evt, evt], { timeout: 0.3 })) results.push(r);
  } catch (e) {
    error = (e as Error).name;
  }
  evt.set();
  executor.shutdown(true);
  emit({ results, error });
}`);
    assert.deepEqual(merged(run), { results: [null, null], error: 'TimeoutError' });
  });

  it('map() submits every call without the results being iterated (test_map_submits_without_iteration)', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor, Value } from "threadlanes";
const calls = new Value(0);
function count(_x: number) {
  calls.getLock().withLock(() => { calls.value += 1; });
}
export function main() {
  const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  executor.map(count, [1, 2, 3, 4, 5]);
  executor.shutdown(true);
  emit({ calls: calls.value });
}`);
    assert.deepEqual(merged(run), { calls: 5 });
  });

  it('maxWorkers 0 or -1 raises ValueError; the default is min(32, cpus + 4) (test_max_workers_negative, test_default_workers)', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor } from "threadlanes";
export function main() {
  emit({
    zero: errorName(() => new ThreadPoolExecutor({ maxWorkers: 0 })),
    negative: errorName(() => new ThreadPoolExecutor({ maxWorkers: -1 })),
    defaultWorkers: new ThreadPoolExecutor().maxWorkers,
  });
}`);
    const os = await import('node:os');
    const cpus = os.availableParallelism?.() ?? os.cpus().length;
    assert.deepEqual(merged(run), { zero: 'ValueError', negative: 'ValueError', defaultWorkers: Math.min(32, cpus + 4) });
  });

  it('submit() after shutdown() raises RuntimeError', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor } from "threadlanes";
function noop() {}
export function main() {
  const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  executor.submit(noop).result();
  executor.shutdown();
  emit({ error: errorName(() => executor.submit(noop)) });
}`);
    assert.deepEqual(merged(run), { error: 'RuntimeError' });
  });

  it('never starts more threads than maxWorkers, and starts that many under load (test_saturation)', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor, Semaphore, enumerate } from "threadlanes";
function acquireIt(sem: Semaphore) {
  sem.acquire();
}
export function main() {
  const executor = new ThreadPoolExecutor({ maxWorkers: 4, threadNamePrefix: "pool" });
  const sem = new Semaphore(0);
  const jobs = 15 * executor.maxWorkers;
  for (let i = 0; i < jobs; i++) executor.submit(acquireIt, sem);
  const poolThreads = enumerate().filter((t) => t.name.startsWith("pool")).length;
  for (let i = 0; i < jobs; i++) sem.release();
  executor.shutdown(true);
  emit({ poolThreads });
}`);
    assert.deepEqual(merged(run), { poolThreads: 4 });
    const lanes = run.result.trace.header.threads.filter((t) => t.pool !== undefined);
    assert.equal(lanes.length, 4, describeRun(run));
  });

  it('sequential submits reuse one idle thread (test_idle_thread_reuse)', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor } from "threadlanes";
function mul(a: number, b: number) {
  return a * b;
}
export function main() {
  const executor = new ThreadPoolExecutor();
  const results = [executor.submit(mul, 21, 2).result(), executor.submit(mul, 6, 7).result(), executor.submit(mul, 3, 14).result()];
  executor.shutdown(true);
  emit({ results });
}`);
    assert.deepEqual(merged(run), { results: [42, 42, 42] });
    const lanes = run.result.trace.header.threads.filter((t) => t.pool !== undefined);
    assert.equal(lanes.length, 1, `pool threads: ${lanes.map((t) => t.name).join(', ')}`);
  });

  it('shutdown(true) waits for the submitted calls; cancelFutures cancels the queued ones (test_shutdown)', async () => {
    const run = await runCompleted(`import { ThreadPoolExecutor, Event, Value, sleep } from "threadlanes";
const finished = new Value(0);
function work(started: Event | null) {
  if (started) started.set();
  sleep(0.05);
  finished.getLock().withLock(() => { finished.value += 1; });
}
export function main() {
  const a = new ThreadPoolExecutor({ maxWorkers: 2 });
  for (let i = 0; i < 4; i++) a.submit(work, null);
  a.shutdown(true);
  const afterWait = finished.value;

  finished.value = 0;
  const b = new ThreadPoolExecutor({ maxWorkers: 1 });
  const started = new Event();
  const first = b.submit(work, started);
  const rest = [b.submit(work, null), b.submit(work, null)];
  started.wait();
  b.shutdown(true, { cancelFutures: true });
  emit({ afterWait, firstDone: first.done() && !first.cancelled(), restCancelled: rest.map((f) => f.cancelled()), finished: finished.value });
}`);
    assert.deepEqual(merged(run), { afterWait: 4, firstDone: true, restCancelled: [true, true], finished: 1 });
  });
});

describe('wait() and asCompleted() (test_wait, test_as_completed)', () => {
  /** A pool where "quick" calls return at once and "blocked" ones wait for the event. */
  const POOL = `import { ThreadPoolExecutor, Event, wait, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from "threadlanes";
function quick(x: number) {
  return x;
}
function blocked(evt: Event) {
  evt.wait(10);
  return "late";
}
function raises(): number {
  throw new RangeError("failed early");
}`;

  it('FIRST_COMPLETED returns when one is done, the blocked one not done (test_first_completed)', async () => {
    const run = await runCompleted(`${POOL}
export function main() {
  const evt = new Event();
  const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const slow = executor.submit(blocked, evt);
  const fast = executor.submit(quick, 1);
  const { done, notDone } = wait([slow, fast], { returnWhen: FIRST_COMPLETED });
  emit({ done: [...done].map((f) => f === fast ? "fast" : "slow"), notDone: [...notDone].map((f) => f === fast ? "fast" : "slow") });
  evt.set();
  executor.shutdown(true);
}`);
    assert.deepEqual(merged(run), { done: ['fast'], notDone: ['slow'] });
  });

  it('FIRST_EXCEPTION returns at the first failure (test_first_exception)', async () => {
    const run = await runCompleted(`${POOL}
export function main() {
  const evt = new Event();
  const executor = new ThreadPoolExecutor({ maxWorkers: 3 });
  const slow = executor.submit(blocked, evt);
  const ok = executor.submit(quick, 1);
  ok.result();
  const bad = executor.submit(raises);
  const { done, notDone } = wait([slow, ok, bad], { returnWhen: FIRST_EXCEPTION });
  const name = (f: unknown) => (f === slow ? "slow" : f === ok ? "ok" : "bad");
  emit({ done: [...done].map(name).sort(), notDone: [...notDone].map(name) });
  evt.set();
  executor.shutdown(true);
}`);
    assert.deepEqual(merged(run), { done: ['bad', 'ok'], notDone: ['slow'] });
  });

  it('FIRST_EXCEPTION with no failure waits for all (test_first_exception_some_already_complete analogue)', async () => {
    const run = await runCompleted(`${POOL}
export function main() {
  const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const fs = [executor.submit(quick, 1), executor.submit(quick, 2)];
  const { done, notDone } = wait(fs, { returnWhen: FIRST_EXCEPTION });
  emit({ done: done.size, notDone: notDone.size });
  executor.shutdown(true);
}`);
    assert.deepEqual(merged(run), { done: 2, notDone: 0 });
  });

  it('ALL_COMPLETED (the default) returns when every future is done, failed ones included (test_all_completed)', async () => {
    const run = await runCompleted(`${POOL}
export function main() {
  const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const fs = [executor.submit(quick, 1), executor.submit(raises), executor.submit(quick, 3)];
  const byDefault = wait(fs);
  const explicit = wait(fs, { returnWhen: ALL_COMPLETED });
  emit({ done: byDefault.done.size, notDone: byDefault.notDone.size, explicitDone: explicit.done.size });
  executor.shutdown(true);
}`);
    assert.deepEqual(merged(run), { done: 3, notDone: 0, explicitDone: 3 });
  });

  it('a timeout returns what is done so far (test_timeout)', async () => {
    const run = await runCompleted(`${POOL}
export function main() {
  const evt = new Event();
  const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const slow = executor.submit(blocked, evt);
  const fast = executor.submit(quick, 1);
  fast.result();
  const t0 = performance.now();
  const { done, notDone } = wait([slow, fast], { timeout: 0.2 });
  const dt = since(t0);
  emit({ done: [...done].map((f) => f === fast ? "fast" : "slow"), notDone: [...notDone].map((f) => f === fast ? "fast" : "slow"), dt });
  evt.set();
  executor.shutdown(true);
}`);
    const r = merged(run);
    assert.deepEqual({ done: r.done, notDone: r.notDone }, { done: ['fast'], notDone: ['slow'] });
    assert.ok(r.dt >= 0.2 * 0.6 && r.dt < 0.2 * 10, `wait(timeout 0.2) took ${r.dt} s`);
  });

  it('asCompleted() yields every future once, done ones first (test_no_timeout, test_duplicate_futures)', async () => {
    const run = await runCompleted(`${POOL}
import { sleep } from "threadlanes";
function after(x: number, delay: number) {
  sleep(delay);
  return x;
}
export function main() {
  const executor = new ThreadPoolExecutor({ maxWorkers: 4 });
  const already = executor.submit(quick, 0);
  already.result();
  const fs = [executor.submit(after, 3, 0.3), executor.submit(after, 1, 0.05), executor.submit(after, 2, 0.15), already];
  const order: number[] = [];
  for (const f of asCompleted([...fs, fs[1]])) order.push(f.result());
  emit({ order });
  executor.shutdown(true);
}`);
    const { order } = merged(run);
    assert.equal(order[0], 0, `the already-done future first: ${order}`);
    assert.deepEqual([...order].sort(), [0, 1, 2, 3]);
  });

  it('asCompleted() with a timeout raises TimeoutError after yielding the finished ones (test_zero_timeout)', async () => {
    const run = await runCompleted(`${POOL}
export function main() {
  const evt = new Event();
  const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const fast = executor.submit(quick, 1);
  fast.result();
  const slow = executor.submit(blocked, evt);
  const yielded: string[] = [];
  let error = "none";
  try {
    for (const f of asCompleted([fast, slow], 0.1)) yielded.push(f === fast ? "fast" : "slow");
  } catch (e) {
    error = (e as Error).name;
  }
  evt.set();
  executor.shutdown(true);
  emit({ yielded, error });
}`);
    assert.deepEqual(merged(run), { yielded: ['fast'], error: 'TimeoutError' });
  });
});
