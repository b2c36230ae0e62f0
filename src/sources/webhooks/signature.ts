// Signature checks over the raw request body, as the sender computed them. Pure and clock-injected, so tested
// without a server. Every comparison is constant-time: a timing difference would let an attacker guess a valid
// signature byte by byte.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a signature was refused: the text goes into the 400 and the reject log. */
export class SignatureError extends Error {
  override readonly name = 'SignatureError';
}

function equalConstantTime(a: Buffer, b: Buffer): boolean {
  // timingSafeEqual throws on different lengths; the length of a signature is public anyway.
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Stripe's scheme: header `t=<unix seconds>,v1=<hex>,v1=<hex>,v0=…`; each v1 is HMAC-SHA256 of `${t}.${body}` keyed
 * with the endpoint secret. Any v1 may match (Stripe sends several while a secret is being rolled). The timestamp
 * must be within `toleranceS` of now, either way, so a captured request cannot be replayed later.
 */
export function verifyStripeSignature(header: string | undefined, body: Buffer, secret: string, toleranceS: number, nowMs: number): void {
  if (header === undefined || header.trim() === '') throw new SignatureError('the Stripe-Signature header is missing');
  let timestamp: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') timestamp = value;
    else if (key === 'v1') v1.push(value);
  }
  if (timestamp === undefined || !/^\d+$/.test(timestamp)) throw new SignatureError('the Stripe-Signature header has no t=<unix seconds> timestamp');
  if (v1.length === 0) throw new SignatureError('the Stripe-Signature header has no v1 signature');
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  if (!v1.some((sig) => /^[0-9a-f]+$/i.test(sig) && equalConstantTime(Buffer.from(sig, 'hex'), expected))) {
    throw new SignatureError('no v1 signature in Stripe-Signature matches the body: check the endpoint secret, and that nothing re-encoded the body');
  }
  const ageS = Math.floor(nowMs / 1000) - Number(timestamp);
  if (Math.abs(ageS) > toleranceS) {
    const when = ageS > 0 ? `${ageS} s old` : `${-ageS} s in the future`;
    throw new SignatureError(`the Stripe-Signature timestamp is ${when}, outside the tolerance of ${toleranceS} s`);
  }
}

export interface HmacScheme {
  header: string;
  algorithm: 'sha256' | 'sha1' | 'sha512';
  encoding: 'hex' | 'base64';
  prefix: string;
}

/** A generic signed webhook: the header holds `prefix` + the HMAC of the raw body, hex or base64. */
export function verifyHmacSignature(value: string | undefined, body: Buffer, secret: string, scheme: HmacScheme): void {
  if (value === undefined || value.trim() === '') throw new SignatureError(`the ${scheme.header} header is missing`);
  let sig = value.trim();
  if (scheme.prefix !== '') {
    if (!sig.startsWith(scheme.prefix)) throw new SignatureError(`the ${scheme.header} header must start with ${JSON.stringify(scheme.prefix)}`);
    sig = sig.slice(scheme.prefix.length);
  }
  const wellFormed = scheme.encoding === 'hex' ? /^[0-9a-f]+$/i.test(sig) : /^[A-Za-z0-9+/_-]+={0,2}$/.test(sig);
  if (!wellFormed) throw new SignatureError(`the ${scheme.header} header is not a ${scheme.encoding} signature`);
  const expected = createHmac(scheme.algorithm, secret).update(body).digest();
  if (!equalConstantTime(Buffer.from(sig, scheme.encoding === 'hex' ? 'hex' : 'base64'), expected)) {
    throw new SignatureError(`the ${scheme.header} signature does not match the body: check the secret, the algorithm (${scheme.algorithm}) and the encoding (${scheme.encoding})`);
  }
}
