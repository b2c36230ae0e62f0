// Turns one request to the CloudEvents gateway into log records: picks the content mode (structured, binary or
// batched), checks each event and serializes it. Pure: no I/O, so it is tested without a server.
import type { IncomingHttpHeaders } from 'node:http';
import { CLOUDEVENT_TYPE, type CloudEvent } from '../../core/cloudevent.js';
import { SluiceError } from '../../core/errors.js';
import type { LogRecord } from '../../core/event.js';
import type { IngestLimits } from '../../core/limits.js';
import type { Rejection } from '../http/ingest.js';
import { parseGuardedJson } from '../http/json-guard.js';
import { checkCloudEvent, cloudEventMessageId } from './attributes.js';
import { binaryCloudEvent, isBinaryMode } from './binary.js';

export type ContentMode = 'structured' | 'binary' | 'batch';

export const STRUCTURED_MEDIA_TYPE = 'application/cloudevents+json';
export const BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json';

export interface CloudEventsRequest {
  headers: IncomingHttpHeaders;
  /** The raw body, gzip already decoded. */
  body: Buffer;
}

export interface CloudEventsContext {
  /** The Sluice source the write key belongs to. */
  source: string;
  limits: IngestLimits;
  /** Milliseconds since the epoch when the request arrived. */
  receivedAt: number;
}

export interface PreparedCloudEvents {
  mode: ContentMode;
  records: LogRecord[];
  rejections: Rejection[];
}

const SAMPLE_CHARS = 512;

function sampleOf(value: unknown): string | null {
  try {
    const s = JSON.stringify(value);
    return s === undefined ? null : s.slice(0, SAMPLE_CHARS);
  } catch {
    return null;
  }
}

/** The media type without parameters, lower-cased: `Application/CloudEvents+JSON; charset=utf-8` → `application/cloudevents+json`. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function contentModeOf(headers: IncomingHttpHeaders): ContentMode {
  const media = mediaTypeOf(headers['content-type']);
  if (media === BATCH_MEDIA_TYPE) return 'batch';
  if (media.startsWith('application/cloudevents')) return 'structured';
  // Without a CloudEvents media type, ce-specversion marks binary mode; else the body itself may be a structured event.
  return isBinaryMode(headers) ? 'binary' : 'structured';
}

function toRecord(ev: CloudEvent, ctx: CloudEventsContext, index: number | undefined): LogRecord {
  const body = JSON.stringify(ev);
  if (Buffer.byteLength(body, 'utf8') > ctx.limits.max_message_bytes) {
    const where = index === undefined ? 'the event' : `item ${index}`;
    throw new SluiceError('message_too_large', `${where} is larger than ${ctx.limits.max_message_bytes} bytes`, index === undefined ? {} : { index });
  }
  return { source: ctx.source, messageId: cloudEventMessageId(ev), type: CLOUDEVENT_TYPE, receivedAt: ctx.receivedAt, body };
}

function parseBody(body: Buffer, limits: IngestLimits): unknown {
  if (body.length === 0) throw new SluiceError('invalid_json', 'the body is empty; send a CloudEvent');
  return parseGuardedJson(body, limits.max_depth, limits.max_string_bytes);
}

function prepareStructured(req: CloudEventsRequest, ctx: CloudEventsContext): PreparedCloudEvents {
  const media = mediaTypeOf(req.headers['content-type']);
  if (media.startsWith('application/cloudevents') && media !== STRUCTURED_MEDIA_TYPE) {
    throw new SluiceError('invalid_body', `the event format ${media} is not supported; send ${STRUCTURED_MEDIA_TYPE} or ${BATCH_MEDIA_TYPE}`);
  }
  if (req.body.length > ctx.limits.max_message_bytes) {
    throw new SluiceError('message_too_large', `the event is ${req.body.length} bytes; the limit is ${ctx.limits.max_message_bytes}`);
  }
  const value = parseBody(req.body, ctx.limits);
  if (Array.isArray(value)) {
    throw new SluiceError('invalid_body', `a JSON array is a batch: send it with Content-Type: ${BATCH_MEDIA_TYPE}`);
  }
  return { mode: 'structured', records: [toRecord(checkCloudEvent(value), ctx, undefined)], rejections: [] };
}

function prepareBatch(req: CloudEventsRequest, ctx: CloudEventsContext): PreparedCloudEvents {
  const value = parseBody(req.body, ctx.limits);
  if (!Array.isArray(value)) throw new SluiceError('invalid_body', 'a batch must be a JSON array of CloudEvents');
  if (value.length > ctx.limits.max_batch_items) {
    throw new SluiceError('too_many_items', `the batch holds ${value.length} events; the limit is ${ctx.limits.max_batch_items}`);
  }
  const out: PreparedCloudEvents = { mode: 'batch', records: [], rejections: [] };
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    try {
      out.records.push(toRecord(checkCloudEvent(item, i), ctx, i));
    } catch (err) {
      if (!(err instanceof SluiceError)) throw err;
      out.rejections.push({ index: i, code: err.code, field: err.field ?? null, message: err.message, sample: sampleOf(item) });
    }
  }
  return out;
}

/**
 * One request in any content mode. Throws the SluiceError that refuses the whole request (a single event that is
 * invalid, a body that is not JSON, a batch that is not an array); a batch's bad items are listed in `rejections`.
 * An empty batch is valid (the binding allows it) and yields no records.
 */
export function prepareCloudEvents(req: CloudEventsRequest, ctx: CloudEventsContext): PreparedCloudEvents {
  switch (contentModeOf(req.headers)) {
    case 'batch':
      return prepareBatch(req, ctx);
    case 'binary':
      return { mode: 'binary', records: [toRecord(binaryCloudEvent(req.headers, req.body, ctx.limits), ctx, undefined)], rejections: [] };
    case 'structured':
      return prepareStructured(req, ctx);
  }
}
