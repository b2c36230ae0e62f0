// Where a NATS log keeps things: one stream for the events, one for dead letters, one for retry state, all named
// after the configured stream so that several Sluice deployments (or test runs) share a NATS server without meeting.

export interface NatsNames {
  /** The events, in log order: stream sequence = log position. */
  events: string;
  eventsSubject: string;
  /** Dead letters, one subject per consumer: stream sequence = dead letter id. */
  dead: string;
  /** Retry bookkeeping (attempt, first retry time), one subject per (consumer, event), last value kept. */
  retries: string;
}

export function natsNames(stream: string): NatsNames {
  return { events: stream, eventsSubject: `${stream}.events`, dead: `${stream}_DEAD`, retries: `${stream}_RETRIES` };
}

/**
 * A Log consumer name as a JetStream durable name and subject token. Durable names may not contain `.`, `*`, `>` or
 * whitespace, and our names do (`destination:webhook`): anything outside [A-Za-z0-9_-] becomes `=XX` (hex), which
 * keeps the common case readable in `nats consumer ls` and is reversible.
 */
export function durableName(consumer: string): string {
  return consumer.replace(/[^A-Za-z0-9_-]/g, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => `=${b.toString(16).padStart(2, '0')}`).join(''));
}

export const deadSubject = (stream: string, durable: string): string => `${stream}.dead.${durable}`;
export const retrySubject = (stream: string, durable: string, seq: number): string => `${stream}.retry.${durable}.${seq}`;
export const retryFilter = (stream: string, durable: string): string => `${stream}.retry.${durable}.*`;
