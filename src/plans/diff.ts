// Drift between a plan and the traffic: events sent that the plan does not name, planned events and calls never
// seen, and per event the properties that are unplanned, missing, of another type or out of range.
import type { PlanViolationKind } from '../core/plan.js';
import { checkPayload, type CompiledPayload, type CompiledPlan } from './compile.js';
import type { ObservedEvent } from './infer.js';
import { CALL_SECTIONS, type CallSection } from './plan-file.js';
import { foldPath } from './recorder.js';

export interface DriftItem {
  type: string;
  event: string;
  path: string;
  kind: Exclude<PlanViolationKind, 'unplanned_event'>;
  /** Events that had it. */
  count: number;
  message: string;
}

export interface Drift {
  /** Events examined. */
  examined: number;
  unplannedEvents: { event: string; count: number }[];
  /** Planned track events not seen at all. */
  unseenEvents: string[];
  /** Planned identify/page/screen/group sections not seen at all. */
  unseenCalls: CallSection[];
  items: DriftItem[];
}

/** Compares events with the plan one at a time (they arrive page by page); `drift()` reports. */
export class DriftFinder {
  private readonly unplanned = new Map<string, number>();
  private readonly seen = new Set<string>();
  private readonly items = new Map<string, DriftItem>();
  private examined = 0;

  constructor(private readonly compiled: CompiledPlan) {}

  add(e: ObservedEvent): void {
    this.examined++;
    let name: string;
    let entry: CompiledPayload | undefined;
    let payload: unknown;
    if (e.type === 'track' && typeof e.event === 'string') {
      name = e.event;
      entry = this.compiled.events.get(name);
      if (entry === undefined) {
        this.unplanned.set(name, (this.unplanned.get(name) ?? 0) + 1);
        return;
      }
      payload = e.properties;
    } else {
      const section = CALL_SECTIONS.find(([s]) => s === e.type);
      if (section === undefined) return;
      name = section[0];
      entry = this.compiled.sections[section[0]];
      if (entry === undefined) return;
      payload = e[section[1]];
    }
    this.seen.add(`${e.type}\u0000${name}`);
    // One count per event and place, however many array items broke the same rule.
    const counted = new Set<string>();
    for (const v of checkPayload(entry, payload) ?? []) {
      if (v.kind === 'unplanned_event') continue;
      const path = foldPath(v.path);
      const key = `${e.type}\u0000${name}\u0000${path}\u0000${v.kind}`;
      if (counted.has(key)) continue;
      counted.add(key);
      const item = this.items.get(key);
      if (item === undefined) this.items.set(key, { type: e.type, event: name, path, kind: v.kind, count: 1, message: v.message });
      else item.count++;
    }
  }

  drift(): Drift {
    return {
      examined: this.examined,
      unplannedEvents: [...this.unplanned].map(([event, count]) => ({ event, count })).sort((a, b) => b.count - a.count || a.event.localeCompare(b.event)),
      unseenEvents: [...this.compiled.events.keys()].filter((n) => !this.seen.has(`track\u0000${n}`)).sort(),
      unseenCalls: (Object.keys(this.compiled.sections) as CallSection[]).filter((s) => !this.seen.has(`${s}\u0000${s}`)),
      items: [...this.items.values()].sort((a, b) => a.event.localeCompare(b.event) || a.path.localeCompare(b.path) || a.kind.localeCompare(b.kind)),
    };
  }
}

export function diffPlan(compiled: CompiledPlan, events: Iterable<ObservedEvent>): Drift {
  const finder = new DriftFinder(compiled);
  for (const e of events) finder.add(e);
  return finder.drift();
}

export function hasDrift(d: Drift): boolean {
  return d.unplannedEvents.length > 0 || d.unseenEvents.length > 0 || d.unseenCalls.length > 0 || d.items.length > 0;
}

const KIND_TITLE: Record<DriftItem['kind'], string> = {
  unplanned_property: 'unplanned property',
  missing_required: 'missing required',
  type_mismatch: 'type mismatch',
  invalid_value: 'invalid value',
};

/** The report `sluice plan diff` prints. */
export function formatDrift(d: Drift): string {
  const lines: string[] = [`${d.examined} event(s) examined`];
  if (!hasDrift(d)) return `${lines[0]}; no drift: the traffic follows the plan\n`;
  if (d.unplannedEvents.length > 0) {
    lines.push('', 'Unplanned events (sent, not in the plan):');
    for (const u of d.unplannedEvents) lines.push(`  + ${u.event}  (${u.count})`);
  }
  if (d.unseenEvents.length > 0 || d.unseenCalls.length > 0) {
    lines.push('', 'Planned but not seen:');
    for (const n of d.unseenEvents) lines.push(`  - ${n}`);
    for (const s of d.unseenCalls) lines.push(`  - (${s})`);
  }
  if (d.items.length > 0) {
    lines.push('', 'Properties:');
    let current = '';
    for (const item of d.items) {
      const head = item.type === 'track' ? item.event : `(${item.type})`;
      if (head !== current) lines.push(`  ${(current = head)}`);
      lines.push(`    ${KIND_TITLE[item.kind].padEnd(18)} ${item.path}  (${item.count})  ${item.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
