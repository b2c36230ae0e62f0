// Delivery end to end: a real `sluice start` with destinations declared in a config file, local HTTP servers that
// behave like the destinations' APIs, and the real CLI for dead letters and replay.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ServerProcess, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const KEY = 'delivery-test-key-1';
const AUTH = basicAuth(KEY);

interface Received {
  path: string;
  body: unknown;
  at: number;
}

/** A destination API on a fixed port; `answer` decides each reply. Restartable on the same port. */
class FakeDestination {
  received: Received[] = [];
  server: Server | null = null;
  constructor(
    public port: number,
    public answer: (body: unknown) => { status: number; body?: unknown } = () => ({ status: 200, body: { code: 200 } }),
  ) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown;
        const reply = this.answer(body);
        if (reply.status < 300) this.received.push({ path: req.url ?? '', body, at: Date.now() });
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body ?? {}));
      });
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }
  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
    this.server = null;
  }
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startWith(yaml: string, env: Record<string, string> = {}, dataDir?: string): Promise<ServerProcess & { configPath: string }> {
  const dir = tempDataDir();
  const configPath = join(dir, 'sluice.yaml');
  writeFileSync(configPath, yaml);
  const server = await startServer({ dataDir: dataDir ?? join(dir, 'data'), args: ['--config', configPath], env: { SLUICE_ADMIN_TOKEN: 'admin-token-for-tests-0001', ...env } });
  return Object.assign(server, { configPath });
}

async function track(url: string, messageId: string, event = 'Order Completed', properties: object = {}): Promise<void> {
  const res = await fetch(`${url}/v1/track`, { method: 'POST', headers: { authorization: AUTH }, body: JSON.stringify({ messageId, userId: 'user-1', event, properties }) });
  assert.equal(res.status, 200, await res.text());
}

async function cli(server: ServerProcess, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args, '--url', server.url, '--token', 'admin-token-for-tests-0001']);
  return stdout;
}

const RETRY_FAST = 'retry: { initial_backoff_ms: 50, max_backoff_ms: 300, max_attempts: 1000 }';

test('the seed’s Amplitude connector config, almost verbatim, sends what Amplitude expects', async (t) => {
  const amplitude = await new FakeDestination(0).start();
  t.after(() => amplitude.stop());
  const example = readFileSync(new URL('../../examples/amplitude-connector.yaml', import.meta.url), 'utf8').replace('https://api2.amplitude.com/2/httpapi', `${amplitude.url}/2/httpapi`);
  const server = await startWith(example, { SERVICE_WRITE_KEY: KEY, AMPLITUDE_API_TOKEN: 'amp-secret-token' });
  t.after(() => server.stop());

  const res = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({
      specversion: '1.0',
      id: 'evt-1',
      source: '/billing',
      type: 'service.event',
      data: { event: { user_id: 'user-42', event_type: 'Invoice Paid', event_properties: { amount: 30 } }, timestamp: 1700000000 },
    }),
  });
  assert.equal(res.status, 200, await res.text());
  await until('Amplitude received the event', () => amplitude.received.length === 1);
  assert.equal(amplitude.received[0]!.path, '/2/httpapi');
  assert.deepEqual(amplitude.received[0]!.body, {
    events: [{ user_id: 'user-42', event_type: 'Invoice Paid', event_properties: { amount: 30 } }],
    api_key: 'amp-secret-token',
  });
  assert.ok(!server.output().includes('amp-secret-token'), 'the secret is never logged');
});

test('a destination that is down receives every event once it is back; another destination is not slowed', async (t) => {
  const downPort = await freePort();
  const flaky = new FakeDestination(downPort);
  const fast = await new FakeDestination(0).start();
  t.after(() => Promise.all([flaky.stop(), fast.stop()]));
  const server = await startWith(`
sources: [{ name: app, write_keys: [${KEY}] }]
destinations:
  - { name: flaky, type: webhook, url: "${flaky.url}/hook", batch_format: json_array, ${RETRY_FAST}, batch: { max_wait_ms: 20 } }
  - { name: fast, type: webhook, url: "${fast.url}/hook", batch_format: json_array, batch: { max_wait_ms: 20 } }
`);
  t.after(() => server.stop());

  const ids = Array.from({ length: 60 }, (_, i) => `down-${i}`);
  const sentAt = Date.now();
  for (const id of ids) await track(server.url, id);
  await until('the fast destination has everything', () => fast.received.flatMap((r) => r.body as { messageId: string }[]).length === 60);
  assert.ok(Date.now() - sentAt < 10_000, 'the fast destination was not held up by the one that is down');

  const status = JSON.parse(await cli(server, 'destinations', 'list', '--json')) as { destinations: { name: string; retrying: number; lastError: { reason: string } | null }[] };
  const flakyStatus = status.destinations.find((d) => d.name === 'flaky')!;
  assert.ok(flakyStatus.retrying > 0, 'events wait for a retry while the destination is down');
  assert.match(flakyStatus.lastError!.reason, /network error|ECONNREFUSED|fetch failed/);

  await flaky.start();
  await until('the flaky destination caught up', () => new Set(flaky.received.flatMap((r) => (r.body as { messageId: string }[]).map((e) => e.messageId))).size === 60);
  await until('nothing left to retry', async () => {
    const s = JSON.parse(await cli(server, 'destinations', 'list', '--json')) as { destinations: { name: string; retrying: number; lag: number }[] };
    const f = s.destinations.find((d) => d.name === 'flaky')!;
    return f.retrying === 0 && f.lag === 0;
  });
  const delivered = flaky.received.flatMap((r) => (r.body as { messageId: string }[]).map((e) => e.messageId));
  assert.deepEqual([...new Set(delivered)].sort(), [...ids].sort(), 'every event arrived');
  assert.equal(delivered.length, 60, 'none arrived twice');
});

test('a poisoned event is dead-lettered with its reason, and replaying it after the config is fixed delivers it', async (t) => {
  const api = await new FakeDestination(0, (body) => {
    const events = body as { properties?: { plan?: string } }[];
    return events.some((e) => e.properties?.plan === undefined) ? { status: 400, body: { error: 'plan is required' } } : { status: 200 };
  }).start();
  t.after(() => api.stop());
  const dataDir = join(tempDataDir(), 'data');
  const destination = (transforms: string): string => `
sources: [{ name: app, write_keys: [${KEY}] }]
destinations:
  - name: crm
    type: webhook
    url: "${api.url}/events"
    batch_format: json_array
    batch: { max_events: 1, max_wait_ms: 10 }
    ${RETRY_FAST}
    transforms: ${transforms}
`;
  // The first config forgets to default the plan: an event without one is refused by the API (400: permanent).
  let server = await startWith(destination('[]'), {}, dataDir);
  await track(server.url, 'good-1', 'Upgraded', { plan: 'pro' });
  await track(server.url, 'poison-1', 'Upgraded', {});
  await until('one delivered', () => api.received.length === 1);
  const listed = await cli(server, 'destinations', 'dead-letters', 'crm');
  assert.match(listed, /1 dead letter/);
  assert.match(listed, /poison-1/);
  assert.match(listed, /answered 400/);
  const dl = (await (await fetch(`${server.url}/api/v1/destinations/crm/dead-letters`, { headers: { authorization: 'Bearer admin-token-for-tests-0001' } })).json()) as {
    dead_letters: { detail: { request: { url: string }; response: { status: number; body: string } } }[];
  };
  assert.equal(dl.dead_letters[0]!.detail.response.status, 400, 'the response is kept with the dead letter');
  assert.match(dl.dead_letters[0]!.detail.response.body, /plan is required/);
  assert.equal(dl.dead_letters[0]!.detail.request.url, `${api.url}/events`);
  await server.stop();

  // Fixed config: default the plan. Replaying the dead letter now delivers it.
  server = await startWith(destination('[{ uses: jolt, with: { spec: [{ operation: default, spec: { properties: { plan: free } } }] } }]'), {}, dataDir);
  t.after(() => server.stop());
  assert.match(await cli(server, 'destinations', 'replay-dead-letters', 'crm'), /replayed 1, failed 0, 0 dead letter\(s\) remain/);
  assert.equal(api.received.length, 2);
  assert.deepEqual((api.received[1]!.body as { messageId: string; properties: object }[]).map((e) => [e.messageId, e.properties]), [['poison-1', { plan: 'free' }]]);
});

test('pause and resume through the CLI; replay history from a time with a progress bar', async (t) => {
  const api = await new FakeDestination(0).start();
  t.after(() => api.stop());
  const server = await startWith(`
sources: [{ name: app, write_keys: [${KEY}] }]
destinations:
  - { name: hook, type: http, url: "${api.url}/in", batch_format: json_array, batch: { max_wait_ms: 10 } }
`);
  t.after(() => server.stop());
  const count = (): number => api.received.length;

  await track(server.url, 'before-pause');
  await until('delivered', () => count() === 1);
  assert.match(await cli(server, 'destinations', 'pause', 'hook'), /hook: paused/);
  await track(server.url, 'while-paused');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(count(), 1, 'nothing is delivered while paused');
  assert.match(await cli(server, 'destinations', 'list'), /hook\s+http\s+paused/);
  assert.match(await cli(server, 'destinations', 'resume', 'hook'), /hook: running/);
  await until('delivered after resume', () => count() === 2);

  const replay = await cli(server, 'destinations', 'replay', 'hook', '--from', '1h');
  assert.match(replay, /replaying hook from position 0 to 2/);
  assert.match(replay, /replay done/);
  const ids = (): string[] => api.received.flatMap((r) => (r.body as { messageId: string }[]).map((e) => e.messageId));
  await until('history delivered again', () => ids().length === 4);
  assert.deepEqual(ids().slice(2).sort(), ['before-pause', 'while-paused']);
});
