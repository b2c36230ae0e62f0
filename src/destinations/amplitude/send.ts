// Requests to Amplitude's HTTP V2 API and what their answers mean for each event.
// https://amplitude.com/docs/apis/analytics/http-v2 (responses) and
// https://amplitude.com/docs/apis/analytics/http-api-batching-retries ("remove those events and resend the rest").
//
// A 400 or 429 rejects the whole request, even when it names only some events. So the named ones are settled
// (invalid: failed for good; throttled: retry later) and the others are resent at once, in the same send(): the
// result then says "accepted" only for events a 2xx covered, which is what the runner's partial result means.
import type { DestinationContext, OutgoingEvent, SendResult } from '../../core/destination.js';
import type { JsonObject } from '../../core/event.js';
import { planRequests, utf8Bytes } from '../shared/chunk.js';
import { type HttpReply, httpCall, resultForStatus } from '../shared/http.js';
import { Outcomes } from '../shared/outcomes.js';
import { isObject } from '../shared/read.js';
import { postSplitting, type SplitTarget } from '../shared/split.js';
import type { Config } from './config.js';
import { mapEvent } from './map.js';

/** Amplitude: "Keep request sizes under 1 MB with fewer than 2000 events per request" (413 otherwise). */
export const MAX_REQUEST_EVENTS = 2000;
export const MAX_REQUEST_BYTES = 1_000_000;
/** What Amplitude asks after a 429 when no Retry-After says otherwise: pause that user or device for 30 seconds. */
export const THROTTLE_PAUSE_MS = 30_000;
/** Resends of the rest after a 400 or 429 that named some events: one, so a send() stays bounded. */
const MAX_RESENDS = 1;
const WHAT = 'Amplitude';

/** Not async: the events are mapped at once, and the batch (the stored documents) is not kept while the requests are out. */
export function sendBatch(config: Config, ctx: DestinationContext, batch: readonly OutgoingEvent[], signal: AbortSignal): Promise<SendResult> {
  const out = new Outcomes(batch.length);
  const events: JsonObject[] = [];
  const ready: number[] = [];
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    const mapped = mapEvent(e.doc, e.messageId, config);
    if (mapped.ok) {
      events[i] = mapped.event;
      ready.push(i);
    } else out.fail([i], true, mapped.reason);
  }
  return postAll(config, ctx, events, ready, out, signal);
}

async function postAll(config: Config, ctx: DestinationContext, events: readonly JsonObject[], ready: readonly number[], out: Outcomes, signal: AbortSignal): Promise<SendResult> {
  const bodyOf = (indices: readonly number[]): string => requestBody(config, indices.map((i) => events[i] as JsonObject));
  const { requests, oversize } = planRequests(ready, { maxItems: MAX_REQUEST_EVENTS, maxBytes: MAX_REQUEST_BYTES }, bodyOf, (i) => utf8Bytes(JSON.stringify(events[i])));
  out.fail(oversize, true, `the event is larger than Amplitude's ${MAX_REQUEST_BYTES}-byte request limit`);

  const post = (indices: readonly number[], body?: string): Promise<HttpReply | SendResult> =>
    httpCall(ctx, { url: config.endpoint, body: body ?? bodyOf(indices), timeoutMs: config.timeout_ms }, signal);

  const target = (resends: number): SplitTarget => ({
    what: WHAT,
    post,
    onReply: async (indices, reply, depth) => {
      const rest = settleReply(indices, reply, out);
      if (rest.length === 0) return;
      if (resends < MAX_RESENDS) await postSplitting(target(resends + 1), rest, out, depth);
      else out.fail(rest, false, `not accepted: ${WHAT} rejected the whole request because of other events in it; to be sent again`);
    },
  });
  for (const r of requests) await postSplitting(target(0), r.indices, out, 0, r.body);
  return out.result();
}

/**
 * The request body, `{"api_key":…,"events":[…],"options":…}`, in one JSON.stringify: one pass and one flat string,
 * cheaper than serializing each event and joining (a resend or a split half is serialized again, which is rare).
 */
function requestBody(config: Config, events: readonly JsonObject[]): string {
  return JSON.stringify(config.options === undefined ? { api_key: config.api_key, events } : { api_key: config.api_key, events, options: config.options });
}

/** Settles what the reply decides and returns the events it rejected only for their neighbours' sake. */
function settleReply(indices: readonly number[], reply: HttpReply, out: Outcomes): number[] {
  const whole = resultForStatus(reply, WHAT);
  if (reply.status !== 400 && reply.status !== 429) {
    out.settle(indices, whole);
    return [];
  }
  const named = namedEvents(reply, indices.length);
  if (named === undefined) {
    // A request-level problem (bad API key, bad JSON, a 429 naming nobody): it concerns every event alike.
    if (whole.kind === 'retry') whole.retryAfterMs ??= THROTTLE_PAUSE_MS;
    out.settle(indices, whole);
    return [];
  }
  out.record(reply.exchange, true);
  const pause = reply.retryAfterMs ?? THROTTLE_PAUSE_MS;
  const rest: number[] = [];
  indices.forEach((index, position) => {
    const invalid = named.invalid.get(position);
    if (invalid !== undefined) out.fail([index], true, `${WHAT} answered ${reply.status}: ${invalid}`);
    else if (named.throttled.has(position)) out.fail([index], false, `${WHAT} answered ${reply.status}: user or device throttled (Retry-After ${pause} ms)`, pause);
    else rest.push(index);
  });
  return rest;
}

interface Named {
  /** Position in the request → why it can never be accepted. */
  invalid: Map<number, string>;
  throttled: Set<number>;
}

/**
 * The events a 400 or 429 body names, by position in the request. Undefined when it names none, or when the request
 * itself is at fault (missing_field: a request-level field such as api_key), as resending the rest cannot help then.
 */
function namedEvents(reply: HttpReply, size: number): Named | undefined {
  let body: unknown;
  try {
    body = JSON.parse(reply.body);
  } catch {
    return undefined;
  }
  if (!isObject(body) || body.missing_field !== undefined) return undefined;
  const error = typeof body.error === 'string' ? body.error : 'rejected';
  const invalid = new Map<number, string>();
  const note = (position: number, why: string): void => {
    invalid.set(position, invalid.has(position) ? `${invalid.get(position)}; ${why}` : `${error}: ${why}`);
  };
  for (const [key, label] of [['events_with_invalid_fields', 'invalid'], ['events_with_missing_fields', 'missing']] as const) {
    const fields = body[key];
    if (!isObject(fields)) continue;
    for (const [field, positions] of Object.entries(fields)) for (const p of positionsIn(positions, size)) note(p, `${label} field ${field}`);
  }
  for (const p of positionsIn(body.silenced_events, size)) note(p, 'device silenced by Amplitude');
  const throttled = new Set(positionsIn(body.throttled_events, size).filter((p) => !invalid.has(p)));
  if (invalid.size === 0 && throttled.size === 0) return undefined;
  // A 429 that throttles every event is just a 429: the whole request waits.
  if (reply.status === 429 && invalid.size === 0 && throttled.size === size) return undefined;
  return { invalid, throttled };
}

function positionsIn(value: unknown, size: number): number[] {
  if (!Array.isArray(value)) return [];
  return value.filter((p): p is number => Number.isInteger(p) && (p as number) >= 0 && (p as number) < size);
}
