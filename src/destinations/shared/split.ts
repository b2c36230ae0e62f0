// 413 Payload Too Large names the request, not an event. Halving the request and sending both halves finds every
// part that fits in a few rounds; a single event that is still too large is bad data and fails for good.
import type { SendResult } from '../../core/destination.js';
import { type HttpReply, isReply } from './http.js';
import type { Outcomes } from './outcomes.js';

/** Halvings allowed per request: at most 2^8 = 256 pieces, so a broken API cannot make one send() loop for long. */
export const MAX_SPLIT_DEPTH = 8;

export interface SplitTarget {
  /** Human name of the API for reasons ("Amplitude"). */
  what: string;
  /** Sends the events at these batch indices as one request; `body` when it is already serialized. */
  post(indices: readonly number[], body?: string): Promise<HttpReply | SendResult>;
  /** Handles any reply but 413 (and network errors, which settle as retries). */
  onReply(indices: readonly number[], reply: HttpReply, depth: number): Promise<void> | void;
}

/** `body`, when given, is the serialized request for `indices` (planRequests made it); halves are serialized anew. */
export async function postSplitting(target: SplitTarget, indices: readonly number[], out: Outcomes, depth = 0, body?: string): Promise<void> {
  if (indices.length === 0) return;
  const reply = await target.post(indices, body);
  if (!isReply(reply)) {
    out.settle(indices, reply);
    return;
  }
  if (reply.status !== 413) {
    await target.onReply(indices, reply, depth);
    return;
  }
  out.record(reply.exchange, true);
  if (indices.length === 1) {
    out.fail(indices, true, `${target.what} answered 413 Payload Too Large for this event alone`);
    return;
  }
  if (depth >= MAX_SPLIT_DEPTH) {
    out.fail(indices, false, `${target.what} still answered 413 after the request was split ${depth} times`);
    return;
  }
  const middle = Math.ceil(indices.length / 2);
  // In order, one half after the other: the APIs keep per-user event order by arrival.
  await postSplitting(target, indices.slice(0, middle), out, depth + 1);
  await postSplitting(target, indices.slice(middle), out, depth + 1);
}
