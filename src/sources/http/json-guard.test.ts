import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../core/errors.js';
import { guardJson, parseGuardedJson } from './json-guard.js';

const DEPTH = 32;
const STRING = 8 * 1024;

function guard(json: string, maxDepth = DEPTH, maxString = STRING): void {
  guardJson(Buffer.from(json, 'utf8'), maxDepth, maxString);
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof SluiceError, `expected a SluiceError, got ${String(err)}`);
    return err.code;
  }
}

/** `depth` levels of arrays, counting the outermost as 1. */
const arrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
/** `depth` levels of objects: {"a":{"a":...{}}}. */
const objects = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

describe('guardJson: depth', () => {
  it('accepts nesting exactly at the limit and rejects one level over, for arrays, objects and a mix', () => {
    assert.equal(code(() => guard(arrays(DEPTH))), undefined);
    assert.equal(code(() => guard(arrays(DEPTH + 1))), 'too_deep');
    assert.equal(code(() => guard(objects(DEPTH))), undefined);
    assert.equal(code(() => guard(objects(DEPTH + 1))), 'too_deep');
    const mixed = (depth: number): string => '{"a":['.repeat(depth / 2) + ']}'.repeat(depth / 2);
    assert.equal(code(() => guard(mixed(DEPTH))), undefined);
    assert.equal(code(() => guard(`[${mixed(DEPTH)}]`)), 'too_deep');
  });

  it('counts the body itself as depth 1', () => {
    assert.equal(code(() => guard('{}', 1)), undefined);
    assert.equal(code(() => guard('{"a":{}}', 1)), 'too_deep');
    assert.equal(code(() => guard('{"a":1,"b":[1,2]}', 2)), undefined);
  });

  it('measures depth, not the number of containers: wide and long bodies pass', () => {
    const wide = `[${Array.from({ length: 5000 }, () => arrays(DEPTH - 1)).join(',')}]`;
    assert.equal(code(() => guard(wide)), undefined);
  });

  it('rejects 10,000 levels of nesting at once, without recursion', () => {
    for (const hostile of [arrays(10_000), objects(10_000), '['.repeat(10_000)]) {
      const started = performance.now();
      assert.equal(code(() => guard(hostile)), 'too_deep');
      assert.ok(performance.now() - started < 500, 'fast');
    }
  });

  it('does not count brackets or braces inside strings, keys included', () => {
    assert.equal(code(() => guard(JSON.stringify({ text: '[[[[[[[[[[{{{{{{{{{{'.repeat(10) }), 2)), undefined);
    assert.equal(code(() => guard(JSON.stringify({ ['{[{[{[']: ']]]]}}}}' }), 1)), undefined);
    assert.equal(code(() => guard(JSON.stringify(['}}}}]]]]', { a: '[' }]), 2)), undefined);
    assert.equal(code(() => guard(JSON.stringify(['}}}}]]]]', { a: ['['] }]), 2)), 'too_deep', 'closers in a string do not lower the depth');
  });

  it('does not end a string at an escaped quote, and does end it after an escaped backslash', () => {
    // "a\"[[[" is one string: the brackets are inside it.
    assert.equal(code(() => guard(String.raw`{"k":"a\"[[[[[[[["}`, 1)), undefined);
    // "a\\" ends at the second quote: the brackets after it are structure.
    assert.equal(code(() => guard(String.raw`{"k":"a\\","l":[[1]]}`, 2)), 'too_deep');
    assert.equal(code(() => guard(String.raw`{"k":"a\\","l":[[1]]}`, 3)), undefined);
    assert.equal(code(() => guard(String.raw`["\\\"[[[[", "\u005b\n\t\/"]`, 1)), undefined);
  });
});

describe('guardJson: string length', () => {
  it('accepts a string exactly at the limit and rejects one byte over, for values and keys', () => {
    assert.equal(code(() => guard(JSON.stringify({ s: 'x'.repeat(STRING) }))), undefined);
    assert.equal(code(() => guard(JSON.stringify({ s: 'x'.repeat(STRING + 1) }))), 'string_too_long');
    assert.equal(code(() => guard(JSON.stringify({ ['k'.repeat(STRING + 1)]: 1 }))), 'string_too_long');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const half = STRING / 2;
    assert.equal(code(() => guard(JSON.stringify({ s: 'é'.repeat(half) }))), undefined, `${half} two-byte characters fit`);
    assert.equal(code(() => guard(JSON.stringify({ s: 'é'.repeat(half + 1) }))), 'string_too_long');
    assert.equal(code(() => guard(JSON.stringify({ s: '😀'.repeat(STRING / 4 + 1) }))), 'string_too_long');
  });

  it('counts escapes by their encoded length', () => {
    const six = '\\u00e9'; // six bytes on the wire for one character
    assert.equal(code(() => guard(`{"s":"${six.repeat(10)}"}`, DEPTH, 60)), undefined);
    assert.equal(code(() => guard(`{"s":"${six.repeat(10)}x"}`, DEPTH, 60)), 'string_too_long');
    assert.equal(code(() => guard(`{"s":"${'\\"'.repeat(30)}"}`, DEPTH, 60)), undefined, 'escaped quotes do not end the string');
    assert.equal(code(() => guard(`{"s":"${'\\"'.repeat(31)}"}`, DEPTH, 60)), 'string_too_long');
  });

  it('rejects a 400 KB string quickly', () => {
    const started = performance.now();
    assert.equal(code(() => guard(JSON.stringify({ s: 'x'.repeat(400 * 1024) }))), 'string_too_long');
    assert.ok(performance.now() - started < 500);
  });

  it('names the limit in the message', () => {
    assert.throws(() => guard(JSON.stringify({ s: 'x'.repeat(20) }), DEPTH, 10), /limit is 10/);
    assert.throws(() => guard(arrays(5), 4), /deeper than 4 levels/);
  });
});

describe('parseGuardedJson', () => {
  it('parses what passes the guard', () => {
    assert.deepEqual(parseGuardedJson(Buffer.from('{"a":[1,"[\\"]"],"b":"ü"}'), DEPTH, STRING), { a: [1, '["]'], b: 'ü' });
  });

  it('answers invalid_json for malformed bodies, including an unterminated string', () => {
    for (const bad of ['{"a":', '{"a":1,}', 'nope', '{"a":"unterminated', '"\\', '']) {
      assert.equal(code(() => parseGuardedJson(Buffer.from(bad), DEPTH, STRING)), 'invalid_json', JSON.stringify(bad));
    }
  });

  it('reports the guard before parsing', () => {
    assert.equal(code(() => parseGuardedJson(Buffer.from(arrays(DEPTH + 1)), DEPTH, STRING)), 'too_deep');
    assert.equal(code(() => parseGuardedJson(Buffer.from(`["${'x'.repeat(STRING + 1)}"`), DEPTH, STRING)), 'string_too_long');
  });
});
