// The Log on NATS JetStream, for deployments that outgrow one box. Log position = stream sequence of a file-backed
// stream; append resolves only once the server has acknowledged every record (PubAck), so a client's 200 means the
// event is in the stream; deduplication is JetStream's own (Nats-Msg-Id = (source, messageId) within the stream's
// duplicate window). Consumers are durable pull consumers (nats-consumer.ts). The design and its limits are in
// docs/backends.md.
import { DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { LogRecord, LoggedEvent } from '../../core/event.js';
import { SluiceError } from '../../core/errors.js';
import { namesPerson, type PersonIds } from '../../core/names-person.js';
import type { AppendResult, Consumer, ConsumerOptions, Log, LogSettings, LogStats } from '../../log/log.js';
import { ackFloor } from './consumer-state.js';
import { BatchPublisher } from './batch-publisher.js';
import { decodeEvent, dedupeKey, encodeRecord, receivedAtOf } from './event-codec.js';
import { durableName, natsNames, type NatsNames } from './names.js';
import { NatsConsumer, openDurable, type NatsConsumerContext } from './nats-consumer.js';

export interface NatsLogOptions extends LogSettings {
  /** nats://host:port, or several, comma-separated. */
  servers: string;
  /** Name of the events stream; the dead-letter and retry streams are named after it. */
  stream: string;
  replicas: number;
  /** The server drops events older than this whatever the consumers (JetStream max_age); 0: only prune() drops. */
  max_age_ms: number;
  ack_wait_ms: number;
  max_ack_pending: number;
  /** How long append waits for the server's acknowledgement before answering storage_unavailable. */
  publish_timeout_ms: number;
}

const NANOS = 1_000_000;
/** Gets of stored messages issued at once by scan. */
const SCAN_PARALLEL = 64;

export class NatsLog implements Log {
  private connected = true;
  private closed = false;
  private readonly consumers = new Map<string, Promise<NatsConsumer>>();
  private readonly appending = new Set<Promise<unknown>>();
  private readonly ctx: NatsConsumerContext;
  private readonly publisher: BatchPublisher;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: NatsNames,
    private readonly opts: NatsLogOptions,
  ) {
    this.publisher = new BatchPublisher(nc);
    this.ctx = { nc, js, jsm, names, ackWaitMs: opts.ack_wait_ms, maxAckPending: opts.max_ack_pending, timeoutMs: opts.publish_timeout_ms };
    void this.watchConnection();
  }

  /** Connects (failing if NATS cannot be reached now) and creates or updates the streams. */
  static async open(opts: NatsLogOptions): Promise<NatsLog> {
    const nc = await connect({
      servers: opts.servers.split(',').map((s) => s.trim()),
      name: 'sluice',
      // Once connected, never give up: while NATS is away appends answer 503 and readiness is false.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    try {
      const jsm = await jetstreamManager(nc);
      const names = natsNames(opts.stream);
      const log = new NatsLog(nc, jetstream(nc, { timeout: opts.publish_timeout_ms }), jsm, names, opts);
      await log.ensureStreams();
      return log;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private async ensureStreams(): Promise<void> {
    const { events, eventsSubject, dead, retries } = this.names;
    const base = { storage: StorageType.File, num_replicas: this.opts.replicas, retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old };
    const maxAge = this.opts.max_age_ms * NANOS;
    // JetStream refuses a duplicate window longer than max_age.
    const window = maxAge > 0 ? Math.min(this.opts.dedupe_window_ms * NANOS, maxAge) : this.opts.dedupe_window_ms * NANOS;
    await this.ensureStream({ ...base, name: events, subjects: [eventsSubject], max_age: maxAge, duplicate_window: window });
    await this.ensureStream({ ...base, name: dead, subjects: [`${events}.dead.>`] });
    // One message per (consumer, event): a newer retry record replaces the older one.
    await this.ensureStream({ ...base, name: retries, subjects: [`${events}.retry.>`], max_msgs_per_subject: 1 });
  }

  /** Creates the stream, or brings an existing one to this config (replicas, windows). */
  private async ensureStream(cfg: Partial<StreamConfig> & { name: string }): Promise<void> {
    try {
      await this.jsm.streams.add(cfg);
    } catch {
      // Exists with another config (several processes starting at once send the same one, which succeeds).
      await this.jsm.streams.update(cfg.name, cfg);
    }
  }

  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'staleConnection') this.connected = false;
      else if (s.type === 'reconnect') this.connected = true;
    }
  }

  async append(records: readonly LogRecord[]): Promise<AppendResult> {
    if (this.closed) throw new SluiceError('storage_unavailable', 'the log is closed');
    if (!this.ready()) throw new SluiceError('storage_unavailable', 'NATS is not connected; retry shortly');
    if (records.length === 0) return { seqs: [], stored: 0, duplicates: 0 };
    // Published back to back and acknowledged together: one round trip for the batch, not one per record. Order is
    // kept: one connection delivers them to the stream in the order written.
    const publishing = this.publisher.publish(
      this.names.eventsSubject,
      records.map((r) => ({ data: encodeRecord(r), msgId: dedupeKey(r.source, r.messageId) })),
      this.opts.publish_timeout_ms,
    );
    this.appending.add(publishing);
    try {
      const acks = await publishing;
      const seqs = acks.map((a) => (a.duplicate ? null : a.seq));
      const stored = seqs.filter((s) => s !== null).length;
      return { seqs, stored, duplicates: seqs.length - stored };
    } catch (err) {
      throw new SluiceError('storage_unavailable', `NATS did not acknowledge the events: ${(err as Error).message}`);
    } finally {
      this.appending.delete(publishing);
    }
  }

  consumer(name: string, opts: ConsumerOptions = {}): Promise<Consumer> {
    let c = this.consumers.get(name);
    if (c === undefined) {
      const durable = durableName(name);
      c = openDurable(this.ctx, durable, opts).then((info) => new NatsConsumer(this.ctx, name, durable, info));
      c.catch(() => this.consumers.delete(name));
      this.consumers.set(name, c);
    }
    return c;
  }

  private async state(): Promise<{ first: number; last: number; messages: number }> {
    const s = (await this.jsm.streams.info(this.names.events)).state;
    return { first: s.first_seq, last: s.last_seq, messages: s.messages };
  }

  private async receivedAt(seq: number): Promise<number | null> {
    const m = await this.jsm.streams.getMessage(this.names.events, { seq });
    return m === null ? null : receivedAtOf(m.data);
  }

  /**
   * The first position in [lo, hi] whose event was received at or after `time`, hi + 1 when none. A binary search:
   * receivedAt follows log order (several ingest processes can disagree by their clock skew, which moves the answer
   * by that much). A position holding nothing (a person's event deleted, or the front purged meanwhile) goes with the
   * next event held: taking it for old would let prune drop the young events before it.
   */
  private async firstAtOrAfter(time: number, lo: number, hi: number): Promise<number> {
    let end = hi + 1;
    while (lo < end) {
      const mid = Math.floor((lo + end) / 2);
      const held = await this.heldFrom(mid, end - 1);
      if (held === null || held.at >= time) end = mid;
      else lo = held.seq + 1;
    }
    return end;
  }

  /** The first event held in [seq, hi], null when none. Walks one position at a time: deletions are rare. */
  private async heldFrom(seq: number, hi: number): Promise<{ seq: number; at: number } | null> {
    for (let s = seq; s <= hi; s++) {
      const at = await this.receivedAt(s);
      if (at !== null) return { seq: s, at };
      // Purged from the front meanwhile: jump to what is left rather than walk through it.
      if (s === seq) s = Math.max(s, (await this.state()).first - 1);
    }
    return null;
  }

  async positionAt(time: number): Promise<number> {
    const { first, last, messages } = await this.state();
    if (messages === 0) return last;
    const seq = await this.firstAtOrAfter(time, first, last);
    return seq > last ? last : seq - 1;
  }

  async scan(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const { first, last } = await this.state();
    const out: LoggedEvent[] = [];
    let next = Math.max(afterSeq + 1, first);
    while (out.length < limit && next <= last) {
      const seqs = Array.from({ length: Math.min(SCAN_PARALLEL, limit - out.length, last - next + 1) }, (_, i) => next + i);
      const got = await Promise.all(seqs.map((seq) => this.jsm.streams.getMessage(this.names.events, { seq })));
      for (const m of got) if (m !== null && out.length < limit) out.push(decodeEvent(m.seq, m.data));
      next += seqs.length;
    }
    return out;
  }

  /** Stored messages fetched by sequence, SCAN_PARALLEL at a time; a purged or deleted one is left out. */
  async eventsAt(seqs: readonly number[]): Promise<LoggedEvent[]> {
    const out: LoggedEvent[] = [];
    for (let i = 0; i < seqs.length; i += SCAN_PARALLEL) {
      const got = await Promise.all(seqs.slice(i, i + SCAN_PARALLEL).map((seq) => this.jsm.streams.getMessage(this.names.events, { seq })));
      for (const m of got) if (m !== null) out.push(decodeEvent(m.seq, m.data));
    }
    return out;
  }

  /** Erased (the stored bytes overwritten, not only marked deleted), one message at a time: a deletion is rare. */
  async deleteEvents(seqs: readonly number[]): Promise<number> {
    let n = 0;
    for (const seq of seqs) {
      try {
        if (await this.jsm.streams.deleteMessage(this.names.events, seq, true)) n++;
      } catch (err) {
        // Not there (purged by retention, or deleted before): nothing to delete. Anything else is a failure.
        if ((await this.jsm.streams.getMessage(this.names.events, { seq })) !== null) throw err;
      }
    }
    return n;
  }

  /**
   * Reads the whole dead-letter stream (every consumer's), SCAN_PARALLEL messages at a time, and erases the letters
   * whose event names the person: dead letters are few and a deletion is rare, so no index of them by id is kept.
   * A position with no message (removed or erased before) reads as null; any other failure fails the deletion, which
   * can be asked again, rather than report letters it could not read as gone.
   */
  async deleteDeadLettersNaming(ids: PersonIds): Promise<number> {
    const s = (await this.jsm.streams.info(this.names.dead)).state;
    if (s.messages === 0) return 0;
    const decoder = new TextDecoder();
    let n = 0;
    for (let from = s.first_seq; from <= s.last_seq; from += SCAN_PARALLEL) {
      const positions = Array.from({ length: Math.min(SCAN_PARALLEL, s.last_seq - from + 1) }, (_, i) => from + i);
      const got = await Promise.all(positions.map((seq) => this.jsm.streams.getMessage(this.names.dead, { seq })));
      for (const m of got) {
        if (m === null || !namesPerson((JSON.parse(decoder.decode(m.data)) as { event: LoggedEvent }).event.body, ids)) continue;
        if (await this.jsm.streams.deleteMessage(this.names.dead, m.seq, true)) n++;
      }
    }
    return n;
  }

  /**
   * Drops, from the front, events received before now − retention that every consumer of the stream (in any
   * process) has read past: the lowest ack floor bounds it. JetStream keeps the last sequence after a purge, so
   * positions are never reused.
   */
  async prune(now = Date.now()): Promise<number> {
    const { first, last, messages } = await this.state();
    if (messages === 0) return 0;
    let floor = last;
    for await (const info of this.jsm.consumers.list(this.names.events)) floor = Math.min(floor, ackFloor(info));
    if (floor < first) return 0;
    const keepFrom = await this.firstAtOrAfter(now - this.opts.retention_ms, first, floor);
    if (keepFrom <= first) return 0;
    const res = await this.jsm.streams.purge(this.names.events, { seq: keepFrom });
    return res.purged;
  }

  async stats(): Promise<LogStats> {
    const { last, messages } = await this.state();
    return { headSeq: last, events: messages };
  }

  ready(): boolean {
    return !this.closed && this.connected && !this.nc.isClosed();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.appending]);
    this.publisher.close();
    const consumers = await Promise.allSettled([...this.consumers.values()]);
    await Promise.allSettled(consumers.map((c) => (c.status === 'fulfilled' ? c.value.close() : undefined)));
    this.consumers.clear();
    await this.nc.drain().catch(() => this.nc.close());
  }
}
