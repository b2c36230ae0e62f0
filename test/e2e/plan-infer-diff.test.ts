// `sluice plan infer` and `sluice plan diff` against a real server holding known traffic: the draft describes exactly
// what was sent (and nothing of other sources), diffing the draft against the same traffic finds no drift, and
// diffing the example plan finds the drift that was planted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { compilePlan } from '../../src/plans/compile.js';
import { parsePlan } from '../../src/plans/plan-file.js';
import { type ServerProcess, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const PLAN = fileURLToPath(new URL('../../examples/tracking-plan.yaml', import.meta.url));
const TOKEN = 'admin-token-for-infer-0001';
const KEYS = { web: 'infer-web-key-0001', backend: 'infer-backend-key-01' } as const;

let dir: string;
let server: ServerProcess;

async function send(source: keyof typeof KEYS, batch: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${server.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: basicAuth(KEYS[source]) },
    body: JSON.stringify({ batch: batch.map((m) => ({ userId: 'u1', ...m })) }),
  });
  assert.equal(res.status, 200, await res.text());
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, 'plan', ...args, '--url', server.url, '--token', TOKEN]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  dir = tempDataDir('sluice-infer-');
  const config = join(dir, 'sluice.yaml');
  writeFileSync(config, `sources:\n  - { name: web, write_keys: [${KEYS.web}] }\n  - { name: backend, write_keys: [${KEYS.backend}] }\n`);
  server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', config], env: { SLUICE_ADMIN_TOKEN: TOKEN } });
  await send('web', [
    { type: 'track', event: 'Order Completed', properties: { order_id: 'o1', revenue: 42.5, currency: 'EUR', products: [{ product_id: 'p1', quantity: 1 }] } },
    { type: 'track', event: 'Order Completed', properties: { order_id: 'o2', revenue: 10, currency: 'USD', coupon: null } },
    { type: 'track', event: 'Order Completed', properties: { order_id: 'o3', revenue: '12', currency: 'EUR', coupon_code: 'SPRING' } },
    { type: 'track', event: 'Signed Up', properties: { plan: 'pro' } },
    { type: 'track', event: 'Signed Up', properties: { plan: 'free', referrer: 'https://example.com/' } },
    { type: 'track', event: 'Cart Abandoned', properties: { cart_id: 'c1', items: 3 } },
    { type: 'identify', traits: { email: 'ada@example.com', created_at: '2025-01-15T10:00:00Z' } },
    { type: 'page', name: 'Home', properties: { path: '/' } },
  ]);
  await send('backend', [{ type: 'track', event: 'Invoice Paid', properties: { amount: 30 } }]);
});
after(async () => {
  await server.stop();
});

test('infer drafts a plan describing exactly the traffic of the source', async () => {
  const out = join(dir, 'draft.yaml');
  const r = await cli('infer', '--since', '1h', '--source', 'web', '--out', out, '--name', 'Web draft');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /3 event\(s\) planned from 8 event\(s\) seen/);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^# Draft tracking plan inferred by `sluice plan infer` from 8 event\(s\) of source web/);
  const plan = parsePlan(text, out);
  compilePlan(plan, out); // the draft loads as it is
  assert.equal(plan.name, 'Web draft');
  assert.deepEqual(Object.keys(plan.events), ['Cart Abandoned', 'Order Completed', 'Signed Up'], 'sorted, and no Invoice Paid from backend');
  assert.deepEqual(plan.events['Order Completed']!.properties, {
    type: 'object',
    properties: {
      coupon: { type: 'null' },
      coupon_code: { type: 'string' },
      currency: { type: 'string' },
      order_id: { type: 'string' },
      products: { type: 'array', items: { type: 'object', properties: { product_id: { type: 'string' }, quantity: { type: 'integer' } }, required: ['product_id', 'quantity'] } },
      revenue: { type: ['string', 'number'] },
    },
    required: ['currency', 'order_id', 'revenue'],
  });
  assert.equal(plan.events['Order Completed']!.description, 'Seen 3 times; inferred from traffic, describe me.');
  assert.deepEqual(plan.events['Signed Up']!.properties!.required, ['plan']);
  assert.deepEqual(plan.identify!.traits, {
    type: 'object',
    properties: { created_at: { type: 'string', format: 'date-time' }, email: { type: 'string' } },
    required: ['created_at', 'email'],
  });
  assert.deepEqual(plan.page!.properties, { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] });
  assert.equal(plan.group, undefined, 'no group call was seen');
});

test('infer prints the draft when no --out is given', async () => {
  const r = await cli('infer', '--since', '1h', '--source', 'backend');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(Object.keys((parseYaml(r.stdout) as { events: object }).events), ['Invoice Paid']);
});

test('the draft, diffed against the traffic it came from, shows no drift', async () => {
  const r = await cli('diff', '--plan', join(dir, 'draft.yaml'), '--since', '1h', '--source', 'web', '--exit-code');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '8 event(s) examined; no drift: the traffic follows the plan\n');
});

test('diff against the example plan shows the planted drift', async () => {
  const json = await cli('diff', '--plan', PLAN, '--since', '1h', '--source', 'web', '--json');
  assert.equal(json.code, 0, json.stderr);
  const drift = JSON.parse(json.stdout) as {
    examined: number;
    unplannedEvents: { event: string; count: number }[];
    unseenEvents: string[];
    unseenCalls: string[];
    items: { type: string; event: string; path: string; kind: string; count: number }[];
    truncated: boolean;
  };
  assert.equal(drift.examined, 8);
  assert.equal(drift.truncated, false);
  assert.deepEqual(drift.unplannedEvents, [{ event: 'Cart Abandoned', count: 1 }]);
  assert.deepEqual(drift.unseenEvents, ['Product Viewed']);
  assert.deepEqual(drift.unseenCalls, ['group']);
  assert.deepEqual(
    drift.items.map((i) => [i.event, i.path, i.kind, i.count]),
    [
      ['Order Completed', 'properties.coupon_code', 'unplanned_property', 1],
      ['Order Completed', 'properties.revenue', 'type_mismatch', 1],
    ],
  );

  const text = await cli('diff', '--plan', PLAN, '--since', '1h', '--exit-code');
  assert.equal(text.code, 1, 'drift with --exit-code exits 1');
  assert.match(text.stdout, /^9 event\(s\) examined\n/, 'all sources without --source');
  assert.match(text.stdout, /Unplanned events \(sent, not in the plan\):\n {2}\+ Cart Abandoned {2}\(1\)\n {2}\+ Invoice Paid {2}\(1\)/);
  assert.match(text.stdout, /Planned but not seen:\n {2}- Product Viewed\n {2}- \(group\)/);
  assert.match(text.stdout, / {4}type mismatch {6}properties\.revenue {2}\(1\) {2}properties\.revenue must be number, got the string "12"/);
});

test('a broken plan is reported with its problems and exit code 2', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'events:\n  Broken:\n    properties:\n      type: object\n      properties:\n        n: { type: numbr }\n      requried: [n]\n    ownr: me\n');
  const r = await cli('validate', '--plan', bad);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /events\.Broken: Unrecognized key: "ownr"/);
  writeFileSync(bad, 'events:\n  Broken:\n    properties:\n      type: object\n      properties:\n        n: { type: numbr }\n');
  const r2 = await cli('validate', '--plan', bad);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /events\.Broken\.properties\.properties\.n\.type: must be equal to one of the allowed values/);
  const ok = await cli('validate', '--plan', PLAN);
  assert.equal(ok.stdout, `${PLAN}: ok (3 event(s), identify, page, group)\n`);
});
