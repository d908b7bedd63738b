/**
 * Hostile input (issue 12): what Python would do with time.sleep(nan/-1/inf), and how a thread
 * (MainThread included) ends when it throws something that is not an Error or leaves a promise
 * rejection unhandled. CPython: Modules/timemodule.c time_sleep (`_PyTime_FromSecondsObject`
 * raises ValueError "Invalid value NaN (not a number)" and OverflowError "timestamp too large to
 * convert to C _PyTime_t"; pysleep raises ValueError "sleep length must be non-negative").
 */
import { strict as assert } from 'node:assert';
import type { ExceptionInfo } from '../../src/trace/format';
import { describeRun, lineOf, merged, runSnippet, type SnippetRun } from './helpers';

/** The snippet line an exception is attributed to (its site), or undefined. */
function lineOfException(run: SnippetRun, exception: ExceptionInfo): number | undefined {
  const site = run.result.trace.header.sites[exception.siteId];
  return exception.siteId > 0 && site ? site.line : undefined;
}

/** Exactly one exception, in thread `tid`, named `name`, with `message`, at `line`. */
function assertOneException(run: SnippetRun, expected: { tid: number; name: string; message: string; line: number }): void {
  assert.equal(run.exceptions.length, 1, describeRun(run));
  const [e] = run.exceptions;
  assert.deepEqual({ tid: e.tid, name: e.name, message: e.message, line: lineOfException(run, e) }, expected, describeRun(run));
}

/** An exception that ended MainThread: the run's error says it, with its line. */
function assertMainError(run: SnippetRun, message: string, line: number): void {
  assert.equal(run.result.outcome, 'error', describeRun(run));
  assert.equal(run.result.error?.kind, 'exception', describeRun(run));
  assert.equal(run.result.error?.message, message, describeRun(run));
  assert.equal(run.result.error?.line, line, describeRun(run));
}

describe('sleep() with hostile lengths, as time.sleep', () => {
  it('sleep(NaN) raises ValueError, sleep(-1) ValueError, sleep(±Infinity) and sleep(1e10) OverflowError', async () => {
    const run = await runSnippet(`import { sleep } from "threadlanes";
function attempt(seconds: number): string {
  try {
    sleep(seconds);
    return "slept";
  } catch (e) {
    return (e as Error).name + ": " + (e as Error).message;
  }
}
export function main() {
  emit({ nan: attempt(NaN), negative: attempt(-1), inf: attempt(Infinity), minusInf: attempt(-Infinity), huge: attempt(1e10), zero: attempt(0) });
}`);
    assert.equal(run.result.outcome, 'completed', describeRun(run));
    assert.deepEqual(merged(run), {
      nan: 'ValueError: Invalid value NaN (not a number)',
      negative: 'ValueError: sleep length must be non-negative',
      inf: 'OverflowError: timestamp too large to convert to C _PyTime_t',
      minusInf: 'OverflowError: timestamp too large to convert to C _PyTime_t',
      huge: 'OverflowError: timestamp too large to convert to C _PyTime_t',
      zero: 'slept',
    });
  });

  it('an uncaught sleep(Infinity) in a thread is an OverflowError at its line', async () => {
    const source = `import { Thread, sleep } from "threadlanes";
function sleeper() {
  sleep(Infinity); // SLEEP
}
export function main() {
  const t = new Thread({ target: sleeper });
  t.start();
  t.join();
}`;
    const run = await runSnippet(source);
    assert.equal(run.result.outcome, 'completed', describeRun(run));
    assertOneException(run, {
      tid: 1,
      name: 'OverflowError',
      message: 'timestamp too large to convert to C _PyTime_t',
      line: lineOf(source, '// SLEEP'),
    });
  });

  it('an uncaught sleep(NaN) in main is a ValueError at its line', async () => {
    const source = `import { sleep } from "threadlanes";
export function main() {
  sleep(NaN); // SLEEP
}`;
    const run = await runSnippet(source);
    assertMainError(run, 'ValueError: Invalid value NaN (not a number)', lineOf(source, '// SLEEP'));
  });
});

describe('throwing something that is not an Error', () => {
  it('throw {code: 42} in main: Exception: {"code":42} at the throw line', async () => {
    const source = `export function main() {
  console.log("before");
  throw { code: 42 }; // THROW
}`;
    const run = await runSnippet(source);
    assertMainError(run, 'Exception: {"code":42}', lineOf(source, '// THROW'));
    assertOneException(run, { tid: 0, name: 'Exception', message: '{"code":42}', line: lineOf(source, '// THROW') });
    assert.ok(
      run.stderr.some((l) => l.includes('Exception: {"code":42}')),
      describeRun(run),
    );
  });

  it('throw "boom" in a thread: Exception: boom at the throw line', async () => {
    const source = `import { Thread } from "threadlanes";
function fails() {
  throw "boom"; // THROW
}
export function main() {
  const t = new Thread({ target: fails });
  t.start();
  t.join();
}`;
    const run = await runSnippet(source);
    assert.equal(run.result.outcome, 'completed', describeRun(run));
    assertOneException(run, { tid: 1, name: 'Exception', message: 'boom', line: lineOf(source, '// THROW') });
  });

  it('throw undefined in a thread: a message that says undefined, at the throw line', async () => {
    const source = `import { Thread } from "threadlanes";
function fails(n: number) {
  if (n > 0) throw undefined; // THROW
}
export function main() {
  const t = new Thread({ target: fails, args: [1] });
  t.start();
  t.join();
}`;
    const run = await runSnippet(source);
    assertOneException(run, { tid: 1, name: 'Exception', message: 'undefined', line: lineOf(source, '// THROW') });
  });

  it('a caught and rethrown non-Error keeps the line it was first thrown at; throw "" is not an empty message', async () => {
    const source = `function inner() {
  throw ""; // THROW
}
export function main() {
  try {
    inner();
  } catch (e) {
    throw e;
  }
}`;
    const run = await runSnippet(source);
    assertMainError(run, "Exception: ''", lineOf(source, '// THROW'));
  });

  it('a thrown non-Error that is caught changes nothing', async () => {
    const run = await runSnippet(`export function main() {
  let caught: unknown;
  try {
    throw { code: 7 };
  } catch (e) {
    caught = e;
  }
  emit({ caught });
}`);
    assert.equal(run.result.outcome, 'completed', describeRun(run));
    assert.deepEqual(merged(run), { caught: { code: 7 } });
  });
});

describe('unhandled promise rejections end the thread like an uncaught exception', () => {
  it('Promise.reject(new Error("lost")) in main', async () => {
    const source = `export function main() {
  Promise.reject(new Error("lost")); // REJECT
  console.log("main returns");
}`;
    const run = await runSnippet(source);
    assertMainError(run, 'Error: lost', lineOf(source, '// REJECT'));
    assertOneException(run, { tid: 0, name: 'Error', message: 'lost', line: lineOf(source, '// REJECT') });
  });

  it('an async function that throws, called without await, in a thread', async () => {
    const source = `import { Thread } from "threadlanes";
async function later() {
  throw new RangeError("async lost"); // THROW
}
function worker() {
  void later();
}
export function main() {
  const t = new Thread({ target: worker });
  t.start();
  t.join();
  console.log("main goes on");
}`;
    const run = await runSnippet(source);
    assert.equal(run.result.outcome, 'completed', describeRun(run));
    assertOneException(run, { tid: 1, name: 'RangeError', message: 'async lost', line: lineOf(source, '// THROW') });
  });

  it('a rejection while an async main awaits, with a non-Error reason', async () => {
    const source = `export async function main() {
  void Promise.reject("nope"); // REJECT
  await new Promise((resolve) => setTimeout(resolve, 10));
}`;
    const run = await runSnippet(source);
    assert.equal(run.result.outcome, 'error', describeRun(run));
    assert.equal(run.result.error?.message, 'Exception: nope', describeRun(run));
    assert.equal(run.exceptions.length, 1, describeRun(run));
    assert.equal(run.exceptions[0].tid, 0, describeRun(run));
  });

  it('a rejection handled later in the same turn is no error', async () => {
    const run = await runSnippet(`export async function main() {
  const p = Promise.reject(new Error("handled"));
  try {
    await p;
  } catch (e) {
    emit({ caught: (e as Error).message });
  }
}`);
    assert.equal(run.result.outcome, 'completed', describeRun(run));
    assert.deepEqual(run.exceptions, [], describeRun(run));
    assert.deepEqual(merged(run), { caught: 'handled' });
  });
});
