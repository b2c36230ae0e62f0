// The CloudEvents gateway over real HTTP: a minimal Fastify app with the raw body parser, the app's error mapping and
// the gateway route, on an embedded SQLite log. Structured, binary and batched requests; refusals naming the
// attribute; authentication; deduplication by (source, id).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { retryAfterSeconds, toSluiceError } from '../../src/app/http-errors.js';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { SluiceError } from '../../src/core/errors.js';
import type { LoggedEvent } from '../../src/core/event.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import type { IngestTelemetry } from '../../src/core/telemetry.js';
import type { Log } from '../../src/log/log.js';
import { registerCloudEventsGateway } from '../../src/sources/cloudevents/gateway.js';
import { registerRawJsonBodies } from '../../src/sources/http/body.js';
import { basicAuth } from '../helpers/server-process.js';

const KEY = 'backend-write-key-1';
const AUTH = basicAuth(KEY);

let dir: string;
let log: SqliteLog;
let app: FastifyInstance;
let url: string;
const counted: { received: [string, string, number][]; duplicates: number; rejected: string[] } = { received: [], duplicates: 0, rejected: [] };
const telemetry: IngestTelemetry = {
  received: (source, type, n) => counted.received.push([source, type, n]),
  duplicates: (_source, n) => (counted.duplicates += n),
  rejected: (code) => counted.rejected.push(code),
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-ce-'));
  log = new SqliteLog({ path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 3_600_000, keep_rejects: 1000, maxRowsPerCommit: 1000, maxQueuedBytes: 8 * 1024 * 1024 });
  app = Fastify({ bodyLimit: DEFAULT_LIMITS.max_batch_bytes });
  registerRawJsonBodies(app, DEFAULT_LIMITS.max_batch_bytes);
  app.setErrorHandler((err, _req, reply) => {
    const e = toSluiceError(err, DEFAULT_LIMITS.max_batch_bytes);
    void reply.code(e.status).send({ success: false, error: e.toJSON() });
  });
  registerCloudEventsGateway(app, { writeKeys: new Map([[KEY, 'backend']]), limits: DEFAULT_LIMITS, log, rejects: log, telemetry });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await app.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  success: boolean;
  accepted?: number;
  error?: { code: string; message: string; field?: string; index?: number };
  rejected?: { index: number; code: string; field: string | null; message: string }[];
}

async function post(body: string | Buffer, headers: Record<string, string>, path = '/v1/events'): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: AUTH, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: res.status, body: (await res.json()) as Answer };
}

let seen = 0;
/** Events appended since the last call. */
async function newEvents(): Promise<LoggedEvent[]> {
  const events = await log.scan(seen, 1000);
  if (events.length > 0) seen = events.at(-1)!.seq;
  return events;
}
const bodies = (events: LoggedEvent[]): CloudEvent[] => events.map((e) => JSON.parse(e.body) as CloudEvent);

let n = 0;
function event(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { specversion: '1.0', id: `evt-${++n}`, source: 'https://api.example.com/users', type: 'user.created', time: '2025-01-15T12:00:00Z', data: { userId: `u${n}` }, ...over };
}

describe('POST /v1/events', () => {
  it('stores a structured event as sent, typed cloudevent, keyed by source and id', async () => {
    const ev = event({ tenant: 'acme' });
    const res = await post(JSON.stringify(ev), { 'content-type': 'application/cloudevents+json; charset=utf-8' });
    assert.deepEqual(res, { status: 200, body: { success: true } });
    const [stored] = await newEvents();
    assert.equal(stored!.type, 'cloudevent');
    assert.equal(stored!.source, 'backend');
    assert.equal(stored!.messageId, `https://api.example.com/users ${String(ev.id)}`);
    assert.deepEqual(JSON.parse(stored!.body), ev);
    assert.deepEqual(counted.received.at(-1), ['backend', 'cloudevent', 1]);
  });

  it('accepts a structured event sent as plain application/json, gzip-encoded', async () => {
    const ev = event();
    const res = await post(gzipSync(JSON.stringify(ev)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(res.status, 200);
    assert.deepEqual(bodies(await newEvents()), [ev]);
  });

  it('stores a binary-mode event built from ce-* headers and the body', async () => {
    const res = await post('{"orderId":"o-7","total":12.5}', {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': 'ord-7',
      'ce-source': '/orders',
      'ce-type': 'order.paid',
      'ce-time': '2025-01-15T12:01:00Z',
      'ce-subject': 'orders/7',
      'ce-traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(bodies(await newEvents()), [
      {
        specversion: '1.0',
        id: 'ord-7',
        source: '/orders',
        type: 'order.paid',
        time: '2025-01-15T12:01:00Z',
        subject: 'orders/7',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        datacontenttype: 'application/json',
        data: { orderId: 'o-7', total: 12.5 },
      },
    ]);
  });

  it('keeps binary-mode data that is not JSON as a string', async () => {
    const res = await post('<order id="8"/>', { 'content-type': 'application/xml', 'ce-specversion': '1.0', 'ce-id': 'ord-8', 'ce-source': '/orders', 'ce-type': 'order.paid' });
    assert.equal(res.status, 200);
    const [ev] = bodies(await newEvents());
    assert.equal(ev!.data, '<order id="8"/>');
    assert.equal(ev!.datacontenttype, 'application/xml');
  });

  it('stores the good events of a batch and lists the bad ones with their index', async () => {
    const good1 = event();
    const good2 = event();
    const res = await post(JSON.stringify([good1, event({ source: undefined }), good2, event({ time: 'noon' })]), { 'content-type': 'application/cloudevents-batch+json' });
    assert.equal(res.status, 200);
    assert.equal(res.body.accepted, 2);
    assert.deepEqual(res.body.rejected?.map((r) => [r.index, r.code, r.field]), [
      [1, 'missing_field', 'source'],
      [3, 'invalid_field', 'time'],
    ]);
    assert.deepEqual(bodies(await newEvents()), [good1, good2]);
    const rejects = await log.list({ limit: 2 });
    assert.deepEqual(rejects.map((r) => [r.index, r.field]).sort(), [
      [1, 'source'],
      [3, 'time'],
    ]);
  });

  it('answers 400 with every rejection when no event of a batch is good, and 200 to an empty batch', async () => {
    const bad = await post(JSON.stringify([{ specversion: '1.0' }]), { 'content-type': 'application/cloudevents-batch+json' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.rejected?.[0]?.field, 'id');
    const empty = await post('[]', { 'content-type': 'application/cloudevents-batch+json' });
    assert.deepEqual(empty, { status: 200, body: { success: true } });
    assert.deepEqual(await newEvents(), []);
  });

  it('answers 400 naming the missing attribute, in both modes', async () => {
    const structured = await post(JSON.stringify(event({ type: undefined })), { 'content-type': 'application/cloudevents+json' });
    assert.equal(structured.status, 400);
    assert.deepEqual([structured.body.error?.code, structured.body.error?.field], ['missing_field', 'type']);
    const binary = await post('{}', { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-source': '/orders', 'ce-type': 'order.paid' });
    assert.equal(binary.status, 400);
    assert.deepEqual([binary.body.error?.code, binary.body.error?.field], ['missing_field', 'id']);
    assert.match(binary.body.error!.message, /ce-id header/);
    const plain = await post(JSON.stringify({ hello: 'world' }), { 'content-type': 'application/json' });
    assert.deepEqual([plain.status, plain.body.error?.field], [400, 'specversion']);
    assert.deepEqual(await newEvents(), []);
  });

  it('answers 401 without a write key or with an unknown one, and accepts the key as a query parameter', async () => {
    const ev = JSON.stringify(event());
    const none = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: ev });
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as Answer).error?.code, 'unauthorized');
    const unknown = await post(ev, { 'content-type': 'application/cloudevents+json', authorization: basicAuth('nope-nope-nope') });
    assert.equal(unknown.status, 401);
    assert.deepEqual(await newEvents(), []);
    const query = await fetch(`${url}/v1/events?writeKey=${KEY}`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: ev });
    assert.equal(query.status, 200);
    assert.equal((await newEvents()).length, 1);
  });

  it('stores an event sent twice (same source and id) once, and counts the duplicate', async () => {
    const ev = JSON.stringify(event());
    const before = counted.duplicates;
    assert.equal((await post(ev, { 'content-type': 'application/cloudevents+json' })).status, 200);
    assert.equal((await post(ev, { 'content-type': 'application/cloudevents+json' })).status, 200);
    assert.equal((await newEvents()).length, 1);
    assert.equal(counted.duplicates, before + 1);
    // The same id from another CloudEvents source is another event.
    assert.equal((await post(JSON.stringify({ ...(JSON.parse(ev) as object), source: '/other' }), { 'content-type': 'application/cloudevents+json' })).status, 200);
    assert.equal((await newEvents()).length, 1);
  });

  it('answers 413 to a body over the request limit and 400 to an event over the message limit', async () => {
    const huge = await post(JSON.stringify([event({ data: 'x'.repeat(DEFAULT_LIMITS.max_batch_bytes) })]), { 'content-type': 'application/cloudevents-batch+json' });
    assert.deepEqual([huge.status, huge.body.error?.code], [413, 'batch_too_large']);
    const big = await post(JSON.stringify(event({ data: Array.from({ length: 10 }, () => 'x'.repeat(4000)) })), { 'content-type': 'application/cloudevents+json' });
    assert.deepEqual([big.status, big.body.error?.code], [400, 'message_too_large']);
  });
});

describe('POST /v1/events when the log cannot take it', () => {
  it('answers 429 with Retry-After when overloaded and 503 when storage is unavailable, through the app\'s error mapping', async () => {
    let refusal: SluiceError = new SluiceError('overloaded', 'too much waiting');
    const refusing = Object.assign(Object.create(log) as Log, { append: () => Promise.reject(refusal) });
    const busy = Fastify();
    registerRawJsonBodies(busy, DEFAULT_LIMITS.max_batch_bytes);
    busy.setErrorHandler((err, _req, reply) => {
      const e = toSluiceError(err, DEFAULT_LIMITS.max_batch_bytes);
      const retryAfter = retryAfterSeconds(e);
      if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
      void reply.code(e.status).send({ success: false, error: e.toJSON() });
    });
    registerCloudEventsGateway(busy, { writeKeys: new Map([[KEY, 'backend']]), limits: DEFAULT_LIMITS, log: refusing, rejects: log, telemetry });
    const busyUrl = await busy.listen({ host: '127.0.0.1', port: 0 });
    try {
      const send = (): Promise<Response> => fetch(`${busyUrl}/v1/events`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event()) });
      const overloaded = await send();
      assert.deepEqual([overloaded.status, overloaded.headers.get('retry-after'), ((await overloaded.json()) as Answer).error?.code], [429, '1', 'overloaded']);
      refusal = new SluiceError('storage_unavailable', 'disk full');
      const unavailable = await send();
      assert.deepEqual([unavailable.status, ((await unavailable.json()) as Answer).error?.code], [503, 'storage_unavailable']);
    } finally {
      await busy.close();
    }
  });
});
