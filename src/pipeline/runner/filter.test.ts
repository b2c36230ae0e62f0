import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter } from './filter.js';

const valid = { type: 'track', event: 'A', context: {} };
const flagged = { type: 'track', event: 'A', context: { sluice: { plan: { valid: false, mode: 'allow', violations: [] } } } };

describe('compileFilter', () => {
  it('valid_only skips events marked as breaking their tracking plan, and keeps unmarked ones', () => {
    const f = compileFilter({ valid_only: true });
    assert.equal(f('web', 'track', valid), true);
    assert.equal(f('web', 'track', flagged), false);
    assert.equal(f('web', 'cloudevent', { data: 1 }), true, 'a payload without context is not marked');
  });

  it('combines valid_only with the other lists, and lets everything through without it', () => {
    const f = compileFilter({ valid_only: true, events: ['A'] });
    assert.equal(f('web', 'track', { ...valid, event: 'B' }), false);
    assert.equal(f('web', 'track', valid), true);
    assert.equal(compileFilter({})('web', 'track', flagged), true);
  });
});
