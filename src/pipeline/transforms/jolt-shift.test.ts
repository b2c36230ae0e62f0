import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransformError } from '../../core/transform.js';
import { TransformSpecError } from './errors.js';
import { compileShift } from './jolt-shift.js';

const shift = (spec: unknown, input: unknown): unknown => compileShift(spec, 'test (shift)')(input as Record<string, unknown>);

describe('shift: the documented examples', () => {
  it('copies literal paths to dot-notation output paths', () => {
    const input = { rating: { quality: { value: 3, max: 5 } } };
    const spec = { rating: { quality: { value: 'SecondaryRatings.quality.Value', max: 'SecondaryRatings.quality.RatingRange' } } };
    assert.deepEqual(shift(spec, input), { SecondaryRatings: { quality: { Value: 3, RatingRange: 5 } } });
  });

  it('matches keys with *, refers to them with &1, writes them with $; literals win over *', () => {
    const input = { rating: { primary: { value: 3, max: 5 }, quality: { value: 3, max: 5 }, sharpness: { value: 7, max: 10 } } };
    const spec = {
      rating: {
        primary: { value: 'Rating', max: 'RatingRange' },
        '*': { value: 'SecondaryRatings.&1.Value', max: 'SecondaryRatings.&1.Range', $: 'SecondaryRatings.&1.Id' },
      },
    };
    assert.deepEqual(shift(spec, input), {
      Rating: 3,
      RatingRange: 5,
      SecondaryRatings: { quality: { Range: 5, Value: 3, Id: 'quality' }, sharpness: { Range: 10, Value: 7, Id: 'sharpness' } },
    });
  });

  it('captures parts of a key with "tag-*" and "tag-*-*", read with &(0,1) and &(0,2)', () => {
    assert.deepEqual(shift({ 'tag-*': 'tags.&(0,1)' }, { 'tag-Pro': 'Awesome', 'tag-Con': 'Bogus', other: 1 }), { tags: { Pro: 'Awesome', Con: 'Bogus' } });
    assert.deepEqual(shift({ 'tag-*-*': '&(0,2).&(0,1)' }, { 'tag-Foo-Bar': 1 }), { Bar: { Foo: 1 } });
    assert.deepEqual(shift({ 'tag-*': 'x' }, { 'tag-': 1 }), {}, 'a * in a longer pattern takes at least one character');
  });

  it('counts & levels up the tree: &0 is this key, &1 its parent, &2 the one above', () => {
    const input = { foo: { bar: { baz: 1 } } };
    assert.deepEqual(shift({ '*': { '*': { '*': 'out.&2-&1-&0' } } }, input), { out: { 'foo-bar-baz': 1 } });
    assert.deepEqual(shift({ '*': { '*': { '*': 'out.&(2,0).&' } } }, input), { out: { foo: { baz: 1 } } });
  });

  it('makes a list of input keys with $', () => {
    const input = { rating: { primary: { value: 3, max: 5 }, quality: { value: 3, max: 7 } } };
    assert.deepEqual(shift({ rating: { '*': { $: 'ratings' } } }, input), { ratings: ['primary', 'quality'] });
  });

  it('writes keys from further up with $1 and $(N,M)', () => {
    const input = { 'user-42': { orders: { o1: { total: 5 } } } };
    const spec = { 'user-*': { orders: { '*': { total: 'totals.&1', $2: 'owners.&1', '$(2,1)': 'ids.&1' } } } };
    assert.deepEqual(shift(spec, input), { totals: { o1: 5 }, owners: { o1: 'user-42' }, ids: { o1: '42' } });
  });

  it('writes a key and its value with $ and @', () => {
    assert.deepEqual(shift({ foo: { $: 'place.to.put.key', '@': 'place.to.put.value' } }, { foo: { a: 1 } }), {
      place: { to: { put: { key: 'foo', value: { a: 1 } } } },
    });
  });

  it('reads values elsewhere in the input with @(N,path)', () => {
    const input = { meta: { source: 'web' }, data: [{ id: 1 }, { id: 2 }] };
    const spec = { data: { '*': { id: 'items[&1].id', '@(2,meta.source)': 'items[&1].source' } } };
    assert.deepEqual(shift(spec, input), { items: [{ id: 1, source: 'web' }, { id: 2, source: 'web' }] });
  });

  it('uses a value as an output key with @(N,path) on the right', () => {
    const input = { people: [{ name: 'ann', age: 31 }, { name: 'bob', age: 42 }, { age: 7 }] };
    assert.deepEqual(shift({ people: { '*': { age: 'byName.@(1,name)' } } }, input), { byName: { ann: 31, bob: 42 } }, 'no name: that write is skipped');
  });

  it('matches either key with "a|b"', () => {
    const spec = { 'rating|Rating': 'rating-primary' };
    assert.deepEqual(shift(spec, { Rating: 3 }), { 'rating-primary': 3 });
    assert.deepEqual(shift(spec, { rating: 4 }), { 'rating-primary': 4 });
    assert.deepEqual(shift({ 'a|b*': 'x.&' }, { a: 1, bc: 2, c: 3 }), { x: { a: 1, bc: 2 } });
  });

  it('reads arrays in the input as maps with index keys', () => {
    assert.deepEqual(shift({ Photos: { '1': 'photo-&-url' } }, { Photos: ['AAA.jpg', 'BBB.jpg'] }), { 'photo-1-url': 'BBB.jpg' });
    assert.deepEqual(shift({ Photos: { '*': 'urls.&' } }, { Photos: ['AAA.jpg', 'BBB.jpg'] }), { urls: { '0': 'AAA.jpg', '1': 'BBB.jpg' } });
  });

  it('writes arrays with [N] and [&(0,1)], padding with null', () => {
    const input = { 'photo-1-id': '327704', 'photo-1-url': 'http://bob.com/0001/327704/photo.jpg' };
    assert.deepEqual(shift({ 'photo-1-id': 'Photos[1].Id', 'photo-1-url': 'Photos[1].Url' }, input), {
      Photos: [null, { Id: '327704', Url: 'http://bob.com/0001/327704/photo.jpg' }],
    });
    assert.deepEqual(shift({ 'photo-*-id': 'Photos[&(0,1)].Id', 'photo-*-url': 'Photos[&(0,1)].Url' }, input), {
      Photos: [null, { Id: '327704', Url: 'http://bob.com/0001/327704/photo.jpg' }],
    });
  });

  it('keeps array positions with [&1] and appends with []', () => {
    const input = { products: [{ sku: 'a', price: 1 }, { sku: 'b', price: 2 }] };
    assert.deepEqual(shift({ products: { '*': { sku: 'items[&1].id', price: 'items[&1].amount' } } }, input), {
      items: [{ id: 'a', amount: 1 }, { id: 'b', amount: 2 }],
    });
    assert.deepEqual(shift({ products: { '*': { sku: 'skus[]' } } }, input), { skus: ['a', 'b'] });
    assert.deepEqual(shift({ a: 'x[]' }, { a: [1, 2] }), { x: [[1, 2]] }, '[] appends the value as one element');
  });

  it('writes one input to several outputs with a list of paths', () => {
    assert.deepEqual(shift({ foo: ['bar', 'baz'] }, { foo: 3 }), { bar: 3, baz: 3 });
  });

  it('turns a place written twice into an array', () => {
    assert.deepEqual(shift({ foo: 'baz', tuna: 'baz' }, { foo: 'bar', tuna: 'marlin' }), { baz: ['bar', 'marlin'] });
    assert.deepEqual(shift({ a: 'x', b: 'x', c: 'x' }, { a: 1, b: 2, c: 3 }), { x: [1, 2, 3] });
  });

  it('tries longer * patterns first, then alphabetical; a lone * comes last', () => {
    const spec = { 'rating-*': 'short.&(0,1)', 'rating-range-*': 'long.&(0,1)', '*': 'rest.&' };
    assert.deepEqual(shift(spec, { 'rating-range-x': 1, 'rating-y': 2, z: 3 }), { long: { x: 1 }, short: { y: 2 }, rest: { z: 3 } });
  });

  it('leaves out input that no key matches', () => {
    assert.deepEqual(shift({ keep: 'kept' }, { keep: 1, drop: 2, nested: { x: 1 } }), { kept: 1 });
    assert.deepEqual(shift({ missing: 'x' }, { other: 1 }), {}, 'nothing matched: an empty document');
  });

  it('writes literals with #, and matches scalar values like keys (conditions)', () => {
    assert.deepEqual(shift({ hidden: { true: { '#disabled': 'clients.clientId' } } }, { hidden: true }), { clients: { clientId: 'disabled' } });
    assert.deepEqual(shift({ hidden: { true: { '#disabled': 'clients.clientId' } } }, { hidden: false }), {});
    const spec = { type: { track: { '@(2,event)': 'name' }, page: { '@(2,name)': 'name' } } };
    assert.deepEqual(shift(spec, { type: 'track', event: 'Signed Up', name: 'ignored' }), { name: 'Signed Up' });
    assert.deepEqual(shift(spec, { type: 'page', name: 'Home' }), { name: 'Home' });
    assert.deepEqual(shift({ code: { '*': { $: 'kind' } } }, { code: 42 }), { kind: '42' });
  });

  it('writes the whole value with the empty output path', () => {
    assert.deepEqual(shift({ properties: { '@': '' } }, { properties: { a: 1 }, other: 2 }), { a: 1 });
    assert.deepEqual(shift({ '@': '', '*': 'copy.&' }, { a: 1 }), { a: 1, copy: { a: 1 } });
  });

  it('escapes special characters with a backslash', () => {
    assert.deepEqual(shift({ '\\$ref': 'ref', 'a\\*b': 'star', 'c\\|d': 'bar', '\\@id': 'id' }, { $ref: 1, 'a*b': 2, 'c|d': 3, '@id': 4, axb: 5 }), { ref: 1, star: 2, bar: 3, id: 4 });
    assert.deepEqual(shift({ a: 'x\\.y.z' }, { a: 1 }), { 'x.y': { z: 1 } });
  });

  it('copies what it writes, so the output shares nothing with the input', () => {
    const input = { a: { list: [1] }, b: 2 };
    const out = shift({ a: ['x', 'y'], b: 'x.list' }, input) as { x: { list: number[] }; y: { list: number[] } };
    out.x.list.push(9);
    assert.deepEqual(input, { a: { list: [1] }, b: 2 });
    assert.deepEqual(out.y, { list: [1] });
  });

  it('treats "__proto__" and "constructor" as plain keys', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "x": {"constructor": 1}}') as Record<string, unknown>;
    const out = shift({ '*': 'copy.&', x: { constructor: 'ctor' }, missing: { constructor: 'no' } }, input) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(out.copy!), ['__proto__']);
    assert.equal(out.ctor, 1);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(out.copy), Object.prototype);
  });
});

describe('shift: errors', () => {
  const runError = (spec: unknown, input: unknown): TransformError => {
    try {
      shift(spec, input);
    } catch (err) {
      assert.ok(err instanceof TransformError, String(err));
      return err;
    }
    assert.fail('expected a TransformError');
  };

  it('names the transform and the input path when an output place holds a value of the other kind', () => {
    const err = runError({ a: 'x', b: { c: 'x.y' } }, { a: 'text', b: { c: 1 } });
    assert.equal(err.transform, 'test (shift)');
    assert.equal(err.path, 'b.c');
    assert.match(err.message, /output "x" holds a string, cannot write "x\.y"/);
  });

  it('rejects an [&N] index that is not a number', () => {
    const err = runError({ '*': 'list[&0]' }, { abc: 1 });
    assert.equal(err.path, 'abc');
    assert.match(err.message, /\[&0\] is "abc", not an array index/);
  });

  it('rejects an output that is not an object', () => {
    assert.match(runError({ a: '' }, { a: [1] }).message, /the output is an array, not an object/);
  });

  const specError = (spec: unknown): TransformSpecError => {
    try {
      compileShift(spec, 'test (shift)');
    } catch (err) {
      assert.ok(err instanceof TransformSpecError, String(err));
      return err;
    }
    assert.fail('expected a TransformSpecError');
  };

  it('checks the spec when compiling, naming the key', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ a: { b: 'x.&3' } }, 'a.b', /reaches 3 level\(s\) up, above the top/],
      [{ $: 'x' }, '$', /above the top/],
      [{ 'a*': 'x.&(0,2)' }, 'a*', /group 2, but the key at that level has 1 "\*"/],
      [{ a: 'x.*' }, 'a', /\* only matches input keys/],
      [{ a: {} }, 'a', /empty \{\}/],
      [{ a: 3 }, 'a', /expected an output path/],
      [{ a: ['x', 4] }, 'a', /output paths are strings, found a number/],
      [{ 'a|a': 'x' }, 'a|a', /appears twice/],
      [{ 'a&b': 'x' }, 'a&b', /& references are only valid in output paths/],
      [{ '@(1': 'x' }, '@(1', /write @, @path or @\(N,path\)/],
      [{ a: 'x[#2]' }, 'a', /\[#N\] indexes are not supported/],
      [{ a: 'x[y]' }, 'a', /not an array index/],
      [{ a: '[0]' }, 'a', /cannot start with \[ \]/],
      [{ a: 'x..y' }, 'a', /empty segment/],
      [{ $: { a: 'x' } }, '$', /cannot have keys below it/],
      [{ a: 'x[200000]' }, 'a', /above the limit/],
    ];
    for (const [spec, key, message] of cases) {
      const err = specError(spec);
      assert.equal(err.transform, 'test (shift)');
      assert.equal(err.key, key, JSON.stringify(spec));
      assert.match(err.message, message, JSON.stringify(spec));
    }
  });
});
