// Turns one verified webhook request into log records: the payload kept whole as a CloudEvent (type 'cloudevent',
// like the gateway's, so functions subscribe to it by type), then the tracking calls mapped from it, each naming the
// raw event as its cause. Pure: the signature is checked before this runs, and no I/O happens here.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { CLOUDEVENT_TYPE, type CloudEvent } from '../../core/cloudevent.js';
import { SluiceError } from '../../core/errors.js';
import type { EventType, JsonObject, LogRecord } from '../../core/event.js';
import type { IngestLimits } from '../../core/limits.js';
import { cloudEventMessageId, isJsonMediaType } from '../cloudevents/attributes.js';
import { type IngestContext, type IngestPrivacy, prepareSingle, type Rejection } from '../http/ingest.js';
import { parseGuardedJson } from '../http/json-guard.js';
import { isPlainObject } from '../http/validate.js';
import type { WebhookConfig } from './config.js';
import { type MappedCall, mapStripeEvent } from './stripe-map.js';

export interface PreparedWebhook {
  /** The raw event first, then the mapped calls. */
  records: LogRecord[];
  /** The stored type of each record, for telemetry. */
  types: string[];
  /** Mapped calls the tracking API's checks refused (the raw event is stored regardless). */
  rejections: Rejection[];
  /**
   * Messages dropped because a mapped call carries an id of a deleted person: the whole delivery, raw event included
   * (it holds the same person's data). Absent when none.
   */
  suppressed?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The CloudEvents `source` of a webhook's events; never holds whitespace (the name cannot). */
export function webhookEventSource(name: string): string {
  return `/webhooks/${name}`;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

/** The payload as data: JSON when it says so or parses as such (many senders omit the Content-Type), else text. */
function payloadOf(body: Buffer, contentType: string | undefined, limits: IngestLimits): { data?: unknown; data_base64?: string } {
  if (body.length === 0) return {};
  if (contentType === undefined || isJsonMediaType(contentType)) {
    try {
      return { data: parseGuardedJson(body, limits.max_depth, limits.max_string_bytes) };
    } catch (err) {
      if (!(err instanceof SluiceError)) throw err;
      // A body labelled JSON must be JSON; an unlabelled one that is not is kept as text.
      if (contentType !== undefined) throw new SluiceError(err.code, `the webhook body: ${err.message}`);
    }
  }
  try {
    return { data: utf8.decode(body) };
  } catch {
    return { data_base64: body.toString('base64') };
  }
}

function stripeEvent(body: Buffer, hook: WebhookConfig, limits: IngestLimits): CloudEvent {
  const event = parseGuardedJson(body, limits.max_depth, limits.max_string_bytes);
  if (!isPlainObject(event)) throw new SluiceError('invalid_body', 'a Stripe webhook body must be a JSON object (a Stripe event)');
  if (typeof event.id !== 'string' || event.id === '') throw new SluiceError('missing_field', 'the Stripe event has no id', { field: 'id' });
  if (typeof event.type !== 'string' || event.type === '') throw new SluiceError('missing_field', 'the Stripe event has no type', { field: 'type' });
  const ce: CloudEvent = { specversion: '1.0', id: event.id, source: webhookEventSource(hook.name), type: `stripe.${event.type}`, datacontenttype: 'application/json', webhook: hook.name, data: event };
  if (typeof event.created === 'number' && Number.isFinite(event.created)) ce.time = new Date(event.created * 1000).toISOString();
  return ce;
}

function genericEvent(headers: IncomingHttpHeaders, body: Buffer, hook: WebhookConfig, limits: IngestLimits, receivedAt: number): CloudEvent {
  // Without a delivery id, identical bodies are one event: a sender's retry is stored once.
  const id = (hook.id_header === undefined ? undefined : header(headers, hook.id_header)) ?? createHash('sha256').update(body).digest('hex');
  const named = hook.type_header === undefined ? undefined : header(headers, hook.type_header);
  const type = named !== undefined ? `${hook.name}.${named}` : (hook.event_type ?? `${hook.name}.webhook`);
  const contentType = header(headers, 'content-type');
  const ce: CloudEvent = { specversion: '1.0', id, source: webhookEventSource(hook.name), type, time: new Date(receivedAt).toISOString(), webhook: hook.name };
  if (contentType !== undefined) ce.datacontenttype = contentType;
  return Object.assign(ce, payloadOf(body, contentType, limits));
}

/** A mapped call's messageId: fixed by the raw event and the call's position, so a redelivery maps to the same ids. */
export function mappedMessageId(rawMessageId: string, index: number): string {
  return `${rawMessageId}#${index}`;
}

function mappedCalls(ce: CloudEvent, hook: WebhookConfig): MappedCall[] {
  if (hook.kind !== 'stripe' || !hook.stripe.map_events) return [];
  return mapStripeEvent(ce.data as JsonObject, hook.stripe);
}

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as signed. */
  body: Buffer;
}

export function prepareWebhook(req: WebhookRequest, hook: WebhookConfig, limits: IngestLimits, receivedAt: number, privacy?: IngestPrivacy): PreparedWebhook {
  if (hook.kind === 'stripe' && req.body.length === 0) throw new SluiceError('invalid_json', 'the body is empty; Stripe sends an event');
  const ce = hook.kind === 'stripe' ? stripeEvent(req.body, hook, limits) : genericEvent(req.headers, req.body, hook, limits, receivedAt);
  const rawId = cloudEventMessageId(ce);
  const out: PreparedWebhook = {
    records: [{ source: hook.name, messageId: rawId, type: CLOUDEVENT_TYPE, receivedAt, body: JSON.stringify(ce) }],
    types: [CLOUDEVENT_TYPE],
    rejections: [],
  };
  const ctx: IngestContext = { source: hook.name, limits, receivedAt, ip: undefined, anonymizeIp: false, headerAnonymousId: undefined, privacy };
  let suppressed = 0;
  mappedCalls(ce, hook).forEach((call, i) => {
    const message: JsonObject = { ...call.message, messageId: mappedMessageId(rawId, i), context: { sluice: { causation_id: rawId, webhook: hook.name } } };
    if (ce.time !== undefined) message.timestamp = ce.time;
    try {
      const prepared = prepareSingle(message, call.type, ctx);
      suppressed += prepared.suppressed ?? 0;
      out.records.push(...prepared.records);
      out.types.push(...(prepared.types as EventType[]));
    } catch (err) {
      if (!(err instanceof SluiceError)) throw err;
      out.rejections.push({ index: i, code: err.code, field: err.field ?? null, message: `mapped ${call.type} call: ${err.message}`, sample: JSON.stringify(message).slice(0, 512) });
    }
  });
  // Mapped-call rejections go too: their samples hold the same person's data.
  if (suppressed > 0) return { records: [], types: [], rejections: [], suppressed: out.records.length + suppressed };
  return out;
}
