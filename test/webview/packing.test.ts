/** The report's trace packing gives back the exact bytes, whatever the trace (property test). */
import { strict as assert } from 'node:assert';
import { encodeEvents, encodeTraceBinary } from '../../src/trace/file';
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from '../../src/trace/format';
import { packTrace, unpackTrace } from '../../src/trace/packing';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomTrace(seed: number): Trace {
  const next = random(seed);
  const threads = 1 + Math.floor(next() * 4);
  const fractional = next() < 0.3;
  const events: Uint8Array[] = [];
  const eventCounts: number[] = [];
  for (let tid = 0; tid < threads; tid++) {
    const count = Math.floor(next() * 300);
    let time = Math.floor(next() * 1e6);
    const rows = Array.from({ length: count }, (_, seq) => {
      time += Math.floor(next() * 5000) + (fractional ? next() : 0);
      return {
        seq,
        timeNs: time,
        kind: 1 + Math.floor(next() * 50),
        objectId: next() < 0.8 ? 7 : Math.floor(next() * 2 ** 32),
        siteId: Math.floor(next() * 40),
        arg: Math.floor((next() - 0.5) * 2 ** 31),
      };
    });
    events.push(encodeEvents(rows));
    eventCounts.push(count);
  }
  return {
    header: {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      file: 'x.ts',
      mode: 'free',
      outcome: 'completed',
      durationMs: 1,
      startedAt: '',
      threads: [],
      objects: [],
      sites: [],
      output: [],
      exceptions: [],
      eventCounts,
    },
    events,
  };
}

describe('webview: report packing', () => {
  it('unpacks to exactly the .tltrace bytes (300 random traces, integer and fractional times)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const bytes = encodeTraceBinary(randomTrace(seed));
      const packed = packTrace(bytes);
      const back = unpackTrace(packed.packed, packed);
      assert.ok(Buffer.from(back).equals(Buffer.from(bytes)), `seed ${seed}`);
    }
  });

  it('leaves constant planes out and keeps times as differences when they are integers', () => {
    const trace = randomTrace(7);
    const bytes = encodeTraceBinary(trace);
    const packed = packTrace(bytes);
    const count = trace.header.eventCounts.reduce((a, b) => a + b, 0);
    const stored = packed.constantPlanes.filter((v) => v < 0).length;
    assert.ok(stored < 24, 'some plane is constant (the high bytes of short sequence numbers)');
    assert.equal(packed.packed.byteLength, bytes.byteLength - count * (24 - stored));
  });
});
