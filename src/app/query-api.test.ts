import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { LogRecord } from '../core/event.js';
import { MemoryLog } from '../log/memory-log.js';
import { aggregate } from '../rollups/aggregate.js';
import { MemoryRollupStore } from '../rollups/memory-store.js';
import { QUERY_PARAMS } from '../rollups/query-params.js';
import { toSluiceError } from './http-errors.js';
import { registerQueryApi } from './query-api.js';

const TOKEN = 'query-api-test-token';
const NOW = Date.parse('2024-05-02T00:00:00Z');

function record(n: number, source = 'web', event = 'Order Completed'): LogRecord {
  const body = { type: 'track', messageId: `m${n}`, event, userId: `u${n}`, context: {}, timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:00.000Z' };
  return { source, messageId: body.messageId, type: 'track', receivedAt: NOW, body: JSON.stringify(body) };
}

async function server(t: TestContext): Promise<{ app: FastifyInstance; log: MemoryLog; routes: string[] }> {
  const log = new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 });
  const store = new MemoryRollupStore();
  await log.append([record(1), record(2), record(3, 'ios')]);
  await store.apply(aggregate(await log.scan(0, 10), { breakdowns: [] }));
  const app = Fastify();
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    routes.push(r.url);
  });
  app.setErrorHandler((err, _req, reply) => {
    const e = toSluiceError(err, 1_000_000);
    void reply.code(e.status).send({ success: false, error: e.toJSON() });
  });
  registerQueryApi(app, { store, log, rollups: null, now: () => NOW }, (token) => token === TOKEN);
  await app.ready();
  t.after(async () => {
    await app.close();
    await log.close();
  });
  return { app, log, routes };
}

const auth = { authorization: `Bearer ${TOKEN}` };

test('every query route and the tail are in the OpenAPI document, with the parameters the route checks', async (t) => {
  const { app, routes } = await server(t);
  const doc = (await app.inject({ url: '/openapi.json' })).json<{ openapi: string; paths: Record<string, { get: { parameters: { name: string }[]; responses: Record<string, unknown> } }> }>();
  assert.equal(doc.openapi, '3.1.0');
  const apiRoutes = [...new Set(routes.filter((r) => r.startsWith('/api/v1/query') || r === '/api/v1/tail'))];
  assert.ok(apiRoutes.length >= Object.keys(QUERY_PARAMS).length + 2);
  for (const route of apiRoutes) {
    const op = doc.paths[route]?.get;
    assert.ok(op, `${route} is documented`);
    assert.ok(op.responses['200'] && op.responses['400'], `${route} documents its answers`);
  }
  for (const [kind, schema] of Object.entries(QUERY_PARAMS)) {
    assert.deepEqual(doc.paths[`/api/v1/query/${kind}`]!.get.parameters.map((p) => p.name).sort(), Object.keys(schema.shape).sort());
  }
  assert.deepEqual(Object.keys(doc.paths).sort(), apiRoutes.sort(), 'and nothing that is not a route');
});

test('queries need the admin token in the header; a query-string token is only for the tail', async (t) => {
  const { app } = await server(t);
  assert.equal((await app.inject({ url: '/api/v1/query/count' })).statusCode, 401);
  assert.equal((await app.inject({ url: '/api/v1/query/count', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
  assert.equal((await app.inject({ url: `/api/v1/query/count?token=${TOKEN}` })).statusCode, 401);
  const ok = await app.inject({ url: '/api/v1/query/count?since=2024-05-01T00:00:00Z&until=2024-05-02T00:00:00Z&interval=day', headers: auth });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { interval: 'day', tz: 'UTC', from: '2024-05-01T00:00:00.000Z', to: '2024-05-02T00:00:00.000Z', series: [{ t: '2024-05-01T00:00:00Z', value: 3 }], total: 3 });
});

test('bad parameters answer 400 in the error vocabulary, naming the parameter', async (t) => {
  const { app } = await server(t);
  const res = await app.inject({ url: '/api/v1/query/top-pages?limit=0', headers: auth });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { success: false, error: { code: 'invalid_field', message: 'limit must be an integer from 1 to 1000', field: 'limit' } });
  const tz = await app.inject({ url: '/api/v1/query/uniques?tz=Nowhere/Land', headers: auth });
  assert.equal(tz.json<{ error: { field: string } }>().error.field, 'tz');
  const tail = await app.inject({ url: '/api/v1/tail?colour=red', headers: auth });
  assert.equal(tail.statusCode, 400);
  assert.equal(tail.json<{ error: { field: string } }>().error.field, 'colour');
});

test('status says how far the rollups counted', async (t) => {
  const { app } = await server(t);
  assert.deepEqual((await app.inject({ url: '/api/v1/query/status', headers: auth })).json(), { enabled: false, position: 3, head: 3 });
});

test('the tail streams new events that match its filter, with ?token=, and ends when the server closes', async (t) => {
  const { app, log } = await server(t);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const res = await fetch(`${url}/api/v1/tail?source=web&event=Order%20Completed&token=${TOKEN}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  const readUntil = async (pattern: RegExp): Promise<void> => {
    while (!pattern.test(text)) {
      const { value, done } = await reader.read();
      if (done) assert.fail(`stream ended before ${pattern}: ${text}`);
      text += Buffer.from(value).toString('utf8');
    }
  };
  await readUntil(/watching/);
  await new Promise((r) => setTimeout(r, 100)); // the subscription starts at the head
  await log.append([record(10, 'ios'), record(11, 'web', 'Signed Up'), record(12, 'web')]);
  await readUntil(/"seq":6/);
  const events = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as { seq: number; source: string; event: { messageId: string } });
  assert.deepEqual(events.map((e) => [e.seq, e.source, e.event.messageId]), [[6, 'web', 'm12']]);
  assert.match(text, /id: 6\n/);
  await app.close();
  for (;;) if ((await reader.read()).done) break;
});
