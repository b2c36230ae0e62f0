// The identity consumer: reads the log in order, turns each batch into identity facts and has the store stitch them
// with the batch's last position in one transaction, then acks: like the rollups consumer, a batch delivered again
// (a crash before the ack reached the disk) is at or below the stored position and is skipped, so every event is
// stitched exactly once.
import { setTimeout as sleep } from 'node:timers/promises';
import { lingerAfterShortBatch } from '../log/linger.js';
import { forEachInSlices, readInSlices } from '../log/slices.js';
import type { Consumer, Delivery, Log } from '../log/log.js';
import type { IdentityConfig } from './config.js';
import { BlockList, identityFacts, type IdentityFacts } from './ids.js';
import type { IdentityStore, RefusedMerge } from './store.js';

export const IDENTITY_CONSUMER = 'identity';

const IDLE_WAIT_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;

export interface IdentityLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface IdentityTelemetry {
  merged(n: number): void;
  mergeRefused(n: number): void;
  blockedIds(n: number): void;
}

export interface IdentityStatus {
  position: number;
  lag: number;
  refusedMerges: number;
  lastError: { at: string; reason: string } | null;
}

export interface IdentityOptions {
  consumer: Consumer;
  store: IdentityStore;
  config: Pick<IdentityConfig, 'blocked_values' | 'max_user_ids_per_profile' | 'max_batch_events'> & Partial<Pick<IdentityConfig, 'linger_ms'>>;
  logger: IdentityLogger;
  telemetry?: IdentityTelemetry;
}

export class IdentityConsumer {
  private readonly abort = new AbortController();
  private readonly blocked: BlockList;
  private loopDone: Promise<void> | null = null;
  private known: number | null = null;
  private lastError: IdentityStatus['lastError'] = null;

  constructor(private readonly o: IdentityOptions) {
    this.blocked = new BlockList(o.config.blocked_values);
  }

  start(): void {
    this.loopDone ??= this.loop().catch((err: unknown) => this.o.logger.error({ err }, 'identity stitching stopped on an unexpected error'));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loopDone;
  }

  async status(): Promise<IdentityStatus> {
    return {
      position: this.known ?? (await this.o.store.position()),
      lag: await this.o.consumer.lag(),
      refusedMerges: await this.o.store.refusedMerges(),
      lastError: this.lastError,
    };
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    for (let failures = 0; !signal.aborted; ) {
      try {
        this.known ??= await this.o.store.position();
        const deliveries = await readInSlices(this.o.consumer, this.o.config.max_batch_events, { waitMs: IDLE_WAIT_MS, signal });
        if (deliveries.length > 0) await this.stitchAndAck(deliveries, this.known);
        failures = 0;
        await lingerAfterShortBatch(deliveries.length, this.o.config.max_batch_events, this.o.config.linger_ms ?? 0, signal);
      } catch (err) {
        failures++;
        this.lastError = { at: new Date().toISOString(), reason: (err as Error).message };
        this.o.logger.warn({ err, failures }, 'identity stitching could not apply a batch; retrying');
        await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures), undefined, { signal }).catch(() => {});
        // Read again from what is settled; whatever did reach the store is skipped by its position.
        this.known = null;
        await this.o.consumer.seek(this.o.consumer.position()).catch(() => {});
      }
    }
  }

  private async stitchAndAck(deliveries: readonly Delivery[], known: number): Promise<void> {
    const fresh = deliveries.filter((d) => d.event.seq > known);
    if (fresh.length > 0) {
      const all: IdentityFacts[] = [];
      let blocked = 0;
      // In slices, as the rollups fold theirs: this may run on the thread that answers HTTP requests.
      await forEachInSlices(fresh, (d) => {
        const f = identityFacts(d.event, this.blocked);
        if (f === null) return;
        blocked += f.blocked;
        all.push(f);
      });
      const apply = async (from: number): Promise<Awaited<ReturnType<IdentityStore['apply']>>> =>
        this.o.store.apply({
          firstSeq: fresh.find((d) => d.event.seq > from)!.event.seq,
          lastSeq: fresh[fresh.length - 1]!.event.seq,
          facts: all.filter((f) => f.seq > from),
          maxUserIdsPerProfile: this.o.config.max_user_ids_per_profile,
        });
      let result = await apply(known);
      // The store is further along than we knew: stitch only the events beyond its position.
      if (result.outcome === 'overlaps' && result.position < fresh[fresh.length - 1]!.event.seq) result = await apply(result.position);
      this.known = result.position;
      if (result.outcome === 'applied') this.report(result.merges, result.refused, blocked);
    }
    await this.o.consumer.ack(deliveries);
  }

  private report(merges: number, refused: readonly RefusedMerge[], blocked: number): void {
    this.o.telemetry?.merged(merges);
    this.o.telemetry?.mergeRefused(refused.length);
    this.o.telemetry?.blockedIds(blocked);
    for (const r of refused) {
      this.o.logger.warn({ seq: r.seq, userIds: r.userIds, limit: this.o.config.max_user_ids_per_profile }, 'identity merge refused: the profile would hold more userIds than allowed');
    }
  }
}

/** Opens the `identity` consumer (from the oldest retained event) and starts stitching. */
export async function startIdentity(log: Log, store: IdentityStore, config: IdentityConfig, logger: IdentityLogger, telemetry?: IdentityTelemetry): Promise<IdentityConsumer> {
  const consumer = await log.consumer(IDENTITY_CONSUMER, { startAt: 'earliest' });
  const identity = new IdentityConsumer({ consumer, store, config, logger, ...(telemetry ? { telemetry } : {}) });
  identity.start();
  return identity;
}
