import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactKey, writeKeyFromBody, writeKeyFromHeader, writeKeyFromQuery } from './write-key.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('writeKeyFromHeader', () => {
  it('reads the key from Basic auth with the trailing colon (Segment SDKs)', () => {
    assert.equal(writeKeyFromHeader(`Basic ${b64('wk_live_123:')}`), 'wk_live_123');
  });

  it('reads the key from Basic auth without a colon', () => {
    assert.equal(writeKeyFromHeader(`Basic ${b64('wk_live_123')}`), 'wk_live_123');
  });

  it('ignores a password after the colon', () => {
    assert.equal(writeKeyFromHeader(`Basic ${b64('wk_live_123:secret:more')}`), 'wk_live_123');
  });

  it('accepts any case of the scheme and surrounding spaces', () => {
    assert.equal(writeKeyFromHeader(`basic ${b64('k1:')}`), 'k1');
    assert.equal(writeKeyFromHeader(`BASIC   ${b64('k1:')}  `), 'k1');
  });

  it('keeps non-ASCII keys intact', () => {
    assert.equal(writeKeyFromHeader(`Basic ${b64('clé-ü:')}`), 'clé-ü');
  });

  it('finds no key in a missing, empty or malformed header', () => {
    for (const header of [
      undefined,
      '',
      'Basic',
      'Basic ',
      `Bearer ${b64('k1:')}`,
      b64('k1:'),
      `Basic ${b64(':password')}`,
      `Basic ${b64(':')}`,
      `Basic ${b64('')}`,
      `Basic ${b64('k1:')} extra`,
      'Basic !!!!',
    ]) {
      assert.equal(writeKeyFromHeader(header), undefined, JSON.stringify(header));
    }
  });
});

describe('writeKeyFromQuery and writeKeyFromBody', () => {
  it('read a non-empty string writeKey', () => {
    assert.equal(writeKeyFromQuery({ writeKey: 'k1' }), 'k1');
    assert.equal(writeKeyFromBody({ writeKey: 'k1', batch: [] }), 'k1');
  });

  it('find nothing when it is absent, empty or not a string', () => {
    for (const v of [undefined, null, 'k1', 42, {}, { writeKey: '' }, { writeKey: 42 }, { writeKey: ['k1'] }]) {
      assert.equal(writeKeyFromQuery(v), undefined, JSON.stringify(v));
      assert.equal(writeKeyFromBody(v), undefined, JSON.stringify(v));
    }
    assert.equal(writeKeyFromBody([{ writeKey: 'k1' }]), undefined, 'an array body has no writeKey');
  });
});

describe('redactKey', () => {
  it('shows at most the first four characters', () => {
    assert.equal(redactKey('wk_live_123456'), 'wk_l…');
    assert.equal(redactKey('abcd'), '****');
    assert.equal(redactKey(''), '****');
  });
});
