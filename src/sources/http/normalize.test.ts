import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anonymizeIp, correctedTimestamp, normalize, type RequestFacts } from './normalize.js';

const RECEIVED = Date.parse('2024-06-01T12:00:00.000Z');
const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({ receivedAt: RECEIVED, ip: undefined, anonymizeIp: false, ...over });
const iso = (ms: number): string => new Date(ms).toISOString();

describe('correctedTimestamp', () => {
  it('applies timestamp = receivedAt − (sentAt − originalTimestamp)', () => {
    // The device clock is two hours slow; the event happened 5 s before the device sent it.
    const original = '2024-06-01T09:59:55.000Z';
    const sentAt = '2024-06-01T10:00:00.000Z';
    assert.equal(iso(correctedTimestamp(RECEIVED, original, sentAt)), '2024-06-01T11:59:55.000Z');
    // A device clock that runs fast is corrected the same way.
    assert.equal(iso(correctedTimestamp(RECEIVED, '2024-06-01T15:00:00.000Z', '2024-06-01T15:01:00.000Z')), '2024-06-01T11:59:00.000Z');
  });

  it('takes the time zone of each client value into account', () => {
    assert.equal(iso(correctedTimestamp(RECEIVED, '2024-06-01T11:59:50+02:00', '2024-06-01T12:00:00+02:00')), '2024-06-01T11:59:50.000Z');
  });

  it('without sentAt, trusts originalTimestamp; without either, uses receivedAt', () => {
    assert.equal(iso(correctedTimestamp(RECEIVED, '2024-05-31T08:00:00.000Z', undefined)), '2024-05-31T08:00:00.000Z');
    assert.equal(correctedTimestamp(RECEIVED, undefined, '2024-06-01T10:00:00.000Z'), RECEIVED);
    assert.equal(correctedTimestamp(RECEIVED, undefined, undefined), RECEIVED);
  });

  it('clamps future timestamps to receivedAt', () => {
    assert.equal(correctedTimestamp(RECEIVED, '2030-01-01T00:00:00.000Z', undefined), RECEIVED, 'a client clock in the future');
    assert.equal(correctedTimestamp(RECEIVED, '2024-06-01T10:00:10.000Z', '2024-06-01T10:00:00.000Z'), RECEIVED, 'an event "after" it was sent');
    assert.equal(correctedTimestamp(RECEIVED, iso(RECEIVED), undefined), RECEIVED, 'exactly receivedAt is kept');
  });

  it('clamps to the epoch', () => {
    assert.equal(correctedTimestamp(RECEIVED, '1960-01-01T00:00:00.000Z', undefined), 0);
    assert.equal(correctedTimestamp(RECEIVED, '1970-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z'), 0);
  });
});

describe('anonymizeIp', () => {
  it('zeroes the last octet of IPv4', () => {
    assert.equal(anonymizeIp('203.0.113.77'), '203.0.113.0');
    assert.equal(anonymizeIp('10.1.2.255'), '10.1.2.0');
    assert.equal(anonymizeIp('10.1.2.0'), '10.1.2.0');
  });

  it('zeroes the last 80 bits of IPv6, keeping the first 48', () => {
    assert.equal(anonymizeIp('2001:db8:85a3:8d3:1319:8a2e:370:7348'), '2001:db8:85a3::');
    assert.equal(anonymizeIp('2001:0db8:85a3:0000:0000:8a2e:0370:7334'), '2001:0db8:85a3::');
    assert.equal(anonymizeIp('2001:db8:85a3::8a2e:370:7334'), '2001:db8:85a3::');
    assert.equal(anonymizeIp('2001:db8::1'), '2001:db8:0::');
  });

  it('expands :: before choosing the groups to keep, so no host bits survive', () => {
    assert.equal(anonymizeIp('2001::8a2e:370:7348'), '2001:0:0::');
    assert.equal(anonymizeIp('fe80::1234:5678:9abc:def0'), 'fe80:0:0::');
    assert.equal(anonymizeIp('::1'), '0:0:0::');
    assert.equal(anonymizeIp('::'), '0:0:0::');
    assert.equal(anonymizeIp('2001:db8::'), '2001:db8:0::');
  });

  it('drops a zone id with the host bits', () => {
    assert.equal(anonymizeIp('fe80::1ff:fe23:4567:890a%eth0'), 'fe80:0:0::');
  });

  it('treats IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(anonymizeIp('::ffff:203.0.113.77'), '::ffff:203.0.113.0');
    assert.equal(anonymizeIp('::FFFF:10.0.0.1'), '::ffff:10.0.0.0');
  });
});

/** The event as the log keeps it: serialized, so fields normalize() leaves undefined are absent. */
function stored(e: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
}

describe('normalize', () => {
  it('generates a messageId when the client sent none, and keeps the one it sent', () => {
    const a = normalize('track', { userId: 'u', event: 'x' }, facts());
    const b = normalize('track', { userId: 'u', event: 'x' }, facts());
    assert.match(a.messageId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a.messageId, b.messageId);
    assert.equal(normalize('track', { userId: 'u', event: 'x', messageId: 'client-1' }, facts()).messageId, 'client-1');
  });

  it('sets receivedAt, the corrected timestamp, and keeps the raw client times', () => {
    const e = normalize('track', { userId: 'u', event: 'x', timestamp: '2024-06-01T09:59:55.000Z', sentAt: '2024-06-01T10:00:00.000Z' }, facts());
    assert.equal(e.receivedAt, '2024-06-01T12:00:00.000Z');
    assert.equal(e.timestamp, '2024-06-01T11:59:55.000Z');
    assert.equal(e.originalTimestamp, '2024-06-01T09:59:55.000Z');
    assert.equal(e.sentAt, '2024-06-01T10:00:00.000Z');

    const bare = stored(normalize('identify', { userId: 'u' }, facts()));
    assert.equal(bare.timestamp, bare.receivedAt);
    assert.ok(!('originalTimestamp' in bare) && !('sentAt' in bare));
  });

  it('copies the checked fields and omits the absent ones', () => {
    const e = normalize(
      'group',
      { userId: 'u', anonymousId: 'a', groupId: 'g', traits: { plan: 'pro' }, integrations: { All: true }, context: { locale: 'en' } },
      facts(),
    );
    assert.deepEqual(
      { type: e.type, userId: e.userId, anonymousId: e.anonymousId, groupId: e.groupId, traits: e.traits, integrations: e.integrations, context: e.context },
      { type: 'group', userId: 'u', anonymousId: 'a', groupId: 'g', traits: { plan: 'pro' }, integrations: { All: true }, context: { locale: 'en' } },
    );
    const kept = stored(e);
    for (const absent of ['event', 'name', 'previousId', 'properties']) assert.ok(!(absent in kept), absent);
    assert.deepEqual(normalize('alias', { userId: 'u', previousId: 'p' }, facts()).previousId, 'p');
    assert.deepEqual(normalize('page', { userId: 'u', name: 'Home', properties: { path: '/' } }, facts()).name, 'Home');
  });

  it("puts the request's address in context.ip unless the client sent one", () => {
    assert.equal(normalize('identify', { userId: 'u' }, facts({ ip: '198.51.100.7' })).context.ip, '198.51.100.7');
    assert.equal(normalize('identify', { userId: 'u', context: { ip: '192.0.2.1' } }, facts({ ip: '198.51.100.7' })).context.ip, '192.0.2.1');
    assert.equal(normalize('identify', { userId: 'u', context: { ip: '' } }, facts({ ip: '198.51.100.7' })).context.ip, '198.51.100.7');
    assert.ok(!('ip' in normalize('identify', { userId: 'u' }, facts()).context));
  });

  it('anonymizes context.ip when asked, whichever address it came from', () => {
    assert.equal(normalize('identify', { userId: 'u' }, facts({ ip: '198.51.100.7', anonymizeIp: true })).context.ip, '198.51.100.0');
    assert.equal(
      normalize('identify', { userId: 'u', context: { ip: '2001:db8:1:2:3:4:5:6' } }, facts({ ip: '198.51.100.7', anonymizeIp: true })).context.ip,
      '2001:db8:1::',
    );
  });

  it("does not modify the client's context object", () => {
    const context = { ip: '192.0.2.1', locale: 'en' };
    normalize('identify', { userId: 'u', context }, facts({ anonymizeIp: true }));
    assert.deepEqual(context, { ip: '192.0.2.1', locale: 'en' });
  });
});
