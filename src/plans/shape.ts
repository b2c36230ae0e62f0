// Learns a JSON Schema from values seen: the types each key took, which keys every object had (required), what
// arrays held, and whether every string was an ISO 8601 time. Used to draft a plan from traffic (infer.ts).
import type { JsonSchema } from './plan-file.js';

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'object' | 'array';

export interface Shape {
  /** Values seen at this place. */
  seen: number;
  types: Set<JsonType>;
  /** Objects seen at this place, and the keys they had. */
  objects: number;
  props: Map<string, Shape>;
  items: Shape | null;
  /** Strings seen, and how many of them looked like a date-time. */
  strings: number;
  dateTimes: number;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Keys per object learned at most; a map keyed by ids is not a schema. */
const MAX_KEYS = 200;

export function emptyShape(): Shape {
  return { seen: 0, types: new Set(), objects: 0, props: new Map(), items: null, strings: 0, dateTimes: 0 };
}

export function observe(shape: Shape, value: unknown): void {
  shape.seen++;
  if (value === null || value === undefined) {
    shape.types.add('null');
  } else if (Array.isArray(value)) {
    shape.types.add('array');
    shape.items ??= emptyShape();
    for (const item of value) observe(shape.items, item);
  } else if (typeof value === 'object') {
    shape.types.add('object');
    shape.objects++;
    for (const [k, v] of Object.entries(value)) {
      let child = shape.props.get(k);
      if (child === undefined) {
        if (shape.props.size >= MAX_KEYS) continue;
        child = emptyShape();
        shape.props.set(k, child);
      }
      observe(child, v);
    }
  } else if (typeof value === 'string') {
    shape.types.add('string');
    shape.strings++;
    if (DATE_TIME.test(value)) shape.dateTimes++;
  } else if (typeof value === 'number') {
    shape.types.add(Number.isInteger(value) ? 'integer' : 'number');
  } else if (typeof value === 'boolean') {
    shape.types.add('boolean');
  }
}

const ORDER: JsonType[] = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];

export function toSchema(shape: Shape): JsonSchema {
  const types = new Set(shape.types);
  if (types.has('number')) types.delete('integer'); // 3 and 2.5 at one place: a number
  const list = ORDER.filter((t) => types.has(t));
  const out: JsonSchema = {};
  if (list.length === 1) out.type = list[0];
  else if (list.length > 1) out.type = list;
  if (types.has('string') && shape.strings > 0 && shape.dateTimes === shape.strings) out.format = 'date-time';
  if (types.has('object')) {
    const keys = [...shape.props.keys()].sort();
    out.properties = Object.fromEntries(keys.map((k) => [k, toSchema(shape.props.get(k)!)]));
    const required = keys.filter((k) => shape.props.get(k)!.seen === shape.objects);
    if (required.length > 0) out.required = required;
  }
  if (types.has('array') && shape.items !== null && shape.items.seen > 0) out.items = toSchema(shape.items);
  return out;
}
