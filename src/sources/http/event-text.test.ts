// The stored event written from the client's text (event-text.ts) against the long way (normalize + JSON.stringify):
// the same bytes for compact input, the same JSON value for any input, and the long way whenever the text cannot be
// trusted (escaped keys, an ip rewritten in place, an envelope merged in).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventType } from '../../core/event.js';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { type IngestContext, type Prepared, prepareBatch, prepareSingle } from './ingest.js';
import { parseGuardedJson } from './json-guard.js';
import { MessageSpans, type SpanMode } from './message-spans.js';

const RECEIVED = Date.parse('2024-06-01T12:00:00.000Z');

interface Facts {
  ip?: string;
  anonymizeIp?: boolean;
}

function context(facts: Facts): IngestContext {
  return { source: 'web', limits: DEFAULT_LIMITS, receivedAt: RECEIVED, ip: facts.ip, anonymizeIp: facts.anonymizeIp ?? false, headerAnonymousId: undefined };
}

/** Prepares `text` as the tracking handler does (guard with spans, parse), and the long way (no spans). */
function both(text: string, mode: SpanMode, type: EventType, facts: Facts = {}): { quick: Prepared; long: Prepared } {
  const spans = new MessageSpans();
  const body = parseGuardedJson(Buffer.from(text), DEFAULT_LIMITS.max_depth, DEFAULT_LIMITS.max_string_bytes, spans, mode);
  const prepare = (ctx: IngestContext): Prepared => (mode === 'batch' ? prepareBatch(body, ctx) : prepareSingle(body, type, ctx));
  return { quick: prepare({ ...context(facts), spans }), long: prepare(context(facts)) };
}

const bodies = (p: Prepared): string[] => p.records.map((r) => r.body);
/** The events stored, less their messageIds (generated anew by each way when the client sent none). */
const values = (p: Prepared): unknown[] => p.records.map((r) => withoutId(JSON.parse(r.body)));

const MESSAGES: Record<EventType, Record<string, unknown>> = {
  track: {
    messageId: 'm-track',
    userId: 'u-1',
    event: 'Order "Completed" ✓',
    timestamp: '2024-06-01T11:59:58.000Z',
    sentAt: '2024-06-01T11:59:59.000Z',
    properties: { revenue: 12.5, items: [{ sku: 'a', n: 2 }, null, true], note: 'line\nbreak \u2028 😀', nested: { deep: { deeper: [] } } },
    context: { library: { name: 'analytics-node', version: '2.1.0' }, userAgent: 'curl/8' },
    integrations: { All: false, Amplitude: true },
    writeKey: 'never-stored',
    extra: 'dropped',
  },
  identify: { messageId: 'm-identify', anonymousId: 'anon-1', userId: 42, traits: { email: 'a@example.com', plan: { tier: 'pro' } }, properties: { not: 'kept for identify' } },
  page: { messageId: 'm-page', anonymousId: 'anon-2', name: 'Home', properties: { path: '/' }, context: {} },
  screen: { messageId: 'm-screen', userId: 'u-2', name: 'Settings', originalTimestamp: '2024-06-01T11:00:00.000Z' },
  group: { messageId: 'm-group', userId: 'u-3', groupId: 7, traits: { name: 'Acme' } },
  alias: { messageId: 'm-alias', userId: 'u-4', previousId: 'anon-4', context: { ip: '203.0.113.9' } },
};

describe('eventText: the stored event from the client text', () => {
  for (const [type, msg] of Object.entries(MESSAGES) as [EventType, Record<string, unknown>][]) {
    it(`writes the same bytes as the long way for a compact ${type} call, with and without a connection address`, () => {
      for (const facts of [{}, { ip: '198.51.100.7' }]) {
        const { quick, long } = both(JSON.stringify(msg), 'single', type, facts);
        assert.equal(quick.records.length, 1);
        assert.deepEqual(bodies(quick), bodies(long));
      }
    });
  }

  it('writes the same bytes as the long way for a compact batch of every type', () => {
    const batch = Object.entries(MESSAGES).map(([type, m]) => ({ ...m, type }));
    const { quick, long } = both(JSON.stringify({ batch, sentAt: '2024-06-01T11:59:59.500Z' }), 'batch', 'track', { ip: '198.51.100.7' });
    assert.equal(quick.records.length, 6);
    assert.deepEqual(bodies(quick), bodies(long));
  });

  it('keeps the client spelling inside the objects it copies, which proves they were copied, and the same values', () => {
    const text = `{ "batch" : [ { "type" : "track", "messageId":"m1", "userId":"u", "event":"E",
      "properties" : { "price" : 1.50, "big": 1e2, "esc": "\\u0041\\/" } ,
      "context" : { "page" : { "path" : "/" } } } ] }`;
    const { quick, long } = both(text, 'batch', 'track', { ip: '10.0.0.1' });
    const body = quick.records[0]!.body;
    assert.match(body, /"price" : 1\.50/);
    assert.match(body, /"esc": "\\u0041\\\/"/);
    assert.deepEqual(values(quick), values(long));
    assert.equal((JSON.parse(body) as { context: { ip: string } }).context.ip, '10.0.0.1');
    // The same with characters of two, three and four UTF-8 bytes before and inside the objects copied.
    const wide = text.replace('"E"', '"Été ✓ 😀"').replace('"/"', '"/é😀"');
    const both2 = both(wide, 'batch', 'track', { ip: '10.0.0.1' });
    assert.match(both2.quick.records[0]!.body, /"price" : 1\.50/);
    assert.deepEqual(values(both2.quick), values(both2.long));
    assert.equal((JSON.parse(both2.quick.records[0]!.body) as { context: { page: { path: string } } }).context.page.path, '/é😀');
  });

  it('escapes the strings it writes as JSON.stringify does', () => {
    const msg = { messageId: 'id "quoted" \\ \u0001', userId: '\ud800 lone', anonymousId: '😀 pair', event: 'tab\there', timestamp: '2024-06-01T11:59:58.000Z' };
    const { quick, long } = both(JSON.stringify(msg), 'single', 'track');
    assert.deepEqual(bodies(quick), bodies(long));
    assert.deepEqual(JSON.parse(quick.records[0]!.body), JSON.parse(long.records[0]!.body));
  });

  it('adds the connection address to an empty context and keeps a client address as sent', () => {
    const empty = both('{"userId":"u","event":"E","context":{ }}', 'single', 'track', { ip: '10.0.0.1' });
    assert.deepEqual(values(empty.quick), values(empty.long));
    // A single call's context copied with the address appended: the client's spelling shows the copy was made.
    const spelled = both('{"userId":"u","event":"E","context":{ "n" : 1.50 }}', 'single', 'track', { ip: '10.0.0.1' });
    assert.match(spelled.quick.records[0]!.body, /"context":\{ "n" : 1\.50 ,"ip":"10\.0\.0\.1"\}/);
    assert.deepEqual(values(spelled.quick), values(spelled.long));
    const own = both('{"messageId":"m","userId":"u","event":"E","context":{"ip":"203.0.113.9","a":1}}', 'single', 'track', { ip: '10.0.0.1' });
    assert.deepEqual(bodies(own.quick), bodies(own.long));
    assert.equal((JSON.parse(own.quick.records[0]!.body) as { context: { ip: string } }).context.ip, '203.0.113.9');
  });

  it('goes the long way where the address is rewritten in place: anonymized, empty or not a string', () => {
    for (const [ctx, facts] of [
      ['{"ip":"203.0.113.9"}', { ip: '10.0.0.1', anonymizeIp: true }],
      ['{"ip":""}', { ip: '10.0.0.1' }],
      ['{"ip":null}', { ip: '10.0.0.1' }],
      ['{"ip":""}', {}],
    ] as const) {
      const { quick, long } = both(`{"messageId":"m","userId":"u","event":"E","context":${ctx}}`, 'single', 'track', facts);
      assert.deepEqual(bodies(quick), bodies(long), ctx);
    }
  });

  it('reads the last of duplicate keys, as JSON.parse does', () => {
    const text = '{"userId":"u","event":"E","properties":{"a":1},"context":{"x":1},"properties":{"b":2},"context":null,"traits":{"t":1}}';
    const { quick, long } = both(text, 'single', 'track');
    assert.deepEqual(values(quick), values(long));
    assert.deepEqual((JSON.parse(quick.records[0]!.body) as { properties: unknown }).properties, { b: 2 });
    const batches = '{"batch":[{"type":"track","userId":"u","event":"first"}],"batch":[{"type":"track","userId":"v","event":"second","properties":{"p":2}}]}';
    const b = both(batches, 'batch', 'track');
    assert.deepEqual(values(b.quick), values(b.long));
    assert.equal((JSON.parse(b.quick.records[0]!.body) as { event: string }).event, 'second');
  });

  it('trusts no span of a message with an escaped key, nor of a batch with an escaped body key', () => {
    // "cont\u0065xt" is "context" once parsed: it is the context JSON.parse keeps, not the first one.
    const single = both('{"userId":"u","event":"E","context":{"a":1},"cont\\u0065xt":{"b":2}}', 'single', 'track');
    assert.deepEqual(values(single.quick), values(single.long));
    assert.deepEqual((JSON.parse(single.quick.records[0]!.body) as { context: unknown }).context, { b: 2 });
    const batch = both('{"batch":[{"type":"track","userId":"u","event":"one","properties":{"a":1}}],"b\\u0061tch":[{"type":"track","userId":"v","event":"two","properties":{"b":2}}]}', 'batch', 'track');
    assert.deepEqual(values(batch.quick), values(batch.long));
    assert.equal((JSON.parse(batch.quick.records[0]!.body) as { event: string }).event, 'two');
  });

  it('counts batch items past non-objects and is not misled by arrays, strings and "batch" keys inside items', () => {
    const batch = [
      5,
      'a string with { and [ and "quotes"',
      [{ type: 'track' }],
      { type: 'track', userId: 'u', event: 'E', properties: { batch: [{ properties: { wrong: 1 } }], s: '}]},{' } },
      { type: 'identify', userId: 'u', traits: { t: [1, { x: '}' }] } },
    ];
    const { quick, long } = both(JSON.stringify({ batch }), 'batch', 'track', { ip: '10.0.0.1' });
    assert.deepEqual(quick.rejections.map((r) => r.index), [0, 1, 2]);
    assert.equal(quick.records.length, 2);
    assert.deepEqual(values(quick), values(long));
  });

  it('goes the long way for items a batch envelope merges into, and gives the same events', () => {
    const text = JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'E', context: { a: 1 } }], context: { library: { name: 'x' } }, integrations: { All: true } });
    const { quick, long } = both(text, 'batch', 'track', { ip: '10.0.0.1' });
    assert.deepEqual(values(quick), values(long));
    // Each envelope object alone, into items that have their own: the item's own text would lack the envelope's keys.
    const item = { type: 'track', userId: 'u', event: 'E', context: { a: 1 }, integrations: { Amplitude: true } };
    for (const envelope of [{ context: { library: { name: 'x' } } }, { integrations: { All: false } }]) {
      const merged = both(JSON.stringify({ batch: [item], ...envelope }), 'batch', 'track', { ip: '10.0.0.1' });
      assert.deepEqual(values(merged.quick), values(merged.long), JSON.stringify(envelope));
      const stored = JSON.parse(merged.quick.records[0]!.body) as { context: Record<string, unknown>; integrations: Record<string, unknown> };
      assert.deepEqual({ ...stored.context, ...stored.integrations }, { a: 1, ip: '10.0.0.1', Amplitude: true, ...envelope.context, ...envelope.integrations });
    }
  });

  it('agrees with the long way on random messages in random spacing', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
    const value = (depth: number): unknown => {
      const k = rand(depth > 3 ? 4 : 7);
      if (k === 0) return rand(1000) / 8;
      if (k === 1) return pick(['', 'x', 'é"\\\n', '😀', '}]', null, true]);
      if (k === 2) return -1 - rand(50);
      if (k === 3) return pick([false, 'plain']);
      if (k === 4) return Array.from({ length: rand(4) }, () => value(depth + 1));
      return object(depth + 1);
    };
    const object = (depth: number): Record<string, unknown> => Object.fromEntries(Array.from({ length: rand(5) }, () => [pick(['a', 'b', 'ip', 'batch', 'context', 'properties', '{', 'é']), value(depth)]));
    const message = (): Record<string, unknown> => {
      const type = pick(['track', 'identify', 'page', 'screen', 'group', 'alias'] as const);
      const m: Record<string, unknown> = { type, userId: `u${rand(9)}`, event: 'E', groupId: 'g', previousId: 'p' };
      for (const f of ['properties', 'traits', 'context', 'integrations']) if (rand(3) > 0) m[f] = object(1);
      if (rand(2) === 0) m.messageId = `m${rand(1e6)}`;
      return m;
    };
    const space = (json: string): string => json.replace(/([{}[\],:])/g, (c) => pick(['', ' ', '\n', '\t '] as const) + c + pick(['', ' ', '\r\n'] as const));
    let copied = 0;
    for (let round = 0; round < 300; round++) {
      const batch = Array.from({ length: 1 + rand(4) }, message);
      // Spacing inside strings is taken out again: JSON.stringify leaves no raw whitespace in them to lose.
      const text = space(JSON.stringify({ batch })).replace(/"(?:[^"\\]|\\.)*"/g, (s) => s.replace(/\s/g, ''));
      const parsed: unknown = JSON.parse(text);
      assert.deepEqual(parsed, { batch }, 'the spacing kept the value');
      const facts = pick([{}, { ip: '10.1.2.3' }, { ip: '10.1.2.3', anonymizeIp: true }]);
      const { quick, long } = both(text, 'batch', 'track', facts);
      assert.deepEqual(quick.rejections, long.rejections);
      assert.deepEqual(values(quick), values(long), text);
      // Spaced input copied keeps its spacing: the short way was taken for these, not only the long one.
      copied += quick.records.filter((r) => /\s/.test(r.body)).length;
    }
    assert.ok(copied > 200, `${copied} events were written from the client's text`);
  });
});

function withoutId(e: unknown): unknown {
  const { messageId: _, ...rest } = e as Record<string, unknown>;
  return rest;
}
