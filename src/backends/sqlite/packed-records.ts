// Append records packed for the trip to the writer thread. postMessage copies a message with the structured-clone
// algorithm, which walks every object and every string: 50-event batches sent as record objects cost 4.6 µs per
// record through a MessageChannel, 1.6 µs packed into one string and one array of numbers (pinned microbenchmark,
// 25 appends per message). The writer client packs all the appends of a group commit into one (writer-client.ts).
//
// Bodies travel as UTF-8 bytes in one ArrayBuffer that is transferred, not copied, and the writer binds each as a
// view of it (event-inserter.ts). As strings they were copied into the message, copied out of it into the writer's
// young generation, and encoded to UTF-8 there for SQLite: deserializing, collecting and encoding them was a third
// of the writer's time for 50-event batches (perf, BENCHMARKS.md). Ids and types stay a string, as the writer's
// dedupe index keys on them; it reads each back as a slice, which V8 makes without copying.
import type { LogRecord } from '../../core/event.js';

export interface PackedRecords {
  n: number;
  /** One source for every record, or each record's. */
  source: string | string[];
  /** One receivedAt for every record, or each record's. */
  receivedAt: number | number[];
  /** Each record's messageId and type, in that order, concatenated. */
  text: string;
  /** Where each of those ends in `text`: [messageId₀, type₀, messageId₁, ...]. */
  ends: Uint32Array;
  /** Every record's body in UTF-8, one after the other: an ArrayBuffer of its own, to transfer. */
  bodies: Uint8Array;
  /** Where each body ends in `bodies`, in bytes. */
  bodyEnds: Uint32Array;
}

/** Bytes for the bodies: a Buffer over an ArrayBuffer of its own (never a slice of Buffer's shared pool), to transfer. */
export type BodyAlloc = (bytes: number) => Buffer;

export function packRecords(records: readonly LogRecord[], alloc: BodyAlloc = Buffer.allocUnsafeSlow): PackedRecords {
  const n = records.length;
  const parts: string[] = [];
  // Typed arrays: structured clone copies them as bytes. An array made by new Array(n) is "holey" to V8 even once
  // filled, and holey arrays are cloned element by element as sparse ones: ~75 ns per element each way, against ~9.
  const ends = new Uint32Array(n * 2);
  const bodyEnds = new Uint32Array(n);
  const first = records[0];
  let sameSource = true;
  let sameTime = true;
  let at = 0;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    if (r.source !== first!.source) sameSource = false;
    if (r.receivedAt !== first!.receivedAt) sameTime = false;
    const k = i * 2;
    parts.push(r.messageId, r.type);
    ends[k] = at += r.messageId.length;
    ends[k + 1] = at += r.type.length;
    bodyEnds[i] = bytes += Buffer.byteLength(r.body, 'utf8');
  }
  const bodies = alloc(bytes);
  for (let i = 0; i < n; i++) bodies.write(records[i]!.body, i === 0 ? 0 : bodyEnds[i - 1]!, 'utf8');
  return {
    n,
    source: first === undefined ? '' : sameSource ? first.source : records.map((r) => r.source),
    receivedAt: first === undefined ? 0 : sameTime ? first.receivedAt : records.map((r) => r.receivedAt),
    text: parts.join(''),
    ends,
    bodies,
    bodyEnds,
  };
}

/**
 * Several packs as one, in order, the bodies copied into `alloc`'s bytes. The writer client packs a large request's
 * records as soon as it queues them (writer-client.ts) and merges them into ops when the group is sent.
 */
export function mergePacked(packs: readonly PackedRecords[], alloc: BodyAlloc = Buffer.allocUnsafeSlow): PackedRecords {
  let n = 0;
  let bytes = 0;
  for (const p of packs) {
    n += p.n;
    bytes += p.bodies.byteLength;
  }
  const ends = new Uint32Array(n * 2);
  const bodyEnds = new Uint32Array(n);
  const bodies = alloc(bytes);
  const texts: string[] = [];
  const sources: string[] = [];
  const times: number[] = [];
  let sameSource = true;
  let sameTime = true;
  let i = 0;
  let at = 0;
  let offset = 0;
  for (const p of packs) {
    texts.push(p.text);
    for (let k = 0; k < p.n * 2; k++) ends[i * 2 + k] = at + p.ends[k]!;
    for (let k = 0; k < p.n; k++) {
      bodyEnds[i + k] = offset + p.bodyEnds[k]!;
      sources.push(packedSource(p, k));
      times.push(packedReceivedAt(p, k));
      if (sources[i + k] !== sources[0]) sameSource = false;
      if (times[i + k] !== times[0]) sameTime = false;
    }
    bodies.set(p.bodies, offset);
    i += p.n;
    at += p.text.length;
    offset += p.bodies.byteLength;
  }
  return {
    n,
    source: n === 0 ? '' : sameSource ? sources[0]! : sources,
    receivedAt: n === 0 ? 0 : sameTime ? times[0]! : times,
    text: texts.join(''),
    ends,
    bodies,
    bodyEnds,
  };
}

/** What postMessage must transfer rather than copy: the whole buffer the bodies were packed into. */
export function packedTransfer(p: PackedRecords): ArrayBuffer {
  return p.bodies.buffer as ArrayBuffer;
}

export function packedSource(p: PackedRecords, i: number): string {
  return typeof p.source === 'string' ? p.source : p.source[i]!;
}

export function packedReceivedAt(p: PackedRecords, i: number): number {
  return typeof p.receivedAt === 'number' ? p.receivedAt : p.receivedAt[i]!;
}

function field(p: PackedRecords, k: number): string {
  return p.text.slice(k === 0 ? 0 : p.ends[k - 1]!, p.ends[k]!);
}

export function packedMessageId(p: PackedRecords, i: number): string {
  return field(p, i * 2);
}

export function packedType(p: PackedRecords, i: number): string {
  return field(p, i * 2 + 1);
}

/** Record i's body as UTF-8: a view of the packed bytes (bind it with CAST(? AS TEXT) to store it as text). */
export function packedBodyBytes(p: PackedRecords, i: number): Uint8Array {
  return p.bodies.subarray(i === 0 ? 0 : p.bodyEnds[i - 1]!, p.bodyEnds[i]!);
}
