// How the dashboard reads bucket times and shows change against the previous period.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatChange, toMs } from '../../web/src/lib/format.js';

test('bucket times: ISO strings, epoch milliseconds or seconds', () => {
  const ms = Date.parse('2026-03-01T10:00:00Z');
  assert.equal(toMs('2026-03-01T10:00:00Z'), ms);
  assert.equal(toMs(ms), ms);
  assert.equal(toMs(ms / 1000), ms);
});

test('change against the previous period', () => {
  assert.equal(formatChange(120, 100), '+20%');
  assert.equal(formatChange(50, 100), '−50%');
  assert.equal(formatChange(100, 100), '±0%');
  assert.equal(formatChange(0, 0), '±0%');
  assert.equal(formatChange(5, 0), undefined, 'no percentage from zero');
  assert.equal(formatChange(5, undefined), undefined);
});
