import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullJitterDelay } from '../backoff.js';
import { emittedMessageId, finalizeCalls } from './emitted.js';

const CAUSE = { source: 'backend', messageId: '/users evt-1', function: 'welcome' };

describe('emittedMessageId', () => {
  it('is a UUID-shaped id that depends on the function, the cause and the index only', () => {
    const id = emittedMessageId(CAUSE, 0);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(emittedMessageId({ ...CAUSE }, 0), id);
    assert.notEqual(emittedMessageId(CAUSE, 1), id);
    assert.notEqual(emittedMessageId({ ...CAUSE, function: 'other' }, 0), id);
    assert.notEqual(emittedMessageId({ ...CAUSE, messageId: '/users evt-2' }, 0), id);
    assert.notEqual(emittedMessageId({ ...CAUSE, source: 'web' }, 0), id);
  });
});

describe('finalizeCalls', () => {
  it('adds the messageId, the causation and the cause time, keeping what the function set', () => {
    const out = finalizeCalls(
      [
        { type: 'identify', message: { userId: 'u1', context: { app: { name: 'crm' } } } },
        { type: 'track', message: { userId: 'u1', event: 'Signed Up', messageId: 'mine', timestamp: '2024-01-01T00:00:00Z' } },
      ],
      CAUSE,
      '2025-01-15T12:00:00Z',
    );
    assert.deepEqual(out, [
      { type: 'identify', message: { userId: 'u1', context: { app: { name: 'crm' }, sluice: { causation_id: '/users evt-1', function: 'welcome' } }, messageId: emittedMessageId(CAUSE, 0), timestamp: '2025-01-15T12:00:00Z' } },
      { type: 'track', message: { userId: 'u1', event: 'Signed Up', messageId: 'mine', timestamp: '2024-01-01T00:00:00Z', context: { sluice: { causation_id: '/users evt-1', function: 'welcome' } } } },
    ]);
  });

  it('overrides a context.sluice the function set: the causation is not the function\'s to claim', () => {
    const [call] = finalizeCalls([{ type: 'track', message: { userId: 'u', event: 'E', context: { sluice: { function: 'forged' } } } }], CAUSE, undefined);
    assert.deepEqual((call!.message.context as { sluice: unknown }).sluice, { causation_id: '/users evt-1', function: 'welcome' });
    assert.equal(call!.message.timestamp, undefined);
  });
});

describe('fullJitterDelay', () => {
  const policy = { initial_backoff_ms: 1000, max_backoff_ms: 10_000 };
  it('doubles the ceiling per attempt up to the maximum, and jitters below it', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => fullJitterDelay(a, policy, () => 0.999999)), [999, 1999, 3999, 7999, 9999, 9999]);
    assert.equal(fullJitterDelay(3, policy, () => 0), 0);
    for (let i = 0; i < 100; i++) {
      const d = fullJitterDelay(3, policy);
      assert.ok(d >= 0 && d < 4000);
    }
  });
});
