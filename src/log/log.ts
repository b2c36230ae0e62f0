// The Log: the durable, ordered, retained record of every accepted event, read by named consumers at their own pace.
// Every backend (SQLite embedded, NATS JetStream at scale, memory for tests) implements this and passes
// test/conformance/log.contract.ts.
import type { PersonIds } from '../core/names-person.js';
import type { LogRecord, LoggedEvent } from '../core/event.js';

export interface AppendResult {
  /** One entry per appended record, in order: its position, or null when it was a duplicate within the window. */
  seqs: (number | null)[];
  stored: number;
  duplicates: number;
}

export interface Delivery {
  event: LoggedEvent;
  /** 1 on first delivery, then 2, 3… each time the consumer asked to retry it. */
  attempt: number;
  /** When the first retry of this event was scheduled (ms); absent on a first delivery. Bounds total retry time. */
  firstRetryAt?: number;
}

export interface DeadLetter {
  /** Identifies the dead letter for removal after a successful replay. */
  id: number;
  consumer: string;
  event: LoggedEvent;
  reason: string;
  attempt: number;
  /** Milliseconds since the epoch. */
  at: number;
  /** What the consumer wants kept with it: for a destination, the request and the response. */
  detail: Record<string, unknown> | null;
}

export interface ReadOptions {
  /** Wait up to this long for something to read when nothing is ready now. 0 (default) returns at once. */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface ConsumerOptions {
  /** Where a consumer seen for the first time begins: the oldest retained event (default) or the next one appended. */
  startAt?: 'earliest' | 'now';
}

/**
 * A named reader with a durable cursor. Every delivery must end in exactly one of ack, retry or deadLetter; a
 * delivery that never does (the process died) is delivered again when the consumer is next opened: at least once.
 */
export interface Consumer {
  readonly name: string;
  /** Up to `max` deliveries: retries that are due first, then new events in log order. */
  read(max: number, opts?: ReadOptions): Promise<Delivery[]>;
  ack(deliveries: readonly Delivery[]): Promise<void>;
  /** Deliver this event again to this consumer, no sooner than `delayMs` from now. */
  retry(delivery: Delivery, delayMs: number): Promise<void>;
  /** Give up on this event for this consumer; it is kept, with the reason, for listing and replay. */
  deadLetter(delivery: Delivery, reason: string, detail?: Record<string, unknown>): Promise<void>;
  /** Newest first; `beforeId` pages further back. */
  deadLetters(limit?: number, beforeId?: number): Promise<DeadLetter[]>;
  /** Removes dead letters (after a successful replay). Returns how many were removed. */
  removeDeadLetters(ids: readonly number[]): Promise<number>;
  deadLetterCount(): Promise<number>;
  /** Events scheduled for a retry and not yet settled. */
  retrying(): Promise<number>;
  /**
   * Moves the cursor so that the next new event read is the first after `afterSeq` (backwards to replay history,
   * forwards to skip). Deliveries out at the time are forgotten: settling them afterwards has no effect.
   */
  seek(afterSeq: number): Promise<void>;
  /** The cursor: every event at or below it is settled. */
  position(): number;
  /** Events appended that this consumer has not yet read past. */
  lag(): Promise<number>;
}

export interface LogStats {
  /** Position of the newest event appended, 0 before the first; it does not go back when prune drops events. */
  headSeq: number;
  events: number;
}

export interface Log {
  /** Resolves once the records are durable. Rejects with SluiceError 'overloaded' or 'storage_unavailable'. */
  append(records: readonly LogRecord[]): Promise<AppendResult>;
  consumer(name: string, opts?: ConsumerOptions): Promise<Consumer>;
  /** The position just before the first event received at or after `time` (ms); the head when there is none. */
  positionAt(time: number): Promise<number>;
  /** Reads events by position, for tools and tests; consumers use consumer(). */
  scan(afterSeq: number, limit: number): Promise<LoggedEvent[]>;
  /** The events at these positions, in the order asked; positions the log no longer holds are left out. */
  eventsAt(seqs: readonly number[]): Promise<LoggedEvent[]>;
  /** Deletes the events at these positions (deleting a person, docs/privacy.md); returns how many it held. */
  deleteEvents(seqs: readonly number[]): Promise<number>;
  /**
   * Erases the dead letters, of every consumer, whose event names one of these ids (deleting a person: a dead letter
   * keeps the whole event, and may outlive the event's retention); returns how many it erased.
   */
  deleteDeadLettersNaming(ids: PersonIds): Promise<number>;
  /** Drops events older than the retention that every consumer has read past. Returns how many it dropped. */
  prune(now?: number): Promise<number>;
  stats(): Promise<LogStats>;
  /** False while the backend cannot accept appends. */
  ready(): boolean;
  /** Flushes what was accepted, then releases resources. */
  close(): Promise<void>;
}

export interface LogSettings {
  /**
   * How long a (source, messageId) pair is remembered for deduplication: at least this, and not many times longer.
   * Measured from arrival: a backend may take the record's receivedAt (which sources set on arrival) as that time.
   */
  dedupe_window_ms: number;
  /** Events older than this are dropped once every consumer has read past them. */
  retention_ms: number;
}
