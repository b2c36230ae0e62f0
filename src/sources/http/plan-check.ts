// The tracking-plan step of the ingest path, between per-type validation and serialization: asks the source's plan
// about the message's payload, stores the trimmed payload in omit mode, marks the event, or builds the refusal.
import { SluiceError } from '../../core/errors.js';
import type { EventType, JsonObject, TrackingEvent } from '../../core/event.js';
import { MARKER_MAX_VIOLATIONS, type PlanMarker } from '../../core/plan.js';
import type { PlanFinding, PlanGate, PlanReport } from '../plan-gate.js';
import type { CheckedMessage } from './validate.js';

/** A message refused by its source's plan; carries the finding so a single call's refusal is reported too. */
export class PlanBlockedError extends SluiceError {
  constructor(
    readonly finding: PlanFinding,
    message: string,
    opts: { field?: string; index?: number },
  ) {
    super('plan_violation', message, opts);
  }
}

const PAYLOAD_OF: Record<EventType, 'properties' | 'traits' | null> = {
  track: 'properties',
  page: 'properties',
  screen: 'properties',
  identify: 'traits',
  group: 'traits',
  alias: null,
};

export function checkAgainstPlan(plan: PlanGate, type: EventType, checked: CheckedMessage): PlanReport | null {
  const field = PAYLOAD_OF[type];
  if (field === null) return null;
  const report = plan.check(type, checked.event, checked[field]);
  if (report?.payload !== undefined) checked[field] = report.payload;
  return report;
}

/**
 * Puts the compact marker at context.sluice.plan, where functions, transforms and the `valid_only` filter read it.
 * The context is already the event's own copy (normalize copies it), so nothing of the request is changed.
 */
export function markPlanned(event: TrackingEvent, report: PlanReport): void {
  const shown = report.violations.slice(0, MARKER_MAX_VIOLATIONS).map((v) => {
    const entry: PlanMarker['violations'][number] = { kind: v.kind, path: v.path };
    if (report.omitted?.has(v)) entry.omitted = true;
    return entry;
  });
  const marker: PlanMarker = { valid: false, mode: report.mode === 'omit' ? 'omit' : 'allow', violations: shown };
  if (report.violations.length > shown.length) marker.more = report.violations.length - shown.length;
  const prior = event.context.sluice;
  event.context.sluice = typeof prior === 'object' && prior !== null && !Array.isArray(prior) ? { ...(prior as JsonObject), plan: marker } : { plan: marker };
}

/** A client may not claim a verdict: a marker it sent is dropped when the source has a plan and found nothing. */
export function dropClaimedMarker(event: TrackingEvent): void {
  const prior = event.context.sluice;
  if (typeof prior !== 'object' || prior === null || !('plan' in prior)) return;
  const { plan: _claimed, ...rest } = prior as JsonObject;
  if (Object.keys(rest).length === 0) delete event.context.sluice;
  else event.context.sluice = rest;
}

export function blockedError(report: PlanReport, index: number | undefined): PlanBlockedError {
  const first = report.violations[0]!;
  const more = report.violations.length > 1 ? ` (and ${report.violations.length - 1} more)` : '';
  const what = `${first.message}${more}`;
  const message = index === undefined ? `tracking plan: ${what}` : `item ${index}: tracking plan: ${what}`;
  const finding: PlanFinding = { ...report, record: null };
  return new PlanBlockedError(finding, message, index === undefined ? { field: first.path } : { field: first.path, index });
}
