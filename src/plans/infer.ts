// Drafts a tracking plan from stored events: one entry per track event name, and identify/page/screen/group when
// seen, each with the schema its payloads had. A draft to review (descriptions, owners, enums), not a verdict.
import type { EventType } from '../core/event.js';
import type { CallSection, JsonSchema, TrackingPlan } from './plan-file.js';
import { emptyShape, observe, type Shape, toSchema } from './shape.js';

/** What infer and diff read of a stored event. */
export interface ObservedEvent {
  type: EventType | string;
  event?: unknown;
  properties?: unknown;
  traits?: unknown;
}

const SECTION_FIELD: Record<CallSection, 'properties' | 'traits'> = { identify: 'traits', page: 'properties', screen: 'properties', group: 'traits' };

function isSection(type: string): type is CallSection {
  return type in SECTION_FIELD;
}

function describe(n: number): string {
  return `Seen ${n} time${n === 1 ? '' : 's'}; inferred from traffic, describe me.`;
}

/** Learns from events one at a time (they arrive page by page); `plan()` drafts the plan from what it saw. */
export class PlanInferrer {
  private readonly tracks = new Map<string, Shape>();
  private readonly sections = new Map<CallSection, Shape>();

  add(e: ObservedEvent): void {
    if (e.type === 'track' && typeof e.event === 'string') {
      let shape = this.tracks.get(e.event);
      if (shape === undefined) this.tracks.set(e.event, (shape = emptyShape()));
      observe(shape, e.properties ?? {});
    } else if (isSection(e.type)) {
      let shape = this.sections.get(e.type);
      if (shape === undefined) this.sections.set(e.type, (shape = emptyShape()));
      observe(shape, e[SECTION_FIELD[e.type]] ?? {});
    }
  }

  plan(name?: string): TrackingPlan {
    const payload = (shape: Shape): JsonSchema => ({ type: 'object', ...toSchema(shape) });
    const plan: TrackingPlan = { version: 1, events: {} };
    if (name !== undefined) plan.name = name;
    for (const key of [...this.tracks.keys()].sort()) {
      const shape = this.tracks.get(key)!;
      plan.events[key] = { description: describe(shape.seen), properties: payload(shape) };
    }
    for (const [section, field] of Object.entries(SECTION_FIELD) as [CallSection, 'properties' | 'traits'][]) {
      const shape = this.sections.get(section);
      if (shape === undefined) continue;
      plan[section] = { description: describe(shape.seen), [field]: payload(shape) };
    }
    return plan;
  }
}

export function inferPlan(events: Iterable<ObservedEvent>, name?: string): TrackingPlan {
  const inferrer = new PlanInferrer();
  for (const e of events) inferrer.add(e);
  return inferrer.plan(name);
}
