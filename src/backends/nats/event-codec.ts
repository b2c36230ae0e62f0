// How one event is stored in a JetStream message: a first line of JSON metadata, then the body verbatim. The body is
// already JSON text, so it is not encoded a second time; JSON.stringify never emits a raw newline, so the first
// newline always ends the metadata whatever the body holds.
import type { LogRecord, LoggedEvent } from '../../core/event.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeRecord(r: LogRecord): Uint8Array {
  return encoder.encode(`${JSON.stringify([r.source, r.messageId, r.type, r.receivedAt])}\n${r.body}`);
}

export function decodeEvent(seq: number, data: Uint8Array): LoggedEvent {
  const text = decoder.decode(data);
  const nl = text.indexOf('\n');
  const [source, messageId, type, receivedAt] = JSON.parse(text.slice(0, nl)) as [string, string, string, number];
  return { seq, source, messageId, type, receivedAt, body: text.slice(nl + 1) };
}

/** The receivedAt of a stored event without decoding its body (binary searches by time). */
export function receivedAtOf(data: Uint8Array): number {
  const head = decoder.decode(data.subarray(0, Math.min(data.length, 4096)));
  const nl = head.indexOf('\n');
  if (nl >= 0) return (JSON.parse(head.slice(0, nl)) as [string, string, string, number])[3];
  return decodeEvent(0, data).receivedAt;
}

/**
 * The Nats-Msg-Id JetStream deduplicates on: (source, messageId). The source's length comes first so no pair can
 * collide with another; header values may not hold CR, LF or NUL, so a messageId with one is JSON-escaped (flagged
 * by a different prefix, so an escaped id never equals a plain one).
 */
export function dedupeKey(source: string, messageId: string): string {
  const key = `${source.length}:${source}:${messageId}`;
  return /[\r\n\0]/.test(key) ? `j${JSON.stringify([source, messageId])}` : key;
}
