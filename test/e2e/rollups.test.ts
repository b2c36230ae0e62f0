// Rollups end to end: a real `sluice start` counts a known set of events (with duplicate messageIds, a restart that
// makes the log deliver everything again, and a kill -9 while it counts), and the query API and the `sluice query`
// CLI answer exactly: counts, page views, referrers, campaigns, revenue and breakdowns; uniques within the bound.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { type ServerProcess, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TOKEN = 'rollups-e2e-admin-token-01';
const KEYS = { web: 'rollups-web-key-1', ios: 'rollups-ios-key-1' } as const;
const DAY1 = Date.parse('2025-01-15T00:00:00Z');
const HOUR = 3_600_000;
const RANGE = 'since=2025-01-15T00:00:00Z&until=2025-01-17T00:00:00Z&interval=day';
const CLI_RANGE = ['--since', '2025-01-15T00:00:00Z', '--until', '2025-01-17T00:00:00Z', '--by', 'day'];

type Source = keyof typeof KEYS;
interface Sent {
  source: Source;
  body: Record<string, unknown>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function pageView(i: number): Sent {
  const properties: Record<string, unknown> = { path: `/p/${i % 5}/`, url: `https://shop.example/p/${i % 5}${i % 4 === 0 ? '?utm_campaign=winter' : ''}` };
  if (i % 3 === 0) properties.referrer = 'https://www.google.com/search?q=shop';
  return { source: 'web', body: { type: 'page', messageId: `pv-${i}`, anonymousId: `user-${i}`, name: 'Product', properties, timestamp: iso(DAY1 + (i % 24) * HOUR + 600_000) } };
}

/** Plans first seen: pro, then free (kept: max_values 2); team and enterprise come later and count as other. */
function order(i: number, day: number, plan: string | undefined): Sent {
  const properties: Record<string, unknown> = { revenue: 9.99 };
  if (plan !== undefined) properties.plan = plan;
  return {
    source: i % 2 === 0 ? 'web' : 'ios',
    body: { type: 'track', messageId: `order-${day}-${i}`, userId: `user-${day === 1 ? i : 300 + i}`, event: 'Order Completed', properties, timestamp: iso(DAY1 + (day - 1) * 24 * HOUR + (i % 12) * HOUR + 1_200_000) },
  };
}

function signedUp(i: number): Sent {
  return { source: 'web', body: { type: 'track', messageId: `signup-${i}`, userId: `user-${i}`, event: 'Signed Up', timestamp: iso(DAY1 + 24 * HOUR + i * 60_000) } };
}

async function send(server: ServerProcess, events: readonly Sent[]): Promise<void> {
  for (const source of ['web', 'ios'] as const) {
    const mine = events.filter((e) => e.source === source).map((e) => e.body);
    for (let i = 0; i < mine.length; i += 100) {
      const res = await fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: basicAuth(KEYS[source]) },
        body: JSON.stringify({ batch: mine.slice(i, i + 100) }),
      });
      assert.equal(res.status, 200, await res.text());
    }
  }
}

async function api<T>(server: ServerProcess, path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return (await res.json()) as T;
}

async function caughtUp(server: ServerProcess): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    const s = await api<{ position: number; head: number; lag: number }>(server, '/api/v1/query/status');
    if (s.head > 0 && s.position === s.head && s.lag === 0) return;
    if (Date.now() > end) assert.fail(`rollups did not catch up: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cli(server: ServerProcess, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, 'query', ...args, '--url', server.url, '--token', TOKEN]);
  return stdout;
}

test('rollups count every stored event once across duplicates, redelivery and kill -9; the API and CLI agree', async (t) => {
  const dir = tempDataDir('sluice-rollups-e2e-');
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'sluice.yaml');
  writeFileSync(
    configPath,
    `sources:
  - { name: web, write_keys: [${KEYS.web}] }
  - { name: ios, write_keys: [${KEYS.ios}] }
rollups:
  max_batch_events: 50
  breakdowns:
    - { event: Order Completed, property: plan, max_values: 2 }
`,
  );
  const start = (): Promise<ServerProcess> => startServer({ dataDir, args: ['--config', configPath], env: { SLUICE_ADMIN_TOKEN: TOKEN } });

  // Day 1: 300 page views by 300 visitors; 60 orders (25 pro, 20 free, 10 team, 5 without a plan); then the first
  // 50 page views and 10 orders again with the same messageIds (retrying clients): stored once.
  const pages = Array.from({ length: 300 }, (_, i) => pageView(i));
  const day1Orders = Array.from({ length: 60 }, (_, i) => order(i, 1, i < 25 ? 'pro' : i < 45 ? 'free' : i < 55 ? 'team' : undefined));
  let server = await start();
  await send(server, [...pages, ...day1Orders]);
  await send(server, [...pages.slice(0, 50), ...day1Orders.slice(0, 10)]);
  await caughtUp(server);
  assert.equal(await server.stop(), 0);

  // As if the process had died after the rollups committed but before the consumer's cursor did: every event is
  // delivered again on restart, and must not be counted again.
  const db = new Database(join(dataDir, 'sluice.db'));
  assert.equal((db.prepare("SELECT seq FROM rollup_position WHERE name = 'rollups'").pluck().get() as number) > 0, true);
  db.prepare("UPDATE consumers SET cursor = 0 WHERE name = 'rollups'").run();
  db.close();

  // Day 2: 40 enterprise orders by 40 new users; duplicates of day 1 again; 20 sign-ups by day-1 users, and a
  // kill -9 right after them, while the rollups are still counting.
  server = await start();
  await send(server, [...Array.from({ length: 40 }, (_, i) => order(i, 2, 'enterprise')), ...pages.slice(100, 120)]);
  await send(server, Array.from({ length: 20 }, (_, i) => signedUp(i)));
  await server.kill();
  server = await start();
  t.after(() => server.stop());
  await caughtUp(server);

  const orders = await api<{ series: { t: string; value: number }[]; total: number }>(server, `/api/v1/query/count?event=Order%20Completed&${RANGE}`);
  assert.deepEqual(orders.series, [
    { t: '2025-01-15T00:00:00Z', value: 60 },
    { t: '2025-01-16T00:00:00Z', value: 40 },
  ]);
  const iosOrders = await api<{ total: number }>(server, `/api/v1/query/count?event=Order%20Completed&source=ios&${RANGE}`);
  assert.equal(iosOrders.total, 50);
  const hourly = await api<{ series: { value: number }[] }>(server, '/api/v1/query/count?type=page&since=2025-01-15T00:00:00Z&until=2025-01-16T00:00:00Z&interval=hour');
  assert.deepEqual(hourly.series.map((p) => p.value), Array.from({ length: 24 }, (_, h) => pages.filter((_, i) => i % 24 === h).length));
  const all = await api<{ total: number }>(server, `/api/v1/query/count?${RANGE}`);
  assert.equal(all.total, 300 + 100 + 20);

  const top = await api<{ items: { path: string; count: number }[] }>(server, `/api/v1/query/top-pages?${RANGE}`);
  assert.deepEqual(top.items, ['/p/0', '/p/1', '/p/2', '/p/3', '/p/4'].map((path) => ({ path, count: 60 })));
  assert.deepEqual((await api<{ items: unknown[] }>(server, `/api/v1/query/top-referrers?${RANGE}`)).items, [{ host: 'google.com', count: 100 }]);
  assert.deepEqual((await api<{ items: unknown[] }>(server, `/api/v1/query/campaigns?${RANGE}`)).items, [{ campaign: 'winter', count: 75 }]);
  assert.deepEqual((await api<{ items: unknown[] }>(server, `/api/v1/query/top-events?${RANGE}`)).items, [
    { name: 'Product', type: 'page', count: 300 },
    { name: 'Order Completed', type: 'track', count: 100 },
    { name: 'Signed Up', type: 'track', count: 20 },
  ]);
  assert.deepEqual((await api<{ items: unknown[] }>(server, `/api/v1/query/breakdown?event=Order%20Completed&property=plan&${RANGE}`)).items, [
    { value: null, kind: 'other', count: 50 },
    { value: 'pro', kind: 'value', count: 25 },
    { value: 'free', kind: 'value', count: 20 },
    { value: null, kind: 'missing', count: 5 },
  ]);
  assert.equal((await api<{ total: number }>(server, `/api/v1/query/revenue?${RANGE}`)).total, 999);

  const uniques = await api<{ series: { value: number }[]; total: number; standard_error: number }>(server, `/api/v1/query/uniques?${RANGE}`);
  const within = (estimate: number, truth: number): boolean => Math.abs(estimate - truth) <= Math.max(1, 3 * uniques.standard_error * truth);
  assert.ok(within(uniques.total, 340), `340 users estimated as ${uniques.total}`);
  assert.ok(within(uniques.series[0]!.value, 300) && within(uniques.series[1]!.value, 60), JSON.stringify(uniques.series));

  // The CLI answers the same, as JSON and as a table with a sparkline.
  const cliOrders = JSON.parse(await cli(server, 'count', '--event', 'Order Completed', ...CLI_RANGE, '--json')) as { total: number; series: unknown[] };
  assert.deepEqual(cliOrders.series, orders.series);
  const table = await cli(server, 'count', '--event', 'Order Completed', ...CLI_RANGE);
  assert.match(table, /^[▁▂▃▄▅▆▇█]{2}$/m, table);
  assert.match(table, /2025-01-15\s+60/);
  assert.match(table, /total 100/);
  assert.deepEqual((JSON.parse(await cli(server, 'top-pages', ...CLI_RANGE, '--json')) as { items: unknown[] }).items, top.items);
  const breakdown = await cli(server, 'breakdown', '--event', 'Order Completed', '--property', 'plan', ...CLI_RANGE);
  assert.match(breakdown, /\(other\)\s+50/);
  assert.match(breakdown, /pro\s+25/);
  const cliUniques = await cli(server, 'uniques', ...CLI_RANGE);
  assert.match(cliUniques, /unique users/);
  assert.match(cliUniques, /±0\.81%/);
});

test('sluice query tail prints new events that match its filters, live', async (t) => {
  const server = await startServer({ dataDir: tempDataDir(), env: { SLUICE_ADMIN_TOKEN: TOKEN } });
  t.after(() => server.stop());
  const tail = spawn(process.execPath, ['--import', 'tsx', CLI, 'query', 'tail', '--event', 'Signed Up', '--url', server.url, '--token', TOKEN], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => tail.kill());
  let out = '';
  let err = '';
  tail.stdout.on('data', (d: Buffer) => (out += d.toString()));
  tail.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const waitFor = async (what: () => boolean, label: string): Promise<void> => {
    const end = Date.now() + 20_000;
    while (!what()) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${label}: ${out} ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor(() => err.includes('watching'), 'the tail to start');
  await new Promise((r) => setTimeout(r, 300)); // connected and subscribed at the head
  const auth = basicAuth(server.writeKey);
  for (const [id, event] of [
    ['tail-1', 'Page Viewed'],
    ['tail-2', 'Signed Up'],
  ]) {
    const res = await fetch(`${server.url}/v1/track`, { method: 'POST', headers: { authorization: auth }, body: JSON.stringify({ messageId: id, userId: `tail-user-${id}`, event }) });
    assert.equal(res.status, 200);
  }
  await waitFor(() => out.includes('tail-user-tail-2'), 'the matching event');
  assert.match(out, /default\s+track\s+Signed Up\s+tail-user-tail-2/);
  assert.ok(!out.includes('tail-user-tail-1'), 'the other event is filtered out');
});
