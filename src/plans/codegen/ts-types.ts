// JSON Schema → TypeScript type text, for the generated client. Follows the same rule as enforcement: an object that
// lists its properties and says nothing of additionalProperties takes no other keys (no index signature), so what
// the compiler accepts is what the plan accepts, as far as types can say it (ranges, patterns and formats are left
// to the runtime check).
import type { JsonSchema } from '../plan-file.js';

interface Ctx {
  /** The schema `#` refers to. */
  root: JsonSchema;
  /** $refs being expanded: a recursive one becomes `unknown`. */
  expanding: Set<string>;
}

function isSchema(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** A JSDoc block for a description, or nothing. */
export function doc(description: unknown, indent: string): string {
  if (typeof description !== 'string' || description.trim() === '') return '';
  const lines = description.trim().replace(/\*\//g, '*\\/').split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

function literal(v: unknown): string {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v) ? JSON.stringify(v) : 'unknown';
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  if (unique.includes('unknown')) return 'unknown';
  return unique.length === 0 ? 'never' : unique.map((p) => (p.includes(' & ') ? `(${p})` : p)).join(' | ');
}

function resolveRef(ref: string, ctx: Ctx): JsonSchema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = ctx.root;
  for (const seg of ref.slice(1).split('/').filter((s) => s !== '')) {
    if (!isSchema(node)) return undefined;
    node = node[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return isSchema(node) ? node : undefined;
}

function objectType(s: JsonSchema, ctx: Ctx, indent: string): string {
  const props = isSchema(s.properties) ? s.properties : {};
  const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : []);
  const inner = `${indent}  `;
  const lines: string[] = [];
  for (const [key, child] of Object.entries(props)) {
    lines.push(`${doc(isSchema(child) ? child.description : undefined, inner)}${inner}${propertyKey(key)}${required.has(key) ? '' : '?'}: ${typeOf(child, ctx, inner)};`);
  }
  const listed = isSchema(s.properties);
  const extra = s.additionalProperties;
  if (extra === true || (extra === undefined && !listed) || isSchema(extra) || s.patternProperties !== undefined) {
    // An index signature must admit every listed property's type too: unknown, unless nothing is listed.
    const value = isSchema(extra) && Object.keys(props).length === 0 ? typeOf(extra, ctx, inner) : 'unknown';
    lines.push(`${inner}[key: string]: ${value};`);
  }
  return lines.length === 0 ? 'Record<string, never>' : `{\n${lines.join('\n')}\n${indent}}`;
}

function byType(t: string, s: JsonSchema, ctx: Ctx, indent: string): string {
  switch (t) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      if (Array.isArray(s.items)) return `[${s.items.map((i) => typeOf(i, ctx, indent)).join(', ')}]`;
      return isSchema(s.items) ? `Array<${typeOf(s.items, ctx, indent)}>` : 'unknown[]';
    case 'object':
      return objectType(s, ctx, indent);
    default:
      return 'unknown';
  }
}

export function typeOf(schema: unknown, ctx: Ctx, indent = ''): string {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  if (!isSchema(schema)) return 'unknown';
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(schema.$ref, ctx);
    if (target === undefined || ctx.expanding.has(schema.$ref)) return 'unknown';
    ctx.expanding.add(schema.$ref);
    const out = typeOf(target, ctx, indent);
    ctx.expanding.delete(schema.$ref);
    return out;
  }
  if ('const' in schema) return literal(schema.const);
  if (Array.isArray(schema.enum)) return union(schema.enum.map(literal));
  const alternatives = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (alternatives !== undefined) {
    const { anyOf: _a, oneOf: _o, ...base } = schema;
    const shared = Object.keys(base).some((k) => ['type', 'properties', 'items'].includes(k)) ? typeOf(base, ctx, indent) : undefined;
    const parts = union(alternatives.map((a) => typeOf(a, ctx, indent)));
    return shared === undefined ? parts : `${shared} & (${parts})`;
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf: _a, ...base } = schema;
    const parts = schema.allOf.map((a) => typeOf(a, ctx, indent));
    if (Object.keys(base).some((k) => ['type', 'properties', 'items'].includes(k))) parts.unshift(typeOf(base, ctx, indent));
    return parts.map((p) => (p.includes(' | ') ? `(${p})` : p)).join(' & ');
  }
  const t = schema.type;
  if (Array.isArray(t)) return union(t.map((x) => byType(String(x), schema, ctx, indent)));
  if (typeof t === 'string') return byType(t, schema, ctx, indent);
  if (isSchema(schema.properties)) return objectType(schema, ctx, indent);
  if (schema.items !== undefined) return byType('array', schema, ctx, indent);
  return 'unknown';
}

/** The type of a payload schema; `root` resolves its local $refs (#/$defs/…, #/definitions/…). */
export function payloadType(schema: JsonSchema, indent = ''): string {
  // The payload itself is being expanded: a `$ref: '#'` inside it is recursive.
  return typeOf({ type: 'object', ...schema }, { root: schema, expanding: new Set(['#']) }, indent);
}

/** Whether the payload must be passed at all: it lists a required key. */
export function hasRequired(schema: JsonSchema | undefined): boolean {
  return schema !== undefined && Array.isArray(schema.required) && schema.required.length > 0;
}
