// The identity store: the identity graph (which ids belong to which profile), the profiles' traits and times, the
// (id, event) index behind timelines, and privacy deletion with suppression. Owned by the identity code; backends
// implement it (src/backends/sqlite/identity-store.ts) and test/conformance/identity-store.contract.ts checks every
// implementation.
import type { LoggedEvent } from '../core/event.js';
import type { AggregateOptions } from '../rollups/aggregate.js';
import type { IdentityFacts } from './ids.js';

/** What one batch of consecutive log events says about identity. `firstSeq`..`lastSeq` are the log positions it covers. */
export interface IdentityBatch {
  firstSeq: number;
  lastSeq: number;
  /** The batch's events that carry ids, in log order. */
  facts: IdentityFacts[];
  maxUserIdsPerProfile: number;
}

/** A link the userId limit refused: the two sides stay separate people. */
export interface RefusedMerge {
  seq: number;
  /** userIds the merged profile would have held. */
  userIds: number;
}

export interface StitchResult {
  outcome: 'applied' | 'already_applied' | 'overlaps';
  /** The highest log position applied, after this call. */
  position: number;
  merges: number;
  refused: RefusedMerge[];
}

export interface Profile {
  /** The store's own number for the profile; it changes when the profile is merged into another. */
  profileId: number;
  /** The first userId the profile got, else its first anonymousId: the id to show for the person. */
  canonicalId: string;
  userIds: string[];
  anonymousIds: string[];
  /** Merged traits, each key the value of the latest identify (by event timestamp). */
  traits: Record<string, unknown>;
  /** Event time (ms) of the earliest and latest event stitched to the profile. */
  firstSeen: number;
  lastSeen: number;
}

export interface ForgetOptions {
  /** The salt of the suppression hashes: each id of the person is stored as its salted hash (privacy/hashing.ts). */
  salt: string;
  /** The rollups' aggregation settings, to take the person's counted events back out of exact counters; null when rollups are off. */
  rollups: AggregateOptions | null;
}

export interface ForgetResult {
  userIds: string[];
  anonymousIds: string[];
  /** Events deleted from the log. */
  events: number;
  deadLetters: number;
  rejects: number;
  /** Deleted events whose contributions were taken back out of the rollup counters. */
  uncounted: number;
}

export interface SuppressionStats {
  /** Ids whose events are dropped at ingest. */
  suppressedIds: number;
  /** Events dropped at ingest because they carried a suppressed id. */
  suppressedEvents: number;
}

export interface IdentityStore {
  /** The highest log position whose batch was stitched; 0 before the first. */
  position(): Promise<number>;
  /**
   * Stitches the batch and records `lastSeq` as the position in one transaction, unless `lastSeq` is at or below the
   * position (already applied) or `firstSeq` is (it overlaps: nothing changes; resend the rest).
   */
  apply(batch: IdentityBatch): Promise<StitchResult>;
  /** The profile holding this id (a userId first, else an anonymousId); null when no profile knows it. */
  profile(id: string): Promise<Profile | null>;
  /** The profile's newest events, newest first, from the (id, event) index. */
  timeline(profileId: number, limit: number): Promise<LoggedEvent[]>;
  /** Links refused by the userId limit since the store was created. */
  refusedMerges(): Promise<number>;
  /**
   * Deletes the person who holds `id`: every id of the profile, their events (stitched ones and those the stitcher
   * has not reached yet), dead letters and reject samples naming them, and the profile; stores the suppression
   * hashes. All in one transaction. Null when no profile knows the id (nothing changes).
   */
  forget(id: string, opts: ForgetOptions): Promise<ForgetResult | null>;
  /** Every stored suppression hash, to load the ingest filter at start. */
  suppressedHashes(): Promise<string[]>;
  /** Adds to the durable count of events dropped because of suppression. */
  countSuppressed(n: number): Promise<void>;
  suppressionStats(): Promise<SuppressionStats>;
}
