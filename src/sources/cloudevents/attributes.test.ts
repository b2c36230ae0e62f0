import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../core/errors.js';
import { checkCloudEvent, cloudEventMessageId, isJsonMediaType, isRfc3339 } from './attributes.js';

const VALID = { specversion: '1.0', id: 'evt-1', source: 'https://api.example.com/users', type: 'user.created' };

function thrown(fn: () => unknown): SluiceError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SluiceError, String(err));
    return err;
  }
  assert.fail('expected a SluiceError');
}

const fieldOf = (value: unknown, index?: number): { code: string; field: string | undefined; index: number | undefined } => {
  const e = thrown(() => checkCloudEvent(value, index));
  return { code: e.code, field: e.field, index: e.index };
};

describe('checkCloudEvent', () => {
  it('accepts a minimal event and one with every optional attribute, keeping members as sent', () => {
    assert.deepEqual(checkCloudEvent(VALID), VALID);
    const full = {
      ...VALID,
      time: '2025-01-15T12:00:00.123+01:00',
      subject: 'users/42',
      datacontenttype: 'application/json; charset=utf-8',
      dataschema: 'https://schemas.example.com/user.json',
      tenant: 'acme',
      retries: 3,
      live: true,
      data: { id: 42, email: 'a@example.com' },
    };
    assert.deepEqual(checkCloudEvent(full), full);
  });

  it('names the missing or empty required attribute', () => {
    for (const name of ['specversion', 'id', 'source', 'type'] as const) {
      const { [name]: _gone, ...rest } = VALID;
      assert.deepEqual(fieldOf(rest), { code: 'missing_field', field: name, index: undefined }, name);
      if (name !== 'specversion') assert.deepEqual(fieldOf({ ...VALID, [name]: '' }), { code: 'missing_field', field: name, index: undefined });
    }
    assert.deepEqual(fieldOf({ ...VALID, id: null }, 3), { code: 'missing_field', field: 'id', index: 3 });
  });

  it('refuses a specversion other than "1.0" and non-string attributes', () => {
    assert.equal(fieldOf({ ...VALID, specversion: '0.3' }).field, 'specversion');
    assert.equal(fieldOf({ ...VALID, specversion: 1 }).field, 'specversion');
    assert.deepEqual(fieldOf({ ...VALID, id: 42 }), { code: 'invalid_field', field: 'id', index: undefined });
    assert.equal(fieldOf({ ...VALID, type: ['x'] }).field, 'type');
    assert.equal(fieldOf({ ...VALID, subject: '' }).field, 'subject');
  });

  it('checks time as RFC 3339', () => {
    for (const bad of ['2025-01-15', '2025-01-15 12:00:00Z', '2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', 'yesterday', '2025-01-15T12:00:00']) {
      assert.deepEqual(fieldOf({ ...VALID, time: bad }), { code: 'invalid_field', field: 'time', index: undefined }, bad);
    }
    assert.equal(checkCloudEvent({ ...VALID, time: '2024-02-29T23:59:60Z' }).time, '2024-02-29T23:59:60Z');
  });

  it('checks extension names and values', () => {
    assert.equal(fieldOf({ ...VALID, traceParent: 'x' }).field, 'traceParent');
    assert.equal(fieldOf({ ...VALID, trace_id: 'x' }).field, 'trace_id');
    assert.equal(fieldOf({ ...VALID, abcdefghijklmnopqrstu: 'x' }).field, 'abcdefghijklmnopqrstu');
    assert.ok(checkCloudEvent({ ...VALID, abcdefghijklmnopqrst: 'x' }));
    assert.equal(fieldOf({ ...VALID, ext: { a: 1 } }).field, 'ext');
    assert.equal(fieldOf({ ...VALID, ext: 1.5 }).field, 'ext');
    assert.equal(fieldOf({ ...VALID, ext: 2 ** 31 }).field, 'ext');
    assert.equal(fieldOf({ ...VALID, ext: 'a\nb' }).field, 'ext');
  });

  it('treats null attributes as unset, but keeps data: null', () => {
    assert.deepEqual(checkCloudEvent({ ...VALID, subject: null, time: null, ext: null, data: null }), { ...VALID, data: null });
  });

  it('refuses data with data_base64, and data_base64 that is not base64', () => {
    assert.equal(fieldOf({ ...VALID, data: 1, data_base64: 'AAAA' }).field, 'data_base64');
    assert.equal(fieldOf({ ...VALID, data_base64: 'not base64!' }).field, 'data_base64');
    assert.ok(checkCloudEvent({ ...VALID, datacontenttype: 'application/octet-stream', data_base64: 'AAECAw==' }));
  });

  it('refuses a source with whitespace, a bad media type and non-objects', () => {
    assert.equal(fieldOf({ ...VALID, source: 'my service' }).field, 'source');
    assert.equal(fieldOf({ ...VALID, datacontenttype: 'json' }).field, 'datacontenttype');
    for (const v of [[], 'x', 1, null]) assert.equal(fieldOf(v).code, 'invalid_body');
  });
});

describe('helpers', () => {
  it('isRfc3339 and isJsonMediaType', () => {
    assert.ok(isRfc3339('2018-04-05T17:31:00Z'));
    assert.ok(isRfc3339('2018-04-05t17:31:00.5-07:00'));
    assert.ok(!isRfc3339('2018-04-05T17:31:00+24:00'));
    assert.ok(isJsonMediaType('application/json'));
    assert.ok(isJsonMediaType('Application/Vnd.Acme+JSON; charset=utf-8'));
    assert.ok(isJsonMediaType('text/json'));
    assert.ok(!isJsonMediaType('application/xml'));
    assert.ok(!isJsonMediaType(undefined));
  });

  it('keys the log by source and id, which are unique together', () => {
    assert.equal(cloudEventMessageId(VALID), 'https://api.example.com/users evt-1');
    assert.notEqual(cloudEventMessageId({ source: '/a', id: '1' }), cloudEventMessageId({ source: '/b', id: '1' }));
  });
});
