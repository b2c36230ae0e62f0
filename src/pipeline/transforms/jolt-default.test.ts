import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransformSpecError } from './errors.js';
import { compileDefault } from './jolt-default.js';

const applyDefault = (spec: unknown, input: unknown): unknown => compileDefault(spec, 'test (default)')(structuredClone(input) as Record<string, unknown>);

describe('default', () => {
  it('fills the documented example: literals, "a|b" on present keys, "*" on every key', () => {
    const input = {
      Rating: 3,
      SecondaryRatings: { quality: { Range: 7, Value: 3, Id: 'quality' }, sharpness: { Value: 4, Id: 'sharpness' } },
    };
    const spec = {
      RatingRange: 5,
      SecondaryRatings: {
        'quality|value': { ValueLabel: null, Label: null, MaxLabel: 'Great', MinLabel: 'Terrible', DisplayType: 'NORMAL' },
        '*': { Range: 5, ValueLabel: null, Label: null, MaxLabel: 'High', MinLabel: 'Low', DisplayType: 'NORMAL' },
      },
    };
    assert.deepEqual(applyDefault(spec, input), {
      Rating: 3,
      RatingRange: 5,
      SecondaryRatings: {
        quality: { Range: 7, Value: 3, Id: 'quality', ValueLabel: null, Label: null, MaxLabel: 'Great', MinLabel: 'Terrible', DisplayType: 'NORMAL' },
        sharpness: { Range: 5, Value: 4, Id: 'sharpness', ValueLabel: null, Label: null, MaxLabel: 'High', MinLabel: 'Low', DisplayType: 'NORMAL' },
      },
    });
  });

  it('replaces missing and null values, keeps everything else', () => {
    assert.deepEqual(applyDefault({ a: 1, b: 2, c: 3, d: 4 }, { a: null, b: 0, c: false }), { a: 1, b: 0, c: false, d: 4 });
    assert.deepEqual(applyDefault({ tags: ['x'] }, { tags: [] }), { tags: [] }, 'an empty array is a value');
  });

  it('creates missing objects for literal keys, but "*" and "a|b" only touch keys that exist', () => {
    assert.deepEqual(applyDefault({ context: { app: { name: 'shop' } } }, {}), { context: { app: { name: 'shop' } } });
    assert.deepEqual(applyDefault({ 'x|y': { z: 1 }, '*': { seen: true } }, { y: {} }), { y: { z: 1, seen: true } });
    assert.deepEqual(applyDefault({ '*': 0 }, { a: null, b: 2 }), { a: 0, b: 2 });
  });

  it('leaves a value of the other kind alone', () => {
    assert.deepEqual(applyDefault({ context: { ip: '0.0.0.0' } }, { context: 'text' }), { context: 'text' });
    assert.deepEqual(applyDefault({ list: { a: 1 } }, { list: [1] }), { list: [1] });
  });

  it('handles arrays with "key[]": index keys pad the array, "*" reaches every element', () => {
    assert.deepEqual(applyDefault({ 'photos[]': { '2': { url: 'none', caption: '' } } }, {}), { photos: [null, null, { url: 'none', caption: '' }] });
    assert.deepEqual(applyDefault({ 'items[]': { '*': { qty: 1 } } }, { items: [{ qty: 3 }, {}] }), { items: [{ qty: 3 }, { qty: 1 }] });
    assert.deepEqual(applyDefault({ 'items[]': { '0': 'first' } }, { items: [null, 'b'] }), { items: ['first', 'b'] });
  });

  it('applies a literal before a wildcard, so the literal default wins', () => {
    assert.deepEqual(applyDefault({ '*': { plan: 'free' }, pro: { plan: 'pro' } }, { pro: {}, basic: {} }), { pro: { plan: 'pro' }, basic: { plan: 'free' } });
  });

  it('writes a fresh copy of the default each time', () => {
    const run = compileDefault({ context: { tags: ['a'] } }, 'test (default)');
    const first = run({}) as { context: { tags: string[] } };
    first.context.tags.push('changed');
    assert.deepEqual(run({}), { context: { tags: ['a'] } });
  });

  it('rejects partial wildcards and non-index keys under an array, naming the key', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ a: { 'b*': 1 } }, 'a.b*', /only as a whole key/],
      [{ 'list[]': { name: 1 } }, 'list[].name', /"name" is not an index/],
      [{ '$x': 1 }, '$x', /only work in shift/],
      [{ 'a|a': 1 }, 'a|a', /appears twice/],
    ];
    for (const [spec, key, message] of cases) {
      assert.throws(() => compileDefault(spec, 'test (default)'), (err: unknown) => err instanceof TransformSpecError && err.key === key && message.test(err.message), JSON.stringify(spec));
    }
  });
});
