// Which events a destination wants: by type, by track event name, by source, and (valid_only) whether the event
// follows its source's tracking plan. Empty or absent lists match all.
import type { JsonObject } from '../../core/event.js';
import { violatesPlan } from '../../core/plan.js';

export interface EventFilterConfig {
  types?: string[] | undefined;
  events?: string[] | undefined;
  sources?: string[] | undefined;
  /** Skip events marked as breaking their source's tracking plan (context.sluice.plan.valid === false). */
  valid_only?: boolean | undefined;
}

export type EventFilter = (source: string, type: string, doc: JsonObject) => boolean;

export function compileFilter(f: EventFilterConfig): EventFilter {
  const types = f.types?.length ? new Set(f.types) : null;
  const events = f.events?.length ? new Set(f.events) : null;
  const sources = f.sources?.length ? new Set(f.sources) : null;
  const validOnly = f.valid_only === true;
  if (!types && !events && !sources && !validOnly) return () => true;
  return (source, type, doc) => {
    if (sources && !sources.has(source)) return false;
    if (types && !types.has(type)) return false;
    // An event-name filter applies to track calls (and CloudEvents by their type); other calls have no name to match.
    if (events) {
      const name = type === 'track' ? doc.event : type === 'cloudevent' ? doc.type : undefined;
      if (typeof name !== 'string' || !events.has(name)) return false;
    }
    if (validOnly && violatesPlan(doc)) return false;
    return true;
  };
}
