import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { TransformError } from '../../core/transform.js';
import { hashStep, renameStep, setStep, whereStep } from './verbs.js';

const KEY = 'a-secret-of-32-characters-long!!';
const hmac = (value: string, algorithm = 'sha256'): string => createHmac(algorithm, KEY).update(value).digest('hex');

describe('rename', () => {
  it('moves a value between dot paths, creating objects and replacing what is there', () => {
    const doc = { properties: { revenue: 10, amount: 1 } };
    assert.deepEqual(renameStep({ from: 'properties.revenue', to: 'properties.amount' }, 'r').run(doc), { properties: { amount: 10 } });
    assert.deepEqual(renameStep({ from: 'userId', to: 'user.id' }, 'r').run({ userId: 'u1' }), { user: { id: 'u1' } });
  });

  it('does nothing when the value is missing, and moves null like any value', () => {
    assert.deepEqual(renameStep({ from: 'a.b', to: 'c' }, 'r').run({ a: 1 }), { a: 1 });
    assert.deepEqual(renameStep({ from: 'a', to: 'c' }, 'r').run({ a: null }), { c: null });
  });

  it('throws a TransformError naming the transform and the target path', () => {
    assert.throws(
      () => renameStep({ from: 'a', to: 'context.app' }, 'transforms[3] (rename)').run({ a: 1, context: 'x' }),
      (err: unknown) => err instanceof TransformError && err.transform === 'transforms[3] (rename)' && err.path === 'context.app' && /"context" holds a string/.test(err.message),
    );
  });
});

describe('set', () => {
  it('writes a value, creating objects; each event gets its own copy', () => {
    const step = setStep({ path: 'context.app', value: { name: 'shop', tags: ['a'] } }, 's');
    const first = step.run({}) as { context: { app: { tags: string[] } } };
    first.context.app.tags.push('b');
    assert.deepEqual(step.run({ context: { ip: '1.2.3.4' } }), { context: { ip: '1.2.3.4', app: { name: 'shop', tags: ['a'] } } });
  });

  it('throws naming the path when a scalar is in the way', () => {
    assert.throws(() => setStep({ path: 'a.b', value: 1 }, 'transforms[0] (set)').run({ a: 2 }), /transforms\[0\] \(set\) at a\.b: cannot set: "a" holds a number/);
  });
});

describe('filter and drop', () => {
  it('filter keeps matching documents, drop removes them', () => {
    const doc = { type: 'track', event: 'Order Completed' };
    assert.equal(whereStep({ type: ['track', 'page'] }, true).run(doc), doc);
    assert.equal(whereStep({ type: 'identify' }, true).run(doc), null);
    assert.equal(whereStep({ event: 'Order Completed' }, false).run(doc), null);
    assert.equal(whereStep({ event: 'Other' }, false).run(doc), doc);
  });
});

describe('hash', () => {
  it('replaces strings and numbers with the hex HMAC of their text', () => {
    const doc = { userId: 'u1', traits: { email: 'a@example.com', phone: 5551234 } };
    assert.deepEqual(hashStep({ paths: ['userId', 'traits.email', 'traits.phone'], key: KEY }, 'h').run(doc), {
      userId: hmac('u1'),
      traits: { email: hmac('a@example.com'), phone: hmac('5551234') },
    });
  });

  it('uses the chosen algorithm', () => {
    assert.deepEqual(hashStep({ paths: ['userId'], key: KEY, algorithm: 'sha512' }, 'h').run({ userId: 'u1' }), { userId: hmac('u1', 'sha512') });
  });

  it('skips missing and null values', () => {
    assert.deepEqual(hashStep({ paths: ['userId', 'traits.email'], key: KEY }, 'h').run({ userId: null }), { userId: null });
  });

  it('fails closed on a value it cannot hash, naming the transform and path', () => {
    assert.throws(
      () => hashStep({ paths: ['traits.email'], key: KEY }, 'transforms[2] (hash)').run({ traits: { email: { value: 'a@example.com' } } }),
      (err: unknown) => err instanceof TransformError && err.message === 'transforms[2] (hash) at traits.email: expected a string or number to hash, found an object',
    );
  });
});
