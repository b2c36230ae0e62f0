// Plain server-side requests are answered by the node:http fast path (app/fast-ingest.ts); browser requests (with an
// Origin) and gzip go through Fastify. Both call the same handler: this sends the same requests both ways and
// compares what a client sees, then checks the fast path's own refusals (shedding aside): oversize bodies with and
// without Content-Length, and metrics by route.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { allEvents, type ServerProcess, startServer, basicAuth } from '../helpers/server-process.js';

let server: ServerProcess;
let auth: string;

before(async () => {
  server = await startServer();
  auth = basicAuth(server.writeKey);
});
after(async () => {
  await server.stop();
});

interface Answer {
  status: number;
  body: unknown;
  cors: string | null;
}

async function post(path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as unknown, cors: res.headers.get('access-control-allow-origin') };
}

const BROWSER = { origin: 'https://shop.example' };

describe('the fast path and Fastify answer alike', () => {
  const cases: { name: string; path: string; body: (id: string) => string; headers?: () => Record<string, string> }[] = [
    { name: 'a track call', path: '/v1/track', body: (id) => JSON.stringify({ userId: 'u1', event: 'Clicked', messageId: id }) },
    { name: 'a short-path page call', path: '/v1/p', body: (id) => JSON.stringify({ anonymousId: 'a1', name: 'Home', messageId: id }) },
    { name: 'a batch with one bad item', path: '/v1/batch', body: (id) => JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'E', messageId: id }, { type: 'track', userId: 'u' }] }) },
    { name: 'the write key in the body', path: '/v1/identify', body: (id) => JSON.stringify({ userId: 'u2', writeKey: server.writeKey, messageId: id }), headers: () => ({}) },
    { name: 'invalid JSON', path: '/v1/track', body: () => '{"userId": ' },
    { name: 'a missing field', path: '/v1/track', body: () => '{"userId":"u"}' },
    { name: 'an unknown write key', path: '/v1/track', body: () => '{"userId":"u","event":"E"}', headers: () => ({ authorization: basicAuth('nobody-knows-me') }) },
    { name: 'no write key at all', path: '/v1/track', body: () => '{"userId":"u","event":"E"}', headers: () => ({}) },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const headers = c.headers?.() ?? { authorization: auth };
      const fast = await post(c.path, c.body(`fast-${c.name}`), headers);
      const viaFastify = await post(c.path, c.body(`fastify-${c.name}`), { ...headers, ...BROWSER });
      assert.equal(fast.cors, null, 'the fast path served the plain request (it sets no CORS headers)');
      assert.equal(viaFastify.cors, BROWSER.origin, 'Fastify served the browser request');
      assert.equal(fast.status, viaFastify.status);
      assert.deepEqual(fast.body, viaFastify.body);
    });
  }

  it('both stored what they accepted, once each', async () => {
    const ids = (await allEvents(server)).map((e) => String(e.event.messageId)).sort();
    const expected = ['a track call', 'a short-path page call', 'a batch with one bad item', 'the write key in the body'].flatMap((n) => [`fast-${n}`, `fastify-${n}`]).sort();
    assert.deepEqual(ids, expected);
  });
});

describe('the fast path on its own', () => {
  it('takes the write key from the query string', async () => {
    const res = await post(`/v1/track?writeKey=${server.writeKey}`, JSON.stringify({ userId: 'q', event: 'Query Key', messageId: 'query-key' }), {});
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { success: true });
  });

  it('refuses a body over the limit by its Content-Length, and a chunked one as it streams', async () => {
    const big = JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'E', properties: { s: 'x'.repeat(600_000) } }] });
    const declared = await post('/v1/batch', big, { authorization: auth });
    assert.equal(declared.status, 413);
    assert.equal((declared.body as { error: { code: string } }).error.code, 'batch_too_large');

    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 12; i++) req.write('x'.repeat(50_000));
      req.end();
    });
    assert.equal(chunked.status, 413);
    assert.match(chunked.body, /larger than 512000 bytes/);
  });

  it('counts requests by route and status in /metrics, as Fastify does', async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /sluice_http_request_duration_seconds_count\{route="\/v1\/track",status="200"\} [1-9]/);
    assert.match(metrics, /sluice_http_request_duration_seconds_count\{route="\/v1\/batch",status="413"\} [1-9]/);
    assert.match(metrics, /sluice_events_rejected_total\{reason="batch_too_large"\} [1-9]/);
  });
});
