// Typed reads from a document of unknown shape. Transforms may have changed anything, so a mapping never trusts a
// field's type: a value of the wrong type reads as absent instead of reaching the API (or crashing the mapping).
import type { JsonObject } from '../../core/event.js';

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path (`context.os.name`), or undefined when any step is missing or not an object. */
export function at(doc: unknown, path: string): unknown {
  let here: unknown = doc;
  for (const key of path.split('.')) {
    if (!isObject(here)) return undefined;
    here = here[key];
  }
  return here;
}

/** A non-empty string, or undefined. */
export function str(doc: unknown, path: string): string | undefined {
  const value = at(doc, path);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A finite number, or undefined. */
export function num(doc: unknown, path: string): number | undefined {
  const value = at(doc, path);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function bool(doc: unknown, path: string): boolean | undefined {
  const value = at(doc, path);
  return typeof value === 'boolean' ? value : undefined;
}

export function obj(doc: unknown, path: string): JsonObject | undefined {
  const value = at(doc, path);
  return isObject(value) ? value : undefined;
}

/** Milliseconds since the epoch of an ISO 8601 string at `path`, or undefined when absent or unparseable. */
export function timeMs(doc: unknown, path: string): number | undefined {
  const value = str(doc, path);
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Copies the entries whose value is not undefined, so optional fields are left out of the JSON rather than null. */
export function defined(entries: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(entries)) if (value !== undefined) out[key] = value;
  return out;
}
