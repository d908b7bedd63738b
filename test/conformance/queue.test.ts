/**
 * Queue, LifoQueue and PriorityQueue against CPython's Lib/test/test_queue.py
 * (BaseQueueTestMixin). `queueSuite(kind, order)` is the contract all three meet; they differ
 * only in the order [111, 333, 222] comes back out.
 */
import { strict as assert } from 'node:assert';
import { merged, runCompleted } from './helpers';

type QueueKind = 'Queue' | 'LifoQueue' | 'PriorityQueue';

const QUEUE_SIZE = 5;

function queueSuite(kind: QueueKind, order: number[]): void {
  describe(`${kind}: the queue contract (BaseQueueTestMixin)`, () => {
    it(`basic use, twice on one queue: order ${JSON.stringify(order)}, Full, Empty, blocking put and get (test_basic)`, async () => {
      const run = await runCompleted(`import { ${kind}, Event, Thread, Full, Empty, sleep } from "threadlanes";
const QUEUE_SIZE = ${QUEUE_SIZE};
/** CPython's _TriggerThread: after 0.1 s, say so, then unblock the caller with q.get() or q.put(item). */
function trigger(q: ${kind}<unknown>, started: Event, op: "get" | "put", item: unknown) {
  sleep(0.1);
  started.set();
  if (op === "get") q.get();
  else q.put(item);
}
/** CPython's do_blocking_test: true if block() returned only after the trigger thread acted. */
function blocked(q: ${kind}<unknown>, block: () => unknown, op: "get" | "put", item?: unknown): { blocked: boolean; result: unknown } {
  const started = new Event();
  const t = new Thread({ target: trigger, args: [q, started, op, item ?? null] });
  t.start();
  const result = block();
  const wasBlocked = started.isSet();
  t.join();
  return { blocked: wasBlocked, result: result ?? null };
}
function errorOf(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (error) {
    if (error instanceof Full) return "Full";
    if (error instanceof Empty) return "Empty";
    return (error as Error).name;
  }
}
function simpleQueueTest(q: ${kind}<unknown>) {
  const r: Record<string, unknown> = {};
  r.emptyAtStart = q.empty();
  r.fullAtStart = q.full();
  q.put(111);
  q.put(333);
  q.put(222);
  r.order = [q.get(), q.get(), q.get()];
  for (let i = 0; i < QUEUE_SIZE - 1; i++) q.put(i);
  r.fullBeforeLast = q.full();
  const last = 2 * QUEUE_SIZE;
  const full = 3 * 2 * QUEUE_SIZE;
  q.put(last);
  r.fullAfterLast = q.full();
  r.emptyWhenFull = q.empty();
  r.qsizeWhenFull = q.qsize();
  r.putNoBlock = errorOf(() => q.put(full, false));
  r.putTimeout = errorOf(() => q.put(full, true, 0.01));
  r.blockingPut = blocked(q, () => q.put(full), "get").blocked;
  r.blockingPutTimeout = blocked(q, () => q.put(full, true, 10), "get").blocked;
  for (let i = 0; i < QUEUE_SIZE; i++) q.get();
  r.emptyAfterDrain = q.empty();
  r.getNoBlock = errorOf(() => q.get(false));
  r.getTimeout = errorOf(() => q.get(true, 0.01));
  r.blockingGet = blocked(q, () => q.get(), "put", "empty");
  r.blockingGetTimeout = blocked(q, () => q.get(true, 10), "put", "empty");
  return r;
}
export function main() {
  const q = new ${kind}(QUEUE_SIZE);
  emit({ first: simpleQueueTest(q) });
  emit({ second: simpleQueueTest(q) });
}`);
      const expected = {
        emptyAtStart: true,
        fullAtStart: false,
        order,
        fullBeforeLast: false,
        fullAfterLast: true,
        emptyWhenFull: false,
        qsizeWhenFull: QUEUE_SIZE,
        putNoBlock: 'Full',
        putTimeout: 'Full',
        blockingPut: true,
        blockingPutTimeout: true,
        emptyAfterDrain: true,
        getNoBlock: 'Empty',
        getTimeout: 'Empty',
        blockingGet: { blocked: true, result: 'empty' },
        blockingGetTimeout: { blocked: true, result: 'empty' },
      };
      const r = merged(run);
      assert.deepEqual(r.first, expected, 'first pass');
      assert.deepEqual(r.second, expected, 'second pass on the same queue');
    });

    it('taskDone() with nothing pending raises ValueError (test_queue_task_done)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const q = new ${kind}();
  emit({ error: errorName(() => q.taskDone()) });
}`);
      assert.deepEqual(merged(run), { error: 'ValueError' });
    });

    it('join() returns only after every item is taskDone() — 2 workers, 100 items, twice; then taskDone() raises (test_queue_join)', async () => {
      const run = await runCompleted(`import { ${kind}, Thread, Value } from "threadlanes";
const cum = new Value(0);
function worker(q: ${kind}<number>) {
  for (;;) {
    const x = q.get();
    if (x < 0) {
      q.taskDone();
      return;
    }
    cum.getLock().withLock(() => { cum.value += x; });
    q.taskDone();
  }
}
function queueJoinTest(q: ${kind}<number>): { cum: number } {
  cum.value = 0;
  const threads = [0, 1].map(() => new Thread({ target: worker, args: [q] }));
  for (const t of threads) t.start();
  for (let i = 0; i < 100; i++) q.put(i);
  q.join();
  const seen = cum.value;
  for (let i = 0; i < 2; i++) q.put(-1);
  q.join(); // join twice
  for (const t of threads) t.join();
  return { cum: seen };
}
export function main() {
  const q = new ${kind}<number>();
  const first = queueJoinTest(q);
  const second = queueJoinTest(q);
  emit({ first, second, extraTaskDone: errorName(() => q.taskDone()) });
}`);
      const sum = (99 * 100) / 2;
      assert.deepEqual(merged(run), { first: { cum: sum }, second: { cum: sum }, extraTaskDone: 'ValueError' });
    });

    it('a negative timeout raises ValueError for put and get (test_negative_timeout_raises_exception)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const q = new ${kind}(${QUEUE_SIZE});
  emit({ put: errorName(() => q.put(1, true, -1)), get: errorName(() => q.get(true, -1)) });
}`);
      assert.deepEqual(merged(run), { put: 'ValueError', get: 'ValueError' });
    });

    it('putNowait() to capacity then Full; getNowait() to empty then Empty (test_nowait)', async () => {
      const run = await runCompleted(`import { ${kind}, Full, Empty } from "threadlanes";
export function main() {
  const q = new ${kind}(${QUEUE_SIZE});
  for (let i = 0; i < ${QUEUE_SIZE}; i++) q.putNowait(1);
  let putError = "none";
  try { q.putNowait(1); } catch (error) { putError = error instanceof Full ? "Full" : String(error); }
  for (let i = 0; i < ${QUEUE_SIZE}; i++) q.getNowait();
  let getError = "none";
  try { q.getNowait(); } catch (error) { getError = error instanceof Empty ? "Empty" : String(error); }
  emit({ putError, getError });
}`);
      assert.deepEqual(merged(run), { putError: 'Full', getError: 'Empty' });
    });

    it('lowering maxsize makes putNowait() raise Full (test_shrinking_queue)', async () => {
      const run = await runCompleted(`import { ${kind} } from "threadlanes";
export function main() {
  const q = new ${kind}(3);
  q.put(1);
  q.put(2);
  q.put(3);
  const atThree = errorName(() => q.putNowait(4));
  const size = q.qsize();
  q.maxsize = 2;
  emit({ atThree, size, shrunk: errorName(() => q.putNowait(4)) });
}`);
      assert.deepEqual(merged(run), { atThree: 'Full', size: 3, shrunk: 'Full' });
    });

    it('a blocked get() in another thread is woken by put(), with the item (blocking get across threads)', async () => {
      const run = await runCompleted(`import { ${kind}, Thread } from "threadlanes";
function consumer(q: ${kind}<unknown>) {
  emit({ got: q.get(true, 10) });
}
export function main() {
  const q = new ${kind}();
  const threads = bunch(consumer, 1, [q]);
  waitThreadsBlocked(1);
  q.put({ text: "item", list: [1, 2] });
  joinAll(threads);
}`);
      assert.deepEqual(merged(run), { got: { text: 'item', list: [1, 2] } });
    });
  });
}

queueSuite('Queue', [111, 333, 222]);
queueSuite('LifoQueue', [222, 333, 111]);
queueSuite('PriorityQueue', [111, 222, 333]);

describe('PriorityQueue only', () => {
  it('orders [priority, data] pairs element-wise, as Python compares tuples', async () => {
    const run = await runCompleted(`import { PriorityQueue } from "threadlanes";
export function main() {
  const q = new PriorityQueue<[number, string]>();
  q.put([3, "c"]);
  q.put([1, "b"]);
  q.put([1, "a"]);
  q.put([2, "z"]);
  emit({ order: [q.get(), q.get(), q.get(), q.get()] });
}`);
    assert.deepEqual(merged(run), {
      order: [
        [1, 'a'],
        [1, 'b'],
        [2, 'z'],
        [3, 'c'],
      ],
    });
  });
});
