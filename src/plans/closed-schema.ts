// The "unplanned property" rule. A plan lists the properties it knows; a key it does not list is unplanned unless the
// schema says otherwise. So an object schema that lists `properties` and says nothing of additionalProperties is
// compiled as if it said `additionalProperties: false`, and ajv reports each extra key. Objects without a
// `properties` list stay open (a free-form object), and so does any schema next to a combinator, because closing
// one branch of allOf/anyOf/oneOf would refuse keys another branch allows.
import type { JsonSchema } from './plan-file.js';

const COMBINATORS = ['allOf', 'anyOf', 'oneOf', 'not', 'if'] as const;

function isSchema(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mapValues(v: unknown, f: (s: JsonSchema) => JsonSchema): unknown {
  if (!isSchema(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, s]) => [k, isSchema(s) ? f(s) : s]));
}

/** A copy of the schema with the implied `additionalProperties: false` written out. The input is not changed. */
export function closeSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  const combined = COMBINATORS.some((k) => k in schema);
  if (isSchema(schema.properties) && !('additionalProperties' in schema) && !('patternProperties' in schema) && !combined) {
    out.additionalProperties = false;
  }
  if (isSchema(schema.properties)) out.properties = mapValues(schema.properties, closeSchema);
  if (isSchema(schema.patternProperties)) out.patternProperties = mapValues(schema.patternProperties, closeSchema);
  if (isSchema(schema.additionalProperties)) out.additionalProperties = closeSchema(schema.additionalProperties);
  if (isSchema(schema.items)) out.items = closeSchema(schema.items);
  else if (Array.isArray(schema.items)) out.items = schema.items.map((s) => (isSchema(s) ? closeSchema(s) : s));
  if (isSchema(schema.additionalItems)) out.additionalItems = closeSchema(schema.additionalItems);
  if (isSchema(schema.$defs)) out.$defs = mapValues(schema.$defs, closeSchema);
  if (isSchema(schema.definitions)) out.definitions = mapValues(schema.definitions, closeSchema);
  return out;
}
