// The query API's answers from the SQLite store, which reads whole UTC days from its daily rows and only the edge
// hours from the hourly ones, and merges 6-hour, day and month sketches for uniques, must be the answers from the
// hourly rows and hourly sketches alone (test/helpers/hourly-only-rollups.ts): in UTC, in a
// whole-hour zone across both DST changes (New York), in half-hour and quarter-hour zones (Kolkata, Kathmandu), for
// ranges that start and end mid-day, by hour, day and week, with compare=previous. Same events, same batches.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteRollupStore } from '../../src/backends/sqlite/rollup-store.js';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import type { LoggedEvent } from '../../src/core/event.js';
import { aggregate } from '../../src/rollups/aggregate.js';
import { QUERIES } from '../../src/rollups/queries.js';
import { parseParams, type QueryKind } from '../../src/rollups/query-params.js';
import type { RollupStore } from '../../src/rollups/store.js';
import { HourlyOnlyRollupStore } from '../helpers/hourly-only-rollups.js';

const BREAKDOWNS = [{ event: 'Order Completed', property: 'plan', max_values: 3 }];
const PATHS = ['/', '/pricing', '/docs', '/blog/a', '/blog/b', '/about', '/signup', '/docs/api'];
const HOSTS = ['https://google.com/', 'https://news.ycombinator.com/item', 'https://bing.com/'];

/** A seeded generator (LCG), so every run sends the same events. */
function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
}

/** Events spread over [startIso, +days), with more in some hours than others, as pages, tracks and identifies. */
function events(startIso: string, days: number, count: number, firstSeq: number, rand: (n: number) => number): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  const start = Date.parse(startIso);
  for (let i = 0; i < count; i++) {
    const seq = firstSeq + i;
    const at = new Date(start + rand(days * 24 * 60) * 60_000 + rand(60_000)).toISOString();
    const user = rand(5) === 0 ? { anonymousId: `anon-${rand(300)}` } : { userId: `user-${rand(400)}` };
    const kind = rand(10);
    let body: Record<string, unknown>;
    if (kind < 5) {
      const properties: Record<string, unknown> = { path: PATHS[rand(PATHS.length)] };
      if (rand(2) === 0) properties.referrer = HOSTS[rand(HOSTS.length)];
      if (rand(6) === 0) properties.url = `https://example.com/?utm_campaign=c${rand(4)}`;
      body = { type: 'page', properties };
    } else if (kind < 9) {
      const name = ['Order Completed', 'Signed Up', 'Viewed'][rand(3)]!;
      const properties: Record<string, unknown> = {};
      if (name === 'Order Completed') {
        if (rand(8) !== 0) properties.plan = ['free', 'pro', 'team', 'enterprise', 'edu'][rand(5)];
        properties.revenue = (rand(20_000) - 2_000) / 100;
      }
      body = { type: 'track', event: name, properties };
    } else body = { type: 'identify', traits: {} };
    const message = { messageId: `m${seq}`, timestamp: at, receivedAt: at, context: {}, ...user, ...body };
    out.push({ seq, source: rand(4) === 0 ? 'ios' : 'web', messageId: `m${seq}`, type: String(body.type), receivedAt: Date.parse(at), body: JSON.stringify(message) });
  }
  return out;
}

test('every query answers the same from daily plus edge-hour rows as from hourly rows, in every kind of zone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-rollup-queries-'));
  const log = new SqliteLog({ path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 60_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 * 1024 * 1024 });
  t.after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const hourlyOnly = new HourlyOnlyRollupStore();
  const stores: RollupStore[] = [new SqliteRollupStore(log), hourlyOnly];
  // Around both of New York's 2024 DST changes (10 March, 3 November), applied in batches of 250 log events; the
  // events of a batch are not in time order, so later batches land in hours and days counted before (late events).
  const rand = random(20240310);
  const all = [...events('2024-03-01T00:00:00Z', 16, 3000, 1, rand), ...events('2024-10-26T00:00:00Z', 14, 2500, 3001, rand)];
  for (let i = 0; i < all.length; i += 250) {
    const batch = aggregate(all.slice(i, i + 250), { breakdowns: BREAKDOWNS });
    for (const store of stores) assert.equal((await store.apply(batch)).outcome, 'applied');
  }

  const now = Date.parse('2024-11-20T00:00:00Z');
  const ranges = [
    { since: '2024-03-02T00:00:00Z', until: '2024-03-16T00:00:00Z' }, // whole UTC days
    { since: '2024-03-03T07:30:00Z', until: '2024-03-14T15:10:00Z' }, // starts and ends mid-day
    { since: '2024-03-09T22:00:00Z', until: '2024-03-11T09:00:00Z' }, // the spring-forward day and its edges
    { since: '2024-10-28T13:00:00Z', until: '2024-11-06T02:00:00Z' }, // the fall-back day inside
    { since: '2024-11-02T20:00:00Z', until: '2024-11-04T06:00:00Z' },
    { since: '2024-03-05T10:00:00Z', until: '2024-03-05T20:00:00Z' }, // inside one UTC day
  ];
  const kinds: [QueryKind, Record<string, string>][] = [
    ['top-pages', { limit: '100' }],
    ['top-events', { limit: '100' }],
    ['top-referrers', {}],
    ['campaigns', {}],
    ['breakdown', { event: 'Order Completed', property: 'plan' }],
    ['count', {}],
    ['revenue', {}],
    ['uniques', {}],
  ];
  let compared = 0;
  for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu']) {
    for (const range of ranges) {
      for (const interval of ['hour', 'day', 'week']) {
        for (const [kind, extra] of kinds) {
          for (const more of [{}, { compare: 'previous' }, { source: 'ios' }]) {
            const params = parseParams(kind, { ...range, interval, tz, ...extra, ...more });
            const run = QUERIES[kind] as (s: RollupStore, p: unknown, now: number) => Promise<object>;
            const [fromDays, fromHours] = await Promise.all(stores.map((s) => run(s, params, now)));
            assert.deepEqual(fromDays, fromHours, `${kind} ${JSON.stringify({ ...range, interval, tz, ...more })}`);
            compared++;
          }
        }
      }
    }
  }
  assert.equal(compared, 4 * 6 * 3 * 8 * 3);
  // Not vacuous: the top lists have items, and a day-range answer was read from daily rows.
  const pages = (await QUERIES['top-pages'](stores[0]!, parseParams('top-pages', { ...ranges[1], tz: 'America/New_York' }), now)) as { items: unknown[] };
  assert.equal(pages.items.length, PATHS.length);
  assert.ok((log.readDb.prepare('SELECT COUNT(*) FROM rollup_counters_daily').pluck().get() as number) > 0);
  // ...and uniques were merged from coarse sketches: 6-hour blocks among them (New York's local days need them).
  assert.ok(hourlyOnly.coarseReads > 0);
  assert.ok((log.readDb.prepare("SELECT COUNT(*) FROM rollup_sketches WHERE level = '6h'").pluck().get() as number) > 0);
});
