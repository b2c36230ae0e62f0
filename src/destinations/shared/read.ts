// Typed reads from a document of unknown shape. Transforms may have changed anything, so a mapping never trusts a
// field's type: a value of the wrong type reads as absent instead of reaching the API (or crashing the mapping).
import type { JsonObject } from '../../core/event.js';

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Dotted paths split once. The mappings read the same few dozen constant paths for every event; splitting them again
 * on each read was a fifth of a destination runner's CPU.
 */
const splitPaths = new Map<string, readonly string[]>();

/** The value at a dotted path (`context.os.name`), or undefined when any step is missing or not an object. */
export function at(doc: unknown, path: string): unknown {
  if (!path.includes('.')) return isObject(doc) ? doc[path] : undefined;
  let keys = splitPaths.get(path);
  if (keys === undefined) splitPaths.set(path, (keys = path.split('.')));
  let here: unknown = doc;
  for (let i = 0; i < keys.length; i++) {
    if (!isObject(here)) return undefined;
    here = here[keys[i]!];
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
  // for…in over a literal's own keys, not Object.entries: no array of pairs per call.
  for (const key in entries) if (entries[key] !== undefined) out[key] = entries[key];
  return out;
}

/** Sets `key` when `value` is defined, so optional fields are left out of the JSON rather than null. */
export function put(out: JsonObject, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

/**
 * Copies the own keys of `from` onto `out`, as `{ ...out, ...from }` would (a key already there keeps its place and
 * takes the new value), without making a new object. "__proto__" from parsed JSON is copied as a key, as a spread does.
 */
export function copyInto(out: JsonObject, from: JsonObject): void {
  for (const key in from) {
    if (!Object.hasOwn(from, key)) continue;
    if (key === '__proto__') Object.defineProperty(out, key, { value: from[key], enumerable: true, writable: true, configurable: true });
    else out[key] = from[key];
  }
}
