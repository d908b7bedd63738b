/**
 * The snippet model's own rules (ARCHITECTURE.md, decision 3): what cannot cross to another thread, or
 * would run again in every thread, fails fast as a usage error that names the line and the fix.
 * These have no CPython counterpart; they are the harness-level half of the contract.
 */
import { strict as assert } from 'node:assert';
import { describeRun, lineOf, merged, runCompleted, runSnippet } from './helpers';

describe('usage errors name the line', () => {
  it('a closure as a thread target fails at the Thread construction line', async () => {
    const source = `import { Thread } from "threadlanes";
export function main() {
  const greeting = "hi";
  const t = new Thread({ target: () => console.log(greeting) }); // CONSTRUCT
  t.start();
  t.join();
}`;
    const run = await runSnippet(source);
    const line = lineOf(source, '// CONSTRUCT');
    assert.equal(run.result.outcome, 'error', describeRun(run));
    assert.equal(run.result.error?.kind, 'usage', describeRun(run));
    assert.equal(run.result.error?.line, line, describeRun(run));
    assert.match(run.result.error.message, /top level/, describeRun(run));
    assert.match(run.result.error.site, new RegExp(`:${line}:\\d+$`), describeRun(run));
    assert.ok(
      run.exceptions.some((e) => e.message.includes(`:${line}:`)),
      `no exception names line ${line}: ${describeRun(run)}`,
    );
  });

  it('a function declared inside main() as a target fails the same way', async () => {
    const source = `import { Thread } from "threadlanes";
export function main() {
  function inner() {}
  const t = new Thread({ target: inner }); // CONSTRUCT
  t.start();
}`;
    const run = await runSnippet(source);
    assert.equal(run.result.outcome, 'error', describeRun(run));
    assert.equal(run.result.error?.kind, 'usage', describeRun(run));
    assert.equal(run.result.error?.line, lineOf(source, '// CONSTRUCT'), describeRun(run));
    assert.match(run.result.error.message, /inner/, describeRun(run));
  });

  it('a closure passed as a thread argument fails at the Thread construction line', async () => {
    const source = `import { Thread } from "threadlanes";
function call(fn: () => void) {
  fn();
}
export function main() {
  const t = new Thread({ target: call, args: [() => 1] }); // CONSTRUCT
  t.start();
  t.join();
}`;
    const run = await runSnippet(source);
    assert.equal(run.result.outcome, 'error', describeRun(run));
    assert.equal(run.result.error?.kind, 'usage', describeRun(run));
    assert.equal(run.result.error?.line, lineOf(source, '// CONSTRUCT'), describeRun(run));
    assert.match(run.result.error.message, /argument 1/, describeRun(run));
  });

  it('a thread started at module top level runs once (other threads replay the top level without its effects)', async () => {
    const run = await runCompleted(`import { Thread } from "threadlanes";
function work() { console.log(JSON.stringify({ worked: true })); }
const t = new Thread({ target: work });
t.start();
t.join();
export function main() {}`);
    assert.deepEqual(run.lines, ['{"worked":true}'], describeRun(run));
    assert.equal(run.result.trace.header.threads.length, 2, describeRun(run));
  });

  it('starting threads under if (isMainThread) at top level is fine', async () => {
    const run = await runCompleted(`import { Thread, isMainThread } from "threadlanes";
function work(x: number) {
  console.log(JSON.stringify({ worked: x }));
}
if (isMainThread) {
  const t = new Thread({ target: work, args: [7] });
  t.start();
  t.join();
}`);
    assert.deepEqual(merged(run), { worked: 7 });
  });

  it('an exception thrown by main() ends the run with an error at its line', async () => {
    const source = `import { ValueError } from "threadlanes";
export function main() {
  throw new ValueError("bad input"); // THROW
}`;
    const run = await runSnippet(source);
    assert.equal(run.result.outcome, 'error', describeRun(run));
    assert.equal(run.result.error?.kind, 'exception', describeRun(run));
    assert.match(run.result.error.message, /ValueError: bad input/, describeRun(run));
    assert.equal(run.result.error?.line, lineOf(source, '// THROW'), describeRun(run));
  });
});
