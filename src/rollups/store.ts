// The rollup store: where a batch's increments land, at most once, and what queries read back. Owned by the rollups
// code; backends implement it (src/backends/sqlite/rollup-store.ts) and test/conformance/rollup-store.contract.ts
// checks every implementation.
import type { SketchKey, SketchLevel } from './sketch-cover.js';

/**
 * Additive counters, one row per (metric, hour, source, k1, k2, k3):
 *   events:     k1 = type, k2 = event name ('' when none)      n = events
 *   pages:      k1 = path                                       n = page views
 *   referrers:  k1 = referrer host                              n = page views
 *   campaigns:  k1 = campaign name                              n = page views
 *   revenue:    k1 = event name                                 n = revenue in millionths (integers sum exactly)
 *   breakdowns: k1 = event name, k2 = property, k3 = value      n = events (k3 may be a sentinel below)
 * Unused keys are ''.
 */
export const COUNTER_METRICS = ['events', 'pages', 'referrers', 'campaigns', 'revenue', 'breakdowns'] as const;
export type CounterMetric = (typeof COUNTER_METRICS)[number];

/** Breakdown values beyond max_values, and events without the property. Real values never hold NUL (cleanKey). */
export const BREAKDOWN_OTHER = '\u0000other';
export const BREAKDOWN_MISSING = '\u0000missing';

export const REVENUE_SCALE = 1_000_000;

export interface CounterKey {
  k1: string;
  k2: string;
  k3: string;
}

export interface CounterIncrement extends CounterKey {
  metric: CounterMetric;
  hour: number;
  source: string;
  n: number;
}

/** One breakdown count; the store decides whether `value` is kept or counted as other (first seen, first kept). */
export interface BreakdownIncrement {
  hour: number;
  source: string;
  event: string;
  property: string;
  /** null when the event does not have the property. */
  value: string | null;
  maxValues: number;
  n: number;
}

export interface SketchUpdate extends SketchKey {
  source: string;
  /** A serialized HyperLogLog, merged into the stored one. */
  sketch: Uint8Array;
}

/** What one batch of consecutive log events adds. `firstSeq`..`lastSeq` are the log positions it covers. */
export interface RollupBatch {
  firstSeq: number;
  lastSeq: number;
  counters: CounterIncrement[];
  breakdowns: BreakdownIncrement[];
  sketches: SketchUpdate[];
}

export type ApplyOutcome = 'applied' | 'already_applied' | 'overlaps';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The highest log position applied, after this call. */
  position: number;
}

/** Hours since the epoch, [from, to). */
export interface HourRange {
  from: number;
  to: number;
}

export interface CounterFilter extends HourRange {
  metric: CounterMetric;
  source?: string;
  k1?: string;
  k2?: string;
}

export interface RollupStore {
  /** The highest log position whose batch was applied; 0 before the first. */
  position(): Promise<number>;
  /**
   * Applies the batch and records `lastSeq` as the position in one transaction, unless `lastSeq` is at or below the
   * position (already applied: nothing changes) or `firstSeq` is (it overlaps: nothing changes; resend the rest).
   */
  apply(batch: RollupBatch): Promise<ApplyResult>;
  /** Sum of n per hour in the range, hours without rows left out. */
  sumByHour(filter: CounterFilter): Promise<{ hour: number; n: number }[]>;
  /** The keys with the largest sums over the range, largest first (ties by key). */
  top(filter: CounterFilter, limit: number): Promise<(CounterKey & { n: number })[]>;
  /** Sums over the range for the given keys only (keys without rows left out). */
  sumsOf(filter: CounterFilter, keys: readonly CounterKey[]): Promise<(CounterKey & { n: number })[]>;
  /** Stored sketches of one level with start in [from, to): one per source, or only `source`'s. */
  sketches(level: SketchLevel, from: number, to: number, source?: string): Promise<{ start: number; sketch: Uint8Array }[]>;
}
