// The vocabulary of tracking plans that sources, stores and consumers share: what kinds of violation exist, the
// marker a checked event carries in the log, and the stored aggregate the admin API lists (docs/tracking-plans.md).

/** Closed list: a metric label and a stored column, so new kinds are added here and documented. */
export const PLAN_VIOLATION_KINDS = ['unplanned_event', 'unplanned_property', 'missing_required', 'type_mismatch', 'invalid_value'] as const;
export type PlanViolationKind = (typeof PLAN_VIOLATION_KINDS)[number];

/** One thing wrong with one message. */
export interface PlanViolation {
  kind: PlanViolationKind;
  /** Where, from the message's root: `properties.revenue`, `traits.address.city`, `properties.items[2].sku`, `event`. */
  path: string;
  message: string;
  /** The offending value (undefined when the problem is an absence). */
  value?: unknown;
}

/** What a stored event carries at `context.sluice.plan` when its source's plan found something wrong. */
export interface PlanMarker {
  valid: false;
  /** The source's enforcement mode when the event arrived. */
  mode: 'allow' | 'omit';
  /** At most MARKER_MAX_VIOLATIONS; `more` counts the rest. */
  violations: { kind: PlanViolationKind; path: string; omitted?: true }[];
  more?: number;
}

export const MARKER_MAX_VIOLATIONS = 10;

/** True when the event (a stored TrackingEvent) is marked as violating its source's tracking plan. */
export function violatesPlan(doc: { [key: string]: unknown }): boolean {
  const context = doc.context;
  if (typeof context !== 'object' || context === null) return false;
  const sluice = (context as { sluice?: unknown }).sluice;
  if (typeof sluice !== 'object' || sluice === null) return false;
  const plan = (sluice as { plan?: unknown }).plan;
  return typeof plan === 'object' && plan !== null && (plan as { valid?: unknown }).valid === false;
}

/** One stored aggregate: a kind of violation at one path of one event of one source. */
export interface ViolationRow {
  source: string;
  /** track, identify, page, screen or group. */
  type: string;
  /** The track event's name; for other calls, the call type. */
  event: string;
  /** Array positions are folded: `properties.items[].sku`. */
  path: string;
  kind: PlanViolationKind;
  message: string;
  /** The latest offending value, as JSON (cut to 200 characters), or null. */
  example: string | null;
  /** Milliseconds since the epoch. */
  first_seen: number;
  last_seen: number;
  count: number;
}

export interface ViolationQuery {
  source?: string;
  event?: string;
  type?: string;
  kind?: string;
  limit?: number;
}

/** Reads the stored aggregates; newest last_seen first. */
export interface ViolationReader {
  list(query: ViolationQuery): Promise<ViolationRow[]>;
}

/**
 * Where violations are kept (SQLite or PostgreSQL; test/conformance/violation-store.contract.ts): rows with the same
 * (source, type, event, path, kind) add up — counts summed, first and last seen widened, the latest message and
 * example kept — and the store is capped, the rows seen least recently going first.
 */
export interface ViolationStore extends ViolationReader {
  record(rows: readonly ViolationRow[]): Promise<unknown>;
}

/** Rows a violation store keeps; past it, those seen least recently are dropped. */
export const MAX_VIOLATION_ROWS = 10_000;
