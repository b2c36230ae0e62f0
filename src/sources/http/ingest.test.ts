import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../core/errors.js';
import type { TrackingEvent } from '../../core/event.js';
import { DEFAULT_LIMITS, type IngestLimits } from '../../core/limits.js';
import { type IngestContext, prepareBatch, prepareSingle } from './ingest.js';

const RECEIVED = Date.parse('2024-06-01T12:00:00.000Z');

function ctx(limits: Partial<IngestLimits> = {}, over: Partial<IngestContext> = {}): IngestContext {
  return { source: 'web', limits: { ...DEFAULT_LIMITS, ...limits }, receivedAt: RECEIVED, ip: undefined, anonymizeIp: false, headerAnonymousId: undefined, ...over };
}

const events = (p: { records: { body: string }[] }): TrackingEvent[] => p.records.map((r) => JSON.parse(r.body) as TrackingEvent);

function thrown(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SluiceError, String(err));
    return err;
  }
  assert.fail('expected a SluiceError');
}

describe('prepareSingle', () => {
  it('turns one message into one record', () => {
    const p = prepareSingle({ userId: 'u1', event: 'Signed Up', messageId: 'm-1', properties: { plan: 'pro' } }, 'track', ctx());
    assert.deepEqual(p.rejections, []);
    assert.deepEqual(p.types, ['track']);
    assert.equal(p.records.length, 1);
    const r = p.records[0]!;
    assert.deepEqual({ source: r.source, messageId: r.messageId, type: r.type, receivedAt: r.receivedAt }, { source: 'web', messageId: 'm-1', type: 'track', receivedAt: RECEIVED });
    const e = events(p)[0]!;
    assert.equal(e.type, 'track');
    assert.equal(e.event, 'Signed Up');
    assert.deepEqual(e.properties, { plan: 'pro' });
    assert.equal(e.receivedAt, '2024-06-01T12:00:00.000Z');
  });

  it('keys the record by the generated messageId when the client sent none', () => {
    const p = prepareSingle({ userId: 'u1' }, 'identify', ctx());
    assert.equal(p.records[0]!.messageId, events(p)[0]!.messageId);
    assert.ok(p.records[0]!.messageId.length > 0);
  });

  it('refuses a body that is not an object, and an invalid message, with the field', () => {
    for (const body of [[], 'x', 42, null]) assert.equal(thrown(() => prepareSingle(body, 'track', ctx())).code, 'invalid_body');
    const err = thrown(() => prepareSingle({ userId: 'u1', event: 42 }, 'track', ctx()));
    assert.deepEqual({ code: err.code, field: err.field, index: err.index }, { code: 'invalid_field', field: 'event', index: undefined });
  });

  it('uses the AnonymousId header when the message has no id', () => {
    assert.equal(events(prepareSingle({ event: 'x' }, 'track', ctx({}, { headerAnonymousId: 'hdr' })))[0]!.anonymousId, 'hdr');
  });

  it('refuses a message larger than max_message_bytes once serialized, and accepts one exactly at it', () => {
    const msg = { userId: 'u1', event: 'Big', messageId: 'fixed', properties: { blob: 'x'.repeat(1000) } };
    const size = Buffer.byteLength(prepareSingle(msg, 'track', ctx()).records[0]!.body);
    assert.equal(prepareSingle(msg, 'track', ctx({ max_message_bytes: size })).records.length, 1);
    const err = thrown(() => prepareSingle(msg, 'track', ctx({ max_message_bytes: size - 1 })));
    assert.equal(err.code, 'message_too_large');
    assert.equal(err.index, undefined);
  });

  it('counts the size in UTF-8 bytes', () => {
    const msg = { userId: 'u1', event: 'Big', messageId: 'fixed', properties: { blob: 'é'.repeat(1000) } };
    const body = prepareSingle(msg, 'track', ctx()).records[0]!.body;
    const bytes = Buffer.byteLength(body);
    assert.ok(bytes > body.length);
    assert.equal(thrown(() => prepareSingle(msg, 'track', ctx({ max_message_bytes: bytes - 1 }))).code, 'message_too_large');
    assert.equal(prepareSingle(msg, 'track', ctx({ max_message_bytes: bytes })).records.length, 1);
  });
});

describe('prepareBatch: the envelope', () => {
  it('refuses a body without a batch array, an empty batch, and too many items', () => {
    assert.equal(thrown(() => prepareBatch([], ctx())).code, 'invalid_body');
    assert.deepEqual(
      (({ code, field }) => ({ code, field }))(thrown(() => prepareBatch({ batch: {} }, ctx()))),
      { code: 'missing_field', field: 'batch' },
    );
    assert.equal(thrown(() => prepareBatch({}, ctx())).code, 'missing_field');
    assert.equal(thrown(() => prepareBatch({ batch: [] }, ctx())).code, 'empty_batch');
    const item = { type: 'identify', userId: 'u' };
    assert.equal(prepareBatch({ batch: [item, item, item] }, ctx({ max_batch_items: 3 })).records.length, 3, 'exactly at the limit');
    const err = thrown(() => prepareBatch({ batch: [item, item, item, item] }, ctx({ max_batch_items: 3 })));
    assert.deepEqual({ code: err.code, field: err.field }, { code: 'too_many_items', field: 'batch' });
    assert.match(err.message, /4 items; the limit is 3/);
  });

  it("merges the envelope's context and integrations under each item's, the item winning", () => {
    const p = prepareBatch(
      {
        context: { library: { name: 'analytics-python', version: '2.0' }, locale: 'en-US' },
        integrations: { All: true, Mixpanel: false },
        batch: [
          { type: 'track', userId: 'u', event: 'a', context: { locale: 'fr-FR', page: { path: '/' } }, integrations: { Mixpanel: true } },
          { type: 'identify', userId: 'u' },
          { type: 'identify', userId: 'u', context: null },
        ],
      },
      ctx(),
    );
    assert.deepEqual(p.rejections, []);
    const [a, b, c] = events(p);
    assert.deepEqual(a!.context, { library: { name: 'analytics-python', version: '2.0' }, locale: 'fr-FR', page: { path: '/' } });
    assert.deepEqual(a!.integrations, { All: true, Mixpanel: true });
    assert.deepEqual(b!.context, { library: { name: 'analytics-python', version: '2.0' }, locale: 'en-US' });
    assert.deepEqual(b!.integrations, { All: true, Mixpanel: false });
    assert.deepEqual(c!.context, { library: { name: 'analytics-python', version: '2.0' }, locale: 'en-US' });
  });

  it("applies the envelope's sentAt to items without their own, for clock-skew correction", () => {
    const p = prepareBatch(
      {
        sentAt: '2024-06-01T10:00:00.000Z', // the device clock is two hours slow
        batch: [
          { type: 'track', userId: 'u', event: 'a', timestamp: '2024-06-01T09:59:50.000Z' },
          { type: 'track', userId: 'u', event: 'b', timestamp: '2024-06-01T11:59:30.000Z', sentAt: '2024-06-01T12:00:00.000Z' },
        ],
      },
      ctx(),
    );
    const [a, b] = events(p);
    assert.equal(a!.sentAt, '2024-06-01T10:00:00.000Z');
    assert.equal(a!.timestamp, '2024-06-01T11:59:50.000Z');
    assert.equal(b!.sentAt, '2024-06-01T12:00:00.000Z', "the item's own sentAt wins");
    assert.equal(b!.timestamp, '2024-06-01T11:59:30.000Z');
  });

  it('leaves items alone when the envelope carries nothing to merge', () => {
    const item = { type: 'track', userId: 'u', event: 'a', context: { locale: 'en' } };
    const p = prepareBatch({ batch: [item], context: 'not an object' }, ctx());
    assert.deepEqual(events(p)[0]!.context, { locale: 'en' });
    assert.deepEqual(item, { type: 'track', userId: 'u', event: 'a', context: { locale: 'en' } }, 'the parsed body is not modified');
  });

  it('does not modify the items it merges into', () => {
    const item = { type: 'track', userId: 'u', event: 'a', context: { locale: 'fr' } };
    prepareBatch({ batch: [item], context: { app: 'x' }, sentAt: '2024-06-01T10:00:00.000Z' }, ctx());
    assert.deepEqual(item, { type: 'track', userId: 'u', event: 'a', context: { locale: 'fr' } });
  });
});

describe('prepareBatch: items', () => {
  it('rejects bad items one by one, with their index, and keeps the good ones in order', () => {
    const batch = [
      { type: 'track', userId: 'u', event: 'first' },
      { type: 'track', userId: 'u' },
      42,
      { type: 'bogus', userId: 'u' },
      { userId: 'u', event: 'no type' },
      { type: 'group', userId: 'u', groupId: 7 },
      { type: 'identify', event: 'no ids' },
      { type: 'page', userId: 'u', properties: [] },
    ];
    const p = prepareBatch({ batch }, ctx());
    assert.deepEqual(p.types, ['track', 'group']);
    assert.deepEqual(events(p).map((e) => e.event ?? e.groupId), ['first', '7']);
    assert.deepEqual(
      p.rejections.map(({ index, code, field }) => ({ index, code, field })),
      [
        { index: 1, code: 'missing_field', field: 'event' },
        { index: 2, code: 'invalid_body', field: null },
        { index: 3, code: 'invalid_field', field: 'type' },
        { index: 4, code: 'missing_field', field: 'type' },
        { index: 6, code: 'missing_field', field: 'userId' },
        { index: 7, code: 'invalid_field', field: 'properties' },
      ],
    );
    for (const r of p.rejections) assert.match(r.message, new RegExp(`^item ${r.index}`), 'the message names the item');
    assert.equal(p.rejections[1]!.sample, '42', 'a sample of the rejected item is kept');
    assert.equal(p.rejections[0]!.sample, JSON.stringify(batch[1]));
  });

  it('cuts long samples', () => {
    const p = prepareBatch({ batch: [{ type: 'track', userId: 'u', properties: { blob: 'x'.repeat(5000) } }] }, ctx());
    assert.equal(p.rejections[0]!.sample!.length, 512);
  });

  it('rejects an item over max_message_bytes with its index and keeps the rest', () => {
    const small = { type: 'track', userId: 'u', event: 'small' };
    const big = { type: 'track', userId: 'u', event: 'big', properties: { blob: 'x'.repeat(2000) } };
    const p = prepareBatch({ batch: [small, big, small] }, ctx({ max_message_bytes: 1000 }));
    assert.equal(p.records.length, 2);
    assert.deepEqual(p.rejections.map(({ index, code }) => ({ index, code })), [{ index: 1, code: 'message_too_large' }]);
    assert.match(p.rejections[0]!.message, /item 1 is larger than 1000 bytes/);
  });

  it('applies the limit per message, not to the batch: many small items that add up past it all pass', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ type: 'track', userId: 'u', event: `e${i}`, properties: { pad: 'x'.repeat(100) } }));
    const p = prepareBatch({ batch: items }, ctx({ max_message_bytes: 1000 }));
    assert.equal(p.records.length, 50);
    assert.deepEqual(p.rejections, []);
  });

  it('returns only rejections when no item is good', () => {
    const p = prepareBatch({ batch: [{ type: 'track' }, null] }, ctx());
    assert.deepEqual(p.records, []);
    assert.deepEqual(p.rejections.map((r) => r.index), [0, 1]);
  });

  it('gives every record the source and receivedAt of the request and the AnonymousId header as fallback', () => {
    const p = prepareBatch({ batch: [{ type: 'track', event: 'a' }, { type: 'identify', anonymousId: 'own' }] }, ctx({}, { source: 'ios', headerAnonymousId: 'hdr' }));
    assert.deepEqual(p.records.map((r) => [r.source, r.receivedAt, r.type]), [['ios', RECEIVED, 'track'], ['ios', RECEIVED, 'identify']]);
    assert.deepEqual(events(p).map((e) => e.anonymousId), ['hdr', 'own']);
  });
});
