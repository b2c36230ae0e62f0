// The tracker's pure helpers: UTM parameters into Segment's context.campaign, and message ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { campaign, uuid } from '../../web/tracker/page-context.js';

test('UTM parameters become context.campaign with Segment’s names', () => {
  assert.deepEqual(campaign('?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=b&x=1'), {
    source: 'news',
    medium: 'email',
    name: 'spring',
    term: 'shoes',
    content: 'b',
  });
  assert.equal(campaign('?x=1&utm_source='), undefined, 'no campaign without a non-empty UTM parameter');
  assert.equal(campaign(''), undefined);
});

test('message ids are random v4 UUIDs', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => uuid()));
  assert.equal(ids.size, 1000);
  for (const id of [...ids].slice(0, 50)) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
