// Turns a checked message into the event the log keeps: messageId, receivedAt, skew-corrected timestamp, context.ip.
import { randomUUID } from 'node:crypto';
import type { EventType, JsonObject, TrackingEvent } from '../../core/event.js';
import type { CheckedMessage } from './validate.js';

export interface RequestFacts {
  /** Milliseconds since the epoch when the request arrived. */
  receivedAt: number;
  /** The client's address (already resolved through trusted proxies), or undefined. */
  ip: string | undefined;
  anonymizeIp: boolean;
}

/**
 * Segment's clock-skew correction: timestamp = receivedAt − (sentAt − originalTimestamp). A device whose clock is
 * off by hours still gets its events placed where they happened on our clock. The result is clamped so it is never
 * after receivedAt (an event cannot happen after we received it) nor before the epoch; the raw client values stay in
 * originalTimestamp and sentAt.
 */
export function correctedTimestamp(receivedAt: number, original: string | undefined, sentAt: string | undefined): number {
  return correctedTimestampMs(receivedAt, dateMs(original), dateMs(sentAt));
}

/** correctedTimestamp from dates already parsed (validate.ts parses each once). */
function correctedTimestampMs(receivedAt: number, originalMs: number | undefined, sentAtMs: number | undefined): number {
  if (originalMs === undefined) return receivedAt;
  const corrected = sentAtMs === undefined ? originalMs : receivedAt - (sentAtMs - originalMs);
  if (!(corrected <= receivedAt)) return receivedAt;
  return corrected < 0 ? 0 : corrected;
}

/** Zeroes the last octet of an IPv4 address and the last 80 bits of an IPv6 one (the common analytics convention). */
export function anonymizeIp(ip: string): string {
  if (ip.includes(':')) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+)\.\d+$/i.exec(ip);
    if (mapped) return `::ffff:${mapped[1]}.0`;
    // Expand '::' into the zero groups it stands for first, so the groups kept are the address's first 48 bits.
    const [left = '', right] = ip.split('::');
    const groups = left === '' ? [] : left.split(':');
    if (right !== undefined) {
      const tail = right === '' ? [] : right.split(':');
      const tailGroups = tail.length + (tail.at(-1)?.includes('.') ? 1 : 0); // a trailing dotted IPv4 is two groups
      groups.push(...new Array<string>(Math.max(0, 8 - groups.length - tailGroups)).fill('0'), ...tail);
    }
    const head = groups.slice(0, 3).map((part) => part || '0');
    while (head.length < 3) head.push('0');
    return `${head.join(':')}::`;
  }
  const dot = ip.lastIndexOf('.');
  return dot === -1 ? ip : `${ip.slice(0, dot)}.0`;
}

/** A date not parsed already (by checkMessage, which keeps the milliseconds). */
function dateMs(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso);
}

/** ISO 8601 of a time, remembering the last one: a batch's items share receivedAt, and often their timestamps. */
class IsoCache {
  private ms = NaN;
  private iso = '';

  of(ms: number): string {
    if (ms !== this.ms) {
      this.ms = ms;
      this.iso = new Date(ms).toISOString();
    }
    return this.iso;
  }
}
const receivedIso = new IsoCache();
const timestampIso = new IsoCache();

/** The address the event keeps as context.ip: the client's own non-empty one, else the connection's; anonymized if asked. */
export function eventIp(own: unknown, facts: RequestFacts): string | undefined {
  const ip = typeof own === 'string' && own !== '' ? own : facts.ip;
  return ip === undefined ? undefined : facts.anonymizeIp ? anonymizeIp(ip) : ip;
}

/** The skew-corrected timestamp (ISO 8601). */
export function eventTimestamp(m: CheckedMessage, facts: RequestFacts): string {
  const time = correctedTimestampMs(facts.receivedAt, m.timestampMs ?? dateMs(m.timestamp), m.sentAtMs ?? dateMs(m.sentAt));
  return time === facts.receivedAt ? receivedIso.of(time) : timestampIso.of(time);
}

export function receivedAtIso(facts: RequestFacts): string {
  return receivedIso.of(facts.receivedAt);
}

/**
 * The event the log keeps. Every field is set in one literal, absent ones as undefined: one object shape for every event, which V8 creates
 * and JSON.stringify walks faster than an object grown field by field; stringify leaves undefined fields out.
 * event-text.ts writes the same event's JSON without building it; keep the two in step (same fields, same order).
 */
export function normalize(type: EventType, m: CheckedMessage, facts: RequestFacts): TrackingEvent {
  const context: JsonObject = m.context === undefined ? {} : { ...m.context };
  const ip = eventIp(context.ip, facts);
  if (ip !== undefined) context.ip = ip;
  return {
    type,
    messageId: m.messageId ?? randomUUID(),
    context,
    timestamp: eventTimestamp(m, facts),
    receivedAt: receivedAtIso(facts),
    userId: m.userId,
    anonymousId: m.anonymousId,
    event: m.event,
    name: m.name,
    groupId: m.groupId,
    previousId: m.previousId,
    properties: m.properties,
    traits: m.traits,
    integrations: m.integrations,
    originalTimestamp: m.timestamp,
    sentAt: m.sentAt,
  };
}
