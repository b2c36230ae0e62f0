// Turns a parsed request body into log records: validates each message, merges the batch envelope into its items,
// checks it against the source's tracking plan (when it has one), normalizes, serializes and checks the per-message
// size. Pure: no I/O, so it is tested without a server.
import { randomUUID } from 'node:crypto';
import { SluiceError, type ErrorCode } from '../../core/errors.js';
import { type EventType, isEventType, type JsonObject, type LogRecord, type TrackingEvent } from '../../core/event.js';
import type { IngestLimits } from '../../core/limits.js';
import type { FieldHasher } from '../../privacy/hashing.js';
import type { Suppression } from '../../privacy/suppression.js';
import type { PlanFinding, PlanGate } from '../plan-gate.js';
import { eventText } from './event-text.js';
import type { MessageSpans } from './message-spans.js';
import { normalize, type RequestFacts } from './normalize.js';
import { blockedError, checkAgainstPlan, dropClaimedMarker, markPlanned, PlanBlockedError } from './plan-check.js';
import { checkMessage, isPlainObject } from './validate.js';

export interface Rejection {
  index: number | null;
  code: ErrorCode;
  field: string | null;
  message: string;
  sample: string | null;
}

export interface Prepared {
  records: LogRecord[];
  /** Event type of each record, in order. */
  types: EventType[];
  rejections: Rejection[];
  /** What the source's tracking plan found, stored or refused; absent when nothing. */
  findings?: PlanFinding[];
  /** Messages dropped because they carry an id of a deleted person; absent when none. */
  suppressed?: number;
}

/** The privacy settings ingest applies: fields to hash, and the ids of deleted people. */
export interface IngestPrivacy {
  hasher: FieldHasher;
  suppression: Suppression;
  /** Counts messages of a source dropped because they carry a deleted person's id (called by whoever prepared them). */
  suppressed(source: string, n: number): void;
}

export interface IngestContext extends RequestFacts {
  source: string;
  limits: IngestLimits;
  /** Rudder's AnonymousId header, decoded. */
  headerAnonymousId: string | undefined;
  /** The source's tracking plan, when it has one. */
  plan?: PlanGate | undefined;
  privacy?: IngestPrivacy | undefined;
  /** Where the body's messages keep their objects (json-guard.ts); absent: events are serialized. */
  spans?: MessageSpans;
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

/** UTF-8 length without encoding when the answer is obvious: each UTF-16 unit is at most 3 bytes. */
function exceedsBytes(s: string, limit: number): boolean {
  if (s.length > limit) return true;
  if (s.length * 3 <= limit) return false;
  return Buffer.byteLength(s, 'utf8') > limit;
}

/**
 * Whether the stored event may be written from the client's text (event-text.ts): only when nothing rewrites the event
 * inside, so no tracking plan (it marks the event) and no hashed fields. A batch whose envelope is merged into its items
 * gives them a context without spans (prepareBatch).
 */
function fromClientText(ctx: IngestContext): ctx is IngestContext & { spans: MessageSpans } {
  return ctx.spans !== undefined && ctx.plan === undefined && (ctx.privacy === undefined || ctx.privacy.hasher.empty);
}

function prepareOne(msg: JsonObject, type: EventType, ctx: IngestContext, index: number | undefined, out: Prepared, envelopeSentAt?: string): void {
  const checked = checkMessage(msg, type, index, ctx.headerAnonymousId, envelopeSentAt);
  const report = ctx.plan === undefined ? null : checkAgainstPlan(ctx.plan, type, checked);
  if (report?.blocked) throw blockedError(report, index);
  let messageId = '';
  let body: string | undefined;
  if (fromClientText(ctx)) {
    messageId = checked.messageId ?? randomUUID();
    body = eventText(type, checked, ctx, messageId, ctx.spans, index ?? 0);
  }
  // The long way: the event built, hashed, marked by the plan, then serialized.
  let event: TrackingEvent | undefined;
  if (body === undefined) {
    event = normalize(type, checked, ctx);
    if (ctx.privacy !== undefined && !ctx.privacy.hasher.empty) ctx.privacy.hasher.apply(event);
  }
  // After hashing: the ids a profile holds are the stored (possibly hashed) ones; the short way hashes nothing.
  if (ctx.privacy?.suppression.matches(event ?? checked)) {
    out.suppressed = (out.suppressed ?? 0) + 1;
    return;
  }
  if (event !== undefined) {
    if (report !== null) markPlanned(event, report);
    else if (ctx.plan !== undefined) dropClaimedMarker(event);
    messageId = event.messageId;
  }
  // Either the client's text was written, or the event was built: one of the two is there.
  const json = body ?? JSON.stringify(event);
  if (exceedsBytes(json, ctx.limits.max_message_bytes)) {
    const where = index === undefined ? 'the message' : `item ${index}`;
    throw new SluiceError('message_too_large', `${where} is larger than ${ctx.limits.max_message_bytes} bytes`, index === undefined ? {} : { index });
  }
  if (report !== null) (out.findings ??= []).push({ ...report, record: out.records.length });
  out.records.push({ source: ctx.source, messageId, type, receivedAt: ctx.receivedAt, body: json });
  out.types.push(type);
}

function toRejection(err: unknown, index: number | null, item: unknown): Rejection {
  if (!(err instanceof SluiceError)) throw err;
  return { index, code: err.code, field: err.field ?? null, message: err.message, sample: sampleOf(item) };
}

/** One message posted to /v1/track and friends. Throws the SluiceError that names what is wrong. */
export function prepareSingle(body: unknown, type: EventType, ctx: IngestContext): Prepared {
  if (!isPlainObject(body)) {
    throw new SluiceError('invalid_body', `the body must be a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  }
  const out: Prepared = { records: [], types: [], rejections: [] };
  prepareOne(body, type, ctx, undefined, out);
  return out;
}

/**
 * A batch posted to /v1/batch or /v1/import. The envelope's context and integrations are merged under each item's
 * own (the item wins), and its sentAt applies to items without one. Bad items are rejected one by one; the request
 * as a whole is refused only when its envelope is wrong.
 */
export function prepareBatch(body: unknown, ctx: IngestContext): Prepared {
  if (!isPlainObject(body)) {
    throw new SluiceError('invalid_body', `the body must be a JSON object with a batch array, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  }
  const batch = body.batch;
  if (!Array.isArray(batch)) throw new SluiceError('missing_field', 'batch must be an array of messages', { field: 'batch' });
  if (batch.length === 0) throw new SluiceError('empty_batch', 'batch is empty', { field: 'batch' });
  if (batch.length > ctx.limits.max_batch_items) {
    throw new SluiceError('too_many_items', `batch holds ${batch.length} items; the limit is ${ctx.limits.max_batch_items}`, { field: 'batch' });
  }
  const envContext = isPlainObject(body.context) ? body.context : undefined;
  const envIntegrations = isPlainObject(body.integrations) ? body.integrations : undefined;
  const envSentAt = typeof body.sentAt === 'string' ? body.sentAt : undefined;
  // Items the envelope is merged into hold objects that are not the client's text: they are serialized.
  const itemCtx: IngestContext = envContext === undefined && envIntegrations === undefined ? ctx : { ...ctx, spans: undefined };

  const out: Prepared = { records: [], types: [], rejections: [] };
  for (let i = 0; i < batch.length; i++) {
    const item: unknown = batch[i];
    try {
      if (!isPlainObject(item)) throw new SluiceError('invalid_body', `item ${i} must be an object`, { index: i });
      const type = item.type;
      if (type === undefined || type === null || type === '') {
        throw new SluiceError('missing_field', `item ${i}: type is required in a batch`, { field: 'type', index: i });
      }
      if (!isEventType(type)) {
        throw new SluiceError('invalid_field', `item ${i}: type must be one of track, identify, page, screen, group, alias`, { field: 'type', index: i });
      }
      let msg: JsonObject = item;
      // The envelope's sentAt is passed on, not copied into each item: copying every item cost more than the rest
      // of its preparation bar JSON.stringify. Its context and integrations are merged into a copy.
      if (envContext !== undefined || envIntegrations !== undefined) {
        msg = { ...item };
        if (envContext !== undefined) msg.context = isPlainObject(item.context) ? { ...envContext, ...item.context } : (item.context ?? envContext);
        if (envIntegrations !== undefined) {
          msg.integrations = isPlainObject(item.integrations) ? { ...envIntegrations, ...item.integrations } : (item.integrations ?? envIntegrations);
        }
      }
      prepareOne(msg, type, itemCtx, i, out, envSentAt);
    } catch (err) {
      out.rejections.push(toRejection(err, i, item));
      if (err instanceof PlanBlockedError) (out.findings ??= []).push(err.finding);
    }
  }
  return out;
}
