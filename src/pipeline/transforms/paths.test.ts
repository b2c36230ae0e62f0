import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deleteAt, dotPathProblem, getAt, parseDotPath, setAt } from './paths.js';

describe('dot paths', () => {
  it('split on dots; a backslash escapes a dot or a backslash', () => {
    assert.deepEqual(parseDotPath('properties.revenue'), ['properties', 'revenue']);
    assert.deepEqual(parseDotPath('context.page\\.url'), ['context', 'page.url']);
    assert.deepEqual(parseDotPath('a\\\\.b'), ['a\\', 'b']);
  });

  it('say what is wrong with a bad path', () => {
    assert.match(dotPathProblem('')!, /empty/);
    assert.match(dotPathProblem('a..b')!, /empty segment/);
    assert.match(dotPathProblem('.a')!, /empty segment/);
    assert.match(dotPathProblem('a\\')!, /lone backslash/);
    assert.equal(dotPathProblem('a\\\\'), undefined);
    assert.throws(() => parseDotPath('a.'), /"a\.": a path has an empty segment/);
  });

  it('read objects and arrays, own keys only', () => {
    const doc = { products: [{ sku: 'a' }], n: null };
    assert.equal(getAt(doc, ['products', '0', 'sku']), 'a');
    assert.equal(getAt(doc, ['products', '1', 'sku']), undefined);
    assert.equal(getAt(doc, ['n', 'x']), undefined);
    assert.equal(getAt(doc, ['constructor']), undefined);
    assert.equal(getAt(doc, ['products', 'length']), undefined);
  });

  it('write, creating objects on the way and replacing null; refuse to write inside a scalar', () => {
    const doc: Record<string, unknown> = { a: null, s: 'text', list: [1] };
    assert.equal(setAt(doc, ['a', 'b', 'c'], 1), undefined);
    assert.equal(setAt(doc, ['list', '1'], 2), undefined);
    assert.deepEqual(doc, { a: { b: { c: 1 } }, s: 'text', list: [1, 2] });
    assert.match(setAt(doc, ['s', 'x'], 1)!, /"s" holds a string, not an object/);
    assert.match(setAt(doc, ['list', '5'], 1)!, /"list" is an array of 2, and "5" is not an index in it/);
  });

  it('delete, splicing array elements', () => {
    const doc: Record<string, unknown> = { a: { b: 1 }, list: [1, 2, 3] };
    assert.equal(deleteAt(doc, ['a', 'b']), 1);
    assert.equal(deleteAt(doc, ['list', '0']), 1);
    assert.equal(deleteAt(doc, ['missing', 'x']), undefined);
    assert.deepEqual(doc, { a: {}, list: [2, 3] });
  });
});
