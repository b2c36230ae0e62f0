import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../core/errors.js';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { webhookSchema } from './config.js';
import { prepareWebhook } from './prepare.js';

const AT = Date.UTC(2025, 0, 2, 3, 4, 5);
const hmac = webhookSchema.parse({ name: 'shop', kind: 'hmac', secret: 's', header: 'X-Sig' });
const stripeHook = webhookSchema.parse({ name: 'stripe', kind: 'stripe', secret: 's' });

const prepare = (hook: typeof hmac, headers: Record<string, string>, body: string | Buffer) =>
  prepareWebhook({ headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) }, hook, DEFAULT_LIMITS, AT);
const stored = (r: ReturnType<typeof prepare>, i = 0): Record<string, unknown> => JSON.parse(r.records[i]!.body) as Record<string, unknown>;

describe('prepareWebhook', () => {
  it('keeps a generic payload as a CloudEvent: JSON parsed, text as text, bytes as base64', () => {
    const json = prepare(hmac, { 'content-type': 'application/json' }, '{"a":1}');
    assert.deepEqual(stored(json), { specversion: '1.0', id: stored(json).id, source: '/webhooks/shop', type: 'shop.webhook', time: new Date(AT).toISOString(), webhook: 'shop', datacontenttype: 'application/json', data: { a: 1 } });
    assert.match(String(stored(json).id), /^[0-9a-f]{64}$/, 'the body hash when no id header is configured');
    assert.deepEqual(json.records[0]!.messageId, `/webhooks/shop ${String(stored(json).id)}`);
    assert.deepEqual(stored(prepare(hmac, {}, '{"a":1}')).data, { a: 1 }, 'unlabelled JSON is parsed');
    assert.equal(stored(prepare(hmac, {}, 'a=1&b=2')).data, 'a=1&b=2', 'unlabelled text stays text');
    assert.equal(stored(prepare(hmac, { 'content-type': 'application/octet-stream' }, Buffer.from([0xff, 0xfe]))).data_base64, '//4=');
  });

  it('refuses a body labelled JSON that is not', () => {
    assert.throws(() => prepare(hmac, { 'content-type': 'application/json' }, '{nope'), (e: unknown) => e instanceof SluiceError && e.code === 'invalid_json');
  });

  it('takes the type and id from configured headers', () => {
    const hook = webhookSchema.parse({ name: 'gh', kind: 'hmac', secret: 's', header: 'X-Sig', type_header: 'X-GitHub-Event', id_header: 'X-GitHub-Delivery', event_type: 'unused' });
    const ev = stored(prepare(hook, { 'x-github-event': 'push', 'x-github-delivery': 'd-9' }, '{}'));
    assert.equal(ev.type, 'gh.push');
    assert.equal(ev.id, 'd-9');
    assert.equal(stored(prepare(hook, {}, '{}')).type, 'unused', 'event_type when the type header is absent');
  });

  it('refuses a Stripe body that is not a Stripe event, and maps one that is, after the raw event', () => {
    assert.throws(() => prepare(stripeHook, {}, '[]'), /must be a JSON object/);
    assert.throws(() => prepare(stripeHook, {}, '{"type":"invoice.paid"}'), /has no id/);
    assert.throws(() => prepare(stripeHook, {}, ''), /empty/);
    const r = prepare(stripeHook, {}, JSON.stringify({ id: 'evt_1', type: 'invoice.paid', created: 1_600_000_000, data: { object: { id: 'in_1', customer: 'cus_1', amount_paid: 100, currency: 'usd' } } }));
    assert.deepEqual(r.types, ['cloudevent', 'track']);
    assert.equal(r.records[1]!.messageId, '/webhooks/stripe evt_1#0');
    assert.equal(stored(r, 1).timestamp, '2020-09-13T12:26:40.000Z');
    assert.equal(stored(r).time, '2020-09-13T12:26:40.000Z');
  });
});
