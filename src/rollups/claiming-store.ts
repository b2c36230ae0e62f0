// Exactly-once counting when several workers share one log consumer (NATS JetStream): their batches interleave and a
// batch may be delivered again to another worker, so a single "highest position applied" cannot tell what was
// counted. A claiming store records every counted log position per consumer, in the same transaction as the counts,
// and builds the batch from the positions it could newly claim: a redelivered event is claimed once, counted once.
import type { RollupBatch, RollupStore } from './store.js';

export interface ClaimResult {
  /** Events newly counted by this call (the rest had been counted before). */
  counted: number;
  /** The highest log position counted so far, for status. */
  position: number;
}

export interface ClaimingRollupStore extends RollupStore {
  /**
   * In one transaction: claims `seqs` for `consumer` (those claimed before are left out), calls `build` with the newly
   * claimed ones and applies what it returns. Concurrent calls claiming the same seq wait on each other; one counts it.
   */
  applyClaimed(consumer: string, seqs: readonly number[], build: (fresh: ReadonlySet<number>) => RollupBatch): Promise<ClaimResult>;
  /** Forgets claims older than `maxAgeMs` (the log no longer delivers those events); returns how many. */
  pruneClaims(maxAgeMs: number): Promise<number>;
}

export function isClaimingStore(store: RollupStore): store is ClaimingRollupStore {
  return typeof (store as Partial<ClaimingRollupStore>).applyClaimed === 'function';
}
