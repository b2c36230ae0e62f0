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
  sentAt?: string;
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

function optionalTimestamp(msg: JsonObject, field: string, index?: number): string | undefined {
  const v = msg[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) {
    fail('invalid_field', field, `${field} must be an ISO 8601 date string, got ${describe(v)}`, index);
  }
  return v;
}

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
 * AnonymousId header) counts as the anonymousId when the message has none.
 */
export function checkMessage(msg: JsonObject, type: EventType, index?: number, fallbackAnonymousId?: string): CheckedMessage {
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

  const timestamp = optionalTimestamp(msg, 'timestamp', index) ?? optionalTimestamp(msg, 'originalTimestamp', index);
  if (timestamp !== undefined) out.timestamp = timestamp;
  const sentAt = optionalTimestamp(msg, 'sentAt', index);
  if (sentAt !== undefined) out.sentAt = sentAt;

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
