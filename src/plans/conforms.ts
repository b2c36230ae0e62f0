// The yes/no question a planned source asks of every message ("does this payload follow its entry?"), answered by one
// small interpreter over a compact description of each entry's schema (a Shape), not by a compiled ajv function per
// event. Why: on a running server each of a 50-event plan's ajv functions is several KB of machine code, run once per
// matching event between the HTTP, storage and consumer code that evicts it, so nearly every call starts on cold
// code. Profiled under the plans bench (BENCHMARKS.md, "Tracking plans"): the gate took 7% of the event loop with 50
// distinct ajv functions, 1.4% when all 50 events shared one. This interpreter is the same few hundred bytes of code
// for every event; only the Shape (data) differs.
//
// It covers the keywords plans use most (type, properties, required, additionalProperties, items, enum, const, the
// number, string and array bounds, pattern, format). An entry whose schema uses any other keyword anywhere (anyOf,
// $ref, patternProperties, multipleOf...) keeps ajv's compiled check (compile.ts). Each keyword means what the ajv
// code generated for it does (see createAjv), down to `required` reading inherited members, so the answer is the
// same; and should they ever differ, a payload this refuses is looked at by ajv's describing validator, which has the
// last word. src/plans/conforms.test.ts compares both on random schemas and payloads.
import { FORMATS } from './ajv.js';
import type { JsonSchema } from './plan-file.js';

const NULL = 1;
const BOOLEAN = 2;
const OBJECT = 4;
const ARRAY = 8;
const NUMBER = 16;
const INTEGER = 32;
const STRING = 64;
const TYPE_BITS: Record<string, number> = { null: NULL, boolean: BOOLEAN, object: OBJECT, array: ARRAY, number: NUMBER, integer: INTEGER, string: STRING };

/** What a key means to its object: the schema of its value, and whether it is listed or required. */
interface Member {
  shape: Shape;
  /** Listed under `properties`: not an additional property. */
  listed: boolean;
  required: boolean;
}

/**
 * One schema, every field always present (one object layout for V8, so the interpreter's reads stay monomorphic).
 * An absent bound is one that never fails (−∞, +∞, 0); `true` is the Shape with nothing set.
 */
export interface Shape {
  /** The `false` schema: nothing conforms. */
  never: boolean;
  /** Allowed types as bits; 0: any. */
  types: number;
  /** enum (or const, as one value): primitives, compared with ===. */
  values: readonly unknown[] | null;
  minLength: number;
  maxLength: number;
  pattern: RegExp | null;
  format: RegExp | ((s: string) => boolean) | null;
  min: number;
  max: number;
  exclusiveMin: number;
  exclusiveMax: number;
  minItems: number;
  maxItems: number;
  items: Shape | null;
  /** Object keywords present (properties, required or additionalProperties). */
  object: boolean;
  /**
   * The keys the schema names, and what each means. Looked up by a scan while there are few: a short array of
   * names read in one or two cache lines costs less than a hash lookup on a server where this data is rarely cached.
   */
  keys: readonly string[];
  members: readonly Member[];
  /** Key → index in `members`, for an object with many keys; null when `keys` is scanned. */
  index: ReadonlyMap<string, number> | null;
  requiredCount: number;
  /** The schema of keys not listed under properties (the `false` Shape for `additionalProperties: false`); null: any. */
  additional: Shape | null;
}

/** Keywords that only annotate: they never make a payload fail. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$comment', 'readOnly', 'writeOnly']);

function blank(never: boolean): Shape {
  return {
    never,
    types: 0,
    values: null,
    minLength: 0,
    maxLength: Infinity,
    pattern: null,
    format: null,
    min: -Infinity,
    max: Infinity,
    exclusiveMin: -Infinity,
    exclusiveMax: Infinity,
    minItems: 0,
    maxItems: Infinity,
    items: null,
    object: false,
    keys: [],
    members: [],
    index: null,
    requiredCount: 0,
    additional: null,
  };
}

/** `true` (and `{}`): anything conforms. `false`: nothing does. */
const ANY: Shape = blank(false);
const NEVER: Shape = blank(true);

const isPrimitive = (v: unknown): boolean => v === null || typeof v !== 'object';
const isSchemaObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A name Object.prototype answers for: ajv reads `data[name]` (inherited members count), a for-in over keys does not. */
const inherited = (name: string): boolean => name in Object.prototype || name === '__proto__';

/**
 * Leaf Shapes already built, by what they check: `{ type: string }` and its like recur across a plan's events, and
 * one shared copy stays in cache where fifty would each be read cold.
 */
export type Interned = Map<string, Shape>;

/** Numeric bound keywords, each stored as is in the Shape field it names. */
const BOUNDS = {
  minimum: 'min',
  maximum: 'max',
  exclusiveMinimum: 'exclusiveMin',
  exclusiveMaximum: 'exclusiveMax',
  minLength: 'minLength',
  maxLength: 'maxLength',
  minItems: 'minItems',
  maxItems: 'maxItems',
} as const satisfies Record<string, keyof Shape>;

/** Sets one keyword on the Shape; false when the keyword (or its value) is not handled here. */
function applyKeyword(s: Shape, key: string, value: unknown, interned: Interned): boolean {
  if (Object.hasOwn(BOUNDS, key)) {
    s[BOUNDS[key as keyof typeof BOUNDS]] = value as number;
    return true;
  }
  switch (key) {
    case 'type':
      for (const name of Array.isArray(value) ? value : [value]) s.types |= TYPE_BITS[name as string] ?? 0;
      return true;
    case 'enum':
      if (!Array.isArray(value) || !value.every(isPrimitive)) return false;
      s.values = value;
      return true;
    case 'const':
      if (!isPrimitive(value)) return false;
      s.values = [value];
      return true;
    case 'pattern':
      // As ajv builds it (unicodeRegExp, its default): with the `u` flag.
      s.pattern = new RegExp(value as string, 'u');
      return true;
    case 'format':
      s.format = FORMATS[value as string] ?? null;
      return s.format !== null;
    case 'items':
      if (Array.isArray(value)) return false; // tuples
      s.items = toShape(value, interned);
      return s.items !== null;
    case 'properties':
    case 'required':
    case 'additionalProperties':
      s.object = true;
      return true;
    default:
      return ANNOTATIONS.has(key);
  }
}

/** Above this many named keys, a key is found through a Map rather than by scanning `keys`. */
const SCAN_KEYS = 12;

function objectKeywords(s: Shape, schema: JsonSchema, interned: Interned): boolean {
  const members = new Map<string, Member>();
  if (schema.properties !== undefined) {
    if (!isSchemaObject(schema.properties)) return false;
    for (const [name, propSchema] of Object.entries(schema.properties)) {
      const shape = toShape(propSchema, interned);
      if (shape === null || inherited(name)) return false;
      members.set(name, { shape, listed: true, required: false });
    }
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required)) return false;
    for (const name of new Set(schema.required as unknown[])) {
      if (typeof name !== 'string' || inherited(name)) return false;
      const m = members.get(name);
      if (m === undefined) members.set(name, { shape: ANY, listed: false, required: true });
      else m.required = true;
      s.requiredCount++;
    }
  }
  if (schema.additionalProperties !== undefined) {
    s.additional = toShape(schema.additionalProperties, interned);
    if (s.additional === null) return false;
  }
  s.keys = [...members.keys()];
  s.members = [...members.values()];
  if (s.keys.length > SCAN_KEYS) s.index = new Map(s.keys.map((k, i) => [k, i]));
  return true;
}

/** What a leaf schema checks, annotations left out: equal keys, equal Shapes. */
function leafKey(schema: JsonSchema): string {
  const checked = Object.entries(schema).filter(([k]) => !ANNOTATIONS.has(k));
  return JSON.stringify(checked.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The Shape of a schema ajv has compiled (so it is well-formed), or null when it uses anything not handled here:
 * then the entry keeps ajv's own check.
 */
export function toShape(schema: unknown, interned: Interned = new Map()): Shape | null {
  if (schema === true) return ANY;
  if (schema === false) return NEVER;
  if (!isSchemaObject(schema)) return null;
  const s = blank(false);
  for (const [key, value] of Object.entries(schema)) if (!applyKeyword(s, key, value, interned)) return null;
  if (s.object) return objectKeywords(s, schema, interned) ? s : null;
  if (s.items !== null) return s;
  const key = leafKey(schema);
  const known = interned.get(key);
  if (known !== undefined) return known;
  interned.set(key, s);
  return s;
}

/** String length in code points, as JSON Schema counts it (a surrogate pair is one character). */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}

function typeBits(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return STRING;
    case 'number':
      if (!Number.isFinite(v)) return 0;
      return Number.isInteger(v) ? NUMBER | INTEGER : NUMBER;
    case 'boolean':
      return BOOLEAN;
    case 'object':
      return v === null ? NULL : Array.isArray(v) ? ARRAY : OBJECT;
    default:
      return 0;
  }
}

function memberOf(s: Shape, key: string): Member | undefined {
  if (s.index !== null) {
    const i = s.index.get(key);
    return i === undefined ? undefined : s.members[i];
  }
  const keys = s.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return s.members[i];
  return undefined;
}

function objectConforms(s: Shape, o: Record<string, unknown>): boolean {
  let required = 0;
  for (const key in o) {
    const value = o[key];
    const m = memberOf(s, key);
    if (m === undefined || !m.listed) {
      if (s.additional !== null && !conforms(s.additional, value)) return false;
    }
    if (m === undefined || value === undefined) continue;
    if (m.required) required++;
    if (!conforms(m.shape, value)) return false;
  }
  return required === s.requiredCount;
}

/** Does the value follow the Shape? The same answer as ajv's validator of the schema it was made from. */
export function conforms(s: Shape, v: unknown): boolean {
  if (s.never) return false;
  if (s.types !== 0 && (typeBits(v) & s.types) === 0) return false;
  if (s.values !== null) {
    let found = false;
    for (let i = 0; i < s.values.length; i++) {
      if (s.values[i] === v) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  if (typeof v === 'string') {
    if (s.minLength > 0 || s.maxLength !== Infinity) {
      // Code points are at most the UTF-16 length and at least half of it: count them only when that decides.
      const n = v.length > s.maxLength || (v.length + 1) >> 1 < s.minLength ? codePoints(v) : v.length;
      if (n < s.minLength || n > s.maxLength) return false;
    }
    if (s.pattern !== null && !s.pattern.test(v)) return false;
    if (s.format !== null && !(typeof s.format === 'function' ? s.format(v) : s.format.test(v))) return false;
    return true;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return true;
    return v >= s.min && v <= s.max && v > s.exclusiveMin && v < s.exclusiveMax;
  }
  if (typeof v !== 'object' || v === null) return true;
  if (Array.isArray(v)) {
    if (v.length < s.minItems || v.length > s.maxItems) return false;
    if (s.items !== null) for (let i = 0; i < v.length; i++) if (!conforms(s.items, v[i])) return false;
    return true;
  }
  return !s.object || objectConforms(s, v as Record<string, unknown>);
}
