// A synthetic plan and matching traffic, for measuring what enforcement costs (the shared bench harness uses these
// to compare ingestion with a 50-event plan enforced against no plan) and for tests. Deterministic: no randomness.
import type { TrackingPlan } from './plan-file.js';

/** Event i's name: "Synthetic Event 007". */
export function syntheticEventName(i: number): string {
  return `Synthetic Event ${String(i).padStart(3, '0')}`;
}

/**
 * A plan of `events` track events, each with a realistic payload schema: required ids, a number with a range, an
 * enum, a date-time, an optional nested object and an array of objects.
 */
export function syntheticPlan(events = 50): TrackingPlan {
  const plan: TrackingPlan = { version: 1, name: `Synthetic ${events}-event plan`, owner: 'bench', events: {} };
  for (let i = 0; i < events; i++) {
    plan.events[syntheticEventName(i)] = {
      description: `Synthetic event ${i}.`,
      properties: {
        type: 'object',
        required: ['product_id', 'price', 'currency'],
        properties: {
          product_id: { type: 'string', minLength: 1 },
          name: { type: 'string' },
          price: { type: 'number', minimum: 0 },
          quantity: { type: 'integer', minimum: 1 },
          currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] },
          category: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          shipping: { type: 'object', properties: { method: { type: 'string' }, days: { type: 'integer' } } },
          items: { type: 'array', items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, qty: { type: 'integer' } } } },
        },
      },
    };
  }
  return plan;
}

/**
 * A track message (batch item) that follows `syntheticPlan(events)`, cycling through its events; `valid: false`
 * gives it a wrong type and an unplanned key, to measure the cost of the violation path too.
 */
export function syntheticTrack(i: number, opts: { events?: number; valid?: boolean; messageId?: string } = {}): Record<string, unknown> {
  const events = opts.events ?? 50;
  const properties: Record<string, unknown> = {
    product_id: `sku-${1000 + i}`,
    name: 'Canvas tote bag',
    price: 29.99,
    quantity: 1 + (i % 3),
    currency: 'EUR',
    category: 'Bags',
    at: '2025-01-15T10:00:00.000Z',
    items: [{ sku: `sku-${1000 + i}`, qty: 1 }],
  };
  if (opts.valid === false) {
    properties.price = '29.99';
    properties.unplanned_key = true;
  }
  const msg: Record<string, unknown> = { type: 'track', userId: `user-${100000 + i}`, event: syntheticEventName(i % events), properties };
  if (opts.messageId !== undefined) msg.messageId = opts.messageId;
  return msg;
}

/**
 * A /v1/batch body of `items` messages following (or, with `valid: false`, breaking) `syntheticPlan(events)`. Every
 * item gets `messageId` as given: the bench harness passes its placeholder token and replaces each with a UUID.
 */
export function syntheticBatchBody(items = 50, opts: { events?: number; valid?: boolean; messageId?: string } = {}): string {
  return JSON.stringify({ batch: Array.from({ length: items }, (_, i) => syntheticTrack(i, opts)), sentAt: '2025-01-15T10:00:01.000Z' });
}
