// Per-type validation of one Segment message. Names the offending field (and the batch index, when given),
// so an SDK author reading a 400 knows exactly what to fix.
import { SluiceError } from '../../core/errors.js';
import type { EventType, JsonObject } from '../../core/event.js';

export interface CheckedMessage {
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  groupId?: string;
  previousId?: string;
  messageId?: string;
  timestamp?: string;
  /** `timestamp` in milliseconds since the epoch (parsed once, here). */
  timestampMs?: number;
  sentAt?: string;
  /** `sentAt` in milliseconds since the epoch. */
  sentAtMs?: number;
  properties?: JsonObject;
  traits?: JsonObject;
  context?: JsonObject;
  integrations?: JsonObject;
}

const MAX_ID_CHARS = 1024;

function fail(code: 'invalid_field' | 'missing_field', field: string, message: string, index?: number): never {
  throw new SluiceError(code, index === undefined ? message : `item ${index}: ${message}`, index === undefined ? { field } : { field, index });
}

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Identifiers: strings, or finite numbers turned into strings (many backends have numeric user ids). */
function optionalId(msg: JsonObject, field: string, index?: number): string | undefined {
  const v = msg[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') fail('invalid_field', field, `${field} must be a string, got ${describe(v)}`, index);
  if (v.length > MAX_ID_CHARS) fail('invalid_field', field, `${field} is longer than ${MAX_ID_CHARS} characters`, index);
  return v.trim() === '' ? undefined : v;
}

function optionalString(msg: JsonObject, field: string, index?: number): string | undefined {
  const v = msg[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail('invalid_field', field, `${field} must be a string, got ${describe(v)}`, index);
  return v;
}

function optionalObject(msg: JsonObject, field: string, index?: number): JsonObject | undefined {
  const v = msg[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) fail('invalid_field', field, `${field} must be an object, got ${describe(v)}`, index);
  return v;
}

/**
 * Date.parse, remembering the last string parsed: a batch's items share their envelope's sentAt, and SDKs often stamp
 * a batch's items alike. One per field, so that timestamp and sentAt do not evict each other.
 */
class DateParser {
  private last = '';
  private lastMs = NaN;

  constructor(private readonly field: string) {}

  /** Milliseconds since the epoch; undefined when absent (undefined, null or ''). */
  ms(v: unknown, index: number | undefined): number | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    if (v === this.last) return this.lastMs;
    const ms = typeof v === 'string' ? Date.parse(v) : NaN;
    if (Number.isNaN(ms)) fail('invalid_field', this.field, `${this.field} must be an ISO 8601 date string, got ${describe(v)}`, index);
    this.last = v as string;
    this.lastMs = ms;
    return ms;
  }
}
const timestampDate = new DateParser('timestamp');
const originalTimestampDate = new DateParser('originalTimestamp');
const sentAtDate = new DateParser('sentAt');

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function required(value: string | undefined, field: string, type: EventType, index?: number): string {
  if (value === undefined) fail('missing_field', field, `${field} is required for ${type} calls`, index);
  return value;
}

/**
 * Checks one message of a known type; returns its fields with ids as strings. `fallbackAnonymousId` (Rudder's
 * AnonymousId header) counts as the anonymousId when the message has none; `envelopeSentAt` (a batch's sentAt)
 * counts as the sentAt of a message without one.
 */
export function checkMessage(msg: JsonObject, type: EventType, index?: number, fallbackAnonymousId?: string, envelopeSentAt?: string): CheckedMessage {
  const out: CheckedMessage = {};
  const userId = optionalId(msg, 'userId', index);
  const anonymousId = optionalId(msg, 'anonymousId', index) ?? fallbackAnonymousId;
  if (userId !== undefined) out.userId = userId;
  if (anonymousId !== undefined) out.anonymousId = anonymousId;

  const messageId = optionalString(msg, 'messageId', index);
  if (messageId !== undefined && messageId.length > MAX_ID_CHARS) {
    fail('invalid_field', 'messageId', `messageId is longer than ${MAX_ID_CHARS} characters`, index);
  }
  if (messageId !== undefined && messageId !== '') out.messageId = messageId;

  // Each date is parsed once, here; normalize() corrects the clock skew from these milliseconds.
  let timestampField = 'timestamp';
  let timestampMs = timestampDate.ms(msg.timestamp, index);
  if (timestampMs === undefined) timestampMs = originalTimestampDate.ms(msg[(timestampField = 'originalTimestamp')], index);
  if (timestampMs !== undefined) {
    out.timestamp = msg[timestampField] as string;
    out.timestampMs = timestampMs;
  }
  const sentAt = msg.sentAt === undefined ? envelopeSentAt : msg.sentAt;
  const sentAtMs = sentAtDate.ms(sentAt, index);
  if (sentAtMs !== undefined) {
    out.sentAt = sentAt as string;
    out.sentAtMs = sentAtMs;
  }

  const context = optionalObject(msg, 'context', index);
  if (context !== undefined) out.context = context;
  const integrations = optionalObject(msg, 'integrations', index);
  if (integrations !== undefined) out.integrations = integrations;

  switch (type) {
    case 'track': {
      const event = optionalString(msg, 'event', index);
      out.event = required(event === '' ? undefined : event, 'event', type, index);
      const properties = optionalObject(msg, 'properties', index);
      if (properties !== undefined) out.properties = properties;
      break;
    }
    case 'page':
    case 'screen': {
      const name = optionalString(msg, 'name', index);
      if (name !== undefined) out.name = name;
      const properties = optionalObject(msg, 'properties', index);
      if (properties !== undefined) out.properties = properties;
      break;
    }
    case 'identify': {
      const traits = optionalObject(msg, 'traits', index);
      if (traits !== undefined) out.traits = traits;
      break;
    }
    case 'group': {
      out.groupId = required(optionalId(msg, 'groupId', index), 'groupId', type, index);
      const traits = optionalObject(msg, 'traits', index);
      if (traits !== undefined) out.traits = traits;
      break;
    }
    case 'alias': {
      out.previousId = required(optionalId(msg, 'previousId', index), 'previousId', type, index);
      required(userId, 'userId', type, index);
      break;
    }
  }
  if (out.userId === undefined && out.anonymousId === undefined) {
    fail('missing_field', 'userId', 'userId or anonymousId is required', index);
  }
  return out;
}
