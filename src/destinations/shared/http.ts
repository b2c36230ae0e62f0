// One HTTP exchange with a destination's API, classified the way every destination needs: accepted, retry later
// (network error, timeout, 408, 429, 5xx; honouring Retry-After), or failed for good (other 4xx).
import type { DestinationContext, Exchange, SendResult } from '../../core/destination.js';
import { request as send, RequestTimeout } from './http-request.js';

const BODY_SAMPLE_CHARS = 2048;

export interface HttpCall {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface HttpReply {
  status: number;
  body: string;
  retryAfterMs: number | undefined;
  exchange: Exchange;
}

/** Retry-After is either seconds or an HTTP date. Unparseable or negative values are ignored. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Sends one request. Resolves with the reply for any HTTP status; a network error or timeout resolves as a retry
 * result instead (the caller cannot do anything else with it). Sent with node:http (see http-request.ts), not
 * fetch: the CPU per request is a fifth.
 */
export async function httpCall(ctx: DestinationContext, call: HttpCall, signal: AbortSignal): Promise<HttpReply | SendResult> {
  const method = call.method ?? 'POST';
  const request = { method, url: call.url, body: call.body.slice(0, BODY_SAMPLE_CHARS) };
  try {
    const res = await send(
      { method, url: call.url, headers: { 'content-type': 'application/json', ...call.headers }, body: method === 'GET' || method === 'HEAD' ? undefined : call.body, timeoutMs: call.timeoutMs },
      signal,
    );
    return {
      status: res.status,
      body: res.body,
      retryAfterMs: parseRetryAfter(res.retryAfter, ctx.now()),
      exchange: { request, response: { status: res.status, body: res.body.slice(0, BODY_SAMPLE_CHARS) } },
    };
  } catch (err) {
    const reason = err instanceof RequestTimeout ? err.message : `network error: ${(err as Error).message}`;
    return { kind: 'retry', reason, exchange: { request } };
  }
}

/** The result for a whole-request status: 2xx ok, retryable statuses retry, other statuses fail. */
export function resultForStatus(reply: HttpReply, what: string): SendResult {
  if (reply.status >= 200 && reply.status < 300) return { kind: 'ok', exchange: reply.exchange };
  const reason = `${what} answered ${reply.status}: ${reply.body.slice(0, 300)}`;
  if (isRetryableStatus(reply.status)) {
    const out: SendResult = { kind: 'retry', reason, exchange: reply.exchange };
    if (reply.retryAfterMs !== undefined) out.retryAfterMs = reply.retryAfterMs;
    return out;
  }
  return { kind: 'fail', reason, exchange: reply.exchange };
}

export function isReply(r: HttpReply | SendResult): r is HttpReply {
  return 'status' in r;
}
