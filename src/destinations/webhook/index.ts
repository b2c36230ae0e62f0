// The webhook destination: events to any HTTP endpoint, one request per event or one per batch (JSON array or
// NDJSON). Status classification is the shared one (2xx ok; 408, 429, 5xx and network errors retry; other fail).
import type { Destination, DestinationContext, OutgoingEvent, SendResult } from '../../core/destination.js';
import { mapWithLimit } from '../shared/concurrency.js';
import { httpCall, isReply, resultForStatus } from '../shared/http.js';
import { batchBody, eventBody, type Body } from './body.js';
import { type Config, resolveTarget } from './options.js';
import { foldOutcomes, outcomeOf } from './per-event.js';

export { schema, type Config } from './options.js';

export const type = 'http';
/** Other names the runner accepts for this type (the seed connector called it http-sink). */
export const aliases = ['webhook', 'http-sink'] as const;

const WHAT = 'webhook';

export function create(config: Config, ctx: DestinationContext): Destination {
  const target = resolveTarget(config);

  async function post(body: Body, signal: AbortSignal): Promise<SendResult> {
    const reply = await httpCall(
      ctx,
      { method: target.method, url: target.url, headers: { 'content-type': body.contentType, ...target.headers }, body: body.body, timeoutMs: config.timeout_ms },
      signal,
    );
    return isReply(reply) ? resultForStatus(reply, WHAT) : reply;
  }

  return {
    maxBatchEvents: config.max_batch_events,
    maxBatchBytes: config.max_batch_bytes,

    async send(batch: readonly OutgoingEvent[], signal: AbortSignal): Promise<SendResult> {
      if (batch.length === 0) return { kind: 'ok' };
      const format = config.batch_format;
      if (format !== 'none') return post(batchBody(format, batch.map((e) => e.doc)), signal);
      const outcomes = await mapWithLimit(batch, config.max_parallel_requests, async (e) => outcomeOf(await post(eventBody(e.doc), signal)));
      return foldOutcomes(outcomes);
    },
  };
}
