import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { functionNames } from './ts-client.js';
import { payloadType } from './ts-types.js';

describe('functionNames', () => {
  it('camel-cases event names and keeps them apart from reserved words, digits and each other', () => {
    const names = functionNames(['Order Completed', 'checkout_step_viewed', 'SignedUp', 'delete', 'Page', '3D Viewed', 'order completed', '!!!']);
    assert.deepEqual(Object.fromEntries(names), {
      'Order Completed': 'orderCompleted',
      checkout_step_viewed: 'checkoutStepViewed',
      SignedUp: 'signedUp',
      delete: 'trackDelete',
      Page: 'trackPage',
      '3D Viewed': 'track3DViewed',
      'order completed': 'trackOrderCompleted',
      '!!!': 'trackEvent',
    });
  });
});

describe('payloadType', () => {
  it('renders refs, unions, intersections, tuples, consts and open or closed objects', () => {
    const t = payloadType({
      properties: {
        'odd-key': { type: 'string' },
        where: { $ref: '#/$defs/place' },
        amount: { anyOf: [{ type: 'number' }, { type: 'string' }] },
        both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { b: { type: 'number' } } }] },
        pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] },
        kind: { const: 'fixed' },
        free: { type: 'object' },
        counts: { type: 'object', additionalProperties: { type: 'integer' } },
        self: { $ref: '#' },
      },
      required: ['kind'],
      $defs: { place: { type: 'object', properties: { city: { type: 'string' } } } },
    });
    assert.equal(
      t,
      `{
  "odd-key"?: string;
  where?: {
    city?: string;
  };
  amount?: number | string;
  both?: {
    a?: string;
  } & {
    b?: number;
  };
  pair?: [string, number];
  kind: "fixed";
  free?: {
    [key: string]: unknown;
  };
  counts?: {
    [key: string]: number;
  };
  self?: unknown;
}`,
    );
  });
});
