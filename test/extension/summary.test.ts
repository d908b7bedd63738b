/** The extension's pure mapping from a run to Problems, decorations and hovers (no VS Code needed). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../src/harness/run';
import {
  arrayElementColumns,
  blockingLineNotes,
  describeAtEnd,
  parseSite,
  primitivesDeclaredAt,
  primitivesUsedAt,
  problemsOf,
  summarize,
  type RunSummary,
} from '../../src/extension/summary';
import { importsThreadlanes, EXAMPLE_SNIPPET } from '../../src/extension/snippets';
import { ensureWorkspaceTypes } from '../../src/extension/typesStub';

const philosophers = path.resolve(__dirname, '../../examples/dining-philosophers.ts');

async function summaryOf(file: string, source?: string, recordShared = false): Promise<RunSummary> {
  const result = await run({ file, ...(source !== undefined ? { source } : {}), timeoutSeconds: 10, recordShared });
  return summarize({ trace: result.trace, durationMs: result.durationMs, events: result.events, error: result.error });
}

describe('extension: run summary', function () {
  this.timeout(30_000);
  let deadlock: RunSummary;
  before(async () => {
    deadlock = await summaryOf(philosophers);
  });

  it('has a Problem and a decoration at the blocking line of each deadlocked thread', () => {
    assert.equal(deadlock.outcome, 'deadlock');
    const problems = problemsOf(deadlock).filter((p) => p.code === 'deadlock');
    assert.equal(problems.length, 5);
    for (const problem of problems) {
      assert.equal(problem.line, 31); // right.acquire()
      assert.match(problem.message, /^Deadlock: \w+ waits here for fork \d, held by \w+ while holding fork \d\.$/);
    }
    const notes = blockingLineNotes(deadlock);
    assert.equal(notes.length, 1);
    assert.match(notes[0].text, /Plato waits here for fork 2, held by Kant/);
  });

  it('resolves a primitive through its declaration position, not its name', () => {
    // `const fork1 = new Lock("fork 1");` is line 16; the name starts at col 7.
    const [fork1] = primitivesDeclaredAt(deadlock, philosophers, { line: 16, col: 7 });
    assert.equal(fork1?.name, 'fork 1');
    assert.deepEqual(
      fork1.holders.map((h) => h.thread),
      ['Plato'],
    );
    assert.deepEqual(
      fork1.waiters.map((w) => w.thread),
      ['Confucius'],
    );
    // Another line, or a position after the constructor, names nothing.
    assert.deepEqual(primitivesDeclaredAt(deadlock, philosophers, { line: 21, col: 7 }), []);
    assert.deepEqual(primitivesDeclaredAt(deadlock, philosophers, { line: 16, col: 30 }), []);
    const text = describeAtEnd(deadlock, fork1).join('\n');
    assert.match(text, /owner: \*\*Plato\*\*, acquired at line 28/);
    assert.match(text, /waiting: \*\*Confucius\*\* \(lock\) at line 31/);
    assert.match(text, /at the deadlock/);
  });

  it('resolves a parameter at a call through the objects the call used (left.acquire())', () => {
    const lines = fs.readFileSync(philosophers, 'utf8').split('\n');
    // Line 28: `    left.acquire();` — `left` ends at col 8 (0-based). Each philosopher's left fork.
    const left = primitivesUsedAt(deadlock, philosophers, 28, lines[27], 8);
    assert.deepEqual(left.map((p) => p.name).sort(), ['fork 1', 'fork 2', 'fork 3', 'fork 4', 'fork 5']);
    const right = primitivesUsedAt(deadlock, philosophers, 31, lines[30], lines[30].indexOf('right') + 5);
    assert.equal(right.length, 5);
    assert.ok(
      right.every((p) => p.waiters.length === 1),
      'each fork has a philosopher waiting for it at the deadlock',
    );
    // `me` on line 29 is followed by no call of the API.
    assert.deepEqual(primitivesUsedAt(deadlock, philosophers, 29, lines[28], lines[28].indexOf('me') + 2), []);
    // `const forks = [fork1, …]`: the elements, each resolved through its own declaration.
    const columns = arrayElementColumns(lines[20], lines[20].indexOf('forks'));
    assert.deepEqual(
      columns.map((c) => lines[20].slice(c, c + 5)),
      ['fork1', 'fork2', 'fork3', 'fork4', 'fork5'],
    );
    assert.deepEqual(arrayElementColumns('const n = 3;', 6), []);
    assert.deepEqual(arrayElementColumns('const xs: Lock[] = [a, new Lock()];', 6), [20]);
  });

  it('resolves this.lock and forks[i] through the calls that used them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-ext-'));
    const file = path.join(dir, 'bank.ts');
    const source = [
      'import { Lock, Thread } from "threadlanes";',
      'class Account {',
      '  private readonly lock: Lock;',
      '  constructor(name: string) {',
      '    this.lock = new Lock(name);',
      '  }',
      '  hold(): void {',
      '    this.lock.acquire();',
      '  }',
      '}',
      'const accounts = [new Account("account a"), new Account("account b")];',
      'const forks = [new Lock("f0"), new Lock("f1")];',
      'function work(i: number): void {',
      '  accounts[i].hold();',
      '  forks[i].acquire();',
      '}',
      'export function main(): void {',
      '  const threads = [0, 1].map((i) => new Thread({ target: work, args: [i], name: `worker ${i}` }));',
      '  for (const t of threads) t.start();',
      '  for (const t of threads) t.join();',
      '}',
      '',
    ].join('\n');
    fs.writeFileSync(file, source);
    const summary = await summaryOf(file, source);
    const lines = source.split('\n');
    const lock = primitivesUsedAt(summary, file, 8, lines[7], lines[7].indexOf('lock') + 4);
    assert.deepEqual(lock.map((p) => p.name).sort(), ['account a', 'account b']);
    assert.ok(
      lock.every((p) => p.holders.length === 1 && /^worker \d$/.test(p.holders[0].thread)),
      JSON.stringify(lock),
    );
    // `this` is not the lock: nothing.
    assert.deepEqual(primitivesUsedAt(summary, file, 8, lines[7], lines[7].indexOf('this') + 4), []);
    const forks = primitivesUsedAt(summary, file, 15, lines[14], lines[14].indexOf('forks') + 5);
    assert.deepEqual(forks.map((p) => p.name).sort(), ['f0', 'f1']);
    // `i` inside the brackets is an index, not a primitive.
    assert.deepEqual(primitivesUsedAt(summary, file, 15, lines[14], lines[14].indexOf('i]') + 1), []);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('puts snippet errors at their line: syntax, an exception in main, a usage error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-ext-'));
    const file = path.join(dir, 'snippet.ts');
    fs.writeFileSync(file, '');
    const cases: [string, number, string][] = [
      ['import { Lock } from "threadlanes";\nconst l = new Lock(;\n', 2, 'syntax'],
      ['import { Lock } from "threadlanes";\nexport function main() {\n  throw new Error("boom");\n}\n', 3, 'exception'],
      ['import { Thread } from "threadlanes";\nexport function main() {\n  new Thread({ target: () => 1 }).start();\n}\n', 3, 'usage'],
    ];
    for (const [source, line, kind] of cases) {
      const summary = await summaryOf(file, source);
      const [problem] = problemsOf(summary);
      assert.equal(problem?.code, kind, source);
      assert.equal(problem?.line, line, source);
      assert.equal(problem?.severity, 'error');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('puts a livelock at the line its thread spins on, with its message', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-ext-'));
    const file = path.join(dir, 'spin.ts');
    const source = [
      'import { Thread, Value } from "threadlanes";',
      'const flag = new Value(0);',
      'export function spin() {',
      '  while (flag.value === 0) {}',
      '}',
      'export function main() {',
      '  const t = new Thread({ target: spin, name: "spinner" });',
      '  t.start();',
      '  t.join();',
      '}',
      '',
    ].join('\n');
    fs.writeFileSync(file, source);
    const result = await run({ file, source, mode: 'controlled', timeoutSeconds: 10, unfairSteps: 200, livelockSteps: 200 });
    const summary = summarize({ trace: result.trace, durationMs: result.durationMs, events: result.events, error: result.error });
    assert.equal(summary.outcome, 'livelock');
    const [problem] = problemsOf(summary);
    assert.equal(problem?.code, 'livelock');
    assert.equal(problem?.severity, 'error');
    assert.equal(problem?.line, 4);
    assert.equal(problem?.file, file);
    assert.match(problem.message, /^Livelock: spinner spun 200 steps at .*spin\.ts:4 without any thread making progress/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says a livelock once, whatever the harness prefixed', () => {
    const summary: RunSummary = {
      file: '/w/spin.ts',
      outcome: 'livelock',
      durationMs: 1,
      events: 10,
      endNs: 1000,
      primitives: [],
      callSites: [],
      threadExceptions: [],
      error: {
        kind: 'livelock',
        message: 'livelock: worker spun 10,000 steps at /w/spin.ts:7 without any thread making progress',
        place: { file: '/w/spin.ts', line: 7, col: 3 },
      },
    };
    assert.deepEqual(problemsOf(summary), [
      {
        file: '/w/spin.ts',
        line: 7,
        col: 3,
        severity: 'error',
        code: 'livelock',
        message: 'Livelock: worker spun 10,000 steps at /w/spin.ts:7 without any thread making progress',
      },
    ]);
  });

  it('warns of a potential deadlock at each acquire site, naming the other order', async () => {
    const bank = path.resolve(__dirname, '../../examples/bank-transfer.ts');
    const summary = await summaryOf(bank);
    assert.equal(summary.outcome, 'completed');
    assert.equal(summary.potentialDeadlocks?.length, 1);
    assert.deepEqual([...summary.potentialDeadlocks[0].locks].sort(), ['alice', 'bob']);
    const problems = problemsOf(summary).filter((p) => p.code === 'potential-deadlock');
    assert.equal(problems.length, 2);
    const byThread = (thread: string) => problems.find((p) => p.message.includes(`(${thread}), and`))!;
    const payBob = byThread('pay-bob');
    const payAlice = byThread('pay-alice');
    for (const problem of [payBob, payAlice]) {
      assert.equal(problem.severity, 'warning');
      assert.equal(problem.line, 24, 'at the inner withLock');
      assert.equal(problem.file, bank);
      assert.equal(problem.related?.length, 2, 'where the held lock was taken, and the other order');
    }
    assert.equal(
      payBob.message,
      'Potential deadlock: bob is taken here while holding alice, taken at bank-transfer.ts:23 (pay-bob), and alice while holding bob at bank-transfer.ts:24 (pay-alice). ' +
        'This run did not deadlock, another may: take the locks in one order everywhere.',
    );
    assert.match(
      payAlice.message,
      /^Potential deadlock: alice is taken here while holding bob, taken at bank-transfer\.ts:23 \(pay-alice\), and bob while holding alice at bank-transfer\.ts:24 \(pay-bob\)\./,
    );
    assert.deepEqual(
      payBob.related!.map((r) => r.line),
      [23, 24],
    );
    // Not checked for races: the run did not record shared accesses.
    assert.equal(summary.races, undefined);
    assert.equal(problemsOf(summary).filter((p) => p.code === 'data-race').length, 0);
  });

  it('a deadlock the run ran into is a Problem of its own, not a potential deadlock too', () => {
    assert.equal(deadlock.potentialDeadlocks, undefined);
    assert.equal(problemsOf(deadlock).filter((p) => p.code === 'potential-deadlock').length, 0);
  });

  it('warns of a data race at both accesses when shared accesses were recorded', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-ext-'));
    const file = path.join(dir, 'racy.ts');
    const source = [
      'import { SharedArray, Thread, Value } from "threadlanes";',
      'const hits = new Value(0, "hits");',
      'const slots = new SharedArray(4, "slots");',
      'function writer(): void {',
      '  hits.value = 1;',
      '}',
      'function reader(): void {',
      '  console.log(`seen ${hits.value}`);',
      '}',
      'function filler(): void {',
      '  slots[2] = 7;',
      '}',
      'export function main(): void {',
      '  const threads = [',
      '    new Thread({ target: writer, name: "writer" }),',
      '    new Thread({ target: reader, name: "reader" }),',
      '    new Thread({ target: filler, name: "filler 1" }),',
      '    new Thread({ target: filler, name: "filler 2" }),',
      '  ];',
      '  for (const thread of threads) thread.start();',
      '  for (const thread of threads) thread.join();',
      '}',
      '',
    ].join('\n');
    fs.writeFileSync(file, source);
    const summary = await summaryOf(file, source, true);
    assert.deepEqual(summary.races?.map((r) => r.location).sort(), ['hits', 'slots[2]']);
    const problems = problemsOf(summary).filter((p) => p.code === 'data-race');
    const hits = problems.filter((p) => p.message.startsWith('Data race on hits:'));
    assert.deepEqual(hits.map((p) => p.line).sort(), [5, 8], 'one at each access');
    assert.ok(hits.every((p) => p.severity === 'warning'));
    assert.equal(
      hits.find((p) => p.line === 5)!.message,
      'Data race on hits: writer writes it here, and reader reads it at racy.ts:8 with nothing ordering them. Guard both with the same Lock.',
    );
    assert.equal(
      hits.find((p) => p.line === 8)!.message,
      'Data race on hits: reader reads it here, and writer writes it at racy.ts:5 with nothing ordering them. Guard both with the same Lock.',
    );
    assert.deepEqual(
      hits.find((p) => p.line === 5)!.related?.map((r) => [r.line, r.message]),
      [[8, 'reader reads hits here']],
    );
    // Both fillers write at one place: one warning there.
    const slots = problems.filter((p) => p.message.startsWith('Data race on slots[2]:'));
    assert.equal(slots.length, 1);
    assert.match(
      slots[0].message,
      /^Data race on slots\[2\]: filler [12] writes and filler [12] writes it here with nothing ordering them\./,
    );
    // Without recording, the same snippet is not checked.
    assert.equal((await summaryOf(file, source)).races, undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('parses sites whose file has colons', () => {
    assert.deepEqual(parseSite('C:/x/a.ts:3:4'), { file: 'C:/x/a.ts', line: 3, col: 4 });
    assert.deepEqual(parseSite('/a.ts:31'), { file: '/a.ts', line: 31, col: 1 });
    assert.equal(parseSite('/a.ts'), undefined);
  });
});

describe('extension: snippets and types', () => {
  it('recognises files that import threadlanes', () => {
    assert.ok(importsThreadlanes(EXAMPLE_SNIPPET));
    assert.ok(importsThreadlanes('const t = require("threadlanes");'));
    assert.ok(!importsThreadlanes('import { Lock } from "threadlanes-extra";'));
  });

  it('writes the types stub once and never over a real install', () => {
    const typesDir = path.resolve(__dirname, '../../dist/types');
    if (!fs.existsSync(path.join(typesDir, 'runtime', 'index.d.ts'))) return; // built by `npm run package`
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-types-'));
    assert.ok(ensureWorkspaceTypes(typesDir, folder, '1.0.0'));
    assert.equal(ensureWorkspaceTypes(typesDir, folder, '1.0.0'), undefined);
    fs.writeFileSync(path.join(folder, 'node_modules/threadlanes/package.json'), '{"name":"threadlanes","version":"9.9.9"}');
    assert.equal(ensureWorkspaceTypes(typesDir, folder, '1.0.0'), undefined);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
