import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePlan } from './compile.js';
import { createPlanGate, type PlanEnforcement } from './enforcer.js';
import { parsePlan, PlanFileError, type TrackingPlan } from './plan-file.js';

const PLAN: TrackingPlan = parsePlan(
  `
events:
  Order Completed:
    properties:
      type: object
      required: [order_id, total]
      properties:
        order_id: { type: string }
        total: { type: number, minimum: 0 }
        currency: { enum: [EUR, USD] }
        items:
          type: array
          items: { type: object, required: [sku], properties: { sku: { type: string }, qty: { type: integer } } }
        meta: { type: object }
        shipping: { type: object, additionalProperties: true, properties: { method: { type: string } } }
        discount: { anyOf: [{ type: number }, { type: string, pattern: "^[0-9]+%$" }] }
        address: { $ref: "#/$defs/address" }
      $defs:
        address: { type: object, properties: { city: { type: string } } }
  Anything Goes: { description: no schema }
identify:
  traits: { type: object, properties: { email: { type: string, format: email } } }
`,
  'test.yaml',
);

const compiled = compilePlan(PLAN, 'test.yaml');
const gate = (e: Partial<PlanEnforcement> = {}) => createPlanGate(compiled, { mode: 'allow', unplanned_events: 'allow', ...e });
const ok = { order_id: 'o', total: 3 };
const summary = (r: ReturnType<ReturnType<typeof gate>['check']>) => r?.violations.map((v) => [v.kind, v.path]);

describe('plan checks', () => {
  it('returns null for a conforming payload, for a planned event without a schema, and for calls the plan says nothing of', () => {
    const g = gate();
    assert.equal(g.check('track', 'Order Completed', { ...ok, items: [{ sku: 'a', qty: 1 }], shipping: { method: 'x', extra: 1 }, meta: { free: 'form' }, discount: '10%' }), null);
    assert.equal(g.check('track', 'Anything Goes', { whatever: [1] }), null);
    assert.equal(g.check('page', undefined, { any: 1 }), null);
    assert.equal(g.check('alias', undefined, undefined), null);
  });

  it('names each violation by kind and path from the message root', () => {
    const r = gate().check('track', 'Order Completed', { total: -1, currency: 'JPY', items: [{ qty: 1.5 }], extra: true, address: { city: 1, zip: 'x' }, discount: true });
    assert.deepEqual(summary(r), [
      ['missing_required', 'properties.order_id'],
      ['unplanned_property', 'properties.extra'],
      ['invalid_value', 'properties.total'],
      ['invalid_value', 'properties.currency'],
      ['missing_required', 'properties.items[0].sku'],
      ['type_mismatch', 'properties.items[0].qty'],
      ['invalid_value', 'properties.discount'],
      ['unplanned_property', 'properties.address.zip'],
      ['type_mismatch', 'properties.address.city'],
    ]);
    assert.equal(r!.violations[3]!.message, 'properties.currency must be one of "EUR", "USD", got the string "JPY"');
    assert.equal(r!.violations[5]!.value, 1.5);
    assert.equal(r!.violations[0]!.value, undefined);
  });

  it('checks identify traits, with formats', () => {
    assert.deepEqual(summary(gate().check('identify', undefined, { email: 'nope' })), [['invalid_value', 'traits.email']]);
    assert.equal(gate().check('identify', undefined, { email: 'a@b.co' }), null);
  });

  it('flags unplanned events, and blocks them only when unplanned_events is block', () => {
    const allowed = gate({ mode: 'block' }).check('track', 'Nope', {});
    assert.deepEqual([allowed!.blocked, summary(allowed)], [false, [['unplanned_event', 'event']]]);
    assert.equal(gate({ unplanned_events: 'block' }).check('track', 'Nope', {})!.blocked, true);
  });

  it('block mode blocks; allow mode flags and leaves the payload alone', () => {
    const payload = { ...ok, extra: 1 };
    assert.equal(gate({ mode: 'block' }).check('track', 'Order Completed', payload)!.blocked, true);
    const r = gate().check('track', 'Order Completed', payload)!;
    assert.equal(r.blocked, false);
    assert.equal(r.payload, undefined);
    assert.deepEqual(payload, { ...ok, extra: 1 });
  });

  it('omit mode drops offending keys and array items on a copy, and says which violations it dropped', () => {
    const payload = { total: 'x', extra: 1, items: [{ sku: 1 }, { sku: 'b', junk: 1 }, 'str', { sku: 'c' }] };
    const r = gate({ mode: 'omit' }).check('track', 'Order Completed', payload)!;
    assert.deepEqual(r.payload, { items: [{}, { sku: 'b' }, { sku: 'c' }] });
    assert.equal(r.blocked, false);
    const omitted = r.violations.filter((v) => r.omitted!.has(v)).map((v) => v.path);
    assert.deepEqual(omitted.sort(), ['properties.extra', 'properties.items[0].sku', 'properties.items[1].junk', 'properties.items[2]', 'properties.total']);
    // A missing key cannot be dropped: it stays a flagged violation.
    assert.deepEqual(r.violations.filter((v) => !r.omitted!.has(v)).map((v) => [v.kind, v.path]), [['missing_required', 'properties.order_id']]);
    assert.equal(payload.total, 'x', 'the request is not changed');
  });
});

describe('compilePlan', () => {
  it('lists every schema problem with its path in the file', () => {
    const bad = parsePlan(
      `
events:
  A: { properties: { type: object, properties: { n: { type: numbr } } } }
  B: { properties: { type: object, requried: [x] } }
group: { traits: { properties: { size: { minimum: "ten" } } } }
`,
      'bad.yaml',
    );
    assert.throws(
      () => compilePlan(bad, 'bad.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof PlanFileError);
        assert.deepEqual(err.problems, [
          'events.A.properties.properties.n.type: must be equal to one of the allowed values: "array", "boolean", "integer", "null", "number", "object", "string"',
          'events.B.properties: strict mode: unknown keyword: "requried"',
          'group.traits.properties.size.minimum: must be number',
        ]);
        return true;
      },
    );
  });

  it('refuses a file of the wrong shape with paths', () => {
    assert.throws(
      () => parsePlan('events:\n  X: { properties: { type: array }, ownr: me }\npages: {}\n', 'f.yaml'),
      (err: unknown) =>
        err instanceof PlanFileError &&
        err.problems.includes('(root): Unrecognized key: "pages"') &&
        err.problems.includes('events.X: Unrecognized key: "ownr"') &&
        err.problems.includes('events.X.properties: must describe an object (type: object) or leave type out'),
    );
  });
});
