// Small helpers for JSON documents. Reads go through own properties only, so an input key such as "constructor" or
// "__proto__" is data, never something inherited from Object.prototype, and a write of "__proto__" stays a key.
import type { JsonObject } from '../../core/event.js';

export type Container = JsonObject | unknown[];

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

const INDEX = /^(?:0|[1-9][0-9]{0,8})$/;

/** The array index a key names ("0", "12"), or undefined for anything else ("01", "-1", "x"). */
export function arrayIndex(key: string): number | undefined {
  return INDEX.test(key) ? Number(key) : undefined;
}

/** The value under `key` in an object, or under the index `key` names in an array; undefined when absent. */
export function childOf(container: Container, key: string): unknown {
  if (Array.isArray(container)) {
    const index = arrayIndex(key);
    return index === undefined ? undefined : container[index];
  }
  return Object.hasOwn(container, key) ? container[key] : undefined;
}

/** Keys of a container as strings: an array's indices, an object's own keys. */
export function keysOf(container: Container): string[] {
  return Array.isArray(container) ? container.map((_, i) => String(i)) : Object.keys(container);
}

export function setKey(target: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A deep copy of a JSON value (objects, arrays, primitives). */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) setKey(out, key, cloneJson((value as JsonObject)[key]));
  return out as T;
}

/** "a string", "an array", …: for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
