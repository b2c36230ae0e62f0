import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesPattern, selectEvent } from './subscription.js';

const ce = (type: string, source = 'backend') => ({ source, type: 'cloudevent', body: JSON.stringify({ specversion: '1.0', id: '1', source: '/s', type, time: '2025-01-15T12:00:00Z' }) });
const track = (event: string, context: object = {}) => ({ source: 'web', type: 'track', body: JSON.stringify({ type: 'track', event, timestamp: '2025-01-15T12:00:00.000Z', context }) });

describe('matchesPattern', () => {
  it('matches exact names and prefixes ending in *', () => {
    assert.ok(matchesPattern(['user.created'], 'user.created'));
    assert.ok(!matchesPattern(['user.created'], 'user.created.v2'));
    assert.ok(matchesPattern(['user.*'], 'user.deleted.v2'));
    assert.ok(!matchesPattern(['user.*'], 'users.created'));
    assert.ok(matchesPattern(['order.paid', '*'], 'anything'));
    assert.ok(!matchesPattern([], 'x'));
  });
});

describe('selectEvent', () => {
  it('selects CloudEvents by type, with their time', () => {
    assert.deepEqual(selectEvent({ types: ['user.*'] }, 'f', ce('user.created'))?.time, '2025-01-15T12:00:00Z');
    assert.equal(selectEvent({ types: ['user.*'] }, 'f', ce('order.paid')), null);
    assert.equal(selectEvent({ events: ['*'] }, 'f', ce('user.created')), null);
  });

  it('selects track calls by event name, never the function\'s own output', () => {
    assert.equal(selectEvent({ events: ['Order *'] }, 'f', track('Order Completed'))?.time, '2025-01-15T12:00:00.000Z');
    assert.equal(selectEvent({ events: ['Order *'] }, 'f', track('Signed Up')), null);
    assert.equal(selectEvent({ types: ['*'] }, 'f', track('Order Completed')), null);
    assert.equal(selectEvent({ events: ['*'] }, 'f', track('Order Completed', { sluice: { function: 'f', causation_id: 'x' } })), null);
    assert.ok(selectEvent({ events: ['*'] }, 'g', track('Order Completed', { sluice: { function: 'f', causation_id: 'x' } })));
  });

  it('filters by Sluice source, and skips other Segment types without parsing them', () => {
    assert.equal(selectEvent({ types: ['*'], sources: ['other'] }, 'f', ce('user.created')), null);
    assert.ok(selectEvent({ types: ['*'], sources: ['backend'] }, 'f', ce('user.created')));
    assert.equal(selectEvent({ events: ['*'] }, 'f', { source: 'web', type: 'identify', body: 'not json' }), null);
  });
});
