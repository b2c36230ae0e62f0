// Requests to a Segment-compatible batch endpoint and what their answers mean for each event.
// https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/ (batch, limits, errors).
import type { DestinationContext, OutgoingEvent, SendResult } from '../../core/destination.js';
import { chunkBySize, utf8Bytes } from '../shared/chunk.js';
import { type HttpReply, httpCall, resultForStatus } from '../shared/http.js';
import { Outcomes } from '../shared/outcomes.js';
import { isObject } from '../shared/read.js';
import { postSplitting, type SplitTarget } from '../shared/split.js';
import type { Config } from './config.js';
import { refusal } from './map.js';

/** Segment: "a maximum of 500KB per batch request and 32KB per event"; our own source accepts 2,500 items. */
export const MAX_REQUEST_BYTES = 500 * 1024;
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_REQUEST_EVENTS = 2500;
const WHAT = 'Segment API';

export async function sendBatch(config: Config, ctx: DestinationContext, batch: readonly OutgoingEvent[], signal: AbortSignal): Promise<SendResult> {
  const out = new Outcomes(batch.length);
  const items: string[] = [];
  const ready: number[] = [];
  batch.forEach((e, i) => {
    const refused = refusal(e.doc);
    const item = refused === undefined ? JSON.stringify(e.doc) : '';
    const bytes = utf8Bytes(item);
    if (refused !== undefined) out.fail([i], true, refused);
    else if (bytes > MAX_EVENT_BYTES) out.fail([i], true, `the event is ${bytes} bytes; Segment accepts at most ${MAX_EVENT_BYTES} bytes per event`);
    else {
      items[i] = item;
      ready.push(i);
    }
  });

  const envelope = utf8Bytes(requestBody([], new Date(0).toISOString()));
  const { chunks } = chunkBySize(ready, (i) => utf8Bytes(items[i] as string), { maxItems: MAX_REQUEST_EVENTS, maxBytes: MAX_REQUEST_BYTES - envelope });
  const authorization = `Basic ${Buffer.from(`${config.write_key}:`).toString('base64')}`;
  const target: SplitTarget = {
    what: WHAT,
    post: (indices) =>
      httpCall(
        ctx,
        {
          url: config.endpoint,
          headers: { authorization },
          body: requestBody(indices.map((i) => items[i] as string), new Date(ctx.now()).toISOString()),
          timeoutMs: config.timeout_ms,
        },
        signal,
      ),
    onReply: (indices, reply) => settleReply(indices, reply, out),
  };
  for (const chunk of chunks) await postSplitting(target, chunk, out);
  return out.result();
}

/** sentAt is when this request leaves; each message keeps its own timestamp, so no clock correction moves it. */
function requestBody(events: readonly string[], sentAt: string): string {
  return `{"batch":[${events.join(',')}],"sentAt":${JSON.stringify(sentAt)}}`;
}

function settleReply(indices: readonly number[], reply: HttpReply, out: Outcomes): void {
  const whole = resultForStatus(reply, WHAT);
  const rejected = whole.kind === 'retry' ? undefined : rejectedItems(reply.body, indices.length);
  if (rejected === undefined) {
    out.settle(indices, whole);
    return;
  }
  // A compatible API that names the items it refused (Sluice does, in a 200 or a 400): a partial result.
  out.record(reply.exchange, true);
  indices.forEach((index, position) => {
    const why = rejected.get(position);
    if (why !== undefined) out.fail([index], true, `${WHAT} refused the event: ${why}`);
    else if (whole.kind === 'ok') out.accept([index]);
    else out.fail([index], true, whole.kind === 'fail' ? whole.reason : `${WHAT} answered ${reply.status}`);
  });
}

/** `rejected: [{index, code, message}]` in the reply body, by position in the request. */
function rejectedItems(body: string, size: number): Map<number, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || !Array.isArray(parsed.rejected)) return undefined;
  const out = new Map<number, string>();
  for (const r of parsed.rejected) {
    if (!isObject(r) || !Number.isInteger(r.index) || (r.index as number) < 0 || (r.index as number) >= size) continue;
    const code = typeof r.code === 'string' ? `${r.code}: ` : '';
    out.set(r.index as number, `${code}${typeof r.message === 'string' ? r.message : 'rejected'}`);
  }
  return out.size === 0 ? undefined : out;
}
