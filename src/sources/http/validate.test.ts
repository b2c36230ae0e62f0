import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../core/errors.js';
import type { EventType, JsonObject } from '../../core/event.js';
import { checkMessage, isPlainObject } from './validate.js';

/** The SluiceError checkMessage throws, as { code, field, index }. */
function rejection(msg: JsonObject, type: EventType, index?: number, fallback?: string): { code: string; field: string | undefined; index: number | undefined } {
  try {
    checkMessage(msg, type, index, fallback);
  } catch (err) {
    assert.ok(err instanceof SluiceError);
    return { code: err.code, field: err.field, index: err.index };
  }
  assert.fail(`expected ${JSON.stringify(msg)} to be rejected as ${type}`);
}

const who = { userId: 'u1' };

describe('checkMessage: required fields per type', () => {
  const minimal: Record<EventType, JsonObject> = {
    track: { ...who, event: 'Signed Up' },
    identify: { ...who },
    page: { ...who },
    screen: { ...who },
    group: { ...who, groupId: 'g1' },
    alias: { userId: 'u1', previousId: 'anon-1' },
  };

  for (const [type, msg] of Object.entries(minimal) as [EventType, JsonObject][]) {
    it(`${type}: the minimal message passes`, () => {
      assert.doesNotThrow(() => checkMessage(msg, type));
    });

    it(`${type}: a message with neither userId nor anonymousId is missing userId`, () => {
      const { userId: _u, ...anonymous } = msg;
      assert.deepEqual(rejection(anonymous, type), { code: 'missing_field', field: 'userId', index: undefined });
    });
  }

  it('track: event is required, and an empty event counts as missing', () => {
    assert.deepEqual(rejection({ ...who }, 'track'), { code: 'missing_field', field: 'event', index: undefined });
    assert.deepEqual(rejection({ ...who, event: '' }, 'track'), { code: 'missing_field', field: 'event', index: undefined });
    assert.deepEqual(rejection({ ...who, event: null }, 'track'), { code: 'missing_field', field: 'event', index: undefined });
  });

  it('group: groupId is required', () => {
    assert.deepEqual(rejection({ ...who }, 'group'), { code: 'missing_field', field: 'groupId', index: undefined });
    assert.deepEqual(rejection({ ...who, groupId: '   ' }, 'group'), { code: 'missing_field', field: 'groupId', index: undefined });
  });

  it('alias: previousId and userId are required; an anonymousId does not stand in for userId', () => {
    assert.deepEqual(rejection({ ...who }, 'alias'), { code: 'missing_field', field: 'previousId', index: undefined });
    assert.deepEqual(rejection({ anonymousId: 'a1', previousId: 'p' }, 'alias'), { code: 'missing_field', field: 'userId', index: undefined });
  });

  it('page and screen: name is optional', () => {
    assert.equal(checkMessage({ ...who }, 'page').name, undefined);
    assert.equal(checkMessage({ ...who, name: 'Home' }, 'screen').name, 'Home');
  });

  it('anonymousId alone identifies the sender', () => {
    const out = checkMessage({ anonymousId: 'a1', event: 'x' }, 'track');
    assert.equal(out.anonymousId, 'a1');
    assert.equal(out.userId, undefined);
  });
});

describe('checkMessage: wrong types', () => {
  const cases: [EventType, JsonObject, string][] = [
    ['track', { ...who, event: 42 }, 'event'],
    ['track', { ...who, event: ['Signed Up'] }, 'event'],
    ['track', { ...who, event: 'x', properties: [1, 2] }, 'properties'],
    ['track', { ...who, event: 'x', properties: 'a=b' }, 'properties'],
    ['page', { ...who, name: 5 }, 'name'],
    ['page', { ...who, properties: true }, 'properties'],
    ['identify', { ...who, traits: 'vip' }, 'traits'],
    ['group', { ...who, groupId: { id: 1 } }, 'groupId'],
    ['alias', { ...who, previousId: true }, 'previousId'],
    ['identify', { userId: true }, 'userId'],
    ['identify', { userId: { id: 1 } }, 'userId'],
    ['identify', { anonymousId: ['a'] }, 'anonymousId'],
    ['identify', { ...who, messageId: 42 }, 'messageId'],
    ['identify', { ...who, context: 'web' }, 'context'],
    ['identify', { ...who, context: [] }, 'context'],
    ['identify', { ...who, integrations: 1 }, 'integrations'],
    ['identify', { ...who, timestamp: 'yesterday' }, 'timestamp'],
    ['identify', { ...who, timestamp: 1700000000000 }, 'timestamp'],
    ['identify', { ...who, originalTimestamp: 'not a date' }, 'originalTimestamp'],
    ['identify', { ...who, sentAt: 'soon' }, 'sentAt'],
    ['identify', { userId: 'u'.repeat(1025) }, 'userId'],
    ['identify', { ...who, messageId: 'm'.repeat(1025) }, 'messageId'],
  ];
  for (const [type, msg, field] of cases) {
    const shown = JSON.stringify(msg).slice(0, 60);
    it(`${type} ${shown}: invalid_field ${field}`, () => {
      assert.deepEqual(rejection(msg, type), { code: 'invalid_field', field, index: undefined });
    });
  }

  it('says what it got, so the client author knows what to fix', () => {
    assert.throws(() => checkMessage({ ...who, event: 42 }, 'track'), { message: 'event must be a string, got number 42' });
    assert.throws(() => checkMessage({ ...who, properties: [] }, 'page'), { message: 'properties must be an object, got an array' });
  });

  it('names the batch index in the error and its message', () => {
    assert.deepEqual(rejection({ ...who, event: 42 }, 'track', 7), { code: 'invalid_field', field: 'event', index: 7 });
    assert.throws(() => checkMessage({ ...who }, 'track', 3), (err: unknown) => err instanceof SluiceError && err.index === 3 && err.message.startsWith('item 3: '));
    assert.throws(() => checkMessage({}, 'identify', 0), (err: unknown) => err instanceof SluiceError && err.index === 0);
  });
});

describe('checkMessage: coercion and defaults', () => {
  it('turns numeric ids into strings', () => {
    const out = checkMessage({ userId: 123, anonymousId: 4.5, groupId: 0 }, 'group');
    assert.equal(out.userId, '123');
    assert.equal(out.anonymousId, '4.5');
    assert.equal(out.groupId, '0');
    assert.equal(checkMessage({ userId: 42, previousId: 41 }, 'alias').previousId, '41');
  });

  it('treats null and blank ids as absent', () => {
    assert.deepEqual(rejection({ userId: '   ', anonymousId: null }, 'identify'), { code: 'missing_field', field: 'userId', index: undefined });
    assert.equal(checkMessage({ userId: '', anonymousId: 'a' }, 'identify').userId, undefined);
  });

  it('uses the fallback anonymousId (AnonymousId header) only when the message has none', () => {
    assert.equal(checkMessage({}, 'identify', undefined, 'from-header').anonymousId, 'from-header');
    assert.equal(checkMessage({ anonymousId: 'own' }, 'identify', undefined, 'from-header').anonymousId, 'own');
    assert.equal(checkMessage({ anonymousId: '  ' }, 'identify', undefined, 'from-header').anonymousId, 'from-header');
    assert.equal(checkMessage({ event: 'x' }, 'track', undefined, 'from-header').userId, undefined);
    assert.deepEqual(rejection({ previousId: 'p' }, 'alias', undefined, 'from-header'), { code: 'missing_field', field: 'userId', index: undefined });
  });

  it('keeps optional fields, drops empty messageId and timestamps, falls back to originalTimestamp', () => {
    const out = checkMessage(
      {
        ...who,
        event: 'Order Completed',
        messageId: 'm-1',
        originalTimestamp: '2024-05-01T10:00:00.000Z',
        sentAt: '2024-05-01T10:00:05.000Z',
        properties: { total: 9.5 },
        context: { locale: 'fr-FR' },
        integrations: { All: false },
      },
      'track',
    );
    assert.deepEqual(out, {
      userId: 'u1',
      event: 'Order Completed',
      messageId: 'm-1',
      timestamp: '2024-05-01T10:00:00.000Z',
      timestampMs: Date.UTC(2024, 4, 1, 10, 0, 0),
      sentAt: '2024-05-01T10:00:05.000Z',
      sentAtMs: Date.UTC(2024, 4, 1, 10, 0, 5),
      properties: { total: 9.5 },
      context: { locale: 'fr-FR' },
      integrations: { All: false },
    });
    const sparse = checkMessage({ ...who, messageId: '', timestamp: '', sentAt: null, properties: null }, 'page');
    assert.deepEqual(sparse, { userId: 'u1' });
    assert.equal(checkMessage({ ...who, timestamp: '2024-01-01T00:00:00Z', originalTimestamp: '2023-01-01T00:00:00Z' }, 'identify').timestamp, '2024-01-01T00:00:00Z');
  });
});

describe('isPlainObject', () => {
  it('is true for objects only', () => {
    assert.equal(isPlainObject({}), true);
    for (const v of [null, [], 'x', 1, undefined, true]) assert.equal(isPlainObject(v), false);
  });
});
