/**
 * Threadlanes trace files — the specification of the two on-disk forms of a `Trace`
 * (see `format.ts` for the header fields and the 24-byte event record).
 *
 * Both forms hold exactly the same information; converting one into the other and back
 * gives the same header and the same event bytes.
 *
 * BINARY FORM (`.tltrace`) — compact, exact, for any size of trace
 *
 *   offset 0     8 bytes   magic: the ASCII bytes "TLTRACE1" (the 1 is this file layout's
 *                          version; the trace format's version is `header.version`)
 *   offset 8     uint32    headerBytes: length of the header, little-endian
 *   offset 12    headerBytes bytes: the TraceHeader as UTF-8 JSON
 *   then         for tid = 0, 1, … eventCounts.length - 1, in that order, the thread's raw
 *                event records: header.eventCounts[tid] × 24 bytes each (EVENT_BYTES),
 *                exactly as format.ts lays them out
 *   the file ends right after the last thread's events (no trailing bytes).
 *
 *   Writers pad the header JSON with ASCII spaces (valid JSON whitespace) so that the events
 *   start at an offset that is a multiple of 8; readers must not rely on the padding.
 *   `header.format` must be "threadlanes-trace" and `header.version` one this reader knows.
 *
 * JSON FORM (`.threadlanes.json`) — readable and diffable, for small traces and hand-written
 * test cases (a multi-million-event trace belongs in the binary form)
 *
 *   {
 *     ...every TraceHeader field at the top level (format, version, file, threads, …),
 *     "events": [
 *       [tid, seq, timeNs, kind, objectId, siteId, arg],
 *       …
 *     ]
 *   }
 *
 *   - One flat array, one event per row. Writers group rows by tid (ascending) and keep each
 *     thread's recorded order; readers accept rows of different threads interleaved in any
 *     way but keep the order of each thread's rows (that order is the thread's event order).
 *   - `kind` is the kind's name from EVENT_KIND_NAMES ("acquired", "block", …), or the
 *     number for a kind that has no name (a newer writer); `seq` is the 24-bit sequence
 *     number as stored; `timeNs` a finite number; `objectId`/`siteId` uint32; `arg` int32.
 *   - `eventCounts` may be left out (readers count the rows); when present it must agree
 *     with the rows.
 *
 * Choosing a form by file name: `encodeTrace` / `decodeTrace` use the binary form for names
 * ending in ".tltrace" and the JSON form for names ending in ".json" (case-insensitive).
 *
 * Everything here is pure (bytes and strings in, bytes and strings out); reading and writing
 * files is the caller's job.
 */
import { EVENT_BYTES, EVENT_KIND_NAMES, TRACE_FORMAT, TRACE_VERSION, type Trace, type TraceEvent, type TraceHeader } from './format';
import { EventStream, SEQ_MASK, WORD_ARG, WORD_KIND_SEQ, WORD_OBJECT, WORD_SITE, kindAndSeq } from './events';

export const BINARY_TRACE_MAGIC = 'TLTRACE1';
const BINARY_TRACE_EXTENSION = '.tltrace';
const JSON_TRACE_EXTENSION = '.threadlanes.json';

/** Offset of the header JSON in the binary form: magic (8) + header length (4). */
const BINARY_HEADER_OFFSET = 12;

/** A trace file that cannot be read or a trace that cannot be written; the message says why. */
export class TraceFileError extends Error {
  override name = 'TraceFileError';
}

// ---------------------------------------------------------------------------------------
// Event records

/**
 * Encodes events into 24-byte records exactly as format.ts lays them out. The runtime's
 * recorder and the tests share it. `seq` is stored modulo 2^24 (as the spec says); every
 * other field must fit its slot, or this throws.
 */
export function encodeEvents(events: readonly Omit<TraceEvent, 'tid'>[]): Uint8Array {
  const bytes = new Uint8Array(events.length * EVENT_BYTES);
  const view = new DataView(bytes.buffer);
  events.forEach((event, index) => {
    const where = `event ${index}`;
    checkInteger(event.kind, 0, 0xff, `${where}: kind`);
    checkInteger(event.seq, 0, Number.MAX_SAFE_INTEGER, `${where}: seq`);
    checkInteger(event.objectId, 0, 0xffffffff, `${where}: objectId`);
    checkInteger(event.siteId, 0, 0xffffffff, `${where}: siteId`);
    checkInteger(event.arg, -0x80000000, 0x7fffffff, `${where}: arg`);
    if (!Number.isFinite(event.timeNs)) {
      throw new TraceFileError(`${where}: timeNs must be a finite number, got ${event.timeNs}`);
    }
    const offset = index * EVENT_BYTES;
    view.setFloat64(offset, event.timeNs, true);
    view.setUint32(offset + WORD_KIND_SEQ * 4, kindAndSeq(event.kind, event.seq), true);
    view.setUint32(offset + WORD_OBJECT * 4, event.objectId, true);
    view.setUint32(offset + WORD_SITE * 4, event.siteId, true);
    view.setInt32(offset + WORD_ARG * 4, event.arg, true);
  });
  return bytes;
}

// ---------------------------------------------------------------------------------------
// Binary form

export function encodeTraceBinary(trace: Trace): Uint8Array {
  checkEventsMatchCounts(trace);
  const headerText = JSON.stringify(trace.header);
  const headerUnpadded = new TextEncoder().encode(headerText);
  const unaligned = (BINARY_HEADER_OFFSET + headerUnpadded.byteLength) % 8;
  const headerBytes = headerUnpadded.byteLength + (unaligned === 0 ? 0 : 8 - unaligned);
  const eventBytes = trace.events.reduce((sum, events) => sum + events.byteLength, 0);

  const out = new Uint8Array(BINARY_HEADER_OFFSET + headerBytes + eventBytes);
  for (let i = 0; i < BINARY_TRACE_MAGIC.length; i++) out[i] = BINARY_TRACE_MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(8, headerBytes, true);
  out.set(headerUnpadded, BINARY_HEADER_OFFSET);
  out.fill(0x20, BINARY_HEADER_OFFSET + headerUnpadded.byteLength, BINARY_HEADER_OFFSET + headerBytes);
  let offset = BINARY_HEADER_OFFSET + headerBytes;
  for (const events of trace.events) {
    out.set(events, offset);
    offset += events.byteLength;
  }
  return out;
}

/**
 * Reads the binary form. The returned event arrays are views into `bytes` (no copy), so
 * the caller must not reuse `bytes` for something else while the trace is in use.
 */
export function decodeTraceBinary(bytes: Uint8Array): Trace {
  if (bytes.byteLength < BINARY_HEADER_OFFSET) {
    throw new TraceFileError(
      `not a Threadlanes binary trace: ${bytes.byteLength} bytes is shorter than the ${BINARY_HEADER_OFFSET}-byte preamble`,
    );
  }
  const magic = String.fromCharCode(...bytes.subarray(0, BINARY_TRACE_MAGIC.length));
  if (magic !== BINARY_TRACE_MAGIC) {
    throw new TraceFileError(`not a Threadlanes binary trace: it starts with ${JSON.stringify(magic)} instead of "${BINARY_TRACE_MAGIC}"`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = view.getUint32(8, true);
  const eventsOffset = BINARY_HEADER_OFFSET + headerBytes;
  if (eventsOffset > bytes.byteLength) {
    throw new TraceFileError(
      `truncated trace: the header says it is ${headerBytes} bytes long but only ${bytes.byteLength - BINARY_HEADER_OFFSET} bytes follow the preamble`,
    );
  }

  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(BINARY_HEADER_OFFSET, eventsOffset));
  } catch {
    throw new TraceFileError('corrupt trace: the header is not valid UTF-8');
  }
  let headerValue: unknown;
  try {
    headerValue = JSON.parse(headerText);
  } catch (error) {
    throw new TraceFileError(`corrupt trace: the header is not valid JSON (${(error as Error).message})`);
  }
  const header = checkHeader(headerValue, true);

  const expectedEventBytes = header.eventCounts.reduce((sum, count) => sum + count * EVENT_BYTES, 0);
  const actualEventBytes = bytes.byteLength - eventsOffset;
  if (actualEventBytes < expectedEventBytes) {
    throw new TraceFileError(
      `truncated trace: the header announces ${expectedEventBytes / EVENT_BYTES} events (${expectedEventBytes} bytes) but only ${actualEventBytes} bytes of events follow`,
    );
  }
  if (actualEventBytes > expectedEventBytes) {
    throw new TraceFileError(
      `corrupt trace: ${actualEventBytes - expectedEventBytes} unexpected bytes after the last event (the header announces ${expectedEventBytes / EVENT_BYTES} events)`,
    );
  }

  const events: Uint8Array[] = [];
  let offset = bytes.byteOffset + eventsOffset;
  for (const count of header.eventCounts) {
    events.push(new Uint8Array(bytes.buffer, offset, count * EVENT_BYTES));
    offset += count * EVENT_BYTES;
  }
  return { header, events };
}

// ---------------------------------------------------------------------------------------
// JSON form

/** A row of the JSON form: [tid, seq, timeNs, kind (name or number), objectId, siteId, arg]. */
type JsonEventRow = [number, number, number, string | number, number, number, number];

const KIND_BY_NAME = new Map<string, number>(Object.entries(EVENT_KIND_NAMES).map(([kind, name]) => [name, Number(kind)]));

export function encodeTraceJson(trace: Trace): string {
  checkEventsMatchCounts(trace);
  const { events: _ignored, ...header } = trace.header as TraceHeader & { events?: unknown };
  const headerText = JSON.stringify(header, null, 2);
  // One event per line keeps big files readable and diffable; every piece is produced by
  // JSON.stringify, so nothing user-controlled is ever spliced in raw.
  const rows: string[] = [];
  trace.events.forEach((bytes, tid) => {
    const stream = EventStream.of(bytes);
    for (let i = 0; i < stream.count; i++) {
      const kind = stream.kind(i);
      const row: JsonEventRow = [
        tid,
        stream.seq(i),
        stream.timeNs(i),
        EVENT_KIND_NAMES[kind] ?? kind,
        stream.objectId(i),
        stream.siteId(i),
        stream.arg(i),
      ];
      if (!Number.isFinite(row[2])) {
        throw new TraceFileError(`thread ${tid}, event ${i}: timeNs ${row[2]} cannot be written as JSON`);
      }
      rows.push(JSON.stringify(row));
    }
  });
  const body = headerText.slice(0, headerText.lastIndexOf('}')).trimEnd();
  const separator = body === '{' ? '' : ',';
  return `${body}${separator}\n  "events": [\n${rows.map((row) => `    ${row}`).join(',\n')}\n  ]\n}\n`;
}

export function decodeTraceJson(text: string): Trace {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TraceFileError(`not a Threadlanes JSON trace: ${(error as Error).message}`);
  }
  if (!isRecord(value)) throw new TraceFileError('not a Threadlanes JSON trace: the top level is not an object');
  const { events: rowsValue, ...headerValue } = value;
  if (!Array.isArray(rowsValue)) {
    throw new TraceFileError('not a Threadlanes JSON trace: "events" is missing or not an array');
  }
  const header = checkHeader(headerValue, false);

  const perThread: Omit<TraceEvent, 'tid'>[][] = [];
  rowsValue.forEach((row: unknown, index) => {
    const where = `events[${index}]`;
    if (!Array.isArray(row) || row.length !== 7) {
      throw new TraceFileError(`${where}: expected [tid, seq, timeNs, kind, objectId, siteId, arg], got ${JSON.stringify(row)}`);
    }
    const [tid, seq, timeNs, kindValue, objectId, siteId, arg] = row as unknown[];
    checkInteger(tid, 0, 0xffff, `${where}: tid`);
    checkInteger(seq, 0, SEQ_MASK, `${where}: seq`);
    if (typeof timeNs !== 'number' || !Number.isFinite(timeNs)) {
      throw new TraceFileError(`${where}: timeNs must be a finite number, got ${JSON.stringify(timeNs)}`);
    }
    let kind: number;
    if (typeof kindValue === 'string') {
      const known = KIND_BY_NAME.get(kindValue);
      if (known === undefined) throw new TraceFileError(`${where}: unknown event kind ${JSON.stringify(kindValue)}`);
      kind = known;
    } else {
      checkInteger(kindValue, 0, 0xff, `${where}: kind`);
      kind = kindValue as number;
    }
    checkInteger(objectId, 0, 0xffffffff, `${where}: objectId`);
    checkInteger(siteId, 0, 0xffffffff, `${where}: siteId`);
    checkInteger(arg, -0x80000000, 0x7fffffff, `${where}: arg`);
    (perThread[tid as number] ??= []).push({
      seq: seq as number,
      timeNs,
      kind,
      objectId: objectId as number,
      siteId: siteId as number,
      arg: arg as number,
    });
  });

  const countsGiven = 'eventCounts' in headerValue;
  const threadCount = countsGiven
    ? header.eventCounts.length
    : Math.max(perThread.length, ...header.threads.map((thread) => thread.tid + 1));
  if (perThread.length > threadCount) {
    throw new TraceFileError(`events of tid ${perThread.length - 1} but "eventCounts" lists only ${threadCount} threads`);
  }
  const events: Uint8Array[] = [];
  const eventCounts: number[] = [];
  for (let tid = 0; tid < threadCount; tid++) {
    const threadEvents = perThread[tid] ?? [];
    if (countsGiven && header.eventCounts[tid] !== threadEvents.length) {
      throw new TraceFileError(
        `"eventCounts" says tid ${tid} has ${header.eventCounts[tid]} events but "events" has ${threadEvents.length} rows for it`,
      );
    }
    events.push(encodeEvents(threadEvents));
    eventCounts.push(threadEvents.length);
  }
  return { header: { ...header, eventCounts }, events };
}

// ---------------------------------------------------------------------------------------
// Choosing a form by file name

export type TraceFileForm = 'binary' | 'json';

/** The form a file name asks for, or undefined when its extension is neither. */
export function traceFileForm(fileName: string): TraceFileForm | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(BINARY_TRACE_EXTENSION)) return 'binary';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

/** Encodes in the form `fileName`'s extension asks for; the JSON form comes back as UTF-8. */
export function encodeTrace(trace: Trace, fileName: string): Uint8Array {
  switch (requireForm(fileName)) {
    case 'binary':
      return encodeTraceBinary(trace);
    case 'json':
      return new TextEncoder().encode(encodeTraceJson(trace));
  }
}

/** Decodes the form `fileName`'s extension names; `bytes` is the file's whole content. */
export function decodeTrace(bytes: Uint8Array, fileName: string): Trace {
  const looksBinary =
    bytes.byteLength >= BINARY_TRACE_MAGIC.length &&
    String.fromCharCode(...bytes.subarray(0, BINARY_TRACE_MAGIC.length)) === BINARY_TRACE_MAGIC;
  switch (requireForm(fileName)) {
    case 'binary':
      return decodeTraceBinary(bytes);
    case 'json': {
      if (looksBinary) {
        throw new TraceFileError(
          `${fileName} is named like a JSON trace but holds a binary trace; rename it to end in ${BINARY_TRACE_EXTENSION}`,
        );
      }
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new TraceFileError(`${fileName} is not a JSON trace: it is not valid UTF-8`);
      }
      return decodeTraceJson(text);
    }
  }
}

function requireForm(fileName: string): TraceFileForm {
  const form = traceFileForm(fileName);
  if (!form) {
    throw new TraceFileError(
      `cannot tell the trace form from the name ${JSON.stringify(fileName)}: use a name ending in ${BINARY_TRACE_EXTENSION} (binary) or ${JSON_TRACE_EXTENSION} (JSON)`,
    );
  }
  return form;
}

// ---------------------------------------------------------------------------------------
// Checks shared by both forms

function checkEventsMatchCounts(trace: Trace): void {
  const counts = trace.header.eventCounts;
  if (trace.events.length !== counts.length) {
    throw new TraceFileError(`trace has event streams for ${trace.events.length} threads but header.eventCounts lists ${counts.length}`);
  }
  trace.events.forEach((events, tid) => {
    if (events.byteLength !== counts[tid] * EVENT_BYTES) {
      throw new TraceFileError(
        `tid ${tid}: header.eventCounts says ${counts[tid]} events (${counts[tid] * EVENT_BYTES} bytes) but the stream has ${events.byteLength} bytes`,
      );
    }
  });
}

const HEADER_ARRAYS = ['threads', 'objects', 'sites', 'output', 'exceptions'] as const;

/**
 * Checks what a reader relies on (identity, version, the arrays it indexes into, event
 * counts); it does not validate every field of every entry.
 */
function checkHeader(value: unknown, eventCountsRequired: boolean): TraceHeader {
  if (!isRecord(value)) throw new TraceFileError('corrupt trace: the header is not a JSON object');
  if (value.format !== TRACE_FORMAT) {
    throw new TraceFileError(`not a Threadlanes trace: header.format is ${JSON.stringify(value.format)} instead of "${TRACE_FORMAT}"`);
  }
  if (value.version !== TRACE_VERSION) {
    throw new TraceFileError(
      `unsupported trace version ${JSON.stringify(value.version)}: this reader understands version ${TRACE_VERSION}`,
    );
  }
  for (const key of HEADER_ARRAYS) {
    if (!Array.isArray(value[key])) throw new TraceFileError(`corrupt trace: header.${key} is missing or not an array`);
  }
  for (const thread of value.threads as unknown[]) {
    if (!isRecord(thread) || !Number.isInteger(thread.tid) || typeof thread.name !== 'string') {
      throw new TraceFileError(`corrupt trace: header.threads has an entry without an integer tid and a name: ${JSON.stringify(thread)}`);
    }
  }
  if (value.eventCounts === undefined && !eventCountsRequired) {
    return { ...(value as unknown as TraceHeader), eventCounts: [] };
  }
  const counts = value.eventCounts;
  if (!Array.isArray(counts) || !counts.every((count) => Number.isSafeInteger(count) && count >= 0)) {
    throw new TraceFileError('corrupt trace: header.eventCounts must be an array of non-negative integers');
  }
  return value as unknown as TraceHeader;
}

function checkInteger(value: unknown, min: number, max: number, what: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TraceFileError(`${what} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
