import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoggedEvent } from '../core/event.js';
import { aggregate } from './aggregate.js';
import { standardError } from './hll.js';
import { MemoryRollupStore } from './memory-store.js';
import { breakdownQuery, campaignsQuery, countQuery, revenueQuery, topEventsQuery, topPagesQuery, topReferrersQuery, uniquesQuery } from './queries.js';

const NOW = Date.parse('2024-03-12T12:00:00Z');
let seq = 0;

function at(iso: string, body: Record<string, unknown>, source = 'web'): LoggedEvent {
  const type = String(body.type ?? 'track');
  const event = { messageId: `m${++seq}`, context: {}, timestamp: iso, receivedAt: iso, type, ...body };
  return { seq, source, messageId: event.messageId, type, receivedAt: Date.parse(iso), body: JSON.stringify(event) };
}

async function storeWith(events: LoggedEvent[]): Promise<MemoryRollupStore> {
  const store = new MemoryRollupStore();
  await store.apply(aggregate(events, { breakdowns: [{ event: 'Order Completed', property: 'plan', max_values: 2 }] }));
  return store;
}

test('count by day in New York across the DST switch, with the previous period', async () => {
  const store = await storeWith([
    at('2024-03-10T04:30:00Z', { event: 'Order Completed', userId: 'u1' }), // 23:30 on the 9th in New York
    at('2024-03-10T05:30:00Z', { event: 'Order Completed', userId: 'u1' }), // 00:30 on the 10th
    at('2024-03-11T03:30:00Z', { event: 'Order Completed', userId: 'u2' }), // 23:30 EDT on the 10th
    at('2024-03-11T04:30:00Z', { event: 'Order Completed', userId: 'u3' }), // 00:30 EDT on the 11th
    at('2024-03-11T04:40:00Z', { event: 'Signed Up', userId: 'u3' }),
  ]);
  const a = await countQuery(store, { since: '2024-03-10T05:00:00Z', until: '2024-03-11T05:00:00Z', interval: 'day', tz: 'America/New_York', event: 'Order Completed', compare: 'previous' }, NOW);
  assert.deepEqual(a.series, [
    { t: '2024-03-10T00:00:00-05:00', value: 2 },
    { t: '2024-03-11T00:00:00-04:00', value: 1 },
  ]);
  assert.equal(a.total, 3);
  assert.deepEqual(a.previous, {
    series: [
      { t: '2024-03-08T00:00:00-05:00', value: 0 },
      { t: '2024-03-09T00:00:00-05:00', value: 1 },
    ],
    total: 1,
  });
  assert.equal(a.exact_edges, undefined, 'New York has whole-hour offsets');
  const utc = await countQuery(store, { since: '2024-03-10T00:00:00Z', until: '2024-03-12T00:00:00Z', interval: 'day', type: 'track' }, NOW);
  assert.deepEqual(utc.series.map((p) => p.value), [2, 3]);
});

test('uniques: per period and over the whole range, never the sum of the periods', async () => {
  const events = [];
  for (let d = 1; d <= 3; d++) for (let u = 0; u < 50; u++) events.push(at(`2024-03-0${d}T1${u % 10}:00:00Z`, { userId: `user-${u}` }));
  events.push(at('2024-03-02T10:00:00Z', { anonymousId: 'anon-1' }, 'ios'));
  const store = await storeWith(events);
  const a = await uniquesQuery(store, { since: '2024-03-01T00:00:00Z', until: '2024-03-04T00:00:00Z', interval: 'day' }, NOW);
  assert.deepEqual(a.series.map((p) => p.value), [50, 51, 50]);
  assert.equal(a.total, 51);
  assert.equal(a.standard_error, standardError());
  const ios = await uniquesQuery(store, { since: '2024-03-01T00:00:00Z', until: '2024-03-04T00:00:00Z', interval: 'day', source: 'ios' }, NOW);
  assert.equal(ios.total, 1);
  // In Tokyo (+09:00) the users seen 15:00–19:00 UTC fall on the next local day: half of each UTC day moves.
  const tokyo = await uniquesQuery(store, { since: '2024-03-01T00:00:00+09:00', until: '2024-03-05T00:00:00+09:00', interval: 'day', tz: 'Asia/Tokyo' }, NOW);
  assert.deepEqual(tokyo.series.map((p) => p.value), [25, 51, 50, 25]);
  assert.equal(tokyo.total, 51);
});

test('revenue sums exactly (no float drift), per event', async () => {
  const store = await storeWith(Array.from({ length: 10 }, (_, i) => at(`2024-03-01T10:0${i}:00Z`, { event: i < 7 ? 'Order Completed' : 'Refund', userId: 'u', properties: { revenue: i < 7 ? 0.1 : -0.1 } })));
  const all = await revenueQuery(store, { since: '2024-03-01T00:00:00Z', until: '2024-03-02T00:00:00Z', interval: 'day' }, NOW);
  assert.equal(all.total, 0.4);
  const orders = await revenueQuery(store, { since: '2024-03-01T00:00:00Z', until: '2024-03-02T00:00:00Z', interval: 'day', event: 'Order Completed' }, NOW);
  assert.equal(orders.total, 0.7);
});

test('top events, pages, referrers and campaigns, with previous counts', async () => {
  const page = (iso: string, path: string, extra: Record<string, unknown> = {}): LoggedEvent => at(iso, { type: 'page', anonymousId: 'a', properties: { path, ...extra } });
  const store = await storeWith([
    page('2024-03-05T10:00:00Z', '/'),
    page('2024-03-11T10:00:00Z', '/', { referrer: 'https://google.com/' }),
    page('2024-03-11T10:00:00Z', '/', { referrer: 'https://google.com/', url: 'https://x.com/?utm_campaign=spring' }),
    page('2024-03-11T11:00:00Z', '/pricing', { referrer: 'https://bing.com/' }),
    at('2024-03-11T11:00:00Z', { event: 'Order Completed', userId: 'u' }),
  ]);
  const range = { since: '2024-03-08T00:00:00Z', until: '2024-03-12T00:00:00Z', interval: 'day' as const };
  const pages = await topPagesQuery(store, { ...range, compare: 'previous' }, NOW);
  assert.deepEqual(pages.items, [
    { path: '/', count: 2, previous: 1 },
    { path: '/pricing', count: 1, previous: 0 },
  ]);
  assert.deepEqual((await topPagesQuery(store, { ...range, limit: 1 }, NOW)).items, [{ path: '/', count: 2 }]);
  assert.deepEqual((await topEventsQuery(store, range, NOW)).items, [
    { name: '', type: 'page', count: 3 },
    { name: 'Order Completed', type: 'track', count: 1 },
  ]);
  assert.deepEqual((await topReferrersQuery(store, range, NOW)).items, [
    { host: 'google.com', count: 2 },
    { host: 'bing.com', count: 1 },
  ]);
  assert.deepEqual((await campaignsQuery(store, range, NOW)).items, [{ campaign: 'spring', count: 1 }]);
});

test('breakdown: kept values, then other, and events without the property', async () => {
  const order = (plan: unknown): LoggedEvent => at('2024-03-11T10:00:00Z', { event: 'Order Completed', userId: 'u', properties: plan === undefined ? {} : { plan } });
  const store = await storeWith([order('pro'), order('pro'), order('free'), order('team'), order('enterprise'), order(undefined)]);
  const a = await breakdownQuery(store, { since: '2024-03-11T00:00:00Z', until: '2024-03-12T00:00:00Z', event: 'Order Completed', property: 'plan' }, NOW);
  assert.deepEqual(a.items, [
    { value: null, kind: 'other', count: 2 },
    { value: 'pro', kind: 'value', count: 2 },
    { value: null, kind: 'missing', count: 1 },
    { value: 'free', kind: 'value', count: 1 },
  ]);
  assert.equal(a.items.reduce((s, i) => s + i.count, 0), 6, 'the items add up to the event count');
});

test('zones with half-hour offsets say their edges are rounded', async () => {
  const a = await countQuery(new MemoryRollupStore(), { since: '2d', tz: 'Asia/Kolkata', interval: 'day' }, NOW);
  assert.equal(a.exact_edges, false);
  assert.equal(a.series[0]!.t.endsWith('+05:30'), true);
});
