// A Segment-compatible batch API played by a local server.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import type { Destination, OutgoingEvent, SendResult } from '../../core/destination.js';
import type { JsonObject } from '../../core/event.js';
import { closedPortUrl, type FakeApi, type FakeHandler, type RecordedRequest, startFakeApi, testContext } from '../../../test/helpers/fake-api.js';
import { create, schema, type } from './index.js';

const NOW = Date.parse('2024-06-01T12:00:05.000Z');
const servers: FakeApi[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function setup(handler: FakeHandler, options: JsonObject = {}): Promise<{ api: FakeApi; destination: Destination }> {
  const api = await startFakeApi(handler);
  servers.push(api);
  const config = schema.parse({ write_key: 'seg-write-key', endpoint: `${api.url}/v1/batch`, timeout_ms: 2000, ...options });
  return { api, destination: create(config, testContext(() => NOW)) };
}

function stored(i: number, extra: JsonObject = {}): OutgoingEvent {
  const messageId = `msg-${i}`;
  return {
    seq: i + 1,
    messageId,
    source: 'web',
    doc: {
      type: 'track',
      event: `Event ${i}`,
      messageId,
      anonymousId: `anon-${i}`,
      properties: { n: i },
      context: { ip: '203.0.113.7', library: { name: 'analytics.js', version: '2.0.0' } },
      integrations: { All: true },
      timestamp: '2024-06-01T11:59:59.000Z',
      originalTimestamp: '2024-06-01T09:59:59.000Z',
      sentAt: '2024-06-01T10:00:00.000Z',
      receivedAt: '2024-06-01T12:00:00.000Z',
      ...extra,
    },
  };
}

const batchOf = (n: number): OutgoingEvent[] => Array.from({ length: n }, (_, i) => stored(i));
const send = (d: Destination, batch: readonly OutgoingEvent[]): Promise<SendResult> => d.send(batch, new AbortController().signal);
const messageIds = (r: RecordedRequest): string[] => (r.json as { batch: JsonObject[] }).batch.map((e) => e.messageId as string);
const failuresOf = (r: SendResult) => {
  assert.equal(r.kind, 'partial');
  return r.kind === 'partial' ? r.failures.map((f) => ({ index: f.index, permanent: f.permanent })) : [];
};

describe('segment send', () => {
  it('exports its type and limits', async () => {
    const { destination } = await setup(() => ({}));
    assert.equal(type, 'segment');
    assert.equal(destination.maxBatchEvents, 2500);
    assert.ok(destination.maxBatchBytes < 500 * 1024);
  });

  it('200: posts {batch: the events as stored, sentAt} with Basic auth write_key:', async () => {
    const { api, destination } = await setup(() => ({ body: { success: true } }));
    const batch = batchOf(2);
    assert.equal((await send(destination, batch)).kind, 'ok');
    const [request] = api.requests as [RecordedRequest];
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/batch');
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('seg-write-key:').toString('base64')}`);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(request.json, { batch: batch.map((e) => e.doc), sentAt: '2024-06-01T12:00:05.000Z' });
  });

  it('an event over 32 KB fails for good; the others are sent', async () => {
    const { api, destination } = await setup(() => ({ body: { success: true } }));
    const result = await send(destination, [stored(0), stored(1, { properties: { big: 'x'.repeat(33 * 1024) } }), stored(2)]);
    assert.deepEqual(failuresOf(result), [{ index: 1, permanent: true }]);
    assert.ok(result.kind === 'partial' && /32768 bytes per event/.test(result.failures[0]?.reason ?? ''));
    assert.deepEqual(api.requests.map(messageIds), [['msg-0', 'msg-2']]);
  });

  it('cuts requests at 500 KB', async () => {
    const { api, destination } = await setup(() => ({ body: { success: true } }));
    const batch = Array.from({ length: 40 }, (_, i) => stored(i, { properties: { pad: 'y'.repeat(30 * 1024) } }));
    assert.equal((await send(destination, batch)).kind, 'ok');
    assert.ok(api.requests.length >= 3);
    for (const r of api.requests) assert.ok(Buffer.byteLength(r.body) <= 500 * 1024);
    assert.deepEqual(api.requests.flatMap(messageIds), batch.map((e) => e.messageId), 'each event once, in order');
  });

  it('messages Segment would drop silently fail here, with the reason', async () => {
    const { api, destination } = await setup(() => ({ body: { success: true } }));
    const result = await send(destination, [stored(0, { event: undefined }), stored(1, { anonymousId: undefined }), stored(2)]);
    assert.deepEqual(failuresOf(result), [
      { index: 0, permanent: true },
      { index: 1, permanent: true },
    ]);
    assert.deepEqual(api.requests.map(messageIds), [['msg-2']]);
  });

  it('400: fail', async () => {
    const { destination } = await setup(() => ({ status: 400, body: 'Bad Request' }));
    assert.equal((await send(destination, batchOf(2))).kind, 'fail');
  });

  it('a 200 naming rejected items (as Sluice answers a partly bad batch): those fail, the rest was stored', async () => {
    const { destination } = await setup(() => ({
      body: { success: true, accepted: 2, rejected: [{ index: 1, code: 'invalid_field', field: 'userId', message: 'userId must be a string' }] },
    }));
    const result = await send(destination, batchOf(3));
    assert.deepEqual(failuresOf(result), [{ index: 1, permanent: true }]);
    assert.match(result.kind === 'partial' ? (result.failures[0]?.reason ?? '') : '', /invalid_field: userId must be a string/);
  });

  it('429 and 5xx: retry, honouring Retry-After', async () => {
    const limited = await setup(() => ({ status: 429, headers: { 'retry-after': '3' } }));
    const r = await send(limited.destination, batchOf(1));
    assert.ok(r.kind === 'retry' && r.retryAfterMs === 3000);
    const down = await setup(() => ({ status: 503 }));
    assert.equal((await send(down.destination, batchOf(1))).kind, 'retry');
  });

  it('a reply slower than timeout_ms: retry', async () => {
    const { destination } = await setup(() => ({ delayMs: 1000 }), { timeout_ms: 100 });
    const result = await send(destination, batchOf(1));
    assert.ok(result.kind === 'retry' && /timed out/.test(result.reason));
  });

  it('connection refused: retry', async () => {
    const config = schema.parse({ write_key: 'k', endpoint: `${await closedPortUrl()}/v1/batch` });
    const result = await send(create(config, testContext()), batchOf(1));
    assert.ok(result.kind === 'retry' && /network error/.test(result.reason));
  });

  it('docs/destinations.md documents every option', async () => {
    const docs = await readFile(new URL('../../../docs/destinations.md', import.meta.url), 'utf8');
    const section = docs.split(/^## /m).find((s) => s.startsWith('segment\n')) ?? '';
    for (const key of Object.keys(schema.shape)) assert.match(section, new RegExp(`^\\| \`${key}[.\`]`, 'm'), key);
  });

  it('options: defaults, strict, every field described', () => {
    assert.deepEqual(schema.parse({ write_key: 'k' }), { write_key: 'k', endpoint: 'https://api.segment.io/v1/batch', timeout_ms: 10_000 });
    assert.equal(schema.safeParse({ write_key: 'k', filter: 'x' }).success, false);
    assert.equal(schema.safeParse({}).success, false);
    for (const [key, field] of Object.entries(schema.shape)) assert.ok(field.description, key);
  });
});
