// A source's plan as the ingest path sees it (sources/plan-gate.ts): look the entry up, validate, and apply the
// source's mode. A conforming message costs one map lookup and one compiled validation, and allocates nothing.
import type { EventType, JsonObject } from '../core/event.js';
import type { PlanViolation } from '../core/plan.js';
import type { PlanGate, PlanReport } from '../sources/plan-gate.js';
import { checkPayload, type CompiledPayload, type CompiledPlan } from './compile.js';
import { omitPointers } from './omit.js';
import type { CallSection } from './plan-file.js';

export interface PlanEnforcement {
  /** What to do with a planned call that breaks its schema: store and flag, drop the offending keys, or refuse. */
  mode: 'allow' | 'omit' | 'block';
  /** What to do with a track event the plan does not name. */
  unplanned_events: 'allow' | 'block';
}

function unplannedEvent(name: string, enforcement: PlanEnforcement): PlanReport {
  const v: PlanViolation = { kind: 'unplanned_event', path: 'event', message: `event ${JSON.stringify(name)} is not in the tracking plan`, value: name };
  return { type: 'track', event: name, violations: [v], blocked: enforcement.unplanned_events === 'block', mode: enforcement.mode };
}

export function createPlanGate(compiled: CompiledPlan, enforcement: PlanEnforcement): PlanGate {
  const { mode } = enforcement;
  return {
    check(type: EventType, event: string | undefined, payload: JsonObject | undefined): PlanReport | null {
      let entry: CompiledPayload | undefined;
      if (type === 'track') {
        entry = compiled.events.get(event ?? '');
        if (entry === undefined) return unplannedEvent(event ?? '', enforcement);
      } else {
        entry = compiled.sections[type as CallSection];
        if (entry === undefined) return null;
      }
      const violations = checkPayload(entry, payload);
      if (violations === null) return null;
      const report: PlanReport = { type, event: type === 'track' ? event! : type, violations, blocked: mode === 'block', mode };
      if (mode === 'omit') {
        // A missing key cannot be dropped, nor can the payload itself: those stay flagged only.
        const omissible = violations.filter((v) => v.kind !== 'missing_required' && v.pointer !== '');
        if (omissible.length > 0) {
          const { payload: trimmed, removed } = omitPointers(payload ?? {}, omissible.map((v) => v.pointer));
          report.payload = trimmed;
          report.omitted = new Set(violations.filter((v) => removed.has(v.pointer)));
        }
      }
      return report;
    },
  };
}
