// The stored event's JSON, written without building the event: its context, properties, traits and integrations are
// the client's own text for those objects (located by the guard, message-spans.ts), everything else is written here.
// JSON.stringify of the normalized event walked and re-escaped every string the client sent, a quarter of the main
// thread's time for 50-event batches (perf, BENCHMARKS.md). The result holds the same fields and values, in the same
// order, as JSON.stringify(normalize(...)) (normalize.ts); only the client's own whitespace and number spelling
// inside those four objects can differ, which no JSON reader sees. event-text.test.ts holds the two to that.
import type { EventType } from '../../core/event.js';
import { type MessageSpans, SPAN_FIELDS } from './message-spans.js';
import { eventIp, eventTimestamp, receivedAtIso, type RequestFacts } from './normalize.js';
import type { CheckedMessage } from './validate.js';

const CONTEXT = SPAN_FIELDS.indexOf('context');
const PROPERTIES = SPAN_FIELDS.indexOf('properties');
const TRAITS = SPAN_FIELDS.indexOf('traits');
const INTEGRATIONS = SPAN_FIELDS.indexOf('integrations');

/**
 * A string as JSON. Ids, names and dates seldom need an escape, and JSON.stringify's setup for each call cost more
 * than this check (five strings per event). Any surrogate goes to JSON.stringify, which escapes lone ones.
 */
function q(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** Whether an object parsed from JSON has any key. */
function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/**
 * The event's JSON, or undefined when this message must go the long way (normalize, then JSON.stringify): its spans
 * are not trusted, a field it has was not located, or its context.ip must be rewritten in place. `m`'s context and
 * integrations must be the message's own, not merged with a batch envelope's (prepareBatch drops the spans then).
 */
export function eventText(type: EventType, m: CheckedMessage, facts: RequestFacts, messageId: string, spans: MessageSpans, index: number): string | undefined {
  if (!spans.usable(index)) return undefined;
  let context: string;
  const own = m.context;
  if (own === undefined) {
    const ip = eventIp(undefined, facts);
    context = ip === undefined ? '{}' : `{"ip":${q(ip)}}`;
  } else {
    const raw = spans.fieldText(index, CONTEXT);
    if (raw === undefined) return undefined;
    const ip = eventIp(own.ip, facts);
    if (ip === own.ip) context = raw; // absent and no address to add, or kept as the client sent it
    else if (own.ip !== undefined || ip === undefined) return undefined; // rewritten: in place only the long way
    else context = hasKeys(own) ? `${raw.slice(0, -1)},"ip":${q(ip)}}` : `{"ip":${q(ip)}}`;
  }
  let out = `{"type":"${type}","messageId":${q(messageId)},"context":${context},"timestamp":"${eventTimestamp(m, facts)}","receivedAt":"${receivedAtIso(facts)}"`;
  if (m.userId !== undefined) out += `,"userId":${q(m.userId)}`;
  if (m.anonymousId !== undefined) out += `,"anonymousId":${q(m.anonymousId)}`;
  if (m.event !== undefined) out += `,"event":${q(m.event)}`;
  if (m.name !== undefined) out += `,"name":${q(m.name)}`;
  if (m.groupId !== undefined) out += `,"groupId":${q(m.groupId)}`;
  if (m.previousId !== undefined) out += `,"previousId":${q(m.previousId)}`;
  if (m.properties !== undefined) {
    const raw = spans.fieldText(index, PROPERTIES);
    if (raw === undefined) return undefined;
    out += `,"properties":${raw}`;
  }
  if (m.traits !== undefined) {
    const raw = spans.fieldText(index, TRAITS);
    if (raw === undefined) return undefined;
    out += `,"traits":${raw}`;
  }
  if (m.integrations !== undefined) {
    const raw = spans.fieldText(index, INTEGRATIONS);
    if (raw === undefined) return undefined;
    out += `,"integrations":${raw}`;
  }
  if (m.timestamp !== undefined) out += `,"originalTimestamp":${q(m.timestamp)}`;
  if (m.sentAt !== undefined) out += `,"sentAt":${q(m.sentAt)}`;
  return `${out}}`;
}
