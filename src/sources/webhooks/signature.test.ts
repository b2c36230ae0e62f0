import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { SignatureError, verifyHmacSignature, verifyStripeSignature } from './signature.js';

const stripe = new Stripe('sk_test_unused');
const SECRET = 'whsec_test_secret';
const PAYLOAD = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid' }, null, 2);
const body = Buffer.from(PAYLOAD);

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SignatureError, String(err));
    return err.message;
  }
  assert.fail('expected a SignatureError');
}

describe('verifyStripeSignature', () => {
  it("accepts the header Stripe's own helper makes, within the tolerance", () => {
    const now = Date.now();
    const header = stripe.webhooks.generateTestHeaderString({ payload: PAYLOAD, secret: SECRET, timestamp: Math.floor(now / 1000) - 200 });
    verifyStripeSignature(header, body, SECRET, 300, now);
  });

  it('accepts any of several v1 signatures (a secret being rolled)', () => {
    const now = Date.now();
    const good = stripe.webhooks.generateTestHeaderString({ payload: PAYLOAD, secret: SECRET, timestamp: Math.floor(now / 1000) });
    const [t, v1] = good.split(',');
    verifyStripeSignature(`${t},v1=${'ab'.repeat(32)},${v1},v0=00`, body, SECRET, 300, now);
  });

  it('refuses a wrong secret, a changed body, and a missing or malformed header', () => {
    const now = Date.now();
    const header = stripe.webhooks.generateTestHeaderString({ payload: PAYLOAD, secret: 'whsec_other', timestamp: Math.floor(now / 1000) });
    assert.match(refusal(() => verifyStripeSignature(header, body, SECRET, 300, now)), /no v1 signature .* matches/);
    const right = stripe.webhooks.generateTestHeaderString({ payload: PAYLOAD, secret: SECRET, timestamp: Math.floor(now / 1000) });
    // Re-serialized JSON is the same event but not the same bytes: the check is over the raw body.
    assert.match(refusal(() => verifyStripeSignature(right, Buffer.from(JSON.stringify(JSON.parse(PAYLOAD))), SECRET, 300, now)), /matches/);
    assert.match(refusal(() => verifyStripeSignature(undefined, body, SECRET, 300, now)), /missing/);
    assert.match(refusal(() => verifyStripeSignature('v1=abc', body, SECRET, 300, now)), /no t=/);
    assert.match(refusal(() => verifyStripeSignature('t=123', body, SECRET, 300, now)), /no v1/);
    assert.match(refusal(() => verifyStripeSignature('t=123,v1=not-hex', body, SECRET, 300, now)), /matches/);
  });

  it('refuses a timestamp outside the tolerance, old or in the future, and honours a configured tolerance', () => {
    const now = Date.now();
    const t = Math.floor(now / 1000);
    const old = stripe.webhooks.generateTestHeaderString({ payload: PAYLOAD, secret: SECRET, timestamp: t - 301 });
    assert.match(refusal(() => verifyStripeSignature(old, body, SECRET, 300, now)), /301 s old, outside the tolerance of 300 s/);
    verifyStripeSignature(old, body, SECRET, 600, now);
    const future = stripe.webhooks.generateTestHeaderString({ payload: PAYLOAD, secret: SECRET, timestamp: t + 400 });
    assert.match(refusal(() => verifyStripeSignature(future, body, SECRET, 300, now)), /in the future/);
  });
});

describe('verifyHmacSignature', () => {
  const sign = (alg: string, enc: 'hex' | 'base64'): string => createHmac(alg, 's3cret').update(body).digest(enc);

  it('checks each algorithm and encoding, with and without a prefix', () => {
    for (const algorithm of ['sha256', 'sha1', 'sha512'] as const) {
      for (const encoding of ['hex', 'base64'] as const) {
        verifyHmacSignature(sign(algorithm, encoding), body, 's3cret', { header: 'X-Sig', algorithm, encoding, prefix: '' });
        verifyHmacSignature(`${algorithm}=${sign(algorithm, encoding)}`, body, 's3cret', { header: 'X-Sig', algorithm, encoding, prefix: `${algorithm}=` });
      }
    }
  });

  it('names what is wrong', () => {
    const scheme = { header: 'X-Hub-Signature-256', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' } as const;
    assert.match(refusal(() => verifyHmacSignature(undefined, body, 's3cret', scheme)), /X-Hub-Signature-256 header is missing/);
    assert.match(refusal(() => verifyHmacSignature(sign('sha256', 'hex'), body, 's3cret', scheme)), /must start with "sha256="/);
    assert.match(refusal(() => verifyHmacSignature('sha256=zz', body, 's3cret', scheme)), /not a hex signature/);
    assert.match(refusal(() => verifyHmacSignature(`sha256=${sign('sha1', 'hex')}`, body, 's3cret', scheme)), /does not match/);
    assert.match(refusal(() => verifyHmacSignature(`sha256=${sign('sha256', 'hex')}`, body, 'wrong', scheme)), /does not match/);
  });
});
