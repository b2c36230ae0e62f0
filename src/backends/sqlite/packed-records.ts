// Append records packed for the trip to the writer thread. postMessage copies a message with the structured-clone
// algorithm, which walks every object and every string: 50-event batches sent as record objects cost 4.6 µs per
// record through a MessageChannel, 1.6 µs packed into one string and one array of numbers (pinned microbenchmark,
// 25 appends per message). A Uint32Array would save a little more but costs more to allocate per message. The writer
// client packs all the appends of a group commit into one (writer-client.ts). The writer reads each field back as a
// slice of the string, which V8 makes without copying.
import type { LogRecord } from '../../core/event.js';

export interface PackedRecords {
  n: number;
  /** One source for every record, or each record's. */
  source: string | string[];
  /** One receivedAt for every record, or each record's. */
  receivedAt: number | number[];
  /** Each record's messageId, type and body, in that order, concatenated. */
  text: string;
  /** Where each of those ends in `text`: [messageId₀, type₀, body₀, messageId₁, ...]. */
  ends: number[];
}

export function packRecords(records: readonly LogRecord[]): PackedRecords {
  const n = records.length;
  const parts = new Array<string>(n * 3);
  const ends = new Array<number>(n * 3);
  const first = records[0];
  let sameSource = true;
  let sameTime = true;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    if (r.source !== first!.source) sameSource = false;
    if (r.receivedAt !== first!.receivedAt) sameTime = false;
    const k = i * 3;
    parts[k] = r.messageId;
    ends[k] = at += r.messageId.length;
    parts[k + 1] = r.type;
    ends[k + 1] = at += r.type.length;
    parts[k + 2] = r.body;
    ends[k + 2] = at += r.body.length;
  }
  return {
    n,
    source: first === undefined ? '' : sameSource ? first.source : records.map((r) => r.source),
    receivedAt: first === undefined ? 0 : sameTime ? first.receivedAt : records.map((r) => r.receivedAt),
    text: parts.join(''),
    ends,
  };
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
  return field(p, i * 3);
}

export function packedType(p: PackedRecords, i: number): string {
  return field(p, i * 3 + 1);
}

export function packedBody(p: PackedRecords, i: number): string {
  return field(p, i * 3 + 2);
}
