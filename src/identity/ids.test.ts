import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlockList, identityFacts } from './ids.js';

const logged = (body: unknown, seq = 7) => ({ seq, source: 'web', messageId: 'm', type: 'track', receivedAt: 1_000, body: JSON.stringify(body) });

test('blocked values are never ids: built-in ones in any case and spacing, plus the configured ones', () => {
  const b = new BlockList(['Guest']);
  for (const v of ['', ' ', 'null', 'NULL', 'undefined', ' Undefined ', '0', 'anonymous', '[object Object]', 'guest']) assert.ok(b.has(v), v);
  for (const v of ['user-1', '00', 'anon-1']) assert.ok(!b.has(v), v);
});

test('identity facts: ids, alias previousId, identify traits, time from the timestamp; blocked ids counted', () => {
  const b = new BlockList();
  assert.deepEqual(identityFacts(logged({ type: 'identify', userId: 'u', anonymousId: 'undefined', traits: { a: 1 }, timestamp: '2026-01-01T00:00:00Z' }), b), {
    seq: 7,
    at: Date.parse('2026-01-01T00:00:00Z'),
    userId: 'u',
    traits: { a: 1 },
    blocked: 1,
  });
  assert.deepEqual(identityFacts(logged({ type: 'alias', userId: 'u', previousId: 'p' }), b), { seq: 7, at: 1_000, userId: 'u', previousId: 'p', blocked: 0 });
  // previousId outside alias and traits outside identify say nothing about identity.
  assert.deepEqual(identityFacts(logged({ type: 'track', anonymousId: 'a', previousId: 'p', traits: { x: 1 } }), b), { seq: 7, at: 1_000, anonymousId: 'a', blocked: 0 });
  assert.equal(identityFacts(logged({ type: 'track', event: 'x' }), b), null);
  assert.equal(identityFacts({ ...logged({}), body: 'not json' }, b), null);
  assert.deepEqual(identityFacts(logged({ type: 'track', userId: 'null' }), b), { seq: 7, at: 1_000, blocked: 1 });
});
