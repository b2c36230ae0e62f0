import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../core/cloudevent.js';
import { SluiceError } from '../../core/errors.js';
import { DEFAULT_LIMITS, type IngestLimits } from '../../core/limits.js';
import { decodeHeaderValue } from './binary.js';
import { type CloudEventsContext, contentModeOf, prepareCloudEvents, type PreparedCloudEvents } from './prepare.js';

const RECEIVED = Date.parse('2025-01-15T12:00:00.000Z');
const EVENT = { specversion: '1.0', id: 'evt-1', source: '/users', type: 'user.created', data: { userId: 'u1' } };

function ctx(limits: Partial<IngestLimits> = {}): CloudEventsContext {
  return { source: 'backend', limits: { ...DEFAULT_LIMITS, ...limits }, receivedAt: RECEIVED };
}

function prepare(headers: IncomingHttpHeaders, body: string | Buffer, limits: Partial<IngestLimits> = {}): PreparedCloudEvents {
  return prepareCloudEvents({ headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) }, ctx(limits));
}

const stored = (p: PreparedCloudEvents): CloudEvent[] => p.records.map((r) => JSON.parse(r.body) as CloudEvent);

function thrown(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SluiceError, String(err));
    return err;
  }
  assert.fail('expected a SluiceError');
}

const BINARY = { 'ce-specversion': '1.0', 'ce-id': 'evt-2', 'ce-source': '/orders', 'ce-type': 'order.paid' };

describe('content modes', () => {
  it('picks the mode from Content-Type and ce-specversion', () => {
    assert.equal(contentModeOf({ 'content-type': 'application/cloudevents+json; charset=utf-8' }), 'structured');
    assert.equal(contentModeOf({ 'content-type': 'Application/CloudEvents-Batch+JSON' }), 'batch');
    assert.equal(contentModeOf({ 'content-type': 'application/json', 'ce-specversion': '1.0' }), 'binary');
    assert.equal(contentModeOf({ 'content-type': 'application/json' }), 'structured');
    // A structured media type wins over stray ce-* headers, which the binding allows alongside it.
    assert.equal(contentModeOf({ 'content-type': 'application/cloudevents+json', 'ce-specversion': '1.0' }), 'structured');
  });
});

describe('structured mode', () => {
  it('stores the event as sent, keyed by source and id', () => {
    const p = prepare({ 'content-type': 'application/cloudevents+json' }, JSON.stringify(EVENT));
    assert.equal(p.mode, 'structured');
    assert.deepEqual(p.records.map(({ body: _b, ...r }) => r), [{ source: 'backend', messageId: '/users evt-1', type: 'cloudevent', receivedAt: RECEIVED }]);
    assert.deepEqual(stored(p), [EVENT]);
  });

  it('accepts plain JSON whose body is a CloudEvent, and names a missing attribute', () => {
    assert.equal(prepare({ 'content-type': 'application/json' }, JSON.stringify(EVENT)).records.length, 1);
    const err = thrown(() => prepare({ 'content-type': 'application/json' }, JSON.stringify({ id: 'x', source: '/s', type: 't' })));
    assert.deepEqual([err.code, err.field], ['missing_field', 'specversion']);
  });

  it('refuses an empty body, bad JSON, an array, other event formats and oversized events', () => {
    const ce = { 'content-type': 'application/cloudevents+json' };
    assert.equal(thrown(() => prepare(ce, '')).code, 'invalid_json');
    assert.equal(thrown(() => prepare(ce, '{"specversion":')).code, 'invalid_json');
    assert.equal(thrown(() => prepare(ce, '[]')).code, 'invalid_body');
    assert.equal(thrown(() => prepare({ 'content-type': 'application/cloudevents+xml' }, '<x/>')).code, 'invalid_body');
    const big = JSON.stringify({ ...EVENT, data: 'x'.repeat(2000) });
    assert.equal(thrown(() => prepare(ce, big, { max_message_bytes: 1000 })).code, 'message_too_large');
    assert.equal(thrown(() => prepare(ce, JSON.stringify({ ...EVENT, data: [[[[1]]]] }), { max_depth: 3 })).code, 'too_deep');
  });
});

describe('binary mode', () => {
  it('maps ce-* headers to attributes and parses JSON data', () => {
    const p = prepare({ ...BINARY, 'ce-time': '2025-01-15T11:59:00Z', 'ce-subject': 'orders/7', 'ce-tenant': 'acme', 'content-type': 'application/json' }, '{"total":12.5}');
    assert.deepEqual(stored(p), [
      { specversion: '1.0', id: 'evt-2', source: '/orders', type: 'order.paid', time: '2025-01-15T11:59:00Z', subject: 'orders/7', tenant: 'acme', datacontenttype: 'application/json', data: { total: 12.5 } },
    ]);
    assert.equal(p.records[0]!.messageId, '/orders evt-2');
  });

  it('keeps non-JSON data as a string, and bytes that are not UTF-8 as data_base64', () => {
    assert.equal(stored(prepare({ ...BINARY, 'content-type': 'application/xml' }, '<order id="7"/>'))[0]!.data, '<order id="7"/>');
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    const ev = stored(prepare({ ...BINARY, 'content-type': 'application/octet-stream' }, bytes))[0]!;
    assert.equal(ev.data_base64, bytes.toString('base64'));
    assert.equal('data' in ev, false);
  });

  it('stores no data for an empty body, and requires JSON when Content-Type is absent', () => {
    const ev = stored(prepare(BINARY, ''))[0]!;
    assert.equal('data' in ev, false);
    assert.equal('datacontenttype' in ev, false);
    assert.deepEqual(stored(prepare(BINARY, '[1,2]'))[0]!.data, [1, 2]);
    const err = thrown(() => prepare(BINARY, 'plain'));
    assert.deepEqual([err.code, err.field], ['invalid_json', 'data']);
  });

  it('names the missing header, and refuses ce-datacontenttype and bad extension names', () => {
    for (const name of ['id', 'source', 'type']) {
      const headers: IncomingHttpHeaders = { ...BINARY };
      delete headers[`ce-${name}`];
      const err = thrown(() => prepare(headers, ''));
      assert.deepEqual([err.code, err.field], ['missing_field', name]);
      assert.match(err.message, new RegExp(`ce-${name}`));
    }
    assert.equal(thrown(() => prepare({ ...BINARY, 'ce-datacontenttype': 'text/plain' }, '')).field, 'datacontenttype');
    assert.equal(thrown(() => prepare({ ...BINARY, 'ce-trace-id': 'x' }, '')).field, 'trace-id');
    assert.equal(thrown(() => prepare({ ...BINARY, 'ce-specversion': '0.3' }, '')).field, 'specversion');
  });

  it('percent-decodes header values and refuses invalid UTF-8', () => {
    assert.equal(decodeHeaderValue('Euro%20%E2%82%AC%20%F0%9F%98%80'), 'Euro € 😀');
    assert.equal(decodeHeaderValue('"quoted \\"value\\""'), 'quoted "value"');
    assert.throws(() => decodeHeaderValue('%C0%A0'), URIError);
    assert.equal(stored(prepare({ ...BINARY, 'ce-subject': 'caf%C3%A9' }, ''))[0]!.subject, 'café');
    assert.equal(thrown(() => prepare({ ...BINARY, 'ce-subject': '%C0%A0' }, '')).field, 'subject');
    assert.equal(thrown(() => prepare({ ...BINARY, 'ce-subject': 'a%0Ab' }, '')).field, 'subject');
  });
});

describe('batched mode', () => {
  const batch = { 'content-type': 'application/cloudevents-batch+json' };

  it('stores the good events and lists the bad ones with their index', () => {
    const { data: _d, ...noData } = EVENT;
    const p = prepare(batch, JSON.stringify([EVENT, { ...noData, id: '' }, { ...EVENT, id: 'evt-3' }, 'x']));
    assert.equal(p.mode, 'batch');
    assert.deepEqual(p.records.map((r) => r.messageId), ['/users evt-1', '/users evt-3']);
    assert.deepEqual(p.rejections.map((r) => [r.index, r.code, r.field]), [
      [1, 'missing_field', 'id'],
      [3, 'invalid_body', null],
    ]);
  });

  it('accepts an empty batch, refuses a non-array and too many items', () => {
    assert.deepEqual(prepare(batch, '[]').records, []);
    assert.equal(thrown(() => prepare(batch, JSON.stringify(EVENT))).code, 'invalid_body');
    assert.equal(thrown(() => prepare(batch, JSON.stringify([EVENT, EVENT, EVENT]), { max_batch_items: 2 })).code, 'too_many_items');
  });
});
