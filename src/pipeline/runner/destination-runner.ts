// Runs one destination: reads its consumer, filters and transforms, batches by count, bytes and time, sends with at
// most max_in_flight requests out, and settles every event: ack when accepted, retry with backoff when the failure
// may pass, dead letter when it cannot. One runner per destination, so a slow destination holds up no other.
import type { Destination, OutgoingEvent, SendResult } from '../../core/destination.js';
import type { JsonObject, LoggedEvent } from '../../core/event.js';
import type { DeliveryTelemetry } from '../../core/telemetry.js';
import { type Transform, TransformError } from '../../core/transform.js';
import type { Consumer, DeadLetter, Delivery } from '../../log/log.js';
import { decideRetry, type RetryPolicy } from './backoff.js';
import type { EventFilter } from './filter.js';
import { Slots } from './slots.js';

export interface BatchPolicy {
  max_events: number;
  max_bytes: number;
  max_wait_ms: number;
}

export interface RunnerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RunnerOptions {
  name: string;
  type: string;
  consumer: Consumer;
  destination: Destination;
  filter: EventFilter;
  transform: Transform | null;
  /** What the transforms and the destination see: the stored event, or a CloudEvent's `data`. */
  payload: 'event' | 'data';
  batch: BatchPolicy;
  maxInFlight: number;
  retry: RetryPolicy;
  telemetry: DeliveryTelemetry;
  logger: RunnerLogger;
  paused: boolean;
  /** Persists the paused flag so it survives restarts. */
  onPausedChange: (paused: boolean) => Promise<void>;
}

/** A delivery that can never be sent as it is (not JSON, or a transform threw), with why. */
interface Poisoned {
  delivery: Delivery;
  reason: string;
}

interface Item {
  delivery: Delivery;
  out: OutgoingEvent;
  bytes: number;
}

export interface RunnerStatus {
  name: string;
  type: string;
  paused: boolean;
  position: number;
  lag: number;
  inFlight: number;
  retrying: number;
  deadLetters: number;
  delivered: number;
  lastError: { at: number; reason: string } | null;
}

export interface ReplayResult {
  replayed: number;
  failed: number;
  remaining: number;
}

const IDLE_WAIT_MS = 1000;

export class DestinationRunner {
  /** Stops reading. Sends in flight are not aborted: their own timeouts bound them, and aborting would waste an attempt. */
  private readonly abort = new AbortController();
  private readonly sendSignal = new AbortController().signal;
  private readonly slots: Slots;
  private loopDone: Promise<void> | null = null;
  private paused: boolean;
  private resume: (() => void) | null = null;
  /** Aborted by pause(), so a read waiting for events returns at once. */
  private readAbort = new AbortController();
  private delivered = 0;
  private lastError: RunnerStatus['lastError'] = null;
  private readonly maxEvents: number;
  private readonly maxBytes: number;

  constructor(private readonly o: RunnerOptions) {
    this.paused = o.paused;
    this.slots = new Slots(o.maxInFlight);
    this.maxEvents = Math.max(1, Math.min(o.batch.max_events, o.destination.maxBatchEvents));
    this.maxBytes = Math.max(1, Math.min(o.batch.max_bytes, o.destination.maxBatchBytes));
  }

  get name(): string {
    return this.o.name;
  }

  start(): void {
    this.loopDone ??= this.loop().catch((err: unknown) => {
      this.o.logger.error({ err, destination: this.o.name }, 'destination runner stopped on an unexpected error');
    });
  }

  async pause(): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    this.readAbort.abort();
    await this.o.onPausedChange(true);
  }

  async resumeDelivery(): Promise<void> {
    if (!this.paused) return;
    this.paused = false;
    await this.o.onPausedChange(false);
    this.resume?.();
  }

  /** Stops reading, lets sends in flight finish and settle. Events not yet sent are delivered after a restart. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.resume?.();
    await this.loopDone;
    await this.slots.drain();
    await this.o.destination.close?.();
  }

  async status(): Promise<RunnerStatus> {
    const c = this.o.consumer;
    return {
      name: this.o.name,
      type: this.o.type,
      paused: this.paused,
      position: c.position(),
      lag: await c.lag(),
      inFlight: this.slots.busy,
      retrying: await c.retrying(),
      deadLetters: await c.deadLetterCount(),
      delivered: this.delivered,
      lastError: this.lastError,
    };
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let pending: Item[] = [];
    let pendingBytes = 0;
    let deadline = 0;
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      await this.slots.free();
      // The documents are handed to the destination and not kept here: once it has serialized them they are
      // garbage, instead of living (and being promoted to V8's old generation) until the request is answered.
      const deliveries = batch.map((i) => i.delivery);
      const sending = this.send(batch.map((i) => i.out));
      this.slots.run(() => this.settleSend(deliveries, sending));
    };

    while (!signal.aborted) {
      if (this.paused) {
        // What was read stays pending (out, unsettled) until resume; nothing is sent meanwhile.
        await new Promise<void>((r) => (this.resume = r));
        this.resume = null;
        this.readAbort = new AbortController();
        if (pending.length > 0) deadline = Date.now() + this.o.batch.max_wait_ms;
        continue;
      }
      // Backpressure: read no more than can be sent.
      await this.slots.free(signal);
      if (signal.aborted) break;
      const waitMs = pending.length > 0 ? Math.max(0, deadline - Date.now()) : IDLE_WAIT_MS;
      const deliveries = await this.o.consumer.read(this.maxEvents - pending.length, { waitMs, signal: AbortSignal.any([signal, this.readAbort.signal]) });
      const skipped: Delivery[] = [];
      const poisoned: Poisoned[] = [];
      for (const d of deliveries) {
        const item = this.prepare(d, skipped, poisoned);
        if (item === null) continue;
        if (!this.paused && pending.length > 0 && (pendingBytes + item.bytes > this.maxBytes || pending.length >= this.maxEvents)) await flush();
        if (pending.length === 0) deadline = Date.now() + this.o.batch.max_wait_ms;
        pending.push(item);
        pendingBytes += item.bytes;
      }
      if (skipped.length > 0) {
        this.o.telemetry.filtered(this.o.name, skipped.length);
        this.settle(this.o.consumer.ack(skipped));
      }
      for (const p of poisoned) await this.deadLetter([p.delivery], p.reason);
      if (this.paused) continue;
      if (pending.length >= this.maxEvents || pendingBytes >= this.maxBytes || (pending.length > 0 && Date.now() >= deadline)) await flush();
    }
    // Stopping: what was read but not sent stays unsettled and is delivered again after a restart.
  }

  /**
   * Filters and transforms one delivery. Null when it was settled here: filtered or dropped (into `skipped`), or a
   * transform threw (into `poisoned`, dead-lettered by the caller). Synchronous, as it runs for every event read.
   */
  private prepare(d: Delivery, skipped: Delivery[], poisoned: Poisoned[]): Item | null {
    let doc: JsonObject;
    try {
      doc = payloadOf(d.event, this.o.payload);
    } catch (err) {
      poisoned.push({ delivery: d, reason: `the stored event is not JSON: ${(err as Error).message}` });
      return null;
    }
    if (!this.o.filter(d.event.source, d.event.type, doc)) {
      skipped.push(d);
      return null;
    }
    if (this.o.transform !== null) {
      try {
        const out = this.o.transform(doc);
        if (out === null) {
          skipped.push(d);
          return null;
        }
        doc = out;
      } catch (err) {
        const reason = err instanceof TransformError ? `transform failed: ${err.message}` : `transform threw: ${(err as Error).message}`;
        poisoned.push({ delivery: d, reason });
        return null;
      }
    }
    return { delivery: d, out: { seq: d.event.seq, messageId: d.event.messageId, source: d.event.source, doc }, bytes: d.event.body.length };
  }

  /** Starts a send; not async, so no suspended frame keeps `events` alive while the request is out. */
  private send(events: readonly OutgoingEvent[]): Promise<SendResult> {
    const started = performance.now();
    let sending: Promise<SendResult>;
    try {
      sending = this.o.destination.send(events, this.sendSignal);
    } catch (err) {
      sending = Promise.reject(err as Error);
    }
    return sending.then(
      (result) => this.timed(result, started),
      // A destination that throws is a bug or an unexpected failure: retry, it may pass; attempts are bounded.
      (err: unknown) => this.timed({ kind: 'retry', reason: `destination threw: ${(err as Error).message}` }, started),
    );
  }

  private timed(result: SendResult, started: number): SendResult {
    this.o.telemetry.sendSeconds(this.o.name, result.kind, (performance.now() - started) / 1000);
    return result;
  }

  private async settleSend(deliveries: Delivery[], sending: Promise<SendResult>): Promise<void> {
    const result = await sending;
    const now = Date.now();
    switch (result.kind) {
      case 'ok':
        this.acked(deliveries);
        return;
      case 'fail':
        this.noteError(result.reason);
        await this.deadLetter(deliveries, result.reason, result.exchange);
        return;
      case 'retry':
        this.noteError(result.reason);
        await this.retryOrGiveUp(deliveries, result.reason, result.retryAfterMs, now, result.exchange);
        return;
      case 'partial': {
        const failed = new Map(result.failures.map((f) => [f.index, f]));
        const ok: Delivery[] = [];
        for (let i = 0; i < deliveries.length; i++) {
          const f = failed.get(i);
          const d = deliveries[i]!;
          if (f === undefined) ok.push(d);
          else if (f.permanent) await this.deadLetter([d], f.reason, result.exchange);
          else await this.retryOrGiveUp([d], f.reason, f.retryAfterMs, now, result.exchange);
        }
        if (result.failures.length > 0) this.noteError(result.failures[0]!.reason);
        this.acked(ok);
      }
    }
  }

  private acked(ds: Delivery[]): void {
    if (ds.length === 0) return;
    this.delivered += ds.length;
    this.o.telemetry.delivered(this.o.name, ds.length);
    this.settle(this.o.consumer.ack(ds));
  }

  private async retryOrGiveUp(ds: Delivery[], reason: string, retryAfterMs: number | undefined, now: number, exchange?: object): Promise<void> {
    for (const d of ds) {
      const decision = decideRetry(d.attempt, d.firstRetryAt, retryAfterMs, this.o.retry, now);
      if (decision.retry) {
        this.o.telemetry.retried(this.o.name, 1);
        await this.settleNow(this.o.consumer.retry(d, decision.delayMs));
      } else {
        await this.deadLetter([d], `${reason} (${decision.why})`, exchange);
      }
    }
  }

  private async deadLetter(ds: Delivery[], reason: string, exchange?: object): Promise<void> {
    this.o.telemetry.deadLettered(this.o.name, ds.length);
    this.o.logger.warn({ destination: this.o.name, events: ds.length, reason }, 'events dead-lettered');
    const detail = exchange === undefined ? undefined : { ...exchange };
    await Promise.all(ds.map((d) => this.settleNow(this.o.consumer.deadLetter(d, reason, detail))));
  }

  /** Settlement writes fail only when the log cannot write; the event is then delivered again after a restart. */
  private settle(p: Promise<void>): void {
    p.catch((err: unknown) => this.o.logger.error({ err, destination: this.o.name }, 'could not record a delivery outcome'));
  }

  private async settleNow(p: Promise<void>): Promise<void> {
    try {
      await p;
    } catch (err) {
      this.o.logger.error({ err, destination: this.o.name }, 'could not record a delivery outcome');
    }
  }

  private noteError(reason: string): void {
    this.lastError = { at: Date.now(), reason };
  }

  /**
   * Sends dead letters again through the current filter, transforms and destination (after a fix). Those accepted
   * are removed; the others stay, with their original reason. `ids` limits the replay; by default all are replayed.
   */
  async replayDeadLetters(ids?: readonly number[]): Promise<ReplayResult> {
    const c = this.o.consumer;
    const wanted = ids === undefined ? null : new Set(ids);
    let replayed = 0;
    let failed = 0;
    let before: number | undefined;
    for (;;) {
      const page: DeadLetter[] = await c.deadLetters(this.maxEvents, before);
      if (page.length === 0) break;
      before = page[page.length - 1]!.id;
      const chosen = wanted === null ? page : page.filter((dl) => wanted.has(dl.id));
      const items: { dl: DeadLetter; item: Item }[] = [];
      for (const dl of chosen) {
        try {
          let doc: JsonObject | null = payloadOf(dl.event, this.o.payload);
          if (this.o.transform !== null) doc = this.o.transform(doc);
          if (doc === null) {
            failed++;
            continue;
          }
          items.push({ dl, item: { delivery: { event: dl.event, attempt: dl.attempt }, out: { seq: dl.event.seq, messageId: dl.event.messageId, source: dl.event.source, doc }, bytes: dl.event.body.length } });
        } catch {
          failed++;
        }
      }
      if (items.length === 0) continue;
      const result = await this.send(items.map((x) => x.item.out));
      const accepted: number[] = [];
      if (result.kind === 'ok') accepted.push(...items.map((x) => x.dl.id));
      else if (result.kind === 'partial') {
        const bad = new Set(result.failures.map((f) => f.index));
        items.forEach((x, i) => bad.has(i) || accepted.push(x.dl.id));
      }
      await c.removeDeadLetters(accepted);
      this.delivered += accepted.length;
      this.o.telemetry.delivered(this.o.name, accepted.length);
      replayed += accepted.length;
      failed += items.length - accepted.length;
    }
    return { replayed, failed, remaining: await c.deadLetterCount() };
  }
}

/** The document a destination works on. For `data`, a CloudEvent's data (an object, or wrapped as {data}). */
export function payloadOf(event: LoggedEvent, payload: 'event' | 'data'): JsonObject {
  const doc = JSON.parse(event.body) as JsonObject;
  if (payload === 'event' || event.type !== 'cloudevent') return doc;
  const data = doc.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as JsonObject) : { data };
}
