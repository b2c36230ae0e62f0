// What a function emits, and the port it goes out through. Each call gets a messageId derived from the function,
// the cause and the call's position, so when the cause is delivered again (at least once) the same calls carry the
// same ids and the log stores them once. Each call also names its cause in context.sluice.
import { createHash } from 'node:crypto';
import type { EventType, JsonObject } from '../../core/event.js';

/** One Segment call a function made through ctx.track/identify/page/screen/group/alias. */
export interface EmittedCall {
  type: EventType;
  /** The message as the function passed it (JSON-copied at the call), plus what finalizeCalls adds. */
  message: JsonObject;
}

/** The stored event that caused the calls. */
export interface EmitCause {
  /** Sluice source name of the cause: emitted calls should be appended under it. */
  source: string;
  messageId: string;
  /** Name of the function that emitted the calls. */
  function: string;
}

/**
 * The port emitted calls leave by. The app implements it: validate and normalize each call as the tracking API does,
 * then append them all to the log, resolving once they are durable. Reject with a SluiceError that is not retryable
 * (invalid_field, missing_field…) when a call is invalid: the cause then goes to the dead letters at once; any other
 * rejection is a failed attempt, retried.
 */
export type Emit = (calls: readonly EmittedCall[], cause: EmitCause) => Promise<void>;

/** What a function's emitted calls say about their cause, under context.sluice. */
export interface Causation {
  causation_id: string;
  function: string;
}

/** A UUID-shaped id (version nibble 8: custom) from a SHA-256 of the function, the cause and the call's index. */
export function emittedMessageId(cause: EmitCause, index: number): string {
  const h = createHash('sha256').update(`${cause.function}\u0000${cause.source}\u0000${cause.messageId}\u0000${index}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Completes the calls of one invocation: a deterministic messageId unless the function set one, context.sluice
 * naming the cause, and the cause's time as timestamp unless the function set one (the tracking call happened when
 * the domain event did, not when the function ran).
 */
export function finalizeCalls(calls: readonly EmittedCall[], cause: EmitCause, causeTime: string | undefined): EmittedCall[] {
  return calls.map((call, i) => {
    const message: JsonObject = { ...call.message };
    if (typeof message.messageId !== 'string' || message.messageId === '') message.messageId = emittedMessageId(cause, i);
    const context: JsonObject = isObject(message.context) ? { ...message.context } : {};
    const sluice: Causation = { causation_id: cause.messageId, function: cause.function };
    context.sluice = sluice;
    message.context = context;
    if (message.timestamp === undefined && causeTime !== undefined) message.timestamp = causeTime;
    return { type: call.type, message };
  });
}
