import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransformSpecError } from './errors.js';
import { compileRemove } from './jolt-remove.js';

const remove = (spec: unknown, input: unknown): unknown => compileRemove(spec, 'test (remove)')(structuredClone(input) as Record<string, unknown>);

describe('remove', () => {
  it('removes the documented example', () => {
    const input = { '~emVersion': '2', id: '123124', productId: '31231231', submissionId: '34343', this: 'stays', configured: { a: 'b', c: 'd' } };
    const spec = { '~emVersion': '', productId: '', submissionId: '', configured: { c: '' } };
    assert.deepEqual(remove(spec, input), { id: '123124', this: 'stays', configured: { a: 'b' } });
  });

  it('descends through every key with "*"', () => {
    const input = { ratings: { Set1: { a: 'a', b: 'b' }, Set2: { c: 'c', b: 'b' } } };
    assert.deepEqual(remove({ ratings: { '*': { b: '' } } }, input), { ratings: { Set1: { a: 'a' }, Set2: { c: 'c' } } });
  });

  it('matches prefixed keys with "ratings_*", and removes everything with a lone "*"', () => {
    const input = { ratings_legacy: { Set1: 1, Set2: 2 }, ratings_new: { Set1: 1, Set2: 2 }, other: { Set1: 1 } };
    assert.deepEqual(remove({ 'ratings_*': { Set1: '' } }, input), { ratings_legacy: { Set2: 2 }, ratings_new: { Set2: 2 }, other: { Set1: 1 } });
    assert.deepEqual(remove({ context: { '*': '' } }, { context: { a: 1, b: 2 }, keep: 1 }), { context: {}, keep: 1 });
  });

  it('takes "a|b" as either key, and ignores keys that are not there', () => {
    assert.deepEqual(remove({ 'ip|userAgent': '', missing: '', nested: { deeper: '' } }, { ip: '1.2.3.4', userAgent: 'x', keep: 1 }), { keep: 1 });
  });

  it('removes array elements by index or pattern, and reaches into elements with "*"', () => {
    assert.deepEqual(remove({ tags: { '0': '', '2': '' } }, { tags: ['a', 'b', 'c', 'd'] }), { tags: ['b', 'd'] });
    assert.deepEqual(remove({ items: { '*': { secret: '' } } }, { items: [{ id: 1, secret: 's' }, { id: 2 }] }), { items: [{ id: 1 }, { id: 2 }] });
    assert.deepEqual(remove({ tags: { '*': '' } }, { tags: ['a', 'b'] }), { tags: [] });
  });

  it('rejects shift-only keys, naming the key', () => {
    assert.throws(() => compileRemove({ a: { '@x': '' } }, 'test (remove)'), (err: unknown) => err instanceof TransformSpecError && err.key === 'a.@x');
    assert.throws(() => compileRemove('timestamp', 'test (remove)'), /a remove spec is an object/);
  });
});
