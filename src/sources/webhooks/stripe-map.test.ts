import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../core/event.js';
import { DEFAULT_USER_ID_PATHS } from './config.js';
import { identityOf, mapStripeEvent, type StripeMapping } from './stripe-map.js';

const DEFAULTS: StripeMapping = { user_id_paths: DEFAULT_USER_ID_PATHS, customer_id_as: 'user_id' };
const event = (type: string, object: JsonObject): JsonObject => ({ id: 'evt_1', object: 'event', type, created: 1, data: { object } });

describe('identityOf', () => {
  it('takes the first configured path that holds a value, else the customer id as configured', () => {
    assert.deepEqual(identityOf({ customer: 'cus_1', metadata: { user_id: 'u1' } }, DEFAULTS), { userId: 'u1' });
    assert.deepEqual(identityOf({ customer: 'cus_1', client_reference_id: 'u2' }, DEFAULTS), { userId: 'u2' });
    assert.deepEqual(identityOf({ customer: 'cus_1', parent: { subscription_details: { metadata: { user_id: 'u3' } } } }, DEFAULTS), { userId: 'u3' });
    assert.deepEqual(identityOf({ customer: 'cus_1', metadata: { user_id: 7 } }, DEFAULTS), { userId: '7' });
    assert.deepEqual(identityOf({ customer: 'cus_1', metadata: { user_id: '' } }, DEFAULTS), { userId: 'cus_1' });
    assert.deepEqual(identityOf({ customer: { id: 'cus_2', object: 'customer' } }, DEFAULTS), { userId: 'cus_2' });
    assert.deepEqual(identityOf({ object: 'customer', id: 'cus_3' }, { ...DEFAULTS, customer_id_as: 'anonymous_id' }), { anonymousId: 'cus_3' });
    assert.equal(identityOf({ customer: 'cus_1' }, { ...DEFAULTS, customer_id_as: 'none' }), undefined);
    assert.deepEqual(identityOf({ customer: 'cus_1', app: { uid: 'u4' } }, { user_id_paths: ['app.uid'], customer_id_as: 'none' }), { userId: 'u4' });
  });
});

describe('mapStripeEvent', () => {
  it('maps invoice.paid to Invoice Paid with revenue in major units, zero-decimal currencies as they are', () => {
    const [call] = mapStripeEvent(event('invoice.paid', { id: 'in_1', customer: 'cus_1', amount_paid: 1999, currency: 'eur', subscription: 'sub_1', billing_reason: 'subscription_cycle' }), DEFAULTS);
    assert.deepEqual(call, {
      type: 'track',
      message: { userId: 'cus_1', event: 'Invoice Paid', properties: { invoice_id: 'in_1', amount: 19.99, revenue: 19.99, currency: 'EUR', subscription_id: 'sub_1', billing_reason: 'subscription_cycle', stripe_customer_id: 'cus_1' } },
    });
    const [yen] = mapStripeEvent(event('invoice.paid', { id: 'in_2', customer: 'cus_1', amount_paid: 500, currency: 'jpy', parent: { subscription_details: { subscription: 'sub_2' } } }), DEFAULTS);
    assert.equal((yen!.message.properties as JsonObject).revenue, 500);
    assert.equal((yen!.message.properties as JsonObject).subscription_id, 'sub_2');
  });

  it('counts revenue of a one-off checkout, not of a subscription checkout (its invoice.paid does)', () => {
    const props = (mode: string): JsonObject => mapStripeEvent(event('checkout.session.completed', { id: 'cs_1', customer: 'cus_1', amount_total: 1000, currency: 'usd', mode }), DEFAULTS)[0]!.message.properties as JsonObject;
    assert.equal(props('payment').revenue, 10);
    assert.equal(props('subscription').revenue, undefined);
    assert.equal(props('subscription').total, 10);
  });

  it('maps subscriptions by their first price', () => {
    const sub = { id: 'sub_1', object: 'subscription', customer: 'cus_1', status: 'active', cancel_at_period_end: false, items: { data: [{ quantity: 2, price: { id: 'price_1', nickname: 'Pro', product: 'prod_1', unit_amount: 1500, currency: 'usd', recurring: { interval: 'month' } } }] } };
    const names = ['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted'].map((t) => mapStripeEvent(event(t, sub), DEFAULTS)[0]!.message.event);
    assert.deepEqual(names, ['Subscription Created', 'Subscription Updated', 'Subscription Canceled']);
    assert.deepEqual(mapStripeEvent(event('customer.subscription.created', sub), DEFAULTS)[0]!.message.properties, {
      subscription_id: 'sub_1', status: 'active', plan_id: 'price_1', plan_name: 'Pro', product_id: 'prod_1', interval: 'month', amount: 15, currency: 'USD', quantity: 2, cancel_at_period_end: false, stripe_customer_id: 'cus_1',
    });
  });

  it('maps customers to identify with traits, and leaves unknown types and unidentifiable objects unmapped', () => {
    assert.deepEqual(mapStripeEvent(event('customer.updated', { id: 'cus_1', object: 'customer', email: 'a@b.c', metadata: { user_id: 'u1' } }), DEFAULTS), [
      { type: 'identify', message: { userId: 'u1', traits: { email: 'a@b.c', stripe_customer_id: 'cus_1' } } },
    ]);
    assert.deepEqual(mapStripeEvent(event('payout.paid', { id: 'po_1' }), DEFAULTS), []);
    assert.deepEqual(mapStripeEvent(event('invoice.paid', { id: 'in_1', amount_paid: 1 }), DEFAULTS), [], 'no user id and no customer');
    assert.deepEqual(mapStripeEvent({ id: 'evt', type: 'invoice.paid' }, DEFAULTS), [], 'no data.object');
  });
});
