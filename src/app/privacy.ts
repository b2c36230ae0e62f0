// Privacy at the composition root: the salt, the ingest filter (hashed fields, suppressed ids) and deleting a
// person, tying the identity store to the in-memory suppression set and to the metrics.
import type { Logger } from 'pino';
import type { ForgetResult, IdentityStore, SuppressionStats } from '../identity/store.js';
import { FieldHasher } from '../privacy/hashing.js';
import { Suppression } from '../privacy/suppression.js';
import type { AggregateOptions } from '../rollups/aggregate.js';
import type { IngestPrivacy } from '../sources/http/ingest.js';
import type { Metrics } from './metrics.js';

/** Suppressed-event counts are written at most this often (they arrive one request at a time). */
const COUNT_FLUSH_MS = 1_000;

export class PrivacyService {
  readonly ingest: IngestPrivacy;
  private pendingCount = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: IdentityStore,
    private readonly salt: string,
    hashFields: readonly string[],
    hashes: readonly string[],
    private readonly rollups: AggregateOptions | null,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.ingest = { hasher: new FieldHasher(hashFields, salt), suppression: new Suppression(salt, hashes), suppressed: (source, n) => this.suppressed(source, n) };
  }

  static async open(o: { store: IdentityStore; salt: string; hashFields: readonly string[]; rollups: AggregateOptions | null; metrics: Metrics; logger: Logger }): Promise<PrivacyService> {
    return new PrivacyService(o.store, o.salt, o.hashFields, await o.store.suppressedHashes(), o.rollups, o.metrics, o.logger);
  }

  /** Messages dropped at ingest: counted in the metric now, in the store within a second. */
  suppressed(source: string, n: number): void {
    this.metrics.suppressed(source, n);
    this.pendingCount += n;
    this.flushTimer ??= setTimeout(() => void this.flush(), COUNT_FLUSH_MS);
  }

  private flush(): Promise<void> {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const n = this.pendingCount;
    this.pendingCount = 0;
    if (n === 0) return this.flushing;
    this.flushing = this.flushing
      .then(() => this.store.countSuppressed(n))
      .catch((err: unknown) => this.logger.warn({ err, n }, 'could not store the suppressed-events count'));
    return this.flushing;
  }

  /**
   * Deletes the person who holds `id` and suppresses their ids. The ids known now are suppressed before the delete
   * commits, so nothing of theirs is appended between the delete and the filter; those the delete finds are added after.
   */
  async forget(id: string): Promise<ForgetResult | null> {
    const before = await this.store.profile(id);
    if (before === null) return null;
    const suppression = this.ingest.suppression;
    suppression.add([...before.userIds, ...before.anonymousIds].map((v) => suppression.hash(v)));
    const result = await this.store.forget(id, { salt: this.salt, rollups: this.rollups });
    if (result !== null) suppression.add([...result.userIds, ...result.anonymousIds].map((v) => suppression.hash(v)));
    return result;
  }

  async stats(): Promise<SuppressionStats> {
    await this.flush();
    return this.store.suppressionStats();
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
