// A Log consumer on a durable JetStream pull consumer of the same name. Several processes that open the same name
// share its work: the server hands each pulled event to one of them and redelivers it to another only when the one
// holding it stops confirming it within AckWait (it died). The Log's own bookkeeping lives beside it in JetStream:
// retries (attempt, first retry time) in the retries stream, dead letters in the dead-letter stream.
import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerConfig, type ConsumerInfo, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { LoggedEvent } from '../../core/event.js';
import type { Consumer, ConsumerOptions, DeadLetter, Delivery, ReadOptions } from '../../log/log.js';
import { BatchRequests, statusOf } from './batch-requests.js';
import { ackFloor, lagOf } from './consumer-state.js';
import { decodeEvent } from './event-codec.js';
import { deadSubject, retryFilter, retrySubject, type NatsNames } from './names.js';
import { Puller, type PulledMsg } from './puller.js';

export interface NatsConsumerContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: NatsNames;
  ackWaitMs: number;
  maxAckPending: number;
  /** Bound on each request to the server (acks, publishes of bookkeeping). */
  timeoutMs: number;
}

interface RetryRecord {
  attempt: number;
  firstRetryAt: number;
}

interface DeadRecord {
  event: LoggedEvent;
  reason: string;
  attempt: number;
  at: number;
  detail: Record<string, unknown> | null;
}

/** A delivery this process holds: where to settle it, and whether retry bookkeeping exists for it. */
interface Held {
  reply: string;
  seq: number;
  generation: number;
  hasRetryRecord: boolean;
}

const encoder = new TextEncoder();

/** The server answered 404: no such consumer (or stream). */
const isNotFound = (err: unknown): boolean => err instanceof JetStreamApiError && err.status === 404;
const decoder = new TextDecoder();

/** The durable's config; `afterSeq` set means start after that position, else at the oldest event. */
function durableConfig(ctx: NatsConsumerContext, durable: string, afterSeq: number | null): Partial<ConsumerConfig> {
  const start: Partial<ConsumerConfig> = afterSeq === null ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 };
  return {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: ctx.ackWaitMs * 1_000_000,
    max_ack_pending: ctx.maxAckPending,
    // Sluice decides when to give up (deadLetter), so the server never stops redelivering on its own.
    max_deliver: -1,
    filter_subject: ctx.names.eventsSubject,
    ...start,
  };
}

/** Opens the durable, creating it the first time: only then does `startAt` apply. */
export async function openDurable(ctx: NatsConsumerContext, durable: string, opts: ConsumerOptions): Promise<ConsumerInfo> {
  try {
    return await ctx.jsm.consumers.info(ctx.names.events, durable);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const afterSeq = opts.startAt === 'now' ? (await ctx.jsm.streams.info(ctx.names.events)).state.last_seq : null;
  // Two processes creating the same durable at once send the same config: the server accepts both.
  return ctx.jsm.consumers.add(ctx.names.events, durableConfig(ctx, durable, afterSeq));
}

export class NatsConsumer implements Consumer {
  private puller: Puller;
  private readonly held = new Map<Delivery, Held>();
  private generation = 0;
  private cursor: number;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly keepAlive: NodeJS.Timeout;
  private readonly deadSubj: string;
  /** Acks and naks of many deliveries at once, each confirmed by the server (double ack), as one batch of requests. */
  private readonly settling: BatchRequests;

  constructor(
    private readonly ctx: NatsConsumerContext,
    readonly name: string,
    private readonly durable: string,
    info: ConsumerInfo,
  ) {
    this.cursor = ackFloor(info);
    this.puller = this.newPuller();
    this.deadSubj = deadSubject(ctx.names.events, durable);
    this.settling = new BatchRequests(ctx.nc);
    // Deliveries still being worked on are confirmed as in progress, so AckWait only ever expires for a process that
    // died: a slow destination does not get its events handed to a second worker.
    this.keepAlive = setInterval(() => this.confirmInProgress(), Math.max(500, ctx.ackWaitMs / 3));
    this.keepAlive.unref();
  }

  private newPuller(): Puller {
    return new Puller(this.ctx.nc, `$JS.API.CONSUMER.MSG.NEXT.${this.ctx.names.events}.${this.durable}`);
  }

  private confirmInProgress(): void {
    if (this.ctx.nc.isClosed()) return;
    for (const h of this.held.values()) this.ctx.nc.publish(h.reply, '+WPI');
    for (const m of this.puller.buffered()) this.ctx.nc.publish(m.reply, '+WPI');
  }

  async read(max: number, opts: ReadOptions = {}): Promise<Delivery[]> {
    if (this.closed || max <= 0) return [];
    const generation = this.generation;
    const msgs = this.puller.take(max);
    if (msgs.length < max) {
      await this.puller.pullNow(max - msgs.length);
      msgs.push(...this.puller.take(max - msgs.length));
    }
    const waitMs = opts.waitMs ?? 0;
    if (msgs.length === 0 && waitMs > 0 && !this.closed) {
      const signal = opts.signal === undefined ? this.closing.signal : AbortSignal.any([opts.signal, this.closing.signal]);
      await this.puller.waitOne(waitMs, signal);
      msgs.push(...this.puller.take(max));
      // One arrived: take whatever else is ready too, without waiting.
      if (msgs.length > 0 && msgs.length < max && !this.closed) {
        await this.puller.pullNow(max - msgs.length);
        msgs.push(...this.puller.take(max - msgs.length));
      }
    }
    if (this.closed || generation !== this.generation) {
      // Closed or sought while reading: these belong to nobody now; hand them back at once.
      for (const m of msgs) this.ctx.nc.publish(m.reply, '-NAK');
      return [];
    }
    return Promise.all(msgs.map((m) => this.toDelivery(m, generation)));
  }

  private async toDelivery(m: PulledMsg, generation: number): Promise<Delivery> {
    const event = decodeEvent(m.seq, m.data);
    let retry: RetryRecord | null = null;
    // Only a redelivery can have retry bookkeeping; a first delivery costs no lookup.
    if (m.deliveries > 1) retry = await this.retryRecord(m.seq);
    const d: Delivery = retry === null ? { event, attempt: 1 } : { event, attempt: retry.attempt, firstRetryAt: retry.firstRetryAt };
    this.held.set(d, { reply: m.reply, seq: m.seq, generation, hasRetryRecord: retry !== null });
    return d;
  }

  private async retryRecord(seq: number): Promise<RetryRecord | null> {
    const stored = await this.ctx.jsm.streams.getMessage(this.ctx.names.retries, { last_by_subj: retrySubject(this.ctx.names.events, this.durable, seq) });
    return stored === null ? null : (JSON.parse(decoder.decode(stored.data)) as RetryRecord);
  }

  /** Takes the delivery out of this process's hands; null when it is stale (settled, or from before a seek). */
  private release(d: Delivery): Held | null {
    const h = this.held.get(d);
    if (h === undefined) return null;
    this.held.delete(d);
    return h.generation === this.generation ? h : null;
  }

  /** Sends one ack-protocol message per delivery and waits for the server to have applied them all. */
  private async settleAll(held: readonly { reply: string }[], body: string): Promise<void> {
    const replies = await this.settling.request(held.map((h) => ({ subject: h.reply, data: body })), this.ctx.timeoutMs);
    const status = replies.map(statusOf).find((s) => s !== null);
    // 503: nobody answers on the ack subject any more (the durable was deleted, a seek recreated it).
    if (status !== undefined) throw new Error(`the server did not apply ${body} (status ${status})`);
  }

  private async purgeRetryRecord(h: Held): Promise<void> {
    await this.ctx.jsm.streams.purge(this.ctx.names.retries, { filter: retrySubject(this.ctx.names.events, this.durable, h.seq) });
  }

  private async refreshCursor(): Promise<void> {
    const generation = this.generation;
    const info = await this.ctx.jsm.consumers.info(this.ctx.names.events, this.durable);
    if (generation === this.generation) this.cursor = ackFloor(info);
  }

  async ack(deliveries: readonly Delivery[]): Promise<void> {
    const held = deliveries.map((d) => this.release(d)).filter((h): h is Held => h !== null);
    if (held.length === 0) return;
    await this.settleAll(held, '+ACK');
    await Promise.all(held.filter((h) => h.hasRetryRecord).map((h) => this.purgeRetryRecord(h)));
    await this.refreshCursor();
  }

  async retry(delivery: Delivery, delayMs: number): Promise<void> {
    const h = this.release(delivery);
    if (h === null) return;
    const record: RetryRecord = { attempt: delivery.attempt + 1, firstRetryAt: delivery.firstRetryAt ?? Date.now() };
    // The bookkeeping first: a crash between the two leaves the event pending (redelivered after AckWait) with its
    // attempt already counted, never a retry that forgot its attempt.
    await this.ctx.js.publish(retrySubject(this.ctx.names.events, this.durable, h.seq), encoder.encode(JSON.stringify(record)), { timeout: this.ctx.timeoutMs });
    const nak = delayMs > 0 ? `-NAK ${JSON.stringify({ delay: Math.round(delayMs) * 1_000_000 })}` : '-NAK';
    await this.ctx.nc.request(h.reply, nak, { timeout: this.ctx.timeoutMs });
    await this.refreshCursor();
  }

  async deadLetter(delivery: Delivery, reason: string, detail?: Record<string, unknown>): Promise<void> {
    const h = this.release(delivery);
    if (h === null) return;
    const record: DeadRecord = { event: delivery.event, reason, attempt: delivery.attempt, at: Date.now(), detail: detail ?? null };
    // Stored before the event is given up on (TERM): a crash between the two redelivers it, never loses it.
    await this.ctx.js.publish(this.deadSubj, encoder.encode(JSON.stringify(record)), { timeout: this.ctx.timeoutMs });
    await this.settleAll([h], '+TERM');
    if (h.hasRetryRecord) await this.purgeRetryRecord(h);
    await this.refreshCursor();
  }

  /**
   * Newest first. JetStream reads a subject forwards only, so this walks this consumer's dead letters from the
   * oldest and keeps the last `limit` before `beforeId`: dead letters are few, and listing them is an operator's act.
   */
  async deadLetters(limit = 100, beforeId = Number.MAX_SAFE_INTEGER): Promise<DeadLetter[]> {
    if ((await this.deadLetterCount()) === 0) return [];
    const kept: DeadLetter[] = [];
    let seq = 1;
    for (;;) {
      const m = await this.ctx.jsm.streams.getMessage(this.ctx.names.dead, { seq, next_by_subj: this.deadSubj } as never);
      if (m === null || m.seq >= beforeId) break;
      const r = JSON.parse(decoder.decode(m.data)) as DeadRecord;
      kept.push({ id: m.seq, consumer: this.name, event: r.event, reason: r.reason, attempt: r.attempt, at: r.at, detail: r.detail });
      if (kept.length > limit) kept.shift();
      seq = m.seq + 1;
    }
    return kept.reverse();
  }

  async removeDeadLetters(ids: readonly number[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      const m = await this.ctx.jsm.streams.getMessage(this.ctx.names.dead, { seq: id });
      // Only this consumer's: an id is a position in the stream all consumers' dead letters share.
      if (m === null || m.subject !== this.deadSubj) continue;
      if (await this.ctx.jsm.streams.deleteMessage(this.ctx.names.dead, id, false).catch(() => false)) removed++;
    }
    return removed;
  }

  async deadLetterCount(): Promise<number> {
    const info = await this.ctx.jsm.streams.info(this.ctx.names.dead, { subjects_filter: this.deadSubj });
    return info.state.subjects?.[this.deadSubj] ?? 0;
  }

  private async retrySeqs(): Promise<Set<number>> {
    const filter = retryFilter(this.ctx.names.events, this.durable);
    const info = await this.ctx.jsm.streams.info(this.ctx.names.retries, { subjects_filter: filter });
    return new Set(Object.keys(info.state.subjects ?? {}).map((s) => Number(s.slice(s.lastIndexOf('.') + 1))));
  }

  async retrying(): Promise<number> {
    return (await this.retrySeqs()).size;
  }

  /**
   * JetStream cannot move a durable's start, so the durable is recreated to start after `afterSeq`. Deliveries out
   * in this process are forgotten (settling them does nothing). Other processes sharing the consumer pull from the
   * new durable at once; a delivery they held may still be acked into it, which at worst skips one replayed event.
   */
  async seek(afterSeq: number): Promise<void> {
    this.generation++;
    this.held.clear();
    for (const m of this.puller.close()) this.ctx.nc.publish(m.reply, '-NAK');
    await this.ctx.jsm.consumers.delete(this.ctx.names.events, this.durable).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    await this.ctx.jsm.streams.purge(this.ctx.names.retries, { filter: retryFilter(this.ctx.names.events, this.durable) });
    await this.ctx.jsm.consumers.add(this.ctx.names.events, durableConfig(this.ctx, this.durable, afterSeq));
    this.puller = this.newPuller();
    this.cursor = afterSeq;
  }

  position(): number {
    return this.cursor;
  }

  async lag(): Promise<number> {
    const [info, retries] = await Promise.all([this.ctx.jsm.consumers.info(this.ctx.names.events, this.durable), this.retrySeqs()]);
    return lagOf(info, retries);
  }

  /**
   * Hands back (nak, no delay) what this process holds unsettled, in log order, so that another process, or this one
   * reopened, gets it at once instead of after AckWait. Scheduled retries are not held and keep their delay.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    clearInterval(this.keepAlive);
    const back = [...[...this.held.values()].filter((h) => h.generation === this.generation), ...this.puller.close()].sort((a, b) => a.seq - b.seq);
    this.held.clear();
    if (this.ctx.nc.isClosed()) return this.settling.close();
    await this.settleAll(back, '-NAK').catch(() => {});
    this.settling.close();
  }
}
