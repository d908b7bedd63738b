import * as assert from 'node:assert/strict';
import {
  EVENT_BYTES,
  EventKind,
  TRACE_FORMAT,
  TRACE_VERSION,
  WAIT_TIMED,
  WaitKind,
  type ObjectInfo,
  type ObjectKind,
  type OutputLine,
  type Trace,
  type TraceEvent,
  type TraceHeader,
} from '../src/trace/format';
import { decodeEvents } from '../src/trace/events';
import {
  BINARY_TRACE_MAGIC,
  TraceFileError,
  decodeTrace,
  decodeTraceBinary,
  decodeTraceJson,
  encodeEvents,
  encodeTrace,
  encodeTraceBinary,
  encodeTraceJson,
} from '../src/trace/file';
import {
  chromeTid,
  chromeTraceJsonChunks,
  safeDurationUs,
  toChromeTrace,
  type ChromeTrace,
  type ChromeTraceEvent,
} from '../src/export/chrome';
import { prng } from './prng';

// ── building synthetic traces ────────────────────────────────────────────────────────────

/** [kind, timeNs, objectId, arg, siteId] — seq is the event's index on its thread. */
type Step = [EventKind, number, number?, number?, number?];

interface TraceSpec {
  threads: string[];
  objects?: Array<[id: number, kind: ObjectKind, name: string]>;
  /** Per tid, the thread's events in order. */
  events: Step[][];
  output?: OutputLine[];
  mode?: TraceHeader['mode'];
  durationMs?: number;
}

function buildTrace(spec: TraceSpec): Trace {
  const objects: ObjectInfo[] = (spec.objects ?? []).map(([id, kind, name]) => ({ id, kind, name, siteId: 1, tid: 0 }));
  const events = spec.threads.map((_, tid) =>
    encodeEvents(
      (spec.events[tid] ?? []).map(([kind, timeNs, objectId = 0, arg = 0, siteId = 0], seq) => ({
        seq,
        kind,
        timeNs,
        objectId,
        arg,
        siteId,
      })),
    ),
  );
  const header: TraceHeader = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    file: 'demo.ts',
    mode: spec.mode ?? 'controlled',
    outcome: 'completed',
    durationMs: spec.durationMs ?? 0,
    startedAt: '2024-01-01T00:00:00.000Z',
    threads: spec.threads.map((name, tid) => ({
      tid,
      name,
      objectId: tid === 0 ? 0 : 1000 + tid,
      daemon: false,
      finalState: 'finished',
    })),
    objects,
    sites: [
      { file: '?', line: 0, col: 0 },
      { file: 'demo.ts', line: 3, col: 5 },
      { file: 'demo.ts', line: 7, col: 9 },
    ],
    output: spec.output ?? [],
    exceptions: [],
    eventCounts: events.map((bytes) => bytes.byteLength / EVENT_BYTES),
  };
  return { header, events };
}

const X = (chrome: ChromeTrace) => chrome.traceEvents.filter((event) => event.ph === 'X');
const ofThread = (events: ChromeTraceEvent[], tid: number) => events.filter((event) => event.tid === chromeTid(tid));

interface Hold {
  id: number;
  name: string;
  tid: number;
  beginNs: number;
  endNs: number;
  endArgs?: Record<string, unknown>;
}

/** Pairs b/e by id, asserting that every id has exactly one of each, with matching name/tid. */
function holdsOf(chrome: ChromeTrace): Hold[] {
  const begins = new Map<number, ChromeTraceEvent>();
  const ends = new Map<number, ChromeTraceEvent>();
  for (const event of chrome.traceEvents) {
    if (event.ph !== 'b' && event.ph !== 'e') continue;
    assert.equal(event.cat, 'lock');
    const map = event.ph === 'b' ? begins : ends;
    assert.ok(event.id !== undefined, 'async event without an id');
    assert.ok(!map.has(event.id), `two "${event.ph}" events for id ${event.id}`);
    map.set(event.id, event);
  }
  assert.deepEqual([...begins.keys()].sort(), [...ends.keys()].sort(), 'b and e ids differ');
  return [...begins.values()].map((begin) => {
    const end = ends.get(begin.id!)!;
    assert.equal(end.name, begin.name);
    assert.equal(end.tid, begin.tid);
    assert.ok(end.ts >= begin.ts, `hold ${begin.id} ends before it begins`);
    return {
      id: begin.id!,
      name: begin.name,
      tid: begin.tid - 1,
      beginNs: Math.round(begin.ts * 1000),
      endNs: Math.round(end.ts * 1000),
      endArgs: end.args,
    };
  });
}

/** Per thread, X slices in order never overlap, read as floats and as a Perfetto-style ns reader would. */
function assertStatesDoNotOverlap(chrome: ChromeTrace): void {
  const byTid = new Map<number, ChromeTraceEvent[]>();
  for (const slice of X(chrome)) {
    assert.ok(slice.dur! >= 0, 'negative duration');
    byTid.set(slice.tid, [...(byTid.get(slice.tid) ?? []), slice]);
  }
  for (const slices of byTid.values()) {
    for (let i = 1; i < slices.length; i++) {
      const previous = slices[i - 1];
      const next = slices[i];
      assert.ok(previous.ts <= next.ts, 'X slices not sorted');
      assert.ok(previous.ts + previous.dur! <= next.ts, `slices overlap: ${JSON.stringify(previous)} / ${JSON.stringify(next)}`);
      for (const toNs of [Math.trunc, Math.round]) {
        assert.ok(
          toNs(previous.ts * 1000) + toNs(previous.dur! * 1000) <= toNs(next.ts * 1000),
          `slices overlap in ns: ${JSON.stringify(previous)} / ${JSON.stringify(next)}`,
        );
      }
    }
  }
}

/** Per thread, X slices leave no gap larger than `slackNs` between start and end. */
function assertContiguous(slices: ChromeTraceEvent[], fromNs: number, toNs: number): void {
  assert.ok(slices.length > 0);
  assert.equal(Math.round(slices[0].ts * 1000), fromNs);
  for (let i = 1; i < slices.length; i++) {
    const gap = slices[i].ts * 1000 - (slices[i - 1].ts + slices[i - 1].dur!) * 1000;
    assert.ok(gap >= 0 && gap <= 1.5, `gap of ${gap} ns between states`);
  }
  const last = slices[slices.length - 1];
  assert.ok(Math.abs((last.ts + last.dur!) * 1000 - toNs) <= 1.5);
}

// ── the event record and the file forms ──────────────────────────────────────────────────

describe('trace event records', () => {
  it('encodeEvents writes exactly what decodeEvents reads', () => {
    const events: Omit<TraceEvent, 'tid'>[] = [
      { seq: 0, timeNs: 0, kind: EventKind.ThreadRunning, objectId: 0, siteId: 0, arg: 0 },
      { seq: 1, timeNs: 1234.5, kind: EventKind.Acquired, objectId: 0xffffffff, siteId: 42, arg: -7 },
      { seq: 0xffffff, timeNs: 2 ** 52, kind: EventKind.Output, objectId: 3, siteId: 0xffffffff, arg: 0x7fffffff },
    ];
    const bytes = encodeEvents(events);
    assert.equal(bytes.byteLength, 3 * EVENT_BYTES);
    assert.deepEqual(
      decodeEvents(5, bytes),
      events.map((event) => ({ ...event, tid: 5 })),
    );
    // The layout itself: kind in the low byte, seq above it.
    const view = new DataView(bytes.buffer);
    assert.equal(view.getUint32(EVENT_BYTES + 8, true), (1 << 8) | EventKind.Acquired);
  });

  it('stores seq modulo 2^24 and rejects fields that do not fit', () => {
    const [event] = decodeEvents(0, encodeEvents([{ seq: 2 ** 24 + 5, timeNs: 1, kind: 1, objectId: 0, siteId: 0, arg: 0 }]));
    assert.equal(event.seq, 5);
    assert.throws(() => encodeEvents([{ seq: 0, timeNs: 1, kind: 256 as EventKind, objectId: 0, siteId: 0, arg: 0 }]), /kind/);
    assert.throws(() => encodeEvents([{ seq: 0, timeNs: 1, kind: 1, objectId: -1, siteId: 0, arg: 0 }]), /objectId/);
    assert.throws(() => encodeEvents([{ seq: 0, timeNs: 1, kind: 1, objectId: 0, siteId: 0, arg: 2 ** 31 }]), /arg/);
    assert.throws(() => encodeEvents([{ seq: 0, timeNs: NaN, kind: 1, objectId: 0, siteId: 0, arg: 0 }]), /timeNs/);
  });
});

function sampleTrace(): Trace {
  return buildTrace({
    threads: ['MainThread', 'worker "1"'],
    objects: [
      [1, 'Lock', 'lock ünïcode ✓'],
      [2, 'Semaphore', 'pool'],
    ],
    output: [{ tid: 1, thread: 'worker "1"', stream: 'stdout', text: 'hi\n"there"', timeNs: 40 }],
    events: [
      [
        [EventKind.ThreadRunning, 0],
        [EventKind.ThreadStart, 5, 1001, 1, 1],
        [EventKind.ThreadFinished, 100],
      ],
      [
        [EventKind.ThreadRunning, 10],
        [EventKind.Acquired, 20, 1, 1, 2],
        [EventKind.Output, 40, 0, 0, 2],
        [EventKind.Released, 50, 1, 0, 2],
        [EventKind.Block, 60, 2, WaitKind.Semaphore | WAIT_TIMED, 1],
        [EventKind.Unblock, 70, 0, 0],
        [EventKind.ThreadFinished, 80.5],
      ],
    ],
  });
}

describe('binary trace file (.tltrace)', () => {
  it('round-trips header and event bytes exactly', () => {
    const trace = sampleTrace();
    const bytes = encodeTraceBinary(trace);
    assert.equal(String.fromCharCode(...bytes.subarray(0, 8)), BINARY_TRACE_MAGIC);
    const decoded = decodeTraceBinary(bytes);
    assert.deepEqual(decoded.header, trace.header);
    assert.equal(decoded.events.length, trace.events.length);
    decoded.events.forEach((events, tid) => assert.deepEqual(events, trace.events[tid]));
    // And back again, byte for byte.
    assert.deepEqual(encodeTraceBinary(decoded), bytes);
  });

  it('starts the events on an 8-byte boundary', () => {
    const bytes = encodeTraceBinary(sampleTrace());
    const headerBytes = new DataView(bytes.buffer).getUint32(8, true);
    assert.equal((12 + headerBytes) % 8, 0);
  });

  it('reads a trace that sits at an odd offset inside a bigger buffer', () => {
    const bytes = encodeTraceBinary(sampleTrace());
    const bigger = new Uint8Array(bytes.byteLength + 3);
    bigger.set(bytes, 3);
    const decoded = decodeTraceBinary(bigger.subarray(3));
    assert.deepEqual(decoded.events[1], sampleTrace().events[1]);
  });

  it('refuses to write a trace whose eventCounts disagree with its streams', () => {
    const trace = sampleTrace();
    trace.header.eventCounts[1] = 3;
    assert.throws(() => encodeTraceBinary(trace), /tid 1: header\.eventCounts says 3 events/);
  });

  describe('corrupt input gives an error that says what is wrong', () => {
    const good = () => encodeTraceBinary(sampleTrace());
    const withHeader = (header: unknown) => {
      const trace = sampleTrace();
      return encodeTraceBinary({ ...trace, header: header as TraceHeader });
    };

    it('wrong magic', () => {
      const bytes = good();
      bytes[0] = 'X'.charCodeAt(0);
      assert.throws(
        () => decodeTraceBinary(bytes),
        (error: Error) =>
          error instanceof TraceFileError && /not a Threadlanes binary trace/.test(error.message) && /XLTRACE1/.test(error.message),
      );
    });
    it('too short to hold the preamble', () => {
      assert.throws(() => decodeTraceBinary(new Uint8Array(5)), /shorter than the 12-byte preamble/);
    });
    it('header length past the end', () => {
      const bytes = good();
      new DataView(bytes.buffer).setUint32(8, 1e6, true);
      assert.throws(() => decodeTraceBinary(bytes), /truncated trace: the header says it is 1000000 bytes long/);
    });
    it('events cut short', () => {
      const bytes = good();
      assert.throws(() => decodeTraceBinary(bytes.subarray(0, bytes.byteLength - 10)), /truncated trace: the header announces 10 events/);
    });
    it('bytes after the last event', () => {
      const bytes = good();
      const longer = new Uint8Array(bytes.byteLength + 24);
      longer.set(bytes);
      assert.throws(() => decodeTraceBinary(longer), /24 unexpected bytes after the last event/);
    });
    it('header that is not JSON', () => {
      const bytes = good();
      bytes[12] = '#'.charCodeAt(0);
      assert.throws(() => decodeTraceBinary(bytes), /the header is not valid JSON/);
    });
    it('a version this reader does not know', () => {
      const bytes = withHeader({ ...sampleTrace().header, version: 2 });
      assert.throws(() => decodeTraceBinary(bytes), /unsupported trace version 2: this reader understands version 1/);
    });
    it('another format', () => {
      const bytes = withHeader({ ...sampleTrace().header, format: 'perfetto' });
      assert.throws(() => decodeTraceBinary(bytes), /header\.format is "perfetto"/);
    });
    it('missing arrays', () => {
      const { sites: _sites, ...header } = sampleTrace().header;
      assert.throws(() => decodeTraceBinary(withHeader(header)), /header\.sites is missing/);
    });
  });
});

describe('JSON trace file (.threadlanes.json)', () => {
  it('round-trips header and event bytes exactly', () => {
    const trace = sampleTrace();
    const text = encodeTraceJson(trace);
    const decoded = decodeTraceJson(text);
    assert.deepEqual(decoded.header, trace.header);
    decoded.events.forEach((events, tid) => assert.deepEqual(events, trace.events[tid]));
    assert.equal(encodeTraceJson(decoded), text);
  });

  it('is readable: header fields at the top, one named event per row', () => {
    const text = encodeTraceJson(sampleTrace());
    const value = JSON.parse(text);
    assert.equal(value.format, TRACE_FORMAT);
    assert.deepEqual(value.events[1], [0, 1, 5, 'start', 1001, 1, 1]);
    assert.deepEqual(value.events[3], [1, 0, 10, 'running', 0, 0, 0]);
    assert.match(text, /\n {4}\[1,1,20,"acquired",1,2,1\],\n/);
  });

  it('accepts rows of threads interleaved, kinds by number, and no eventCounts', () => {
    const { eventCounts: _counts, ...header } = sampleTrace().header;
    const text = JSON.stringify({
      ...header,
      events: [
        [1, 0, 10, 'running', 0, 0, 0],
        [0, 0, 0, 1, 0, 0, 0],
        [1, 1, 20, 'finished', 0, 0, 0],
        [1, 2, 30, 99, 0, 0, 0],
      ],
    });
    const trace = decodeTraceJson(text);
    assert.deepEqual(trace.header.eventCounts, [1, 3]);
    assert.deepEqual(
      decodeEvents(1, trace.events[1]).map((event) => [event.seq, event.kind]),
      [
        [0, 1],
        [1, 2],
        [2, 99],
      ],
    );
    // An unnamed kind is written back as its number.
    assert.match(encodeTraceJson(trace), /\[1,2,30,99,0,0,0\]/);
  });

  it('says what is wrong with a bad file', () => {
    const value = JSON.parse(encodeTraceJson(sampleTrace()));
    const withRow = (row: unknown) => JSON.stringify({ ...value, events: [row] });
    assert.throws(() => decodeTraceJson('{"format": '), /not a Threadlanes JSON trace/);
    assert.throws(() => decodeTraceJson(JSON.stringify({ ...value, events: undefined })), /"events" is missing/);
    assert.throws(() => decodeTraceJson(withRow([0, 0, 1, 'teleported', 0, 0, 0])), /events\[0\]: unknown event kind "teleported"/);
    assert.throws(() => decodeTraceJson(withRow([0, 0, 'soon', 'running', 0, 0, 0])), /events\[0\]: timeNs must be a finite number/);
    assert.throws(() => decodeTraceJson(withRow([0, 0, 1, 'running'])), /events\[0\]: expected \[tid, seq/);
    assert.throws(
      () => decodeTraceJson(withRow([0, 0, 1, 'running', 0, 0, 0])),
      /"eventCounts" says tid 0 has 3 events but "events" has 1 rows/,
    );
    assert.throws(() => decodeTraceJson(JSON.stringify({ ...value, version: 9 })), /unsupported trace version 9/);
  });
});

describe('choosing the file form by name', () => {
  it('.tltrace is binary, .json is JSON, both read back', () => {
    const trace = sampleTrace();
    const binary = encodeTrace(trace, 'run.tltrace');
    assert.deepEqual(binary, encodeTraceBinary(trace));
    const json = encodeTrace(trace, 'RUN.Threadlanes.JSON');
    assert.equal(new TextDecoder().decode(json), encodeTraceJson(trace));
    assert.deepEqual(decodeTrace(binary, 'run.tltrace').header, trace.header);
    assert.deepEqual(decodeTrace(json, 'run.threadlanes.json').header, trace.header);
  });

  it('explains a name it cannot place and a binary file named .json', () => {
    assert.throws(() => encodeTrace(sampleTrace(), 'run.txt'), /use a name ending in \.tltrace \(binary\) or \.threadlanes\.json \(JSON\)/);
    const binary = encodeTraceBinary(sampleTrace());
    assert.throws(() => decodeTrace(binary, 'run.json'), /holds a binary trace/);
  });
});

// ── Chrome trace export ──────────────────────────────────────────────────────────────────

describe('Chrome trace export', () => {
  it('names the process and the threads, MainThread first', () => {
    const chrome = toChromeTrace(sampleTrace());
    assert.equal(chrome.displayTimeUnit, 'ms');
    const metadata = chrome.traceEvents.filter((event) => event.ph === 'M');
    assert.deepEqual(metadata.find((event) => event.name === 'process_name')?.args, { name: 'threadlanes: demo.ts' });
    const names = metadata.filter((event) => event.name === 'thread_name').map((event) => [event.tid, event.args?.name]);
    assert.deepEqual(names, [
      [1, 'MainThread'],
      [2, 'worker "1"'],
    ]);
    const sortIndex = metadata.filter((event) => event.name === 'thread_sort_index').map((event) => event.args?.sort_index);
    assert.deepEqual(sortIndex, [0, 1]);
    assert.equal(chrome.metadata.outcome, 'completed');
    assert.ok(chrome.traceEvents.every((event) => event.pid === 1));
  });

  it('turns the event stream into contiguous, non-overlapping state slices', () => {
    const trace = buildTrace({
      threads: ['MainThread'],
      objects: [
        [1, 'Lock', 'L'],
        [2, 'Condition', 'cond'],
      ],
      events: [
        [
          [EventKind.ThreadRunning, 1000],
          [EventKind.Block, 2000, 1, WaitKind.Lock, 1],
          [EventKind.Unblock, 3000, 0, 1],
          [EventKind.Acquired, 3000, 1, 1],
          [EventKind.SleepBegin, 4000, 0, 5],
          [EventKind.SleepEnd, 4500],
          [EventKind.Released, 4600, 1, 0],
          [EventKind.Block, 5000, 2, WaitKind.Condition | WAIT_TIMED, 2],
          [EventKind.Unblock, 6001, 0, 0],
          [EventKind.ThreadFinished, 7003],
        ],
      ],
    });
    const chrome = toChromeTrace(trace);
    const slices = X(chrome);
    assert.deepEqual(
      slices.map((slice) => slice.name),
      ['running', 'blocked on L', 'running', 'sleeping', 'running', 'waiting on condition cond', 'running'],
    );
    assert.deepEqual(
      slices.map((slice) => slice.ts),
      [1, 2, 3, 4, 4.5, 5, 6.001],
    );
    assertContiguous(slices, 1000, 7003);
    assertStatesDoNotOverlap(chrome);
    const waiting = slices[5];
    assert.equal(waiting.args?.site, 'demo.ts:7');
    assert.equal(waiting.args?.timed, true);
    assert.equal(waiting.args?.endedBy, 'timeout');
    assert.equal(slices[1].args?.endedBy, 'success');
  });

  it('gives two threads holding a Semaphore at once two overlapping async slices', () => {
    const trace = buildTrace({
      threads: ['MainThread', 'A', 'B'],
      objects: [[1, 'Semaphore', 'sem']],
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.ThreadFinished, 100],
        ],
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 10, 1, 1],
          [EventKind.Released, 50, 1, 1],
          [EventKind.ThreadFinished, 60],
        ],
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 20, 1, 0],
          [EventKind.Released, 40, 1, 1],
          [EventKind.ThreadFinished, 60],
        ],
      ],
    });
    const holds = holdsOf(toChromeTrace(trace));
    assert.equal(holds.length, 2);
    const [a, b] = holds.sort((x, y) => x.tid - y.tid);
    assert.deepEqual([a.name, a.tid, a.beginNs, a.endNs], ['sem', 1, 10, 50]);
    assert.deepEqual([b.name, b.tid, b.beginNs, b.endNs], ['sem', 2, 20, 40]);
    assert.notEqual(a.id, b.id);
    assert.ok(a.beginNs < b.endNs && b.beginNs < a.endNs, 'the holds overlap');
  });

  it('matches Semaphore permits FIFO per thread, and a release of n permits ends n of them', () => {
    const trace = buildTrace({
      threads: ['MainThread', 'A'],
      objects: [[1, 'BoundedSemaphore', 'sem']],
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 10, 1, 2],
          [EventKind.Acquired, 20, 1, 1],
          [EventKind.Released, 30, 1, 1], // ends the permit taken at 10
          [EventKind.Released, 90, 1, 1], // its own permit from 20 (FIFO per thread)
          [EventKind.Released, 95, 1, 1], // A's permit: a semaphore may be released by any thread
          [EventKind.ThreadFinished, 100],
        ],
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 25, 1, 0],
          [EventKind.ThreadFinished, 60],
        ],
      ],
    });
    const holds = holdsOf(toChromeTrace(trace)).sort((x, y) => x.beginNs - y.beginNs);
    assert.deepEqual(
      holds.map((hold) => [hold.tid, hold.beginNs, hold.endNs]),
      [
        [0, 10, 30],
        [0, 20, 90],
        [1, 25, 95],
      ],
    );
    assert.equal(holds[1].endArgs?.releasedBy, undefined);
    assert.equal(holds[2].endArgs?.releasedBy, 'MainThread');

    const many = buildTrace({
      threads: ['MainThread'],
      objects: [[1, 'Semaphore', 'sem']],
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 1, 1, 1],
          [EventKind.Acquired, 2, 1, 0],
          [EventKind.Released, 3, 1, 2],
          [EventKind.ThreadFinished, 4],
        ],
      ],
    });
    assert.deepEqual(
      holdsOf(toChromeTrace(many)).map((hold) => hold.endNs),
      [3, 3],
    );
  });

  it('makes an RLock taken at depth 1, 2 and released to 1, 0 ONE hold', () => {
    const trace = buildTrace({
      threads: ['MainThread'],
      objects: [[1, 'RLock', 'r']],
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 10, 1, 1],
          [EventKind.Acquired, 20, 1, 2],
          [EventKind.Released, 30, 1, 1],
          [EventKind.Released, 40, 1, 0],
          [EventKind.ThreadFinished, 50],
        ],
      ],
    });
    const holds = holdsOf(toChromeTrace(trace));
    assert.deepEqual(
      holds.map((hold) => [hold.name, hold.beginNs, hold.endNs]),
      [['r', 10, 40]],
    );
  });

  it('treats an RLock re-acquired at a saved depth (Condition.wait) as a new hold', () => {
    const trace = buildTrace({
      threads: ['MainThread'],
      objects: [
        [1, 'RLock', 'r'],
        [2, 'Condition', 'c'],
      ],
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 10, 1, 1],
          [EventKind.Acquired, 11, 1, 2],
          [EventKind.Released, 12, 1, 0], // wait() releases every level at once
          [EventKind.Block, 12, 2, WaitKind.Condition],
          [EventKind.Unblock, 20, 0, 1],
          [EventKind.Acquired, 21, 1, 2], // restored at depth 2
          [EventKind.Released, 30, 1, 1],
          [EventKind.Released, 31, 1, 0],
          [EventKind.ThreadFinished, 40],
        ],
      ],
    });
    const holds = holdsOf(toChromeTrace(trace)).sort((x, y) => x.beginNs - y.beginNs);
    assert.deepEqual(
      holds.map((hold) => [hold.beginNs, hold.endNs]),
      [
        [10, 12],
        [21, 31],
      ],
    );
  });

  it('ends a Lock hold where another thread releases it', () => {
    const trace = buildTrace({
      threads: ['MainThread', 'A', 'B'],
      objects: [[1, 'Lock', 'L']],
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.ThreadFinished, 100],
        ],
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 10, 1, 1],
          [EventKind.ThreadFinished, 20],
        ],
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Released, 30, 1, 0, 2],
          [EventKind.Acquired, 35, 1, 1],
          [EventKind.Released, 40, 1, 0],
          [EventKind.ThreadFinished, 50],
        ],
      ],
    });
    const holds = holdsOf(toChromeTrace(trace)).sort((x, y) => x.beginNs - y.beginNs);
    assert.deepEqual(
      holds.map((hold) => [hold.tid, hold.beginNs, hold.endNs]),
      [
        [1, 10, 30],
        [2, 35, 40],
      ],
    );
    assert.equal(holds[0].endArgs?.releasedBy, 'B');
    assert.equal(holds[0].endArgs?.releaseSite, 'demo.ts:7');
    assert.equal(holds[0].endArgs?.heldAtEnd, undefined);
  });

  it("runs a blocked-forever thread's slice, and the holds it waits on, to the end of the trace", () => {
    // Two threads take two locks in opposite orders: a deadlock.
    const trace = buildTrace({
      threads: ['MainThread', 'A', 'B'],
      objects: [
        [1, 'Lock', 'fork 1'],
        [2, 'Lock', 'fork 2'],
      ],
      mode: 'free',
      durationMs: 0.0005, // the harness noticed the deadlock at 500 ns
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Block, 5, 1001, WaitKind.Join],
        ],
        [
          [EventKind.ThreadRunning, 10],
          [EventKind.Acquired, 20, 1, 1],
          [EventKind.Block, 40, 2, WaitKind.Lock],
        ],
        [
          [EventKind.ThreadRunning, 10],
          [EventKind.Acquired, 30, 2, 1],
          [EventKind.Block, 50, 1, WaitKind.Lock],
        ],
      ],
    });
    const chrome = toChromeTrace(trace);
    assertStatesDoNotOverlap(chrome);
    const lastOf = (tid: number) => ofThread(X(chrome), tid).at(-1)!;
    assert.equal(lastOf(0).name, 'waiting on join A');
    assert.equal(lastOf(1).name, 'blocked on fork 2');
    assert.equal(lastOf(2).name, 'blocked on fork 1');
    for (const tid of [0, 1, 2]) {
      const slice = lastOf(tid);
      assert.equal(Math.round((slice.ts + slice.dur!) * 1000), 500, `tid ${tid} ends at the end of the trace`);
      assert.equal(slice.args?.stillOpenAtEnd, true);
    }
    const holds = holdsOf(chrome);
    assert.equal(holds.length, 2);
    for (const hold of holds) {
      assert.equal(hold.endNs, 500);
      assert.equal(hold.endArgs?.heldAtEnd, true);
    }
  });

  it('in controlled mode, ends the trace at the last event (virtual time)', () => {
    const trace = buildTrace({
      threads: ['MainThread'],
      objects: [[1, 'Lock', 'L']],
      durationMs: 1000,
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 1, 1, 1],
          [EventKind.Block, 2, 1, WaitKind.Lock],
        ],
      ],
    });
    const last = X(toChromeTrace(trace)).at(-1)!;
    assert.equal(last.name, 'blocked on L');
    assert.equal(last.ts + last.dur!, 0.002);
  });

  it('puts user strings in verbatim as data', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const trace = buildTrace({
      threads: ['MainThread', '"}],"x":{"'],
      objects: [[1, 'Lock', hostile]],
      output: [{ tid: 0, thread: 'MainThread', stream: 'stdout', text: `${hostile}\n\u2028"\\`, timeNs: 3 }],
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 1, 1, 1],
          [EventKind.Output, 3, 0, 0, 1],
          [EventKind.Released, 4, 1, 0],
          [EventKind.ThreadFinished, 5],
        ],
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Block, 2, 1, WaitKind.Lock],
          [EventKind.Unblock, 4, 0, 1],
          [EventKind.Acquired, 4, 1, 1],
          [EventKind.ThreadFinished, 6],
        ],
      ],
    });
    const chrome: ChromeTrace = JSON.parse(JSON.stringify(toChromeTrace(trace)));
    const holds = holdsOf(chrome);
    assert.ok(holds.length === 2 && holds.every((hold) => hold.name === hostile));
    assert.ok(X(chrome).some((slice) => slice.name === `blocked on ${hostile}`));
    const output = chrome.traceEvents.find((event) => event.ph === 'i' && event.cat === 'output');
    assert.equal(output?.args?.text, `${hostile}\n\u2028"\\`);
    assert.equal(output?.args?.site, 'demo.ts:3');
    assert.ok(chrome.traceEvents.some((event) => event.ph === 'M' && event.args?.name === '"}],"x":{"'));
  });

  it('draws a hand-off arrow from a release to the acquire it unblocked', () => {
    const trace = buildTrace({
      threads: ['MainThread', 'A'],
      objects: [[1, 'Lock', 'L']],
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Acquired, 10, 1, 1],
          [EventKind.Released, 30, 1, 0],
          [EventKind.ThreadFinished, 40],
        ],
        // A's Unblock and Acquired carry the release's own timestamp: the tie must still pair them.
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Block, 20, 1, WaitKind.Lock],
          [EventKind.Unblock, 30, 0, 1],
          [EventKind.Acquired, 30, 1, 1],
          [EventKind.Released, 35, 1, 0],
          [EventKind.ThreadFinished, 40],
        ],
      ],
    });
    const chrome = toChromeTrace(trace);
    const flows = chrome.traceEvents.filter((event) => event.ph === 's' || event.ph === 'f');
    assert.deepEqual(
      flows.map((event) => [event.ph, event.tid, event.ts, event.id]),
      [
        ['s', 1, 0.03, 1],
        ['f', 2, 0.03, 1],
      ],
    );
    assert.equal(flows[1].bp, 'e');
    assert.deepEqual(
      holdsOf(chrome).map((hold) => [hold.tid, hold.beginNs, hold.endNs]),
      [
        [0, 10, 30],
        [1, 30, 35],
      ],
    );
    assert.equal(chrome.metadata.warnings, undefined);
  });

  it('emits instants for notify, set/clear, put/get, output and exceptions, with their sites', () => {
    const trace = buildTrace({
      threads: ['MainThread'],
      objects: [
        [1, 'Condition', 'c'],
        [2, 'Event', 'ready'],
        [3, 'Queue', 'q'],
      ],
      output: [{ tid: 0, thread: 'MainThread', stream: 'stderr', text: 'oops', timeNs: 7 }],
      events: [
        [
          [EventKind.ThreadRunning, 0],
          [EventKind.Notify, 1, 1, 2, 1],
          [EventKind.EventSet, 2, 2, 0, 1],
          [EventKind.EventClear, 3, 2, 0, 1],
          [EventKind.QueuePut, 4, 3, 1, 2],
          [EventKind.QueueGet, 5, 3, 0, 2],
          [EventKind.Output, 7, 0, 0, 2],
          [EventKind.ThreadFailed, 8, 0, 0],
        ],
      ],
    });
    trace.header.exceptions.push({
      tid: 0,
      name: 'ValueError',
      message: 'bad <value>',
      stack: 'at main (demo.ts:7:9)',
      siteId: 2,
      timeNs: 8,
    });
    const instants = toChromeTrace(trace).traceEvents.filter((event) => event.ph === 'i');
    assert.ok(instants.every((event) => event.s === 't'));
    assert.deepEqual(
      instants.map((event) => [event.name, event.args?.site]),
      [
        ['notify c', 'demo.ts:3'],
        ['set ready', 'demo.ts:3'],
        ['clear ready', 'demo.ts:3'],
        ['put q', 'demo.ts:7'],
        ['get q', 'demo.ts:7'],
        ['stderr', 'demo.ts:7'],
        ['exception ValueError', 'demo.ts:7'],
      ],
    );
    assert.equal(instants[0].args?.woken, 2);
    assert.equal(instants[5].args?.text, 'oops');
    assert.equal(instants[6].args?.message, 'bad <value>');
  });

  it('does not throw on a stream that breaks the invariants; it warns', () => {
    const trace = buildTrace({
      threads: ['MainThread'],
      objects: [[1, 'Lock', 'L']],
      events: [
        [
          [EventKind.ThreadRunning, 10],
          [EventKind.Released, 11, 1, 0],
          [EventKind.Unblock, 12, 0, 1],
          [EventKind.SleepBegin, 9], // back in time
          [EventKind.ThreadFinished, 20],
        ],
      ],
    });
    const chrome = toChromeTrace(trace);
    assertStatesDoNotOverlap(chrome);
    assert.equal(chrome.metadata.warningCount, 3);
  });

  it('streams the same JSON in chunks', () => {
    const chrome = toChromeTrace(sampleTrace());
    for (const perChunk of [1, 3, 1000]) {
      const chunks = [...chromeTraceJsonChunks(chrome, perChunk)];
      assert.deepEqual(JSON.parse(chunks.join('')), JSON.parse(JSON.stringify(chrome)));
    }
    const empty: ChromeTrace = { traceEvents: [], displayTimeUnit: 'ms', metadata: {} };
    assert.deepEqual(JSON.parse([...chromeTraceJsonChunks(empty)].join('')), empty);
  });

  it('keeps state slices apart even where µs × 1000 is not exact', () => {
    // 1.005 µs × 1000 = 1004.9999999999999 in floating point: a reader that truncates
    // would start the next slice 1 ns before this one ends.
    for (const [startNs, endNs] of [
      [0, 1005],
      [1005, 2015],
      [4_035, 123_456_789],
      [7, 7],
    ]) {
      const dur = safeDurationUs(startNs, endNs);
      assert.ok(endNs - startNs - dur * 1000 < 1.5 && dur >= 0);
      assert.ok(Math.trunc((startNs / 1000) * 1000) + Math.trunc(dur * 1000) <= Math.trunc((endNs / 1000) * 1000));
      assert.ok(startNs / 1000 + dur <= endNs / 1000);
    }
  });
});

// ── property test: random well-formed traces ─────────────────────────────────────────────

interface ReferenceHold {
  name: string;
  tid: number;
  beginNs: number;
  endNs: number | 'end';
}

/**
 * Simulates a few threads using Locks, an RLock and a Semaphore under a random schedule
 * and returns the trace they would record together with the holds it contains (the slow,
 * obvious reference the exporter is checked against). Time advances by 0–2 ns a step, so
 * events of different threads often share a timestamp.
 */
function randomTrace(seed: number): { trace: Trace; holds: ReferenceHold[]; endNs: number } {
  const random = prng(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const threadCount = 2 + Math.floor(random() * 4);
  const lockIds = [1, 2, 3];
  const rlockId = 4;
  const semaphoreId = 5;
  const objects: TraceSpec['objects'] = [
    [1, 'Lock', 'L1'],
    [2, 'Lock', 'L2'],
    [3, 'Lock', 'L3'],
    [4, 'RLock', 'R'],
    [5, 'Semaphore', 'S'],
    [6, 'Event', 'E'],
  ];
  const names = new Map(objects.map(([id, , name]) => [id, name]));

  interface SimThread {
    tid: number;
    events: Step[];
    lastNs: number;
    state: 'new' | 'running' | 'blocked' | 'done';
    waitingOn: number;
    rlockDepth: number;
    permits: number;
  }
  const threads: SimThread[] = Array.from({ length: threadCount }, (_, tid) => ({
    tid,
    events: [],
    lastNs: 0,
    state: 'new',
    waitingOn: 0,
    rlockDepth: 0,
    permits: 0,
  }));
  const lockOwner = new Map<number, number>(); // Lock / RLock id → tid
  const lockWaiters = new Map<number, SimThread[]>();
  let semaphoreValue = 1 + Math.floor(random() * 2);
  const semaphoreWaiters: SimThread[] = [];
  const lastFreedNs = new Map<number, number>();
  const lastTakenNs = new Map<number, number>();
  const holds: ReferenceHold[] = [];
  const openHolds = new Map<string, ReferenceHold[]>();
  let now = 0;

  const emit = (thread: SimThread, step: Step, minNs = 0) => {
    const timeNs = Math.max(now, thread.lastNs, minNs);
    thread.lastNs = timeNs;
    step[1] = timeNs;
    thread.events.push(step);
    return timeNs;
  };
  const openHold = (objectId: number, thread: SimThread, timeNs: number) => {
    const hold: ReferenceHold = { name: names.get(objectId)!, tid: thread.tid, beginNs: timeNs, endNs: 'end' };
    holds.push(hold);
    const key = `${objectId}`;
    openHolds.set(key, [...(openHolds.get(key) ?? []), hold]);
  };
  const closeHold = (objectId: number, holderTid: number, timeNs: number) => {
    const list = openHolds.get(`${objectId}`) ?? [];
    const index = list.findIndex((hold) => hold.tid === holderTid);
    list.splice(index, 1)[0].endNs = timeNs;
  };
  const take = (thread: SimThread, objectId: number, arg: number, afterNs = 0) => {
    const timeNs = emit(thread, [EventKind.Acquired, 0, objectId, arg], Math.max(afterNs, lastFreedNs.get(objectId) ?? 0));
    openHold(objectId, thread, timeNs);
    lastTakenNs.set(objectId, timeNs);
  };
  const wake = (thread: SimThread, objectId: number, arg: number, releasedNs: number) => {
    thread.state = 'running';
    emit(thread, [EventKind.Unblock, 0, 0, 1], releasedNs);
    take(thread, objectId, arg, releasedNs);
  };

  const steps = 10 + Math.floor(random() * 60);
  for (let step = 0; step < steps; step++) {
    now += Math.floor(random() * 3);
    const live = threads.filter((thread) => thread.state === 'new' || thread.state === 'running');
    if (live.length === 0) break;
    const thread = pick(live);
    if (thread.state === 'new') {
      thread.state = 'running';
      emit(thread, [EventKind.ThreadRunning, 0]);
      continue;
    }
    const owned = lockIds.filter((id) => lockOwner.get(id) === thread.tid);
    const action = pick(['lock', 'lock', 'unlock', 'unlock', 'rlock', 'runlock', 'sem', 'unsem', 'sleep', 'misc', 'finish']);
    switch (action) {
      case 'lock': {
        const id = pick(lockIds);
        if (lockOwner.get(id) === thread.tid) break; // a Lock is not reentrant: do not self-deadlock
        if (lockOwner.has(id)) {
          emit(thread, [EventKind.Block, 0, id, WaitKind.Lock]);
          thread.state = 'blocked';
          thread.waitingOn = id;
          lockWaiters.set(id, [...(lockWaiters.get(id) ?? []), thread]);
        } else {
          lockOwner.set(id, thread.tid);
          take(thread, id, 1);
        }
        break;
      }
      case 'unlock': {
        // Usually a lock it owns; sometimes one another thread owns (legal for a Lock).
        const id = owned.length > 0 && random() < 0.85 ? pick(owned) : pick(lockIds.filter((lock) => lockOwner.has(lock)).concat([0]));
        if (!id) break;
        const holder = lockOwner.get(id)!;
        const releasedNs = emit(thread, [EventKind.Released, 0, id, 0], lastTakenNs.get(id) ?? 0);
        closeHold(id, holder, releasedNs);
        lastFreedNs.set(id, releasedNs);
        lockOwner.delete(id);
        const next = lockWaiters.get(id)?.shift();
        if (next) {
          if (random() < 0.5) now += 1;
          lockOwner.set(id, next.tid);
          wake(next, id, 1, releasedNs);
        }
        break;
      }
      case 'rlock': {
        if (lockOwner.has(rlockId) && lockOwner.get(rlockId) !== thread.tid) {
          emit(thread, [EventKind.Block, 0, rlockId, WaitKind.Lock]);
          thread.state = 'blocked';
          thread.waitingOn = rlockId;
          lockWaiters.set(rlockId, [...(lockWaiters.get(rlockId) ?? []), thread]);
        } else if (thread.rlockDepth < 3) {
          lockOwner.set(rlockId, thread.tid);
          thread.rlockDepth++;
          if (thread.rlockDepth === 1) take(thread, rlockId, 1);
          else emit(thread, [EventKind.Acquired, 0, rlockId, thread.rlockDepth]);
        }
        break;
      }
      case 'runlock': {
        if (thread.rlockDepth === 0) break;
        thread.rlockDepth--;
        const releasedNs = emit(thread, [EventKind.Released, 0, rlockId, thread.rlockDepth]);
        if (thread.rlockDepth > 0) break;
        closeHold(rlockId, thread.tid, releasedNs);
        lastFreedNs.set(rlockId, releasedNs);
        lockOwner.delete(rlockId);
        const next = lockWaiters.get(rlockId)?.shift();
        if (next) {
          lockOwner.set(rlockId, next.tid);
          next.rlockDepth = 1;
          wake(next, rlockId, 1, releasedNs);
        }
        break;
      }
      case 'sem': {
        if (semaphoreValue > 0) {
          semaphoreValue--;
          thread.permits++;
          take(thread, semaphoreId, semaphoreValue);
        } else {
          emit(thread, [EventKind.Block, 0, semaphoreId, WaitKind.Semaphore]);
          thread.state = 'blocked';
          thread.waitingOn = semaphoreId;
          semaphoreWaiters.push(thread);
        }
        break;
      }
      case 'unsem': {
        if (thread.permits === 0) break; // permits are released by their holders here (FIFO per thread)
        thread.permits--;
        const releasedNs = emit(thread, [EventKind.Released, 0, semaphoreId, 1]);
        closeHold(semaphoreId, thread.tid, releasedNs);
        lastFreedNs.set(semaphoreId, releasedNs);
        const next = semaphoreWaiters.shift();
        if (next) {
          next.permits++;
          wake(next, semaphoreId, semaphoreValue, releasedNs);
        } else {
          semaphoreValue++;
        }
        break;
      }
      case 'sleep': {
        const beganNs = emit(thread, [EventKind.SleepBegin, 0, 0, 3]);
        emit(thread, [EventKind.SleepEnd, 0], beganNs + Math.floor(random() * 4));
        break;
      }
      case 'misc':
        emit(thread, [pick([EventKind.EventSet, EventKind.EventClear, EventKind.Notify]), 0, 6, 0, 1]);
        break;
      case 'finish':
        emit(thread, [EventKind.ThreadFinished, 0]);
        thread.state = 'done';
        break;
    }
  }
  const trace = buildTrace({
    threads: threads.map((thread) => (thread.tid === 0 ? 'MainThread' : `Thread-${thread.tid}`)),
    objects,
    events: threads.map((thread) => thread.events),
    mode: 'controlled',
  });
  const endNs = Math.max(0, ...threads.map((thread) => thread.lastNs));
  return { trace, holds, endNs };
}

describe('Chrome export of random well-formed traces (property)', () => {
  const CASES = 500;

  it(`balances b/e per id, keeps X slices apart per thread, and finds exactly the reference holds (${CASES} seeds)`, () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { trace, holds: reference, endNs } = randomTrace(seed);
      try {
        const chrome: ChromeTrace = JSON.parse(JSON.stringify(toChromeTrace(trace)));
        assertStatesDoNotOverlap(chrome);
        for (const slice of X(chrome)) {
          assert.ok(slice.ts * 1000 >= -0.5 && (slice.ts + slice.dur!) * 1000 <= endNs + 0.5, 'slice outside the trace');
        }

        const holds = holdsOf(chrome);
        const describe = (hold: { name: string; tid: number; beginNs: number; endNs: number | 'end' }) =>
          `${hold.name} by ${hold.tid}: ${hold.beginNs}–${hold.endNs}`;
        const actual = holds.map((hold) => describe({ ...hold, endNs: hold.endArgs?.heldAtEnd ? 'end' : hold.endNs })).sort();
        const expected = reference.map(describe).sort();
        assert.deepEqual(actual, expected);

        // At most one owner of a Lock at any instant.
        for (const name of ['L1', 'L2', 'L3', 'R']) {
          const ofLock = holds.filter((hold) => hold.name === name).sort((a, b) => a.beginNs - b.beginNs);
          for (let i = 1; i < ofLock.length; i++) assert.ok(ofLock[i - 1].endNs <= ofLock[i].beginNs, `${name} has two owners`);
        }

        // Every flow that starts also finishes, no earlier than it started.
        const flowStarts = new Map(chrome.traceEvents.filter((event) => event.ph === 's').map((event) => [event.id, event]));
        const flowEnds = chrome.traceEvents.filter((event) => event.ph === 'f');
        assert.equal(flowEnds.length, flowStarts.size);
        for (const end of flowEnds) assert.ok(end.ts >= flowStarts.get(end.id)!.ts);

        assert.equal(chrome.metadata.warnings, undefined, `warnings: ${JSON.stringify(chrome.metadata.warnings)}`);
        // The trace survives both file forms unchanged.
        assert.deepEqual(decodeTraceBinary(encodeTraceBinary(trace)).events, trace.events);
        assert.deepEqual(decodeTraceJson(encodeTraceJson(trace)).events, trace.events);
      } catch (error) {
        (error as Error).message = `seed ${seed}: ${(error as Error).message}`;
        throw error;
      }
    }
  });
});
