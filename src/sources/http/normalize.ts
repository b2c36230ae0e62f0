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
  if (original === undefined) return receivedAt;
  const originalMs = Date.parse(original);
  const corrected = sentAt === undefined ? originalMs : receivedAt - (Date.parse(sentAt) - originalMs);
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

// Every item of a batch shares the request's receivedAt: format it once.
let lastReceivedMs = NaN;
let lastReceivedIso = '';
function receivedAtIso(ms: number): string {
  if (ms !== lastReceivedMs) {
    lastReceivedMs = ms;
    lastReceivedIso = new Date(ms).toISOString();
  }
  return lastReceivedIso;
}

export function normalize(type: EventType, m: CheckedMessage, facts: RequestFacts): TrackingEvent {
  const context: JsonObject = m.context === undefined ? {} : { ...m.context };
  const clientIp = typeof context.ip === 'string' && context.ip !== '' ? context.ip : facts.ip;
  if (clientIp !== undefined) context.ip = facts.anonymizeIp ? anonymizeIp(clientIp) : clientIp;

  const event: TrackingEvent = {
    type,
    messageId: m.messageId ?? randomUUID(),
    context,
    timestamp: new Date(correctedTimestamp(facts.receivedAt, m.timestamp, m.sentAt)).toISOString(),
    receivedAt: receivedAtIso(facts.receivedAt),
  };
  if (m.userId !== undefined) event.userId = m.userId;
  if (m.anonymousId !== undefined) event.anonymousId = m.anonymousId;
  if (m.event !== undefined) event.event = m.event;
  if (m.name !== undefined) event.name = m.name;
  if (m.groupId !== undefined) event.groupId = m.groupId;
  if (m.previousId !== undefined) event.previousId = m.previousId;
  if (m.properties !== undefined) event.properties = m.properties;
  if (m.traits !== undefined) event.traits = m.traits;
  if (m.integrations !== undefined) event.integrations = m.integrations;
  if (m.timestamp !== undefined) event.originalTimestamp = m.timestamp;
  if (m.sentAt !== undefined) event.sentAt = m.sentAt;
  return event;
}
