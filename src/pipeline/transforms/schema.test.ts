import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { transformListSchema } from './schema.js';

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

const issuesOf = (list: unknown): { path: string; message: string }[] => {
  const result = transformListSchema.safeParse(list);
  assert.equal(result.success, false, 'expected the schema to reject the list');
  return result.error!.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
};

describe('transformListSchema', () => {
  it('parses the connector config verbatim', () => {
    const { transforms } = parse(CONNECTOR_YAML) as { transforms: unknown };
    assert.deepEqual(transformListSchema.parse(transforms), [
      {
        uses: 'infinyon/jolt@0.4.1',
        with: {
          spec: [
            { operation: 'remove', spec: { timestamp: '' } },
            { operation: 'shift', spec: { event: 'events[0]' } },
            { operation: 'default', spec: { api_key: 'my-key' } },
          ],
        },
      },
    ]);
  });

  it('accepts any uses whose name ends with jolt', () => {
    const spec = { spec: [{ operation: 'shift', spec: { a: 'b' } }] };
    for (const uses of ['jolt', 'infinyon/jolt@0.4.1', 'fluvio-jolt', 'acme/tools/jolt@1']) assert.ok(transformListSchema.safeParse([{ uses, with: spec }]).success, uses);
    for (const uses of ['jolt-ish', 'infinyon/jolt@', 'infinyon/regex@0.1.0', 'jolt/regex']) assert.ok(!transformListSchema.safeParse([{ uses, with: spec }]).success, uses);
  });

  it('parses every verb, filling defaults', () => {
    const list = parse(`
- rename: { from: properties.revenue, to: properties.amount }
- set: { path: context.app, value: { name: shop, tags: [a, b] } }
- filter: { where: { type: [track, page], event: Order Completed, "properties.plan": pro } }
- drop: { where: [ { "context.ip": { exists: false } }, { type: { not: [track] } } ] }
- hash: { paths: [userId, traits.email], key: a-secret-of-at-least-16 }
`) as unknown;
    const parsed = transformListSchema.parse(list);
    assert.equal(parsed.length, 5);
    assert.equal(parsed[4]!.hash!.algorithm, 'sha256');
  });

  it('rejects unknown keys, with their path', () => {
    const cases: [unknown, string, RegExp][] = [
      [[{ rename: { from: 'a', to: 'b', extra: 1 } }], '0.rename', /Unrecognized key: "extra"/],
      [[{ set: { path: 'a', value: 1 }, bogus: 1 }], '0', /Unrecognized key: "bogus"/],
      [[{ uses: 'jolt', with: { spec: [], other: 1 } }], '0.with', /Unrecognized key: "other"/],
      [[{ uses: 'jolt', with: { spec: [{ operation: 'shift', spec: {}, extra: true }] } }], '0.with.spec.0', /Unrecognized key: "extra"/],
      [[{ filter: { where: { type: { exist: true } } } }], '0.filter.where', /Invalid input/],
    ];
    for (const [list, path, message] of cases) {
      const issues = issuesOf(list);
      assert.ok(issues.some((issue) => issue.path === path && message.test(issue.message)), `${JSON.stringify(list)}: ${JSON.stringify(issues)}`);
    }
  });

  it('reports mistakes inside a transform at their field', () => {
    const cases: [unknown, string, RegExp][] = [
      [[{ rename: { from: 'a' } }], '0.rename.to', /expected string/],
      [[{ rename: { from: 'a..b', to: 'c' } }], '0.rename.from', /empty segment/],
      [[{ hash: { paths: ['userId'], key: 'short' } }], '0.hash.key', /at least 16 characters/],
      [[{ hash: { paths: ['userId'], key: 'a-secret-of-at-least-16', algorithm: 'md5' } }], '0.hash.algorithm', /sha256/],
      [[{ uses: 'jolt', with: { spec: [{ operation: 'modify-overwrite-beta', spec: {} }] } }], '0.with.spec.0.operation', /shift/],
      [[{ uses: 'jolt' }], '0.with', /needs with/],
      [[{ filter: { where: {} } }], '0.filter.where', /at least one path/],
      [[{}], '0', /exactly one of/],
      [[{ set: { path: 'a', value: 1 }, drop: { where: { a: 1 } } }], '0', /exactly one of.*found set, drop/],
    ];
    for (const [list, path, message] of cases) {
      const issues = issuesOf(list);
      assert.ok(issues.some((issue) => issue.path === path && message.test(issue.message)), `${JSON.stringify(list)}: ${JSON.stringify(issues)}`);
    }
  });

  it('converts to JSON Schema with a description on every field', () => {
    const json = z.toJSONSchema(transformListSchema, { unrepresentable: 'any' });
    const undescribed: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const schema = node as { properties?: Record<string, { description?: string }> };
      for (const [key, field] of Object.entries(schema.properties ?? {})) if (field.description === undefined) undescribed.push(`${at}.${key}`);
      for (const [key, child] of Object.entries(node)) visit(child, `${at}.${key}`);
    };
    visit(json, '');
    assert.deepEqual(undescribed, []);
  });
});
