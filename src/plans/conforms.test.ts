// The interpreter that answers "does this payload follow its entry?" on every message must give ajv's answer: it is
// compared with ajv's compiled check on thousands of random schemas (within its subset) and payloads, from a fixed
// seed, and on the corners where a plain reading of the keywords would differ from ajv's code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAjv, FORMATS } from './ajv.js';
import { closeSchema } from './closed-schema.js';
import { codePoints, conforms, type Interned, toShape } from './conforms.js';
import type { JsonSchema } from './plan-file.js';

/** mulberry32: a small seeded generator, so a failure is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'c', 'd', 'sku'];
const STRINGS = ['', 'a', 'ab', 'abc', 'EUR', 'USD', '😀', '😀😀', 'a😀b', '\ud83d', 'x@y.io', 'not an email', '2025-01-15T10:00:00.000Z', '2025-13-01', '2025-01-15', '10:00:00', 'https://ex.com/a', 'c0a8b1f2-1d2e-4f3a-9b8c-7d6e5f4a3b2c', '127.0.0.1', 'host.example', 'A1'];
const NUMBERS = [-1, -0, 0, 0.5, 1, 2, 2.5, 3, 5, 10, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const PATTERNS = ['^a', 'b$', '^[A-Z][0-9]$', '^.{2}$', '\\p{L}'];
const TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'];

function schemaGen(r: () => number): (depth: number) => unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = (p: number): boolean => r() < p;
  const gen = (depth: number): unknown => {
    if (maybe(0.05)) return maybe(0.5);
    const s: JsonSchema = {};
    const type = depth <= 0 ? pick(TYPES.slice(0, 5)) : pick([...TYPES, 'object', 'none', 'multi']);
    if (type === 'multi') s.type = [pick(TYPES.filter((t) => t !== 'null')), 'null'];
    else if (type !== 'none') s.type = type;
    const kind = type === 'multi' || type === 'none' ? pick(TYPES) : type;
    if (maybe(0.1)) s.description = 'annotated';
    if (maybe(0.15)) s.enum = [pick(STRINGS), pick(NUMBERS.filter(Number.isFinite)), null, maybe(0.5)];
    else if (maybe(0.05)) s.const = pick([pick(STRINGS), 1, true, null]);
    if (kind === 'string') {
      if (maybe(0.4)) s.minLength = Math.floor(r() * 4);
      if (maybe(0.4)) s.maxLength = Math.floor(r() * 4);
      if (maybe(0.25)) s.pattern = pick(PATTERNS);
      if (maybe(0.3)) s.format = pick(Object.keys(FORMATS));
    } else if (kind === 'number' || kind === 'integer') {
      for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) if (maybe(0.3)) s[k] = pick([-1, 0, 1, 2.5, 3]);
    } else if (kind === 'array') {
      if (maybe(0.7)) s.items = gen(depth - 1);
      if (maybe(0.3)) s.minItems = Math.floor(r() * 3);
      if (maybe(0.3)) s.maxItems = Math.floor(r() * 3);
    } else if (kind === 'object') {
      if (maybe(0.8)) {
        const properties: Record<string, unknown> = {};
        for (const k of KEYS) if (maybe(0.5)) properties[k] = gen(depth - 1);
        s.properties = properties;
      }
      if (maybe(0.5)) s.required = KEYS.filter(() => maybe(0.3));
      if (maybe(0.3)) s.additionalProperties = maybe(0.5) ? maybe(0.5) : gen(depth - 1);
    }
    return s;
  };
  return gen;
}

function valueGen(r: () => number): (depth: number) => unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const gen = (depth: number): unknown => {
    const k = Math.floor(r() * (depth <= 0 ? 5 : 8));
    if (k === 0 || k === 5) return pick(STRINGS);
    if (k === 1) return pick(NUMBERS);
    if (k === 2) return pick([true, false]);
    if (k === 3) return null;
    if (k === 4) return r() < 0.1 ? undefined : pick(STRINGS);
    if (k === 6) return Array.from({ length: Math.floor(r() * 4) }, () => gen(depth - 1));
    const o: Record<string, unknown> = {};
    for (const key of KEYS) if (r() < 0.5) o[key] = gen(depth - 1);
    if (r() < 0.2) o.extra = gen(depth - 1);
    return o;
  };
  return gen;
}

/** A value built to follow the schema (mostly; random choices still break it now and then), else a random one. */
function conformingGen(r: () => number, random: (depth: number) => unknown): (schema: unknown, depth: number) => unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const gen = (schema: unknown, depth: number): unknown => {
    if (typeof schema !== 'object' || schema === null || r() < 0.05) return random(depth);
    const s = schema as JsonSchema;
    if (Array.isArray(s.enum)) return pick(s.enum as unknown[]);
    if ('const' in s) return s.const;
    const type = Array.isArray(s.type) ? pick(s.type as string[]) : (s.type as string | undefined) ?? pick(TYPES);
    switch (type) {
      case 'string': {
        const format = s.format === undefined ? undefined : FORMATS[s.format as string];
        const fits = STRINGS.filter((x) => format === undefined || (typeof format === 'function' ? format(x) : format.test(x)));
        return pick(fits.length > 0 ? fits : STRINGS);
      }
      case 'number':
      case 'integer':
        return pick(NUMBERS.filter(Number.isFinite).filter((n) => type === 'number' || Number.isInteger(n)));
      case 'boolean':
        return r() < 0.5;
      case 'null':
        return null;
      case 'array':
        return Array.from({ length: Math.floor(r() * 3) }, () => gen(s.items, depth - 1));
      default: {
        const o: Record<string, unknown> = {};
        const props = (s.properties ?? {}) as Record<string, unknown>;
        const required = (s.required ?? []) as string[];
        for (const key of KEYS) if (required.includes(key) || (key in props && r() < 0.6)) o[key] = gen(props[key] ?? s.additionalProperties, depth - 1);
        if (r() < 0.1) o.extra = random(depth - 1);
        return o;
      }
    }
  };
  return gen;
}

describe('conforms (the check run on every message)', () => {
  it("gives ajv's answer on random schemas and payloads", () => {
    const r = rng(20261202);
    const schemas = schemaGen(r);
    const values = valueGen(r);
    const conforming = conformingGen(r, values);
    const ajv = createAjv('check');
    // One cache of leaf Shapes for all the schemas, as for the entries of one plan: two leaves must share a Shape
    // only when they check the same thing.
    const interned: Interned = new Map();
    let compared = 0;
    let accepted = 0;
    for (let i = 0; i < 600; i++) {
      const raw = schemas(3);
      const schema = typeof raw === 'boolean' ? raw : closeSchema(raw as JsonSchema);
      const validate = ajv.compile(schema as JsonSchema);
      const shape = toShape(schema, interned);
      assert.notEqual(shape, null, `outside the subset: ${JSON.stringify(schema)}`);
      for (let j = 0; j < 40; j++) {
        const value = j % 2 === 0 ? values(3) : conforming(raw, 3);
        const expected = validate(value);
        assert.equal(conforms(shape!, value), expected, `schema ${JSON.stringify(schema)}\nvalue ${JSON.stringify(value)}`);
        compared++;
        if (expected) accepted++;
      }
    }
    // Both answers are well represented, or the comparison says little.
    assert.ok(accepted > compared * 0.2 && accepted < compared * 0.8, `${accepted} of ${compared} accepted`);
  });

  it('reads required and listed properties the way ajv does: a key with an undefined value is absent', () => {
    const shape = toShape(closeSchema({ type: 'object', required: ['a'], properties: { a: { type: 'string' }, b: { type: 'number' } } }))!;
    assert.equal(conforms(shape, { a: 'x' }), true);
    assert.equal(conforms(shape, { a: undefined }), false);
    assert.equal(conforms(shape, { a: 'x', b: undefined }), true);
    assert.equal(conforms(shape, { a: 'x', c: 1 }), false, 'unplanned key');
  });

  it('finds keys of an object with many of them (looked up through an index, not scanned)', () => {
    const names = Array.from({ length: 30 }, (_, i) => `p${i}`);
    const schema = closeSchema({ type: 'object', required: ['p29'], properties: Object.fromEntries(names.map((n, i) => [n, { type: i % 2 === 0 ? 'string' : 'integer' }])) });
    const shape = toShape(schema)!;
    const ajv = createAjv('check').compile(schema);
    const good = Object.fromEntries(names.map((n, i) => [n, i % 2 === 0 ? 's' : i]));
    for (const payload of [good, { ...good, p28: 1 }, { ...good, p29: 1.5 }, { p29: 3 }, { p1: 1 }, { ...good, q: 1 }]) assert.equal(conforms(shape, payload), ajv(payload), JSON.stringify(payload));
  });

  it('counts string length in code points, as JSON Schema does', () => {
    assert.equal(codePoints('a😀b'), 3);
    assert.equal(codePoints('\ud83d'), 1);
    assert.equal(codePoints('\ud83dx'), 2);
    const shape = toShape({ type: 'string', minLength: 2, maxLength: 2 })!;
    assert.equal(conforms(shape, '😀😀'), true);
    assert.equal(conforms(shape, '😀'), false);
    assert.equal(conforms(shape, 'a😀b'), false);
  });

  it('leaves to ajv any schema with a keyword it does not handle, or a property name Object.prototype answers for', () => {
    for (const schema of [
      { anyOf: [{ type: 'string' }, { type: 'number' }] },
      { type: 'object', properties: { a: { $ref: '#/$defs/a' } }, $defs: { a: { type: 'string' } } },
      { type: 'object', patternProperties: { '^x': { type: 'string' } } },
      { type: 'number', multipleOf: 3 },
      { type: 'array', items: [{ type: 'string' }] },
      { enum: [{ a: 1 }] },
      { type: 'object', properties: { constructor: { type: 'string' } } },
      { type: 'object', required: ['toString'] },
    ]) {
      assert.equal(toShape(schema), null, JSON.stringify(schema));
    }
  });
});
