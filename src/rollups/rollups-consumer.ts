// The rollups consumer: reads the log in order, one batch in flight, folds each batch into increments and applies
// them with the batch's last position in one store transaction, then acks. A batch delivered again (a crash before
// the ack reached the disk) is at or below the stored position and is skipped: every event is counted once.
// With a log shared by several workers (`claims`), a claiming store (claiming-store.ts) records each counted position.
import { lingerAfterShortBatch } from '../log/linger.js';
import { readInSlices } from '../log/slices.js';
import type { Consumer, Delivery, Log } from '../log/log.js';
import { aggregate, aggregateInSlices } from './aggregate.js';
import { isClaimingStore } from './claiming-store.js';
import type { RollupsConfig } from './config.js';
import type { RollupStore } from './store.js';

export const ROLLUPS_CONSUMER = 'rollups';

const IDLE_WAIT_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;

export interface RollupsLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RollupsStatus {
  /** The highest log position counted. */
  position: number;
  /** Events appended and not yet counted. */
  lag: number;
  lastError: { at: string; reason: string } | null;
}

export interface RollupsOptions {
  consumer: Consumer;
  store: RollupStore;
  config: Pick<RollupsConfig, 'breakdowns' | 'max_batch_events'> & Partial<Pick<RollupsConfig, 'linger_ms'>>;
  logger: RollupsLogger;
  /** HyperLogLog precision, for tests; the store's sketches all share one. */
  precision?: number;
  /**
   * Workers share the consumer (a NATS JetStream log): batches interleave and redeliveries may go to another worker,
   * so the store claims each counted position (claiming-store.ts) instead of keeping one highest position.
   */
  claims?: boolean;
}

export class RollupsConsumer {
  private readonly abort = new AbortController();
  private loopDone: Promise<void> | null = null;
  /** The store's position as last seen; null until read (and after a failure, when it may have moved). */
  private position: number | null = null;
  private lastError: RollupsStatus['lastError'] = null;

  constructor(private readonly o: RollupsOptions) {
    if (o.claims === true && !isClaimingStore(o.store)) throw new Error('rollups: a log shared by several workers needs a store that claims counted positions (store.backend: postgres)');
  }

  start(): void {
    this.loopDone ??= this.loop().catch((err: unknown) => this.o.logger.error({ err }, 'rollups stopped on an unexpected error'));
  }

  /** Stops reading; the batch being applied finishes and is acked. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loopDone;
  }

  async status(): Promise<RollupsStatus> {
    return { position: this.position ?? (await this.o.store.position()), lag: await this.o.consumer.lag(), lastError: this.lastError };
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        this.position ??= await this.o.store.position();
        const deliveries = await readInSlices(this.o.consumer, this.o.config.max_batch_events, { waitMs: IDLE_WAIT_MS, signal });
        if (deliveries.length > 0) await this.applyAndAck(deliveries, this.position);
        failures = 0;
        await lingerAfterShortBatch(deliveries.length, this.o.config.max_batch_events, this.o.config.linger_ms ?? 0, signal);
      } catch (err) {
        failures++;
        this.lastError = { at: new Date().toISOString(), reason: (err as Error).message };
        this.o.logger.warn({ err, failures }, 'rollups could not apply a batch; retrying');
        await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures), signal);
        // Read again from what is settled; whatever did reach the store is skipped by its position.
        this.position = null;
        await this.o.consumer.seek(this.o.consumer.position()).catch(() => {});
      }
    }
  }

  private async applyAndAck(deliveries: readonly Delivery[], known: number): Promise<void> {
    const opts = { breakdowns: this.o.config.breakdowns, ...(this.o.precision === undefined ? {} : { precision: this.o.precision }) };
    const store = this.o.store;
    if (this.o.claims === true && isClaimingStore(store)) {
      // Positions may interleave (workers sharing the consumer): the store counts each event it has not counted yet.
      const events = deliveries.map((d) => d.event);
      const result = await store.applyClaimed(
        ROLLUPS_CONSUMER,
        events.map((e) => e.seq),
        (fresh) => aggregate(events.filter((e) => fresh.has(e.seq)), opts),
      );
      this.position = result.position;
      await this.o.consumer.ack(deliveries);
      return;
    }
    const fresh = deliveries.map((d) => d.event).filter((e) => e.seq > known);
    if (fresh.length > 0) {
      let result = await this.o.store.apply(await aggregateInSlices(fresh, opts));
      if (result.outcome === 'overlaps') {
        // The store is further along than we knew: apply only the events beyond its position.
        const position = result.position;
        const rest = fresh.filter((e) => e.seq > position);
        if (rest.length > 0) result = await this.o.store.apply(aggregate(rest, opts));
      }
      this.position = result.position;
    }
    await this.o.consumer.ack(deliveries);
  }
}

/** Opens the `rollups` consumer (from the oldest retained event) and starts counting. */
export async function startRollups(log: Log, store: RollupStore, config: RollupsConfig, logger: RollupsLogger, opts: { claims?: boolean } = {}): Promise<RollupsConsumer> {
  const consumer = await log.consumer(ROLLUPS_CONSUMER, { startAt: 'earliest' });
  const rollups = new RollupsConsumer({ consumer, store, config, logger, ...opts });
  rollups.start();
  return rollups;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
