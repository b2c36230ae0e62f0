// Tracking plans end to end: a real `sluice start` whose sources enforce examples/tracking-plan.yaml in each mode.
// The same batch goes to every source; the per-item answers, the stored events and their markers, the reject log,
// the stored violations (admin API), the metrics and a `valid_only` destination show what each mode did.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FakeApi, startFakeApi } from '../helpers/fake-api.js';
import { allEvents, type ServerProcess, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

const PLAN = fileURLToPath(new URL('../../examples/tracking-plan.yaml', import.meta.url));
const TOKEN = 'admin-token-for-plans-0001';
const KEYS = { allow: 'key-plan-allow-01', omit: 'key-plan-omit-001', block: 'key-plan-block-01', none: 'key-no-plan-0001' } as const;
type Source = keyof typeof KEYS;

let server: ServerProcess;
let hook: FakeApi;

before(async () => {
  hook = await startFakeApi(() => ({ status: 200, body: { ok: true } }));
  const dir = tempDataDir('sluice-plans-');
  const config = join(dir, 'sluice.yaml');
  writeFileSync(
    config,
    `sources:
  - { name: allow, write_keys: [${KEYS.allow}], tracking_plan: { file: ${JSON.stringify(PLAN)}, mode: allow } }
  - { name: omit, write_keys: [${KEYS.omit}], tracking_plan: { file: ${JSON.stringify(PLAN)}, mode: omit } }
  - { name: block, write_keys: [${KEYS.block}], tracking_plan: { file: ${JSON.stringify(PLAN)}, mode: block, unplanned_events: block } }
  - { name: none, write_keys: [${KEYS.none}] }
destinations:
  - { name: valid-only, type: webhook, url: "${hook.url}/hook", batch_format: json_array, batch: { max_wait_ms: 20 }, filter: { valid_only: true } }
`,
  );
  server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', config], env: { SLUICE_ADMIN_TOKEN: TOKEN } });
});
after(async () => {
  await server.stop();
  await hook.close();
});

interface Answer {
  status: number;
  body: { success: boolean; accepted?: number; error?: { code: string; field?: string; message: string }; rejected?: { index: number; code: string; field: string | null; message: string }[] };
}

async function post(source: Source, path: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: basicAuth(KEYS[source]), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function admin<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as T;
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The same batch for every source; `tag` keeps messageIds apart. */
function batch(tag: string): unknown {
  const user = { userId: 'user-1' };
  return {
    batch: [
      { ...user, type: 'track', messageId: `${tag}-0`, event: 'Order Completed', properties: { order_id: 'o-1', revenue: 42.5, currency: 'EUR' } },
      { ...user, type: 'track', messageId: `${tag}-1`, event: 'Order Completed', properties: { order_id: 'o-2', revenue: '12', currency: 'EUR', coupon_code: 'X' } },
      { ...user, type: 'track', messageId: `${tag}-2`, event: 'Cart Abandoned', properties: { cart_id: 'c-1' } },
      { ...user, type: 'identify', messageId: `${tag}-3`, traits: { email: 'not-an-email', name: 'Ada' } },
      { ...user, type: 'track', messageId: `${tag}-4`, event: 'Product Viewed', properties: { name: 'Tote' } },
      { ...user, type: 'page', messageId: `${tag}-5`, name: 'Home', properties: { path: '/', title: 'Shop' } },
      {
        ...user,
        type: 'track',
        messageId: `${tag}-6`,
        event: 'Order Completed',
        properties: { order_id: 'o-3', revenue: 10, currency: 'EUR', products: [{ product_id: 'p-1', quantity: 1, color: 'red' }, { product_id: 'p-2', quantity: 0 }] },
      },
    ],
  };
}

type Stored = { seq: number; source: string; event: Record<string, unknown> };
const byId = (events: Stored[]): Map<string, Stored['event']> => new Map(events.map((e) => [e.event.messageId as string, e.event]));
const marker = (e: Stored['event'] | undefined): { valid: boolean; mode: string; violations: { kind: string; path: string; omitted?: true }[] } | undefined =>
  ((e?.context as { sluice?: { plan?: never } } | undefined)?.sluice?.plan);

const answers = new Map<Source, Answer>();
let stored: Map<string, Stored['event']>;

describe('the same batch through each mode', () => {
  before(async () => {
    for (const source of ['allow', 'omit', 'block', 'none'] as const) answers.set(source, await post(source, '/v1/batch', batch(source)));
    stored = byId(await allEvents({ url: server.url, adminToken: TOKEN }));
  });

  test('no plan: everything is stored as sent, unmarked', () => {
    assert.deepEqual(answers.get('none'), { status: 200, body: { success: true } });
    for (let i = 0; i < 7; i++) assert.equal(marker(stored.get(`none-${i}`)), undefined);
  });

  test('allow: everything is stored as sent; the violating items carry the marker', () => {
    assert.deepEqual(answers.get('allow'), { status: 200, body: { success: true } });
    assert.equal(marker(stored.get('allow-0')), undefined, 'a valid event is not marked');
    assert.equal(marker(stored.get('allow-5')), undefined, 'page allows extra keys (additionalProperties: true)');
    assert.deepEqual(stored.get('allow-1')!.properties, { order_id: 'o-2', revenue: '12', currency: 'EUR', coupon_code: 'X' });
    assert.deepEqual(marker(stored.get('allow-1')), {
      valid: false,
      mode: 'allow',
      violations: [
        { kind: 'unplanned_property', path: 'properties.coupon_code' },
        { kind: 'type_mismatch', path: 'properties.revenue' },
      ],
    });
    assert.deepEqual(marker(stored.get('allow-2'))!.violations, [{ kind: 'unplanned_event', path: 'event' }]);
    assert.deepEqual(marker(stored.get('allow-3'))!.violations, [{ kind: 'invalid_value', path: 'traits.email' }]);
    assert.deepEqual(marker(stored.get('allow-4'))!.violations, [{ kind: 'missing_required', path: 'properties.product_id' }]);
    assert.deepEqual(marker(stored.get('allow-6'))!.violations, [
      { kind: 'unplanned_property', path: 'properties.products[0].color' },
      { kind: 'invalid_value', path: 'properties.products[1].quantity' },
    ]);
  });

  test('omit: everything is stored, without the offending properties, flagged with what was omitted', () => {
    assert.deepEqual(answers.get('omit'), { status: 200, body: { success: true } });
    assert.deepEqual(stored.get('omit-1')!.properties, { order_id: 'o-2', currency: 'EUR' });
    assert.deepEqual(marker(stored.get('omit-1')), {
      valid: false,
      mode: 'omit',
      violations: [
        { kind: 'unplanned_property', path: 'properties.coupon_code', omitted: true },
        { kind: 'type_mismatch', path: 'properties.revenue', omitted: true },
      ],
    });
    assert.deepEqual(stored.get('omit-3')!.traits, { name: 'Ada' });
    assert.deepEqual(stored.get('omit-6')!.properties, { order_id: 'o-3', revenue: 10, currency: 'EUR', products: [{ product_id: 'p-1', quantity: 1 }, { product_id: 'p-2' }] });
    // A missing key cannot be omitted: flagged only. An unplanned event has nothing to omit: stored, flagged.
    assert.deepEqual(marker(stored.get('omit-4'))!.violations, [{ kind: 'missing_required', path: 'properties.product_id' }]);
    assert.deepEqual(stored.get('omit-2')!.properties, { cart_id: 'c-1' });
    assert.deepEqual(marker(stored.get('omit-2'))!.violations, [{ kind: 'unplanned_event', path: 'event' }]);
    assert.equal(marker(stored.get('omit-0')), undefined);
  });

  test('block: the violating items are refused one by one with plan_violation; the good ones are stored', () => {
    const a = answers.get('block')!;
    assert.equal(a.status, 200);
    assert.equal(a.body.accepted, 2);
    assert.deepEqual(
      a.body.rejected!.map((r) => [r.index, r.code, r.field]),
      [
        [1, 'plan_violation', 'properties.coupon_code'],
        [2, 'plan_violation', 'event'],
        [3, 'plan_violation', 'traits.email'],
        [4, 'plan_violation', 'properties.product_id'],
        [6, 'plan_violation', 'properties.products[0].color'],
      ],
    );
    assert.equal(a.body.rejected![0]!.message, 'item 1: tracking plan: properties.coupon_code is not in the plan (and 1 more)');
    assert.equal(a.body.rejected![1]!.message, 'item 2: tracking plan: event "Cart Abandoned" is not in the tracking plan');
    assert.equal(a.body.rejected![3]!.message, 'item 4: tracking plan: properties.product_id is required');
    assert.deepEqual([...stored.keys()].filter((id) => id.startsWith('block-')).sort(), ['block-0', 'block-5']);
  });
});

test('block: a single call that breaks the plan gets 400 plan_violation naming the field', async () => {
  const res = await post('block', '/v1/track', { userId: 'u', event: 'Signed Up', properties: { plan: 'enterprise' } });
  assert.equal(res.status, 400);
  assert.deepEqual(res.body.error, { code: 'plan_violation', field: 'properties.plan', message: 'tracking plan: properties.plan must be one of "free", "pro", "team", got the string "enterprise"' });
  const ok = await post('block', '/v1/track', { userId: 'u', event: 'Signed Up', properties: { plan: 'pro' } });
  assert.deepEqual(ok, { status: 200, body: { success: true } });
});

test('a plan source does not keep a verdict the client claims', async () => {
  const claimed = { sluice: { plan: { valid: false, violations: [] }, other: 1 } };
  assert.equal((await post('allow', '/v1/track', { userId: 'u', messageId: 'claimed', event: 'Signed Up', properties: { plan: 'pro' }, context: claimed })).status, 200);
  const e = byId(await allEvents({ url: server.url, adminToken: TOKEN })).get('claimed')!;
  assert.deepEqual((e.context as { sluice: unknown }).sluice, { other: 1 });
});

test('every refusal is in the reject log', async () => {
  const { rejects } = await until(
    'the reject log',
    () => admin<{ rejects: { source: string; code: string; index: number | null; field: string | null }[] }>('/api/v1/rejects?code=plan_violation&limit=100'),
    (r) => r.rejects.length >= 6,
  );
  assert.ok(rejects.every((r) => r.source === 'block'));
  assert.deepEqual(rejects.filter((r) => r.index !== null).map((r) => r.index).sort(), [1, 2, 3, 4, 6]);
  assert.ok(rejects.some((r) => r.index === null && r.field === 'properties.plan'), 'the single call too');
});

test('violations are stored per source, event, path and kind, and listed by the admin API', async () => {
  type Row = { source: string; type: string; event: string; path: string; kind: string; message: string; example: string | null; first_seen: string; last_seen: string; count: number };
  const { violations } = await until(
    'stored violations',
    () => admin<{ violations: Row[] }>(`/api/v1/plans/violations?source=allow&event=${encodeURIComponent('Order Completed')}`),
    (r) => r.violations.length >= 4,
  );
  const rows = violations.map((v) => [v.type, v.event, v.path, v.kind, v.count]).sort();
  assert.deepEqual(rows, [
    ['track', 'Order Completed', 'properties.coupon_code', 'unplanned_property', 1],
    ['track', 'Order Completed', 'properties.products[].color', 'unplanned_property', 1],
    ['track', 'Order Completed', 'properties.products[].quantity', 'invalid_value', 1],
    ['track', 'Order Completed', 'properties.revenue', 'type_mismatch', 1],
  ]);
  const revenue = violations.find((v) => v.kind === 'type_mismatch')!;
  assert.equal(revenue.example, '"12"');
  assert.equal(revenue.message, 'properties.revenue must be number, got the string "12"');
  assert.ok(Date.parse(revenue.first_seen) <= Date.parse(revenue.last_seen));

  const blocked = await until(
    'blocked violations',
    () => admin<{ violations: Row[] }>('/api/v1/plans/violations?source=block&kind=unplanned_event'),
    (r) => r.violations.length >= 1,
  );
  assert.deepEqual(blocked.violations.map((v) => [v.event, v.example]), [['Cart Abandoned', '"Cart Abandoned"']]);

  const identify = await admin<{ violations: Row[] }>('/api/v1/plans/violations?type=identify');
  assert.deepEqual(identify.violations.map((v) => v.source).sort(), ['allow', 'block', 'omit']);

  const plans = await admin<{ plans: { source: string; mode: string; unplanned_events: string; events: string[] }[] }>('/api/v1/plans');
  assert.deepEqual(plans.plans.map((p) => [p.source, p.mode, p.unplanned_events]), [['allow', 'allow', 'allow'], ['omit', 'omit', 'allow'], ['block', 'block', 'block']]);
  assert.ok(plans.plans[0]!.events.includes('Order Completed'));
});

test('violations are counted in metrics by source, event and kind', async () => {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /sluice_plan_violations_total\{source="allow",event="Order Completed",kind="type_mismatch"\} 1/);
  assert.match(metrics, /sluice_plan_violations_total\{source="block",event="\(unplanned\)",kind="unplanned_event"\} 1/);
  assert.match(metrics, /sluice_plan_violations_total\{source="omit",event="identify",kind="invalid_value"\} 1/);
  assert.match(metrics, /sluice_events_rejected_total\{reason="plan_violation"\} 6/);
});

test('a destination with filter.valid_only receives only events that follow their plan', async () => {
  const expected = ['allow-0', 'allow-5', 'omit-0', 'omit-5', 'block-0', 'block-5', ...Array.from({ length: 7 }, (_, i) => `none-${i}`)];
  const received = (): string[] => hook.requests.flatMap((r) => (r.json as { messageId: string }[]).map((e) => e.messageId));
  await until('the valid events delivered', async () => received(), (ids) => expected.every((id) => ids.includes(id)));
  const ids = received();
  assert.ok(!ids.some((id) => /^(allow|omit)-[12346]$/.test(id)), `no flagged event delivered: ${ids.join(' ')}`);
});
