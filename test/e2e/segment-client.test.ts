// The real @segment/analytics-node client, pointed at a real `sluice start`: every call lands in the log exactly
// once, normalized as Segment would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Analytics } from '@segment/analytics-node';
import { allEvents, type ServerProcess, startServer, basicAuth } from '../helpers/server-process.js';

let server: ServerProcess;

before(async () => {
  server = await startServer();
});
after(async () => {
  assert.equal(await server.stop(), 0, `graceful stop exits 0; output:\n${server.output()}`);
});

test('identify, track, page, screen, group and alias from analytics-node are each stored once, normalized', async () => {
  const analytics = new Analytics({ writeKey: server.writeKey, host: server.url, flushAt: 6, flushInterval: 50 });
  const errors: unknown[] = [];
  analytics.on('error', (err) => errors.push(err));
  const sent = new Date(Date.now() - 1000);

  analytics.identify({ messageId: 'e2e-identify', userId: 'user-1', traits: { email: 'ada@example.com', plan: 'pro' }, timestamp: sent });
  analytics.track({ messageId: 'e2e-track', userId: 'user-1', event: 'Order Completed', properties: { revenue: 42.5, currency: 'EUR' }, timestamp: sent });
  analytics.page({ messageId: 'e2e-page', anonymousId: 'anon-1', name: 'Pricing', properties: { path: '/pricing' } });
  analytics.screen({ messageId: 'e2e-screen', userId: 'user-1', name: 'Home' });
  analytics.group({ messageId: 'e2e-group', userId: 'user-1', groupId: 'acme', traits: { employees: 12 } });
  analytics.alias({ messageId: 'e2e-alias', userId: 'user-1', previousId: 'anon-1' });
  await analytics.closeAndFlush({ timeout: 10_000 });
  assert.deepEqual(errors, []);

  const events = await allEvents(server);
  const byId = new Map(events.map((e) => [e.event.messageId as string, e]));
  for (const id of ['e2e-identify', 'e2e-track', 'e2e-page', 'e2e-screen', 'e2e-group', 'e2e-alias']) {
    assert.equal(events.filter((e) => e.event.messageId === id).length, 1, `${id} is stored exactly once`);
  }
  const track = byId.get('e2e-track')!;
  assert.equal(track.source, 'default');
  assert.equal(track.event.type, 'track');
  assert.equal(track.event.event, 'Order Completed');
  assert.equal(track.event.userId, 'user-1');
  assert.deepEqual(track.event.properties, { revenue: 42.5, currency: 'EUR' });
  const context = track.event.context as Record<string, unknown>;
  assert.equal((context.library as { name: string }).name, '@segment/analytics-node');
  assert.equal(context.ip, '127.0.0.1');
  assert.equal(track.event.originalTimestamp, sent.toISOString());
  assert.equal(typeof track.event.sentAt, 'string', 'sentAt from the batch envelope is kept');
  const receivedAt = Date.parse(track.event.receivedAt as string);
  const timestamp = Date.parse(track.event.timestamp as string);
  const expected = receivedAt - (Date.parse(track.event.sentAt as string) - sent.getTime());
  assert.equal(timestamp, Math.min(expected, receivedAt), 'timestamp = receivedAt − (sentAt − originalTimestamp)');

  assert.deepEqual(byId.get('e2e-identify')!.event.traits, { email: 'ada@example.com', plan: 'pro' });
  assert.equal(byId.get('e2e-page')!.event.anonymousId, 'anon-1');
  assert.equal(byId.get('e2e-page')!.event.name, 'Pricing');
  assert.equal(byId.get('e2e-screen')!.event.type, 'screen');
  assert.equal(byId.get('e2e-group')!.event.groupId, 'acme');
  assert.equal(byId.get('e2e-alias')!.event.previousId, 'anon-1');
});

test('a batch retried by a client is stored once', async () => {
  const body = JSON.stringify({
    batch: [
      { type: 'track', messageId: 'retry-1', userId: 'u', event: 'Retried' },
      { type: 'track', messageId: 'retry-2', userId: 'u', event: 'Retried' },
    ],
    sentAt: new Date().toISOString(),
  });
  const auth = basicAuth(server.writeKey);
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { success: true });
  }
  const stored = (await allEvents(server)).filter((e) => e.event.event === 'Retried');
  assert.deepEqual(stored.map((e) => e.event.messageId).sort(), ['retry-1', 'retry-2']);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /sluice_events_duplicate_total\{source="default"\} 4/);
});

test('analytics.js short paths, writeKey in a text/plain body, and Rudder’s AnonymousId header', async () => {
  const res = await fetch(`${server.url}/v1/t`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', anonymousid: Buffer.from('rudder-anon').toString('base64') },
    body: JSON.stringify({ writeKey: server.writeKey, messageId: 'short-t', event: 'Clicked' }),
  });
  assert.equal(res.status, 200);
  const q = await fetch(`${server.url}/v1/p?writeKey=${server.writeKey}`, { method: 'POST', body: JSON.stringify({ messageId: 'short-p', userId: 'q' }) });
  assert.equal(q.status, 200);
  const events = await allEvents(server);
  const t = events.find((e) => e.event.messageId === 'short-t')!;
  assert.equal(t.event.anonymousId, 'rudder-anon');
  assert.equal(t.event.type, 'track');
  assert.equal(t.event.writeKey, undefined, 'the write key is never stored');
  assert.equal(events.find((e) => e.event.messageId === 'short-p')!.event.type, 'page');
});

test('CORS preflight and the analytics.js settings document', async () => {
  const pre = await fetch(`${server.url}/v1/batch`, {
    method: 'OPTIONS',
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, anonymousid' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'https://shop.example');
  for (const h of ['authorization', 'content-type', 'x-retry-count', 'anonymousid', 'sentat']) {
    assert.ok(pre.headers.get('access-control-allow-headers')!.includes(h), `${h} is allowed`);
  }
  const settings = await fetch(`${server.url}/v1/projects/${server.writeKey}/settings`);
  assert.equal(settings.status, 200);
  const doc = (await settings.json()) as { integrations: Record<string, { apiHost: string; protocol: string; apiKey: string }>; metrics: { sampleRate: number } };
  const seg = doc.integrations['Segment.io']!;
  assert.equal(seg.apiHost, `${new URL(server.url).host}/v1`);
  assert.equal(seg.protocol, 'http');
  assert.equal(seg.apiKey, server.writeKey);
  assert.equal(doc.metrics.sampleRate, 0);
  assert.equal((await fetch(`${server.url}/v1/projects/nope-nope-nope/settings`)).status, 401);
});
