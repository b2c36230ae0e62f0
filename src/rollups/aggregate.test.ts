import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoggedEvent } from '../core/event.js';
import { aggregate } from './aggregate.js';
import { HyperLogLog } from './hll.js';
import { blockOfHour, dayOfHour, monthOfHour } from './sketch-cover.js';
import type { CounterIncrement, RollupBatch } from './store.js';

const T0 = Date.parse('2024-05-01T10:15:00Z');
const HOUR = T0 / 3_600_000 - 0.25;

let seq = 0;
function logged(body: Record<string, unknown>, source = 'web', type = String(body.type ?? 'track')): LoggedEvent {
  seq++;
  const event = { messageId: `m${seq}`, context: {}, timestamp: new Date(T0).toISOString(), receivedAt: new Date(T0).toISOString(), type, ...body };
  return { seq, source, messageId: String(event.messageId), type, receivedAt: T0, body: JSON.stringify(event) };
}

function counter(b: RollupBatch, metric: string, k1: string, k2 = '', source = 'web', hour = HOUR): number | undefined {
  return b.counters.find((c) => c.metric === metric && c.k1 === k1 && c.k2 === k2 && c.source === source && c.hour === hour)?.n;
}

test('counts per (source, type, name, hour), with late events in their own hour', () => {
  const late = new Date(T0 - 5 * 3_600_000).toISOString();
  const b = aggregate(
    [
      logged({ type: 'track', event: 'Signed Up', userId: 'u1' }),
      logged({ type: 'track', event: 'Signed Up', userId: 'u2' }),
      logged({ type: 'track', event: 'Signed Up', userId: 'u3', timestamp: late }),
      logged({ type: 'track', event: 'Signed Up', userId: 'u1' }, 'ios'),
      logged({ type: 'identify', userId: 'u1' }),
    ],
    { breakdowns: [] },
  );
  assert.equal(counter(b, 'events', 'track', 'Signed Up'), 2);
  assert.equal(counter(b, 'events', 'track', 'Signed Up', 'web', HOUR - 5), 1, 'the late event is in the hour it happened');
  assert.equal(counter(b, 'events', 'track', 'Signed Up', 'ios'), 1);
  assert.equal(counter(b, 'events', 'identify', ''), 1);
  assert.deepEqual([b.firstSeq, b.lastSeq], [seq - 4, seq]);
});

test('page views by path, referrer and campaign; revenue in millionths', () => {
  const b = aggregate(
    [
      logged({ type: 'page', name: 'Pricing', anonymousId: 'a1', properties: { path: '/pricing/', referrer: 'https://www.google.com/' }, context: { campaign: { name: 'spring' } } }),
      logged({ type: 'page', anonymousId: 'a2', properties: { url: 'https://shop.com/pricing?utm_campaign=spring' } }),
      logged({ type: 'track', event: 'Order Completed', userId: 'u1', properties: { revenue: 19.99, path: '/not-a-page-view' } }),
      logged({ type: 'track', event: 'Order Completed', userId: 'u2', properties: { revenue: 0.01 } }),
    ],
    { breakdowns: [] },
  );
  assert.equal(counter(b, 'pages', '/pricing'), 2);
  assert.equal(counter(b, 'pages', '/not-a-page-view'), undefined, 'only page calls are page views');
  assert.equal(counter(b, 'referrers', 'google.com'), 1);
  assert.equal(counter(b, 'campaigns', 'spring'), 2);
  assert.equal(counter(b, 'revenue', 'Order Completed'), 20_000_000);
});

test('breakdowns of configured (event, property) pairs, absent values included', () => {
  const breakdowns = [{ event: 'Order Completed', property: 'plan', max_values: 2 }];
  const b = aggregate(
    [
      logged({ event: 'Order Completed', userId: 'u', properties: { plan: 'pro' } }),
      logged({ event: 'Order Completed', userId: 'u', properties: { plan: 'pro' } }),
      logged({ event: 'Order Completed', userId: 'u', properties: {} }),
      logged({ event: 'Signed Up', userId: 'u', properties: { plan: 'pro' } }),
    ],
    { breakdowns },
  );
  assert.deepEqual(
    b.breakdowns.map((x) => [x.event, x.property, x.value, x.n, x.maxValues]),
    [
      ['Order Completed', 'plan', 'pro', 2, 2],
      ['Order Completed', 'plan', null, 1, 2],
    ],
  );
});

test('one sketch per (source, hour), and 6-hour block, day and month sketches that merge them', () => {
  const b = aggregate(
    [
      logged({ userId: 'u1' }),
      logged({ userId: 'u1' }),
      logged({ anonymousId: 'a1' }),
      logged({ userId: 'u2', timestamp: new Date(T0 + 3_600_000).toISOString() }),
      logged({ userId: 'u3' }, 'ios'),
      logged({ type: 'track', event: 'no user' }),
    ],
    { breakdowns: [] },
  );
  const of = (level: string, start: number, source = 'web'): HyperLogLog => HyperLogLog.fromBytes(b.sketches.find((s) => s.level === level && s.start === start && s.source === source)!.sketch);
  assert.equal(Math.round(of('hour', HOUR).estimate()), 2);
  assert.equal(Math.round(of('hour', HOUR + 1).estimate()), 1);
  const day = of('day', dayOfHour(HOUR));
  assert.deepEqual(day.registers, new HyperLogLog().merge(of('hour', HOUR)).merge(of('hour', HOUR + 1)).registers);
  assert.deepEqual(of('month', monthOfHour(HOUR)).registers, day.registers);
  // HOUR and HOUR + 1 may fall in different blocks: each block holds exactly its hours.
  const blocks = new Map<number, HyperLogLog>();
  for (const h of [HOUR, HOUR + 1]) blocks.set(blockOfHour(h), (blocks.get(blockOfHour(h)) ?? new HyperLogLog()).merge(of('hour', h)));
  for (const [start, merged] of blocks) assert.deepEqual(of('6h', start).registers, merged.registers);
  assert.equal(Math.round(of('day', dayOfHour(HOUR), 'ios').estimate()), 1);
});

test('CloudEvents and unreadable bodies are not counted, but the batch still covers their positions', () => {
  const ce: LoggedEvent = { seq: ++seq, source: 'backend', messageId: 'c', type: 'cloudevent', receivedAt: T0, body: '{"specversion":"1.0"}' };
  const bad: LoggedEvent = { seq: ++seq, source: 'web', messageId: 'b', type: 'track', receivedAt: T0, body: '{' };
  const b = aggregate([ce, bad], { breakdowns: [] });
  assert.deepEqual([b.counters, b.sketches, b.breakdowns], [[], [], []]);
  assert.deepEqual([b.firstSeq, b.lastSeq], [ce.seq, bad.seq]);
});

test('property: counting a run in two batches adds up to counting it in one', () => {
  const events = Array.from({ length: 200 }, (_, i) =>
    logged(
      {
        type: i % 3 === 0 ? 'page' : 'track',
        event: `E${i % 4}`,
        name: `P${i % 2}`,
        userId: `u${i % 17}`,
        properties: { path: `/p${i % 5}`, revenue: (i % 7) * 1.25, plan: `plan${i % 3}` },
        timestamp: new Date(T0 + (i % 6) * 1_800_000).toISOString(),
      },
      i % 2 ? 'web' : 'ios',
    ),
  );
  const opts = { breakdowns: [{ event: 'E1', property: 'plan', max_values: 50 }] };
  const sum = (rows: CounterIncrement[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of rows) {
      const k = [r.metric, r.hour, r.source, r.k1, r.k2, r.k3].join('|');
      m.set(k, (m.get(k) ?? 0) + r.n);
    }
    return m;
  };
  for (const cut of [1, 37, 100, 199]) {
    const whole = aggregate(events, opts);
    const parts = [aggregate(events.slice(0, cut), opts), aggregate(events.slice(cut), opts)];
    assert.deepEqual(sum(parts.flatMap((p) => p.counters)), sum(whole.counters), `cut at ${cut}`);
    const sketchOf = (level: string, start: number, source: string, batches: RollupBatch[]): Uint8Array => {
      const h = new HyperLogLog();
      for (const b of batches) for (const s of b.sketches) if (s.level === level && s.start === start && s.source === source) h.mergeBytes(s.sketch);
      return h.registers;
    };
    for (const s of whole.sketches) assert.deepEqual(sketchOf(s.level, s.start, s.source, parts), sketchOf(s.level, s.start, s.source, [whole]));
  }
});
