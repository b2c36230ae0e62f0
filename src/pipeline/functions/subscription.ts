// Which stored events a function runs on: CloudEvents by type, Segment track calls by event name, optionally only
// from some Sluice sources. Decides from the record's columns first, so skipped events are rarely parsed.
import { CLOUDEVENT_TYPE } from '../../core/cloudevent.js';
import type { JsonObject, LogRecord } from '../../core/event.js';
import type { Subscription } from './config.js';

/** The event handed to the function, and its time (the cause's time for emitted calls). */
export interface SelectedEvent {
  event: JsonObject;
  time: string | undefined;
}

/** Exact names, or prefixes ending in `*`; `*` alone matches everything. */
export function matchesPattern(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? value.startsWith(p.slice(0, -1)) : value === p));
}

function stringField(obj: JsonObject, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' ? v : undefined;
}

/** Name of the function that emitted this Segment event, from context.sluice, if a function did. */
export function emittedBy(event: JsonObject): string | undefined {
  const context = event.context;
  if (typeof context !== 'object' || context === null) return undefined;
  const sluice = (context as JsonObject).sluice;
  if (typeof sluice !== 'object' || sluice === null) return undefined;
  return stringField(sluice as JsonObject, 'function');
}

/**
 * The event to run `fn` on, or null to skip it. A function never runs on its own output: a track subscription that
 * matches what the function emits would otherwise feed itself forever.
 */
export function selectEvent(sub: Subscription, fnName: string, record: Pick<LogRecord, 'source' | 'type' | 'body'>): SelectedEvent | null {
  if (sub.sources !== undefined && !sub.sources.includes(record.source)) return null;
  if (record.type === CLOUDEVENT_TYPE) {
    if (sub.types === undefined) return null;
    const event = JSON.parse(record.body) as JsonObject;
    const type = stringField(event, 'type');
    return type !== undefined && matchesPattern(sub.types, type) ? { event, time: stringField(event, 'time') } : null;
  }
  if (record.type === 'track') {
    if (sub.events === undefined) return null;
    const event = JSON.parse(record.body) as JsonObject;
    const name = stringField(event, 'event');
    if (name === undefined || !matchesPattern(sub.events, name) || emittedBy(event) === fnName) return null;
    return { event, time: stringField(event, 'timestamp') };
  }
  return null;
}
