// Admission control as SDKs see it: past the in-flight caps, tracking requests get 429 with Retry-After before their
// body is read; every request answered 200 is stored whole, no request answered 429 is stored at all, and each
// refusal is counted by reason. CloudEvents and webhook requests share the same caps and get the same 429.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { allEvents, startServer, tempDataDir, type ServerProcess, basicAuth } from '../helpers/server-process.js';

const KEY = 'admission-key-1';
const AUTH = basicAuth(KEY);

async function serverWith(server: string): Promise<ServerProcess> {
  const dir = tempDataDir();
  const config = join(dir, 'sluice.yaml');
  // The lag signal is set out of reach: on a shared test machine it would refuse some requests for its own reason.
  writeFileSync(config, `sources:\n  - name: app\n    write_keys: [${KEY}]\nserver:\n  max_event_loop_lag_ms: 60000\n${server}`);
  return startServer({ dataDir: join(dir, 'data'), args: ['--config', config] });
}

function batchBody(prefix: string, n: number): string {
  return JSON.stringify({ batch: Array.from({ length: n }, (_, j) => ({ type: 'track', messageId: `${prefix}-${j}`, userId: 'u', event: 'Admitted', properties: { pad: 'x'.repeat(80) } })) });
}

interface Sent {
  ids: string[];
  res: Response;
}

/** Singles and batches at once; some through the fast path, some (with an Origin, as browsers send) through Fastify. */
async function burst(url: string, n: number): Promise<Sent[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i): Promise<Sent> => {
      const browser: Record<string, string> = i % 3 === 0 ? { origin: 'https://shop.example' } : {};
      if (i % 2 === 0) {
        const id = `single-${i}`;
        const body = JSON.stringify({ messageId: id, userId: 'u', event: 'Admitted' });
        return { ids: [id], res: await fetch(`${url}/v1/track`, { method: 'POST', headers: { authorization: AUTH, ...browser }, body }) };
      }
      const ids = Array.from({ length: 20 }, (_, j) => `batch-${i}-${j}`);
      return { ids, res: await fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: AUTH, ...browser }, body: batchBody(`batch-${i}`, 20) }) };
    }),
  );
}

async function shedCount(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`sluice_requests_shed_total\\{reason="${reason}"\\} (\\d+)`).exec(text);
  return m === null ? 0 : Number(m[1]);
}

async function assertAllOrNothing(server: ServerProcess, sent: Sent[], reason: string): Promise<void> {
  const ok = sent.filter((s) => s.res.status === 200);
  const shed = sent.filter((s) => s.res.status === 429);
  assert.equal(ok.length + shed.length, sent.length, `only 200 and 429: ${sent.map((s) => s.res.status).join(',')}`);
  assert.ok(ok.length > 0 && shed.length > 0, `both accepted (${ok.length}) and shed (${shed.length})`);
  for (const s of shed) {
    assert.equal(s.res.headers.get('retry-after'), '1');
    assert.equal(((await s.res.json()) as { error: { code: string } }).error.code, 'overloaded');
  }
  const stored = (await allEvents({ url: server.url, adminToken: server.adminToken })).map((e) => e.event.messageId as string);
  assert.deepEqual(new Set(stored), new Set(ok.flatMap((s) => s.ids)), 'exactly the events of the 200s are stored');
  assert.equal(stored.length, ok.flatMap((s) => s.ids).length, 'each once');
  assert.equal(await shedCount(server.url, reason), shed.length, `every 429 counted as ${reason}`);
}

/** Sends the first bytes of a tracking call and holds it there: the request is taken on and holds one slot. */
function holdSlot(url: string, messageId: string): { finish(): Promise<number> } {
  const { port } = new URL(url);
  const body = Buffer.from(JSON.stringify({ messageId, userId: 'u', event: 'Slow' }));
  const holder = request({ port, method: 'POST', path: '/v1/track', headers: { authorization: AUTH, 'content-length': body.length } });
  const answer = new Promise<number>((resolve, reject) => holder.on('response', (r) => (r.resume(), resolve(r.statusCode ?? 0))).on('error', reject));
  holder.write(body.subarray(0, 10));
  return {
    finish: () => {
      holder.end(body.subarray(10));
      return answer;
    },
  };
}

test('past max_inflight_requests, requests get 429 with Retry-After; 200s are stored whole, 429s not at all', async () => {
  const server = await serverWith('  max_inflight_requests: 2\n');
  try {
    await assertAllOrNothing(server, await burst(server.url, 150), 'inflight_requests');
    // Once the burst is over, the caps are free again: nothing leaked from the answered or refused requests.
    const after = await fetch(`${server.url}/v1/track`, { method: 'POST', headers: { authorization: AUTH }, body: JSON.stringify({ userId: 'u', event: 'After' }) });
    assert.equal(after.status, 200);
  } finally {
    await server.stop();
  }
});

test('past max_inflight_body_bytes, requests get 429 the same way', async () => {
  // About one 20-item batch (~3 KB) fits; a single call (~90 bytes) fits beside a batch only while bytes remain.
  const server = await serverWith('  max_inflight_body_bytes: 4000\n');
  try {
    await assertAllOrNothing(server, await burst(server.url, 150), 'inflight_bytes');
  } finally {
    await server.stop();
  }
});

test('a refused request is answered before its body is sent, and its body is never stored', async () => {
  const server = await serverWith('  max_inflight_requests: 1\n');
  try {
    const { port } = new URL(server.url);
    // The first request declares a body and sends part of it: it is taken on and holds the only slot.
    const holder = holdSlot(server.url, 'slow-1');
    await new Promise((r) => setTimeout(r, 200));

    // The second declares 400 KB and sends none of it: the 429 comes anyway, without waiting for the body.
    const refused = await new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
      const req = request({ port, method: 'POST', path: '/v1/batch', headers: { authorization: AUTH, 'content-length': 400_000 } });
      req.on('response', (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, retryAfter: r.headers['retry-after'] });
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.deepEqual(refused, { status: 429, retryAfter: '1' });

    assert.equal(await holder.finish(), 200, 'the request that held the slot completes');
    const stored = (await allEvents({ url: server.url, adminToken: server.adminToken })).map((e) => e.event.messageId);
    assert.deepEqual(stored, ['slow-1']);
  } finally {
    await server.stop();
  }
});

test('CloudEvents and webhook requests are shed by the same caps, with the same 429, and stored once taken on', async () => {
  const server = await serverWith('  max_inflight_requests: 1\nwebhooks:\n  - name: forms\n    kind: unsigned\n    allow_unsigned: true\n');
  try {
    const cloudEvent = (id: string): Promise<Response> =>
      fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/cloudevents+json' }, body: JSON.stringify({ specversion: '1.0', id, source: '/billing', type: 'invoice.paid', data: { amount: 30 } }) });
    const webhook = (form: string): Promise<Response> => fetch(`${server.url}/v1/webhooks/forms`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: form });

    const holder = holdSlot(server.url, 'slow-2');
    await new Promise((r) => setTimeout(r, 200));
    for (const res of [await cloudEvent('ce-shed'), await webhook('form=shed')]) {
      assert.equal(res.status, 429, res.url);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'overloaded');
    }
    assert.equal(await shedCount(server.url, 'inflight_requests'), 2, 'both refusals counted with the tracking API’s');

    assert.equal(await holder.finish(), 200);
    assert.equal((await cloudEvent('ce-ok')).status, 200);
    assert.equal((await webhook('form=ok')).status, 200);
    const stored = (await allEvents({ url: server.url, adminToken: server.adminToken })).map((e) => (e.source === 'forms' ? e.event.data : (e.event.messageId ?? e.event.id)));
    assert.deepEqual(stored, ['slow-2', 'ce-ok', 'form=ok'], 'nothing of the refused requests');
  } finally {
    await server.stop();
  }
});

test('a chunked body on a Fastify route counts toward max_inflight_body_bytes as it streams', async () => {
  const server = await serverWith('  max_inflight_body_bytes: 2000\n');
  try {
    const { port } = new URL(server.url);
    const cloudEvent = (id: string, pad: number): string => JSON.stringify({ specversion: '1.0', id, source: '/billing', type: 'invoice.paid', data: { pad: 'x'.repeat(pad) } });
    // No Content-Length: admitted on a declaration of 0 bytes, then 3,000 bytes streamed and held.
    const big = Buffer.from(cloudEvent('ce-big', 3000));
    const holder = request({ port, method: 'POST', path: '/v1/events', headers: { authorization: AUTH, 'content-type': 'application/cloudevents+json', 'transfer-encoding': 'chunked' } });
    const answer = new Promise<number>((resolve, reject) => holder.on('response', (r) => (r.resume(), resolve(r.statusCode ?? 0))).on('error', reject));
    holder.write(big.subarray(0, 3000));
    await new Promise((r) => setTimeout(r, 300));

    const small = cloudEvent('ce-small', 10);
    const post = (): Promise<Response> => fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/cloudevents+json' }, body: small });
    const refused = await post();
    assert.equal(refused.status, 429, 'the streamed bytes hold the cap');
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(await shedCount(server.url, 'inflight_bytes'), 1);

    holder.end(big.subarray(3000));
    assert.equal(await answer, 200, 'the streamed request completes');
    assert.equal((await post()).status, 200, 'its bytes were given back');
    const stored = (await allEvents({ url: server.url, adminToken: server.adminToken })).map((e) => e.event.id);
    assert.deepEqual(stored, ['ce-big', 'ce-small']);
  } finally {
    await server.stop();
  }
});
