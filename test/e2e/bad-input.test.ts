// Hostile and broken requests against a real server: each gets its 4xx naming what is wrong, nothing of it is
// stored, the refusal is counted and kept in the reject log, and the server keeps serving.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
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

interface ErrorBody {
  success: boolean;
  error: { code: string; message: string; field?: string; index?: number };
  rejected?: { index: number; code: string; field: string | null; message: string }[];
}

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: ErrorBody }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as ErrorBody };
}

const CASES: { name: string; path: string; body: () => string | Buffer; headers?: Record<string, string>; status: number; code: string; field?: string; index?: number; says: RegExp }[] = [
  { name: 'invalid JSON', path: '/v1/track', body: () => '{"userId": "u", ', status: 400, code: 'invalid_json', says: /not valid JSON/ },
  { name: 'empty body', path: '/v1/track', body: () => '', status: 400, code: 'invalid_json', says: /empty/ },
  { name: 'an array as body', path: '/v1/track', body: () => '[{"userId":"u","event":"E"}]', status: 400, code: 'invalid_body', says: /JSON object, got an array/ },
  { name: 'a string as body', path: '/v1/track', body: () => '"hello"', status: 400, code: 'invalid_body', says: /JSON object, got string/ },
  { name: 'an array as batch body', path: '/v1/batch', body: () => '[]', status: 400, code: 'invalid_body', says: /batch array, got an array/ },
  { name: 'track without event', path: '/v1/track', body: () => '{"userId":"u"}', status: 400, code: 'missing_field', field: 'event', says: /event is required for track/ },
  { name: 'identify without any id', path: '/v1/identify', body: () => '{"traits":{"a":1}}', status: 400, code: 'missing_field', field: 'userId', says: /userId or anonymousId is required/ },
  { name: 'group without groupId', path: '/v1/group', body: () => '{"userId":"u"}', status: 400, code: 'missing_field', field: 'groupId', says: /groupId is required/ },
  { name: 'alias without previousId', path: '/v1/alias', body: () => '{"userId":"u"}', status: 400, code: 'missing_field', field: 'previousId', says: /previousId is required/ },
  { name: 'alias without userId', path: '/v1/alias', body: () => '{"previousId":"p","anonymousId":"a"}', status: 400, code: 'missing_field', field: 'userId', says: /userId is required for alias/ },
  { name: 'event: 42', path: '/v1/track', body: () => '{"userId":"u","event":42}', status: 400, code: 'invalid_field', field: 'event', says: /event must be a string, got number 42/ },
  { name: 'properties as a string', path: '/v1/track', body: () => '{"userId":"u","event":"E","properties":"x"}', status: 400, code: 'invalid_field', field: 'properties', says: /properties must be an object/ },
  { name: 'a bad timestamp', path: '/v1/track', body: () => '{"userId":"u","event":"E","timestamp":"yesterday"}', status: 400, code: 'invalid_field', field: 'timestamp', says: /ISO 8601/ },
  { name: 'a 40 KB message', path: '/v1/track', body: () => JSON.stringify({ userId: 'u', event: 'E', properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, 'x'.repeat(4000)])) }), status: 400, code: 'message_too_large', says: /limit is 32768/ },
  { name: 'a 600 KB batch', path: '/v1/batch', body: () => JSON.stringify({ batch: Array.from({ length: 200 }, () => ({ type: 'track', userId: 'u', event: 'E', properties: { s: 'x'.repeat(3000) } })) }), status: 413, code: 'batch_too_large', says: /larger than 512000 bytes/ },
  { name: '2,501 items', path: '/v1/batch', body: () => JSON.stringify({ batch: Array.from({ length: 2501 }, () => ({ type: 'track', userId: 'u', event: 'E' })) }), status: 400, code: 'too_many_items', field: 'batch', says: /2501 items; the limit is 2500/ },
  { name: 'an empty batch', path: '/v1/batch', body: () => '{"batch":[]}', status: 400, code: 'empty_batch', says: /empty/ },
  { name: '10,000-deep nesting', path: '/v1/track', body: () => `{"userId":"u","event":"E","properties":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`, status: 400, code: 'too_deep', says: /deeper than 32 levels/ },
  { name: 'a 20 KB string', path: '/v1/track', body: () => JSON.stringify({ userId: 'u', event: 'E', properties: { s: 'y'.repeat(20_000) } }), status: 400, code: 'string_too_long', says: /limit is 8192/ },
  { name: 'a gzip bomb (50 MB of zeros)', path: '/v1/batch', body: () => gzipSync(Buffer.alloc(50 * 1024 * 1024)), headers: { 'content-encoding': 'gzip' }, status: 413, code: 'batch_too_large', says: /after gzip decoding/ },
  { name: 'corrupt gzip', path: '/v1/track', body: () => Buffer.from('this is not gzip at all'), headers: { 'content-encoding': 'gzip' }, status: 400, code: 'invalid_encoding', says: /gzip/ },
  { name: 'an unknown Content-Encoding', path: '/v1/track', body: () => '{}', headers: { 'content-encoding': 'br' }, status: 400, code: 'invalid_encoding', says: /not supported/ },
  { name: 'an unknown write key', path: '/v1/track', body: () => '{"userId":"u","event":"E"}', headers: { authorization: basicAuth('not-a-key-at-all') }, status: 401, code: 'unauthorized', says: /unknown write key not-…/ },
  { name: 'no write key', path: '/v1/track', body: () => '{"userId":"u","event":"E"}', headers: { authorization: '' }, status: 401, code: 'unauthorized', says: /no write key/ },
];

for (const c of CASES) {
  test(`${c.name} → ${c.status} ${c.code}`, async () => {
    const started = performance.now();
    const res = await post(c.path, c.body(), c.headers);
    assert.equal(res.status, c.status, JSON.stringify(res.body));
    assert.equal(res.body.success, false);
    assert.equal(res.body.error.code, c.code);
    assert.match(res.body.error.message, c.says);
    if (c.field !== undefined) assert.equal(res.body.error.field, c.field);
    // Not a timing assertion on speed, a guard against the event loop being held for seconds by hostile input.
    assert.ok(performance.now() - started < 10_000);
  });
}

test('a batch whose items are all bad is refused with each item’s index and field', async () => {
  const res = await post('/v1/batch', JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 42 }, { type: 'teleport', userId: 'u' }, 'x', { type: 'group', userId: 'u' }] }));
  assert.equal(res.status, 400);
  assert.deepEqual(
    res.body.rejected!.map((r) => [r.index, r.code, r.field]),
    [
      [0, 'invalid_field', 'event'],
      [1, 'invalid_field', 'type'],
      [2, 'invalid_body', null],
      [3, 'missing_field', 'groupId'],
    ],
  );
});

test('nothing of the bad input was stored, every refusal is counted and in the reject log, and the server still serves', async () => {
  assert.deepEqual(await allEvents(server), []);

  // The reject log is written after the response (it never delays one): read it until it has caught up.
  let log: { code: string; index: number | null }[] = [];
  for (let tries = 0; tries < 100; tries++) {
    const rejects = await fetch(`${server.url}/api/v1/rejects?limit=1000`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    assert.equal(rejects.status, 200);
    log = ((await rejects.json()) as { rejects: { code: string; index: number | null }[] }).rejects;
    if (CASES.every((c) => log.some((r) => r.code === c.code))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const c of CASES) assert.ok(log.some((r) => r.code === c.code), `reject log holds a ${c.code}`);
  assert.ok(log.some((r) => r.code === 'invalid_field' && r.index === 1), 'batch items are logged with their index');

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /sluice_events_rejected_total\{reason="too_deep"\} 1/);
  assert.match(metrics, /sluice_events_rejected_total\{reason="unauthorized"\} 2/);

  const ok = await post('/v1/track', JSON.stringify({ userId: 'u', event: 'Still Alive', messageId: 'alive' }));
  assert.equal(ok.status, 200);
  const events = await allEvents(server);
  assert.deepEqual(events.map((e) => e.event.messageId), ['alive']);
});

test('a batch with some bad items stores the good ones and lists the rejected', async () => {
  const res = await post('/v1/batch', JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'Good', messageId: 'good-1' }, { type: 'track', userId: 'u' }, { type: 'identify', userId: 'u', messageId: 'good-2' }] }));
  assert.equal(res.status, 200);
  assert.deepEqual(res.body as unknown, { success: true, accepted: 2, rejected: [{ index: 1, code: 'missing_field', field: 'event', message: 'item 1: event is required for track calls' }] });
  const ids = (await allEvents(server)).map((e) => e.event.messageId);
  assert.ok(ids.includes('good-1') && ids.includes('good-2'));
});

test('the admin API refuses a missing or wrong token', async () => {
  assert.equal((await fetch(`${server.url}/api/v1/rejects`)).status, 401);
  assert.equal((await fetch(`${server.url}/api/v1/rejects`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
});
