/**
 * The standalone report's stand-in for a host: reads the trace the CLI inlined into the page
 * (src/export/html.ts writes it) and keeps what the panel posts, since no editor listens.
 *
 * The page carries, besides the app:
 *   <script type="application/json" id="threadlanes-meta">{ encoding, bytes, encodedBytes, parts, sources }</script>
 *   <script type="application/x-threadlanes-trace" class="threadlanes-trace">base64…</script>  × parts
 * The trace is the binary .tltrace form, packed (src/trace/packing.ts: records transposed,
 * times as differences), gzip-compressed (encoding "gzip") or not ("none"), base64 in parts of
 * at most 4 MiB of text, so no single string ever holds the whole trace.
 */
import { unpackTrace } from '../trace/packing';
import { META_ID, TRACE_PART_CLASS, type EmbeddedMeta, type SourceText } from '../shared/protocol';

export function readEmbeddedMeta(doc: Document): EmbeddedMeta | undefined {
  const element = doc.getElementById(META_ID);
  if (!element) return undefined;
  const value = JSON.parse(element.textContent ?? '') as Partial<EmbeddedMeta>;
  if (
    (value.encoding !== 'gzip' && value.encoding !== 'none') ||
    !Number.isSafeInteger(value.bytes) ||
    !Number.isSafeInteger(value.encodedBytes)
  ) {
    throw new Error('the report is damaged: its trace description is not readable');
  }
  const sources = Array.isArray(value.sources)
    ? value.sources.filter((s): s is SourceText => typeof s?.file === 'string' && typeof s?.text === 'string')
    : [];
  const packing = value.packing;
  if (
    packing !== null &&
    (typeof packing !== 'object' ||
      !Array.isArray(packing.constantPlanes) ||
      packing.constantPlanes.length !== 24 ||
      !packing.constantPlanes.every((v) => Number.isInteger(v) && v >= -1 && v <= 255) ||
      typeof packing.timeDelta !== 'boolean')
  ) {
    throw new Error('the report is damaged: its trace packing is not readable');
  }
  if (!Number.isSafeInteger(value.traceBytes)) throw new Error('the report is damaged: its trace size is missing');
  return {
    encoding: value.encoding,
    packing: packing ?? null,
    traceBytes: value.traceBytes!,
    bytes: value.bytes!,
    encodedBytes: value.encodedBytes!,
    parts: Number(value.parts) || 0,
    sources,
  };
}

type FromBase64 = (text: string) => Uint8Array;

/** Base64 → bytes written into `target` at `offset`; returns the count written. */
function decodeBase64Into(text: string, target: Uint8Array, offset: number): number {
  const native = (Uint8Array as unknown as { fromBase64?: FromBase64 }).fromBase64;
  if (native) {
    const bytes = native(text);
    target.set(bytes, offset);
    return bytes.length;
  }
  const binary = atob(text);
  for (let i = 0; i < binary.length; i++) target[offset + i] = binary.charCodeAt(i);
  return binary.length;
}

/** The inlined trace, decoded (and decompressed) into one buffer of meta.bytes. */
/** How long each step of reading the inlined trace took (ms), for the bench. */
export const readTimings = { base64Ms: 0, gunzipMs: 0, unpackMs: 0 };

export async function readEmbeddedTrace(doc: Document, meta: EmbeddedMeta): Promise<Uint8Array> {
  let mark = performance.now();
  const lap = (key: keyof typeof readTimings) => {
    const now = performance.now();
    readTimings[key] = now - mark;
    mark = now;
  };
  const encoded = new Uint8Array(meta.encodedBytes);
  let offset = 0;
  const parts = doc.querySelectorAll(`script.${TRACE_PART_CLASS}`);
  for (let p = 0; p < parts.length; p++) {
    // Text nodes are read one by one: a long script's text may be split by the parser.
    const nodes = parts[p].childNodes;
    for (let n = 0; n < nodes.length; n++) {
      const text = (nodes[n].nodeValue ?? '').trim();
      if (text) offset += decodeBase64Into(text, encoded, offset);
    }
  }
  if (offset !== meta.encodedBytes) throw new Error(`the report is damaged: ${offset} of ${meta.encodedBytes} trace bytes found`);
  lap('base64Ms');
  const unpack = (bytes: Uint8Array) => {
    const out = meta.packing ? unpackTrace(bytes, { ...meta.packing, bytes: meta.traceBytes }) : bytes;
    lap('unpackMs');
    return out;
  };
  if (meta.encoding === 'none') return unpack(encoded);
  if (typeof DecompressionStream !== 'function')
    throw new Error('this browser cannot decompress the report (no DecompressionStream); open it in a current browser');
  // Response.arrayBuffer() collects the stream natively (no JS work per chunk).
  const out = new Uint8Array(await new Response(new Blob([encoded]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const written = out.byteLength;
  if (written !== meta.bytes) throw new Error(`the report is damaged: ${written} of ${meta.bytes} trace bytes after decompression`);
  lap('gunzipMs');
  return unpack(out);
}
