/**
 * The harness as a user meets it: outcomes, deadlock reports, errors at the right line,
 * limits, output, and a trace that keeps every event.
 */
import { strict as assert } from 'node:assert';
import { EventKind } from '../src/trace/format';
import { lineOf, runSnippet } from './helpers';

const ABBA = `import { Thread, Lock, Barrier } from "threadlanes";

const a = new Lock("A");
const b = new Lock("B");
const bothHoldOne = new Barrier(2);

function first() {
  a.acquire();
  bothHoldOne.wait();
  b.acquire(); // first blocks here
}

function second() {
  b.acquire();
  bothHoldOne.wait();
  a.acquire(); // second blocks here
}

export function main() {
  const t1 = new Thread({ target: first, name: "Plato" });
  const t2 = new Thread({ target: second, name: "Kant" });
  t1.start(); t2.start();
  t1.join(); t2.join();
}
`;

describe('harness', () => {
  it('reports an ABBA deadlock as a cycle: who holds what, waits for what, and where', async () => {
    const { result } = await runSnippet(ABBA);
    assert.equal(result.outcome, 'deadlock');
    const report = result.deadlock!;
    assert.equal(report.kind, 'cycle');
    const byThread = Object.fromEntries(report.cycle.map((e) => [e.thread, e]));
    assert.deepEqual(Object.keys(byThread).sort(), ['Kant', 'Plato']);
    assert.deepEqual(byThread.Plato.holds, ['A']);
    assert.equal(byThread.Plato.waitsFor, 'B');
    assert.deepEqual(byThread.Plato.heldBy, ['Kant']);
    assert.deepEqual(byThread.Kant.holds, ['B']);
    assert.equal(byThread.Kant.waitsFor, 'A');
    assert.match(byThread.Plato.site, new RegExp(`:${lineOf(ABBA, 'first blocks here')}$`));
    assert.match(byThread.Kant.site, new RegExp(`:${lineOf(ABBA, 'second blocks here')}$`));
    assert.match(report.explanation, /Plato holds A and waits for B/);
    const threads = Object.fromEntries(result.trace.header.threads.map((t) => [t.name, t.finalState]));
    assert.equal(threads.Plato, 'blocked');
    assert.equal(threads.MainThread, 'waiting');
  });

  it('detects the deadlock within 100 ms of its forming', async () => {
    const run = await runSnippet(ABBA);
    const blocks = run.events().filter((e) => e.kind === EventKind.Block && e.tid !== 0);
    const formedAt = Math.max(...blocks.map((e) => e.timeNs));
    const detectedAfterMs = (run.result.deadlock!.detectedAtNs - formedAt) / 1e6;
    assert.ok(detectedAfterMs < 100, `detected ${detectedAfterMs.toFixed(1)} ms after forming`);
  });

  it('reports "all threads blocked" when everyone waits on a condition nobody will notify', async () => {
    const source = `import { Thread, Condition } from "threadlanes";
const cond = new Condition();
function waiter() {
  cond.withLock(() => cond.wait()); // waits forever
}
export function main() {
  const t = new Thread({ target: waiter, name: "waiter" });
  t.start();
  t.join();
}
`;
    const { result } = await runSnippet(source);
    assert.equal(result.outcome, 'deadlock');
    assert.equal(result.deadlock!.kind, 'all-blocked');
    const waiter = result.deadlock!.cycle.find((e) => e.thread === 'waiter')!;
    assert.equal(waiter.waitsForKind, 'condition');
    assert.equal(waiter.waitsFor, 'cond');
    assert.match(waiter.site, new RegExp(`:${lineOf(source, 'waits forever')}$`));
    const main = result.deadlock!.cycle.find((e) => e.thread === 'MainThread')!;
    assert.equal(main.waitsForKind, 'join');
  });

  it('does not call a timed wait a deadlock', async () => {
    const { result, lines } = await runSnippet(`import { Thread, Condition } from "threadlanes";
const cond = new Condition();
function waiter() { cond.withLock(() => console.log("notified", cond.wait(0.3))); }
export function main() {
  const t = new Thread({ target: waiter }); t.start(); t.join();
}
`);
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(lines, ['notified false']);
  });

  it('stops a spinning snippet at the timeout and keeps what it recorded', async () => {
    const { result, lines } = await runSnippet(
      `import { Thread, Lock } from "threadlanes";
const lock = new Lock();
function spin() { for (;;) { lock.acquire(); lock.release(); } }
export function main() {
  console.log("before");
  new Thread({ target: spin, name: "spinner" }).start();
}
`,
      { timeoutSeconds: 1 },
    );
    assert.equal(result.outcome, 'timeout');
    assert.deepEqual(lines, ['before']);
    const spinner = result.trace.header.threads.find((t) => t.name === 'spinner')!;
    assert.equal(spinner.finalState, 'running');
    assert.ok(result.trace.header.eventCounts[spinner.tid] > 1000, "the spinner's events were kept");
    assert.match(result.error!.message, /did not finish within 1 s/);
  });

  it('an exception ends its thread, not the run, and is reported with its line', async () => {
    const source = `import { Thread } from "threadlanes";
function bad() {
  throw new Error("boom"); // here
}
export function main() {
  const t = new Thread({ target: bad, name: "worker" });
  t.start(); t.join();
  console.log("main goes on");
}
`;
    const { result, lines } = await runSnippet(source);
    assert.equal(result.outcome, 'completed');
    assert.ok(lines.includes('main goes on'));
    const exception = result.trace.header.exceptions.find((e) => e.message === 'boom')!;
    assert.equal(result.trace.header.threads[exception.tid].name, 'worker');
    assert.equal(result.trace.header.sites[exception.siteId].line, lineOf(source, '// here'));
    assert.ok(lines.some((l) => l.startsWith('Exception in thread worker:') && l.includes('Error: boom')));
  });

  it('an exception in MainThread makes the outcome an error at its line', async () => {
    const source = `export function main() {
  console.log("start");
  JSON.parse("{"); // bad json
}
`;
    const { result } = await runSnippet(source);
    assert.equal(result.outcome, 'error');
    assert.equal(result.error!.kind, 'exception');
    assert.equal(result.error!.line, lineOf(source, 'bad json'));
  });

  it('reports a syntax error at its line, without running anything', async () => {
    const source = `import { Lock } from "threadlanes";
const lock = new Lock();
export function main() {
  lock.acquire(;
}
`;
    const { result } = await runSnippet(source);
    assert.equal(result.outcome, 'error');
    assert.equal(result.error!.kind, 'syntax');
    assert.equal(result.error!.line, 4);
    assert.match(result.error!.site, /:4:\d+$/);
  });

  it('a closure as a thread target fails fast with its line and how to fix it', async () => {
    const source = `import { Thread } from "threadlanes";
export function main() {
  const greet = () => console.log("hi");
  const t = new Thread({ target: greet }); // the closure
  t.start();
}
`;
    const { result } = await runSnippet(source);
    assert.equal(result.outcome, 'error');
    assert.equal(result.error!.kind, 'usage');
    assert.equal(result.error!.line, lineOf(source, 'the closure'));
    assert.match(result.error!.message, /top level of the file/);
  });

  it('an argument that cannot cross to another thread fails with its line', async () => {
    const source = `import { Thread } from "threadlanes";
function use(x: unknown) { console.log(x); }
export function main() {
  const t = new Thread({ target: use, args: [Symbol("s")] }); // bad arg
  t.start();
}
`;
    const { result } = await runSnippet(source);
    assert.equal(result.outcome, 'error');
    assert.equal(result.error!.line, lineOf(source, 'bad arg'));
    assert.match(result.error!.message, /argument 1/);
  });

  it('top-level code runs once: a translation without main() works, its effects are not repeated by each thread', async () => {
    const { result, lines } = await runSnippet(`import { Thread, Queue, Value, Lock, sleep } from "threadlanes";
const work = new Queue<string>();
for (const url of ["a", "b", "c"]) work.put(url);
const balance = new Value(0);
balance.value = 100;
const lock = new Lock();
function worker() {
  for (;;) {
    let item: string;
    try { item = work.get(false); } catch { return; }
    lock.withLock(() => { balance.value += 1; });
    console.log("got", item);
  }
}
const t1 = new Thread({ target: worker });
const t2 = new Thread({ target: worker });
t1.start(); t2.start();
t1.join(); t2.join();
sleep(0.01);
console.log("balance", balance.value);
`);
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(lines.filter((l) => l.startsWith('got')).sort(), ['got a', 'got b', 'got c']);
    assert.equal(lines[lines.length - 1], 'balance 103');
    assert.equal(result.trace.header.threads.length, 3);
  });

  it('taking from a queue in top-level code that every thread reruns is a usage error at that line', async () => {
    const source = `import { Thread, Queue } from "threadlanes";
const q = new Queue<number>();
q.put(1);
const first = q.get(); // top-level get
function work() { console.log("never"); }
const t = new Thread({ target: work });
t.start();
`;
    const { result } = await runSnippet(source);
    assert.equal(result.outcome, 'error');
    assert.equal(result.error!.kind, 'usage');
    assert.equal(result.error!.line, lineOf(source, 'top-level get'));
  });

  it('module-level primitives are one object in every thread; module-level lets are not', async () => {
    const { result, lines } = await runSnippet(`import { Thread, Lock, Value } from "threadlanes";
const lock = new Lock();
const shared = new Value(0);
let notShared = 0;
function work() {
  for (let i = 0; i < 1000; i++) lock.withLock(() => { shared.value += 1; notShared += 1; });
}
export function main() {
  const ts = [1, 2, 3].map(() => new Thread({ target: work }));
  ts.forEach((t) => t.start());
  ts.forEach((t) => t.join());
  console.log(shared.value, notShared);
}
`);
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(lines, ['3000 0']);
  });

  it('records every lock event, none dropped, even when rings fill up', async () => {
    const { result, events } = await runSnippet(
      `import { Thread, Lock } from "threadlanes";
const lock = new Lock();
function work() { for (let i = 0; i < 20000; i++) { lock.acquire(); lock.release(); } }
export function main() {
  const ts = [1, 2].map(() => new Thread({ target: work }));
  ts.forEach((t) => t.start());
  ts.forEach((t) => t.join());
}
`,
      { ringEvents: 1024 },
    );
    assert.equal(result.outcome, 'completed');
    const all = events();
    assert.equal(all.filter((e) => e.kind === EventKind.Acquired).length, 40000);
    assert.equal(all.filter((e) => e.kind === EventKind.Released).length, 40000);
    // Per-thread sequence numbers have no gaps and times never go backwards.
    for (const thread of result.trace.header.threads) {
      const own = all.filter((e) => e.tid === thread.tid).sort((a, b) => a.seq - b.seq);
      own.forEach((e, i) => {
        assert.equal(e.seq, i);
        if (i > 0) assert.ok(e.timeNs >= own[i - 1].timeNs);
      });
    }
  });

  it('never shows two owners of a Lock at the same instant', async () => {
    const { result, events } = await runSnippet(`import { Thread, Lock } from "threadlanes";
const lock = new Lock();
function work() { for (let i = 0; i < 5000; i++) lock.withLock(() => {}); }
export function main() {
  const ts = [1, 2, 3].map(() => new Thread({ target: work }));
  ts.forEach((t) => t.start());
  ts.forEach((t) => t.join());
}
`);
    assert.equal(result.outcome, 'completed');
    const lockId = result.trace.header.objects.find((o) => o.name === 'lock')!.id;
    const ops = events().filter((e) => e.objectId === lockId && (e.kind === EventKind.Acquired || e.kind === EventKind.Released));
    // Ordered by the lock's version, the times must be non-decreasing: acquire v, release v, acquire v+1, …
    ops.sort((a, b) => a.arg - b.arg || (a.kind === EventKind.Acquired ? -1 : 1));
    for (let i = 1; i < ops.length; i++) assert.ok(ops[i].timeNs >= ops[i - 1].timeNs, `hold ${ops[i].arg} overlaps the previous one`);
  });

  it('stops at the event limit and says so', async () => {
    const { result } = await runSnippet(
      `import { Lock } from "threadlanes";
const lock = new Lock();
export function main() { for (let i = 0; i < 1e7; i++) { lock.acquire(); lock.release(); } }
`,
      { maxEvents: 100000 },
    );
    assert.equal(result.outcome, 'error');
    assert.equal(result.truncated, 'events');
    assert.equal(result.error!.kind, 'limit');
    assert.ok(result.events >= 100000);
  });

  it('cancelling stops the run at once', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const { result } = await runSnippet(
      `import { sleep } from "threadlanes";
export function main() { sleep(30); }
`,
      { signal: controller.signal, timeoutSeconds: 60 },
    );
    assert.equal(result.outcome, 'error');
    assert.equal(result.error!.kind, 'cancelled');
    assert.ok(Date.now() - started < 10000);
  });

  it('raises RuntimeError past the limit of live threads, and names it', async () => {
    const { result, lines } = await runSnippet(
      `import { Event, Thread } from "threadlanes";
const go = new Event();
function waiter() { go.wait(); }
export function main() {
  let started = 0;
  try {
    for (let i = 0; i < 10; i++) { new Thread({ target: waiter }).start(); started++; }
  } catch (e) { console.log(started, (e as Error).name, (e as Error).message); }
  go.set();
}
`,
      { maxThreads: 4 },
    );
    assert.equal(result.outcome, 'completed');
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^4 RuntimeError can't start new thread: 4 threads are alive besides MainThread, the limit \(raise it with --max-threads/,
    );
  });

  it('counts live threads, not every thread started: start and join one after another past the limit', async () => {
    const { result, lines } = await runSnippet(
      `import { Thread } from "threadlanes";
function work() {}
export function main() {
  for (let i = 0; i < 12; i++) { const t = new Thread({ target: work }); t.start(); t.join(); }
  console.log("joined 12");
}
`,
      { maxThreads: 3 },
    );
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(lines, ['joined 12']);
    assert.equal(result.trace.header.threads.length, 13);
  });

  it('daemon threads do not keep the run alive; others do', async () => {
    const { result, lines } = await runSnippet(`import { Thread, sleep } from "threadlanes";
function forever() { for (;;) sleep(0.01); }
function short() { sleep(0.1); console.log("short done"); }
export function main() {
  new Thread({ target: forever, daemon: true, name: "bg" }).start();
  new Thread({ target: short }).start();
  console.log("main done");
}
`);
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(lines, ['main done', 'short done']);
    assert.equal(result.trace.header.threads.find((t) => t.name === 'bg')!.daemon, true);
  });

  it('captures output per thread, in order, and names where a lock was made', async () => {
    const { result } = await runSnippet(`import { Thread, Lock, currentThread } from "threadlanes";
const forkA = new Lock();
const named = new Lock("fork 1");
function say(n: number) { for (let i = 0; i < 3; i++) console.log(currentThread().name, n, i); }
export function main() {
  const t = new Thread({ target: say, args: [7], name: "speaker" });
  t.start(); t.join();
}
`);
    const texts = result.trace.header.output.filter((o) => o.thread === 'speaker').map((o) => o.text);
    assert.deepEqual(texts, ['speaker 7 0', 'speaker 7 1', 'speaker 7 2']);
    const names = result.trace.header.objects.filter((o) => o.kind === 'Lock').map((o) => o.name);
    assert.deepEqual(names.sort(), ['fork 1', 'forkA']);
  });
});
