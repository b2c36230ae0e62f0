// What the ingest path asks of a source's tracking plan, and where it reports what the plan found. Owned here,
// where it is used; src/plans/ implements both, app/ wires them per source.
import type { EventType, JsonObject } from '../core/event.js';
import type { PlanViolation } from '../core/plan.js';

export interface PlanReport {
  type: EventType;
  /** The track event's name; for other calls, the call type. */
  event: string;
  violations: PlanViolation[];
  /** The source's mode says the message must be refused. */
  blocked: boolean;
  /** Omit mode: the payload (properties or traits) without the offending keys, to store instead. */
  payload?: JsonObject;
  /** Omit mode: how many of `violations` were removed from the payload (the first ones flagged `omitted`). */
  omitted?: ReadonlySet<PlanViolation>;
  mode: 'allow' | 'omit' | 'block';
}

export interface PlanGate {
  /**
   * Checks one validated message's payload (properties for track/page/screen, traits for identify/group).
   * Null when the message follows the plan (or the plan says nothing about its type): the common, cheap case.
   */
  check(type: EventType, event: string | undefined, payload: JsonObject | undefined): PlanReport | null;
}

/** A report tied to what became of its message. */
export interface PlanFinding extends PlanReport {
  /** Index in Prepared.records when the message is to be stored; null when it was refused. */
  record: number | null;
}

export interface PlanReports {
  /** Counts and keeps findings; never throws and never delays the response. */
  report(source: string, findings: readonly PlanFinding[], at: number): void;
}
