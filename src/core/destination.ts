// What a destination is: a pure mapping from events to requests, and a send that reports, per event, whether it was
// delivered, should be retried, or failed for good. Destinations see only core/; the runner (pipeline/) owns the
// consumer, batching, concurrency, retries and dead letters.
import type { JsonObject } from './event.js';

/** One event handed to a destination: the stored event after the destination's transforms ran. */
export interface OutgoingEvent {
  /** Position in the log; stable across retries. */
  seq: number;
  messageId: string;
  source: string;
  /** The document to send: the TrackingEvent, or what the transforms made of it. */
  doc: JsonObject;
}

/** What happened to the request, for dead letters and logs. Bodies are truncated. */
export interface Exchange {
  request?: { method: string; url: string; body?: string };
  response?: { status: number; body?: string };
}

export type EventFailure = {
  /** Index into the batch passed to send(). */
  index: number;
  /** True when resending cannot succeed (bad data): dead-letter it. False: retry it later. */
  permanent: boolean;
  reason: string;
  /** The server's Retry-After for this event, when it gave one. */
  retryAfterMs?: number;
};

export type SendResult =
  /** Every event was accepted. */
  | { kind: 'ok'; exchange?: Exchange }
  /** Nothing was accepted, and trying again may work (network error, timeout, 408, 429, 5xx). */
  | { kind: 'retry'; reason: string; retryAfterMs?: number; exchange?: Exchange }
  /** Nothing was accepted, and trying again cannot work (other 4xx). */
  | { kind: 'fail'; reason: string; exchange?: Exchange }
  /** Some events were refused (a 400 naming them): these failed, the others were accepted. */
  | { kind: 'partial'; failures: EventFailure[]; exchange?: Exchange };

export interface DestinationContext {
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  now(): number;
}

export interface Destination {
  /** Upper bounds on one send(): the runner cuts batches to fit. */
  readonly maxBatchEvents: number;
  readonly maxBatchBytes: number;
  send(batch: readonly OutgoingEvent[], signal: AbortSignal): Promise<SendResult>;
  close?(): Promise<void>;
}
