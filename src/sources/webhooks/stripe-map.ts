// Stripe events as Segment calls: a fixed table of the common billing events (docs/sources/webhooks.md lists it).
// Pure: the raw event is kept in the log whatever this returns, so a function can map anything this table does not.
import type { EventType, JsonObject } from '../../core/event.js';
import { isPlainObject } from '../http/validate.js';

/** One Segment call to append, without messageId, timestamp and context (the caller adds them). */
export interface MappedCall {
  type: EventType;
  message: JsonObject;
}

export interface StripeMapping {
  user_id_paths: readonly string[];
  customer_id_as: 'user_id' | 'anonymous_id' | 'none';
}

/** Currencies Stripe counts in whole units: amounts are not in cents. https://docs.stripe.com/currencies#zero-decimal */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

function at(obj: JsonObject, path: string): unknown {
  let v: unknown = obj;
  for (const key of path.split('.')) {
    if (!isPlainObject(v)) return undefined;
    v = v[key];
  }
  return v;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

/** Stripe amounts are integers in the currency's smallest unit; analytics tools expect major units. */
function amount(obj: JsonObject, field: string): number | undefined {
  const v = obj[field];
  if (typeof v !== 'number') return undefined;
  const currency = str(obj.currency)?.toLowerCase();
  return currency !== undefined && ZERO_DECIMAL.has(currency) ? v : v / 100;
}

/** Drops undefined members, so the stored properties hold only what Stripe sent. */
function defined(obj: Record<string, unknown>): JsonObject {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** The customer id an object belongs to: its `customer` (an id, or an expanded customer), or its own id for a customer. */
function customerIdOf(object: JsonObject): string | undefined {
  if (object.object === 'customer') return str(object.id);
  const c = object.customer;
  return isPlainObject(c) ? str(c.id) : str(c);
}

/** An invoice's subscription: a top-level field in older API versions, under parent.subscription_details since 2025. */
function invoiceSubscription(i: JsonObject): string | undefined {
  return str(i.subscription) ?? str(at(i, 'parent.subscription_details.subscription'));
}

function currencyOf(object: JsonObject): string | undefined {
  return str(object.currency)?.toUpperCase();
}

/** Properties of a subscription: its first item's price says the plan. */
function subscriptionProperties(sub: JsonObject): JsonObject {
  const items = isPlainObject(sub.items) && Array.isArray(sub.items.data) ? sub.items.data : [];
  const first: unknown = items[0];
  const price = isPlainObject(first) && isPlainObject(first.price) ? first.price : {};
  const recurring = isPlainObject(price.recurring) ? price.recurring : {};
  return defined({
    subscription_id: str(sub.id),
    status: str(sub.status),
    plan_id: str(price.id),
    plan_name: str(price.nickname) ?? str(price.lookup_key),
    product_id: str(price.product),
    interval: str(recurring.interval),
    amount: amount(price, 'unit_amount'),
    currency: currencyOf(price),
    quantity: isPlainObject(first) && typeof first.quantity === 'number' ? first.quantity : undefined,
    cancel_at_period_end: typeof sub.cancel_at_period_end === 'boolean' ? sub.cancel_at_period_end : undefined,
  });
}

type Mapper = (object: JsonObject) => MappedCall[];

const track = (event: string, properties: JsonObject): MappedCall[] => [{ type: 'track', message: { event, properties } }];

/** The table. Keys are Stripe event types; each returns the calls without identity. */
export const STRIPE_EVENT_MAP: Readonly<Record<string, Mapper>> = {
  // A subscription checkout's money arrives as invoice.paid too: revenue is counted there, not twice.
  'checkout.session.completed': (s) =>
    track('Order Completed', defined({ order_id: str(s.id), checkout_session_id: str(s.id), total: amount(s, 'amount_total'), revenue: s.mode === 'subscription' ? undefined : amount(s, 'amount_total'), currency: currencyOf(s), payment_status: str(s.payment_status), mode: str(s.mode), subscription_id: str(s.subscription) })),
  'invoice.paid': (i) =>
    track('Invoice Paid', defined({ invoice_id: str(i.id), amount: amount(i, 'amount_paid'), revenue: amount(i, 'amount_paid'), currency: currencyOf(i), subscription_id: invoiceSubscription(i), billing_reason: str(i.billing_reason) })),
  'invoice.payment_failed': (i) =>
    track('Invoice Payment Failed', defined({ invoice_id: str(i.id), amount: amount(i, 'amount_due'), currency: currencyOf(i), attempt_count: typeof i.attempt_count === 'number' ? i.attempt_count : undefined, subscription_id: invoiceSubscription(i) })),
  'customer.subscription.created': (s) => track('Subscription Created', subscriptionProperties(s)),
  'customer.subscription.updated': (s) => track('Subscription Updated', subscriptionProperties(s)),
  'customer.subscription.deleted': (s) => track('Subscription Canceled', subscriptionProperties(s)),
  'charge.refunded': (c) =>
    track('Order Refunded', defined({ charge_id: str(c.id), order_id: str(c.payment_intent), amount: amount(c, 'amount_refunded'), currency: currencyOf(c) })),
  'payment_intent.succeeded': (p) => track('Payment Succeeded', defined({ payment_intent_id: str(p.id), amount: amount(p, 'amount_received'), currency: currencyOf(p) })),
  'customer.created': (c) => [{ type: 'identify', message: { traits: customerTraits(c) } }],
  'customer.updated': (c) => [{ type: 'identify', message: { traits: customerTraits(c) } }],
};

function customerTraits(c: JsonObject): JsonObject {
  return defined({ email: str(c.email), name: str(c.name), phone: str(c.phone), stripe_customer_id: str(c.id), description: str(c.description) });
}

/** The userId (or anonymousId) the calls carry, per the source's mapping; undefined when there is none. */
export function identityOf(object: JsonObject, mapping: StripeMapping): JsonObject | undefined {
  for (const path of mapping.user_id_paths) {
    const v = str(at(object, path));
    if (v !== undefined) return { userId: v };
  }
  const customer = customerIdOf(object);
  if (customer === undefined || mapping.customer_id_as === 'none') return undefined;
  return mapping.customer_id_as === 'user_id' ? { userId: customer } : { anonymousId: customer };
}

/**
 * The calls for one verified Stripe event: none for types outside the table, or without any identity to give them.
 * Each call carries the Stripe customer id (properties or traits), so the two can be joined later.
 */
export function mapStripeEvent(event: JsonObject, mapping: StripeMapping): MappedCall[] {
  const type = str(event.type);
  const object = isPlainObject(event.data) && isPlainObject(event.data.object) ? event.data.object : undefined;
  const mapper = type === undefined ? undefined : STRIPE_EVENT_MAP[type];
  if (mapper === undefined || object === undefined) return [];
  const identity = identityOf(object, mapping);
  if (identity === undefined) return [];
  const customer = customerIdOf(object);
  return mapper(object).map((call) => {
    const message: JsonObject = { ...identity, ...call.message };
    const bag = call.type === 'identify' ? 'traits' : 'properties';
    if (customer !== undefined) message[bag] = { ...(message[bag] as JsonObject), stripe_customer_id: customer };
    return { type: call.type, message };
  });
}
