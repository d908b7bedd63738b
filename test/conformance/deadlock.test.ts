/**
 * Every kind of blocking wait takes part in deadlock detection (ARCHITECTURE.md): for each
 * primitive, a snippet whose threads wait for ever is reported as a deadlock, naming the kind of
 * wait and the line of the blocking call; the same wait ended later by another thread is not.
 */
import { strict as assert } from 'node:assert';
import { describeRun, lineOf, runCompleted, runSnippet } from './helpers';

interface DeadlockCase {
  what: string;
  /** A snippet whose thread `thread` blocks for ever at the line marked `// BLOCKS`. */
  source: string;
  /** The deadlock report's waitsForKind for that thread. */
  kind: string;
  /** The thread that blocks at that line (default MainThread). */
  thread?: string;
}

const CASES: DeadlockCase[] = [
  {
    what: 'a Lock acquired twice by its only thread',
    kind: 'lock',
    source: `import { Lock } from "threadlanes";
export function main() {
  const lock = new Lock();
  lock.acquire();
  lock.acquire(); // BLOCKS
}`,
  },
  {
    what: 'an RLock left held by a thread that has ended',
    kind: 'lock',
    source: `import { RLock, Thread } from "threadlanes";
const lock = new RLock();
function takeAndLeave() {
  lock.acquire();
}
export function main() {
  const t = new Thread({ target: takeAndLeave });
  t.start();
  t.join();
  lock.acquire(); // BLOCKS
}`,
  },
  {
    what: 'two threads joining each other',
    kind: 'join',
    thread: 'first',
    source: `import { Thread, Queue } from "threadlanes";
function joinOther(other: Queue<Thread>) {
  other.get().join(); // BLOCKS
}
export function main() {
  const forFirst = new Queue<Thread>();
  const forSecond = new Queue<Thread>();
  const first = new Thread({ target: joinOther, args: [forFirst], name: "first" });
  const second = new Thread({ target: joinOther, args: [forSecond], name: "second" });
  forFirst.put(second);
  forSecond.put(first);
  first.start();
  second.start();
  first.join();
}`,
  },
  {
    what: 'a Condition nobody notifies',
    kind: 'condition',
    source: `import { Condition } from "threadlanes";
export function main() {
  const cond = new Condition();
  cond.acquire();
  cond.wait(); // BLOCKS
}`,
  },
  {
    what: 'an Event nobody sets',
    kind: 'event',
    source: `import { Event } from "threadlanes";
export function main() {
  const evt = new Event();
  evt.wait(); // BLOCKS
}`,
  },
  {
    what: 'a Semaphore with no permits',
    kind: 'semaphore',
    source: `import { Semaphore } from "threadlanes";
export function main() {
  const sem = new Semaphore(0);
  sem.acquire(); // BLOCKS
}`,
  },
  {
    what: 'get() on an empty Queue with no producer',
    kind: 'queue',
    source: `import { Queue } from "threadlanes";
export function main() {
  const q = new Queue();
  q.get(); // BLOCKS
}`,
  },
  {
    what: 'put() on a full Queue with no consumer',
    kind: 'queue',
    source: `import { Queue } from "threadlanes";
export function main() {
  const q = new Queue(1);
  q.put(1);
  q.put(2); // BLOCKS
}`,
  },
  {
    what: 'Queue.join() with an item never marked done',
    kind: 'queue',
    source: `import { Queue } from "threadlanes";
export function main() {
  const q = new Queue();
  q.put(1);
  q.get();
  q.join(); // BLOCKS
}`,
  },
  {
    what: 'a Barrier short of a party',
    kind: 'barrier',
    source: `import { Barrier } from "threadlanes";
export function main() {
  const barrier = new Barrier(2);
  barrier.wait(); // BLOCKS
}`,
  },
  {
    what: 'a Future nobody completes',
    kind: 'future',
    source: `import { Future } from "threadlanes";
export function main() {
  const f = new Future();
  f.result(); // BLOCKS
}`,
  },
  {
    what: 'a pool call waiting on an Event nobody sets, and MainThread waiting for its result',
    kind: 'future',
    source: `import { Event, ThreadPoolExecutor } from "threadlanes";
function waitFor(evt: Event) {
  evt.wait();
}
export function main() {
  const evt = new Event();
  const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  executor.submit(waitFor, evt).result(); // BLOCKS
}`,
  },
];

describe('deadlock detection covers every kind of wait', () => {
  for (const c of CASES) {
    it(`${c.what} is a deadlock at the blocking line (${c.kind})`, async () => {
      const run = await runSnippet(c.source);
      assert.equal(run.result.outcome, 'deadlock', describeRun(run));
      const report = run.result.deadlock;
      assert.ok(report, describeRun(run));
      const thread = c.thread ?? 'MainThread';
      const entry = report.cycle.find((e) => e.thread === thread);
      assert.ok(entry, `${thread} is not in the report: ${report.explanation}`);
      assert.equal(entry.waitsForKind, c.kind, report.explanation);
      const line = lineOf(c.source, '// BLOCKS');
      assert.match(entry.site, new RegExp(`:${line}$`), `site ${entry.site}, expected line ${line}: ${report.explanation}`);
    });
  }
});

describe('joining MainThread', () => {
  it('a thread joining MainThread while MainThread joins it is a deadlock at the blocking line (join)', async () => {
    const source = `import { Thread, mainThread } from "threadlanes";
function joinMain() {
  mainThread().join();
}
export function main() {
  const t = new Thread({ target: joinMain });
  t.start();
  t.join(); // BLOCKS
}`;
    const run = await runSnippet(source, { timeoutSeconds: 5 });
    assert.equal(run.result.outcome, 'deadlock', describeRun(run));
    const entries = run.result.deadlock!.cycle;
    assert.deepEqual(
      entries.map((e) => e.waitsForKind),
      ['join', 'join'],
      run.result.deadlock!.explanation,
    );
    const main = entries.find((e) => e.thread === 'MainThread');
    assert.match(main!.site, new RegExp(`:${lineOf(source, '// BLOCKS')}$`));
  });
});

describe('what a deadlocked thread holds', () => {
  it('a semaphore permit taken without waiting is named as held by its thread', async () => {
    const source = `import { Semaphore, Thread } from "threadlanes";
const sem = new Semaphore(1);
function takeOne() {
  sem.acquire(); // BLOCKS
}
export function main() {
  sem.acquire();
  const t = new Thread({ target: takeOne, name: "taker" });
  t.start();
  t.join();
}`;
    const run = await runSnippet(source, { timeoutSeconds: 5 });
    assert.equal(run.result.outcome, 'deadlock', describeRun(run));
    const main = run.result.deadlock!.cycle.find((e) => e.thread === 'MainThread');
    const taker = run.result.deadlock!.cycle.find((e) => e.thread === 'taker');
    assert.ok(main && taker, run.result.deadlock!.explanation);
    assert.deepEqual(main.holds, ['sem'], run.result.deadlock!.explanation);
    assert.match(run.result.deadlock!.explanation, /MainThread \(holding sem\)/);
  });
});

describe('a wait that another thread ends later is not a deadlock', () => {
  it('a Condition waiter notified by a thread that sleeps first', async () => {
    const run = await runCompleted(`import { Condition, Thread, sleep } from "threadlanes";
const cond = new Condition();
function notifyLater() {
  sleep(0.3);
  cond.withLock(() => cond.notify());
}
export function main() {
  cond.acquire();
  const t = new Thread({ target: notifyLater });
  t.start();
  const woken = cond.wait();
  cond.release();
  t.join();
  emit({ woken });
}`);
    assert.deepEqual(run.json, [{ woken: true }]);
  });

  it('an Event set by a Timer', async () => {
    const run = await runCompleted(`import { Event, Timer } from "threadlanes";
const evt = new Event();
function fire() {
  evt.set();
}
export function main() {
  const timer = new Timer(0.3, fire);
  timer.start();
  emit({ set: evt.wait() });
  timer.join();
}`);
    assert.deepEqual(run.json, [{ set: true }]);
  });

  it('a Lock re-acquired by its holder while another thread is about to release it (Lock may be released by any thread)', async () => {
    const run = await runCompleted(`import { Lock, Thread, sleep } from "threadlanes";
const lock = new Lock();
function releaseLater() {
  sleep(0.3);
  lock.release();
}
export function main() {
  lock.acquire();
  const t = new Thread({ target: releaseLater });
  t.start();
  lock.acquire();
  lock.release();
  t.join();
  emit({ reacquired: true });
}`);
    assert.deepEqual(run.json, [{ reacquired: true }]);
  });
});
