// The event model: Segment's spec, as Sluice stores it after validation and normalization.

export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type JsonObject = { [key: string]: unknown };

/** A validated, normalized Segment message: what the log keeps and every consumer reads. */
export interface TrackingEvent extends JsonObject {
  type: EventType;
  messageId: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  groupId?: string;
  previousId?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  context: JsonObject;
  integrations?: JsonObject;
  /** Skew-corrected time the event happened (ISO 8601). */
  timestamp: string;
  /** The client's own timestamp, as it sent it, when it sent one. */
  originalTimestamp?: string;
  /** The client's clock when it sent the request, as it sent it. */
  sentAt?: string;
  /** Our clock when the request arrived (ISO 8601). */
  receivedAt: string;
}

/** One event on its way into the log. `body` is the serialized TrackingEvent. */
export interface LogRecord {
  source: string;
  messageId: string;
  type: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  body: string;
}

/** One event as a consumer reads it back. */
export interface LoggedEvent extends LogRecord {
  /** Position in the log: strictly increasing in append order. */
  seq: number;
}

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}
