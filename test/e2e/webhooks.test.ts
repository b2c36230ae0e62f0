// Webhook sources end to end, against the real server: Stripe events signed with the stripe package's own test
// helper (accepted once, mapped to tracking calls; bad, stale or missing signatures refused with nothing stored),
// a generic HMAC-signed webhook, an unsigned one, and a function subscribed to the stored webhook event.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { admin, settledProfile, until } from '../helpers/configured-server.js';
import { allEvents, type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.js';

const stripe = new Stripe('sk_test_unused');
const STRIPE_SECRET = 'whsec_e2e_secret_1';
const GH_SECRET = 'github-e2e-secret';

// A function mapping a Stripe event the built-in table does not know.
const DISPUTE = `
export default (event: any, ctx: any): void => {
  const dispute = event.data.data.object;
  ctx.track({ userId: dispute.metadata.user_id, event: 'Dispute Opened', properties: { amount: dispute.amount / 100 } });
};
`;

const CONFIG = `
sources: [{ name: web, write_keys: [webhooks-e2e-key-1] }]
webhooks:
  - name: stripe
    kind: stripe
    secret: \${{ secrets.STRIPE_WEBHOOK_SECRET }}
  - name: github
    kind: hmac
    secret: \${{ secrets.GH_WEBHOOK_SECRET }}
    header: X-Hub-Signature-256
    prefix: 'sha256='
    type_header: X-GitHub-Event
    id_header: X-GitHub-Delivery
  - name: forms
    kind: unsigned
    allow_unsigned: true
functions:
  - name: disputes
    file: functions/disputes.ts
    subscribe: { types: [stripe.charge.dispute.created], sources: [stripe] }
`;

type Stored = Awaited<ReturnType<typeof allEvents>>[number];

function stripeEvent(id: string, type: string, object: Record<string, unknown>, created = 1_700_000_000): string {
  return JSON.stringify({ id, object: 'event', api_version: '2024-06-20', created, type, livemode: false, data: { object } }, null, 2);
}

describe('webhook sources', () => {
  let server: ServerProcess;
  const events = async (): Promise<Stored[]> => allEvents(server);
  const postStripe = (payload: string, header: string | undefined): Promise<Response> =>
    fetch(`${server.url}/v1/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', ...(header === undefined ? {} : { 'stripe-signature': header }) }, body: payload });
  const signed = (payload: string, opts: { secret?: string; timestamp?: number } = {}): string =>
    stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? STRIPE_SECRET, ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }) });

  before(async () => {
    const dir = tempDataDir();
    mkdirSync(join(dir, 'functions'));
    writeFileSync(join(dir, 'functions', 'disputes.ts'), DISPUTE);
    writeFileSync(join(dir, 'sluice.yaml'), CONFIG);
    server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', join(dir, 'sluice.yaml')], env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, GH_WEBHOOK_SECRET: GH_SECRET } });
  });
  after(() => server.stop());

  it('accepts a validly signed Stripe event once, and appends the mapped track call linked to it', async () => {
    const session = { id: 'cs_1', object: 'checkout.session', customer: 'cus_A', amount_total: 4900, currency: 'usd', mode: 'subscription', payment_status: 'paid', metadata: { user_id: 'user-42' } };
    const payload = stripeEvent('evt_checkout_1', 'checkout.session.completed', session);
    const first = await postStripe(payload, signed(payload));
    assert.equal(first.status, 200, await first.clone().text());
    assert.deepEqual(await first.json(), { success: true, stored: 2, duplicate: false });
    // Stripe retries the same event (a new signature, the same id): nothing new is stored.
    const retry = await postStripe(payload, signed(payload));
    assert.equal(retry.status, 200);
    assert.deepEqual(await retry.json(), { success: true, stored: 0, duplicate: true });

    const stored = (await events()).filter((e) => e.source === 'stripe' && JSON.stringify(e.event).includes('evt_checkout_1'));
    assert.equal(stored.length, 2);
    const [raw, track] = stored as [Stored, Stored];
    assert.equal(raw.event.type, 'stripe.checkout.session.completed');
    assert.equal(raw.event.id, 'evt_checkout_1');
    assert.equal(raw.event.source, '/webhooks/stripe');
    assert.deepEqual(raw.event.data, JSON.parse(payload));
    assert.equal(track.event.type, 'track');
    assert.equal(track.event.event, 'Order Completed');
    assert.equal(track.event.userId, 'user-42');
    assert.equal(track.event.timestamp, new Date(1_700_000_000_000).toISOString(), 'placed when Stripe says it happened');
    assert.deepEqual(track.event.properties, { order_id: 'cs_1', checkout_session_id: 'cs_1', total: 49, currency: 'USD', payment_status: 'paid', mode: 'subscription', stripe_customer_id: 'cus_A' });
    assert.deepEqual((track.event.context as Record<string, unknown>).sluice, { causation_id: '/webhooks/stripe evt_checkout_1', webhook: 'stripe' });
  });

  it('maps customer.created to identify, with the customer id as userId when no user id is found', async () => {
    const payload = stripeEvent('evt_cust_1', 'customer.created', { id: 'cus_B', object: 'customer', email: 'b@example.com', name: 'Bea' });
    assert.equal((await postStripe(payload, signed(payload))).status, 200);
    const identify = (await events()).find((e) => e.event.type === 'identify' && e.event.userId === 'cus_B');
    assert.ok(identify, 'an identify for cus_B');
    assert.deepEqual(identify.event.traits, { email: 'b@example.com', name: 'Bea', stripe_customer_id: 'cus_B' });
  });

  it('refuses a bad, stale or missing signature with 400, stores nothing, and counts and logs the refusal', async () => {
    const payload = stripeEvent('evt_forged_1', 'invoice.paid', { id: 'in_1', object: 'invoice', customer: 'cus_A', amount_paid: 100, currency: 'usd' });
    const cases: [string, string | undefined, RegExp][] = [
      ['wrong secret', signed(payload, { secret: 'whsec_attacker' }), /no v1 signature .* matches the body/],
      ['stale', signed(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }), /s old, outside the tolerance of 300 s/],
      ['missing', undefined, /Stripe-Signature header is missing/],
    ];
    for (const [name, header, message] of cases) {
      const res = await postStripe(payload, header);
      assert.equal(res.status, 400, name);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'invalid_signature', name);
      assert.match(body.error.message, message, name);
    }
    // The same bytes with a tampered amount and the original signature: refused.
    const tampered = payload.replace('"amount_paid": 100', '"amount_paid": 1');
    assert.equal((await postStripe(tampered, signed(payload))).status, 400);

    assert.equal((await events()).filter((e) => JSON.stringify(e.event).includes('evt_forged_1')).length, 0, 'nothing stored');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /sluice_events_rejected_total\{reason="invalid_signature"\} 4/);
    let rejects: { source: string | null; code: string }[] = [];
    for (let i = 0; i < 100 && rejects.length < 4; i++) {
      const res = await fetch(`${server.url}/api/v1/rejects?code=invalid_signature`, { headers: { authorization: `Bearer ${server.adminToken}` } });
      rejects = ((await res.json()) as { rejects: typeof rejects }).rejects;
      if (rejects.length < 4) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(rejects.length, 4);
    assert.ok(rejects.every((r) => r.source === 'stripe'));
  });

  it('answers 404 for a webhook source that is not configured', async () => {
    const res = await fetch(`${server.url}/v1/webhooks/paypal`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /no webhook source named "paypal"; configured: stripe, github, forms/);
  });

  it('checks a generic HMAC signature over the raw body and deduplicates on the delivery id header', async () => {
    const body = '{"action":"opened",  "number": 7}';
    const post = (sig: string, delivery: string): Promise<Response> =>
      fetch(`${server.url}/v1/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': delivery, 'x-hub-signature-256': sig }, body });
    const sig = `sha256=${createHmac('sha256', GH_SECRET).update(body).digest('hex')}`;
    assert.equal((await post(sig, 'd-1')).status, 200);
    assert.equal((await post(sig, 'd-1')).status, 200);
    const wrong = await post(`sha256=${createHmac('sha256', 'nope').update(body).digest('hex')}`, 'd-2');
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'invalid_signature');
    const stored = (await events()).filter((e) => e.source === 'github');
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.event.type, 'github.pull_request');
    assert.equal(stored[0]!.event.id, 'd-1');
    assert.deepEqual(stored[0]!.event.data, { action: 'opened', number: 7 });
  });

  it('stores an unsigned webhook (allowed by configuration), identical bodies once', async () => {
    const post = (): Promise<Response> => fetch(`${server.url}/v1/webhooks/forms`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=Ann&plan=pro' });
    assert.equal((await post()).status, 200);
    assert.equal((await post()).status, 200);
    const stored = (await events()).filter((e) => e.source === 'forms');
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.event.type, 'forms.webhook');
    assert.equal(stored[0]!.event.data, 'name=Ann&plan=pro');
  });

  it('runs a function subscribed to the stored Stripe event, for a mapping of its own', async () => {
    const payload = stripeEvent('evt_dispute_1', 'charge.dispute.created', { id: 'dp_1', object: 'dispute', amount: 2500, currency: 'usd', metadata: { user_id: 'user-9' } });
    assert.equal((await postStripe(payload, signed(payload))).status, 200);
    let emitted: Stored | undefined;
    for (let i = 0; i < 200 && emitted === undefined; i++) {
      emitted = (await events()).find((e) => e.event.event === 'Dispute Opened');
      if (emitted === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(emitted, `the function emitted its track call:\n${server.output()}`);
    assert.equal(emitted.source, 'stripe');
    assert.equal(emitted.event.userId, 'user-9');
    assert.deepEqual(emitted.event.properties, { amount: 25 });
    assert.equal((emitted.event.context as { sluice: { causation_id: string } }).sluice.causation_id, '/webhooks/stripe evt_dispute_1');
  });

  it("drops a deleted person's Stripe deliveries, raw event included, answers 200 so Stripe stops, and counts them", async () => {
    const customer = (email: string) => ({ id: 'cus_GONE', object: 'customer', email, metadata: { user_id: 'user-gone' } });
    const first = stripeEvent('evt_gone_1', 'customer.created', customer('gone@example.com'));
    assert.equal((await postStripe(first, signed(first))).status, 200);
    await settledProfile(server, 'user-gone');
    assert.equal((await admin(server, '/api/v1/profiles/user-gone', 'DELETE')).status, 200);

    const later = stripeEvent('evt_gone_2', 'customer.updated', customer('still-gone@example.com'));
    const res = await postStripe(later, signed(later));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { success: true, stored: 0, duplicate: false });
    const privacy = await until('the suppressed delivery is counted', () => admin<{ suppressed_events: number }>(server, '/api/v1/privacy'), (r) => r.body.suppressed_events >= 2);
    assert.equal(privacy.body.suppressed_events, 2, 'the raw event and its mapped identify');
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /sluice_events_suppressed_total\{source="stripe"\} 2/);
    const stored = JSON.stringify(await events());
    assert.ok(!stored.includes('evt_gone_2') && !stored.includes('still-gone@example.com'), 'nothing of the later delivery is stored');
  });
});
