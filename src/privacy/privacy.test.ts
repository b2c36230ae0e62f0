import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldHasher, saltedHash } from './hashing.js';
import { Suppression } from './suppression.js';

const SALT = 'a-secret-salt-of-16+';

test('hash_fields replace scalars at their paths by the salted hash; missing paths and objects are left alone', () => {
  const h = new FieldHasher(['traits.email', 'context.traits.phone', 'properties.n', 'properties.obj', 'missing.path'], SALT);
  const e = { traits: { email: 'ada@example.com', name: 'Ada' }, context: { traits: { phone: '+441234' } }, properties: { n: 42, obj: { a: 1 } } };
  h.apply(e);
  assert.equal(e.traits.email, saltedHash(SALT, 'ada@example.com'));
  assert.match(e.traits.email, /^[0-9a-f]{64}$/);
  assert.equal(e.traits.name, 'Ada');
  assert.equal(e.context.traits.phone, saltedHash(SALT, '+441234'));
  assert.equal(e.properties.n as unknown, saltedHash(SALT, '42'));
  assert.deepEqual(e.properties.obj, { a: 1 });
  assert.notEqual(saltedHash('another-salt-0000000', 'ada@example.com'), saltedHash(SALT, 'ada@example.com'), 'the salt matters');
});

test('suppression matches an event by userId, anonymousId or previousId hash, and nothing while empty', () => {
  const s = new Suppression(SALT);
  assert.equal(s.matches({ userId: 'u' }), false);
  s.add([s.hash('u'), s.hash('a')]);
  assert.equal(s.matches({ userId: 'u' }), true);
  assert.equal(s.matches({ anonymousId: 'a' }), true);
  assert.equal(s.matches({ userId: 'other', previousId: 'a' }), true);
  assert.equal(s.matches({ userId: 'other', anonymousId: 'x' }), false);
  assert.equal(new Suppression('another-salt-0000000', [s.hash('u')]).matches({ userId: 'u' }), false, 'hashes of another salt do not match');
});
