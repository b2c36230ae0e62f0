import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { TransformError } from '../../core/transform.js';
import { compileTransforms, TransformSpecError } from './compile.js';
import type { TransformConfig } from './schema.js';

const KEY = 'a-secret-of-32-characters-long!!';

const CONNECTOR_YAML = `
transforms:
  - uses: infinyon/jolt@0.4.1
    with:
      spec:
        - operation: remove
          spec:
            timestamp: ""
        - operation: shift
          spec:
            "event": "events[0]"
        - operation: default
          spec:
            api_key: "my-key"
`;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const event = () => ({
  type: 'track',
  event: 'Order Completed',
  userId: 'u1',
  timestamp: '2024-06-01T12:00:00.000Z',
  properties: { revenue: 10, plan: 'pro', products: [{ sku: 'a' }, { sku: 'b' }] },
  traits: { email: 'a@example.com' },
  context: { ip: '1.2.3.4' },
});

describe('compileTransforms', () => {
  it('runs the connector config verbatim', () => {
    const { transforms } = parse(CONNECTOR_YAML) as { transforms: TransformConfig[] };
    const transform = compileTransforms(transforms);
    assert.deepEqual(transform({ event: { user_id: 'u1', event_type: 'Signed Up' }, timestamp: 1700000000 }), {
      events: [{ user_id: 'u1', event_type: 'Signed Up' }],
      api_key: 'my-key',
    });
  });

  it('applies transforms in list order', () => {
    const setThenRename = compileTransforms([{ set: { path: 'a', value: 1 } }, { rename: { from: 'a', to: 'b' } }]);
    const renameThenSet = compileTransforms([{ rename: { from: 'a', to: 'b' } }, { set: { path: 'a', value: 1 } }]);
    assert.deepEqual(setThenRename({}), { b: 1 });
    assert.deepEqual(renameThenSet({}), { a: 1 });
    // A filter after a shift sees the shifted document.
    const shiftThenFilter = compileTransforms([
      { uses: 'jolt', with: { spec: [{ operation: 'shift', spec: { event: 'name' } }] } },
      { filter: { where: { name: 'Order Completed' } } },
    ]);
    assert.deepEqual(shiftThenFilter(event()), { name: 'Order Completed' });
  });

  it('returns null when a filter or drop rejects the document, and runs nothing after it', () => {
    const transform = compileTransforms([{ drop: { where: { type: 'identify' } } }, { set: { path: 'seen', value: true } }]);
    assert.equal(transform({ type: 'identify' }), null);
    assert.deepEqual(transform({ type: 'track' }), { type: 'track', seen: true });
    assert.equal(compileTransforms([{ filter: { where: { type: ['track', 'page'] } } }])({ type: 'alias' }), null);
  });

  it('never changes its input, whichever transforms run', () => {
    const input = deepFreeze(event());
    const transform = compileTransforms([
      { uses: 'jolt', with: { spec: [{ operation: 'default', spec: { context: { app: 'shop' } } }, { operation: 'remove', spec: { context: { ip: '' } } }] } },
      { rename: { from: 'properties.revenue', to: 'properties.amount' } },
      { set: { path: 'properties.products.0.sku', value: 'z' } },
      { hash: { paths: ['userId', 'traits.email'], key: KEY } },
      { uses: 'jolt', with: { spec: [{ operation: 'shift', spec: { '*': '&', properties: { products: 'items' } } }, { operation: 'default', spec: { 'items[]': { '*': { qty: 1 } } } }] } },
      { rename: { from: 'items', to: 'products' } },
    ]);
    const out = transform(input)!;
    assert.deepEqual(input, event());
    assert.deepEqual(out.products, [{ sku: 'z', qty: 1 }, { sku: 'b', qty: 1 }]);
    assert.equal(out.userId, createHmac('sha256', KEY).update('u1').digest('hex'));
    assert.deepEqual(out.context, { app: 'shop' });
  });

  it('copies nothing when it only filters', () => {
    const input = event();
    assert.equal(compileTransforms([{ filter: { where: { type: 'track' } } }])(input), input);
  });

  it('with an empty list, returns the input', () => {
    const input = event();
    assert.equal(compileTransforms([])(input), input);
  });

  it('names the transform and the path when a document cannot be transformed', () => {
    const transform = compileTransforms(
      [
        { filter: { where: { type: 'track' } } },
        { uses: 'jolt', with: { spec: [{ operation: 'remove', spec: { x: '' } }, { operation: 'shift', spec: { '*': 'all', properties: { plan: 'all.plan' } } }] } },
      ],
      'destinations.0.transforms',
    );
    assert.throws(
      () => transform(event()),
      (err: unknown) => err instanceof TransformError && err.transform === 'destinations.0.transforms[1].with.spec[1] (shift)' && err.path === 'properties.plan',
    );
    const hash = compileTransforms([{ set: { path: 'a', value: 1 } }, { hash: { paths: ['traits'], key: KEY } }]);
    assert.throws(() => hash(event()), /^TransformError: transforms\[1\] \(hash\) at traits: expected a string or number to hash, found an object$/);
  });

  it('checks Jolt specs when compiling, naming transforms[i].with.spec[j] and the key', () => {
    assert.throws(
      () =>
        compileTransforms([
          { set: { path: 'a', value: 1 } },
          { uses: 'jolt', with: { spec: [{ operation: 'remove', spec: { a: '' } }, { operation: 'shift', spec: { rating: { '*': { value: 'out.&3' } } } }] } },
        ]),
      (err: unknown) =>
        err instanceof TransformSpecError &&
        err.transform === 'transforms[1].with.spec[1] (shift)' &&
        err.key === 'rating.*.value' &&
        err.message === 'transforms[1].with.spec[1] (shift) at key "rating.*.value": "&3" reaches 3 level(s) up, above the top of the spec (this key is 3 deep)',
    );
  });

  it('rejects a list the schema rejects, naming the item and field', () => {
    assert.throws(
      () => compileTransforms([{ rename: { from: 'a', to: 'b' } }, { rename: { from: 'a', to: 'b', extra: 1 } } as TransformConfig]),
      (err: unknown) => err instanceof TransformSpecError && err.transform === 'transforms[1]' && err.key === 'rename' && /Unrecognized key: "extra"/.test(err.message),
    );
  });
});
