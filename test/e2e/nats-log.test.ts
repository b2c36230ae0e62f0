// Sluice on NATS JetStream end to end: real `sluice start` processes with `log.backend: nats` on the shared NATS
// server (a stream of their own, deleted afterwards), the real analytics-node client, and a local webhook receiver.
// Without NATS these are skipped loudly (failed in CI).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Analytics } from '@segment/analytics-node';
import { startFakeApi } from '../helpers/fake-api.js';
import { deleteNatsStreams, NATS_URL, natsSkip, uniqueStream } from '../helpers/nats.js';
import { allEvents, type ServerProcess, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

const KEY = 'nats-e2e-write-key-1';
const ADMIN = 'admin-token-for-tests-0001';
const skip = await natsSkip();

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A `sluice start` with this config, its own data dir, and NATS_URL set. */
async function startOnNats(yaml: string): Promise<ServerProcess> {
  const dir = tempDataDir('sluice-nats-e2e-');
  const configPath = join(dir, 'sluice.yaml');
  writeFileSync(configPath, yaml);
  return startServer({ dataDir: join(dir, 'data'), args: ['--config', configPath], env: { SLUICE_ADMIN_TOKEN: ADMIN, NATS_URL } });
}

describe('log.backend: nats', () => {
  it('analytics-node events are stored in JetStream and delivered to a webhook; /readyz reports nats', skip, async (t) => {
    const stream = uniqueStream('SLUICE_E2E');
    t.after(() => deleteNatsStreams(stream));
    const hook = await startFakeApi(() => ({ status: 200, body: { ok: true } }));
    t.after(() => hook.close());
    const server = await startOnNats(`
sources: [{ name: app, write_keys: [${KEY}] }]
log: { backend: nats, nats: { stream: ${stream} } }
destinations:
  - { name: hook, type: webhook, url: "${hook.url}/hook", batch_format: json_array, batch: { max_wait_ms: 20 } }
`);
    t.after(() => server.stop());

    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ok', role: 'all', backends: { log: { type: 'nats', ready: true }, store: { type: 'sqlite', ready: true } } });

    const analytics = new Analytics({ writeKey: KEY, host: server.url, flushAt: 10, flushInterval: 50 });
    const errors: unknown[] = [];
    analytics.on('error', (err) => errors.push(err));
    const ids = Array.from({ length: 25 }, (_, i) => `nats-e2e-${i}`);
    for (const id of ids) analytics.track({ messageId: id, userId: 'user-1', event: 'Order Completed', properties: { n: id } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    assert.deepEqual(errors, []);

    const stored = await allEvents({ url: server.url, adminToken: ADMIN });
    assert.deepEqual(stored.map((e) => e.event.messageId).sort(), [...ids].sort(), 'each event is in the stream once');

    const delivered = (): string[] => hook.requests.flatMap((r) => (r.json as { messageId: string }[]).map((e) => e.messageId));
    await until('the webhook has every event', () => new Set(delivered()).size === ids.length);
    assert.equal(delivered().length, ids.length, 'none delivered twice');
  });

  it('two processes on one stream share the destination work: every event delivered once', skip, async (t) => {
    const stream = uniqueStream('SLUICE_E2E');
    t.after(() => deleteNatsStreams(stream));
    const hook = await startFakeApi(() => ({ status: 200 }));
    t.after(() => hook.close());
    const yaml = `
sources: [{ name: app, write_keys: [${KEY}] }]
log: { backend: nats, nats: { stream: ${stream} } }
destinations:
  - { name: hook, type: webhook, url: "${hook.url}/hook", batch_format: json_array, batch: { max_events: 5, max_wait_ms: 20 } }
`;
    const a = await startOnNats(yaml);
    t.after(() => a.stop());
    const b = await startOnNats(yaml);
    t.after(() => b.stop());

    const auth = basicAuth(KEY);
    const ids = Array.from({ length: 200 }, (_, i) => `shared-${i}`);
    // Half the traffic to each process, in batches of 10.
    for (let i = 0; i < ids.length; i += 10) {
      const url = (i / 10) % 2 === 0 ? a.url : b.url;
      const batch = ids.slice(i, i + 10).map((messageId) => ({ type: 'track', messageId, userId: 'u', event: 'Shared' }));
      const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
      assert.equal(res.status, 200, await res.text());
    }
    const delivered = (): string[] => hook.requests.flatMap((r) => (r.json as { messageId: string }[]).map((e) => e.messageId));
    await until('the webhook has every event', () => new Set(delivered()).size === ids.length);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate delivery, if any, would arrive now
    assert.equal(delivered().length, ids.length, 'no event was delivered by both processes');
  });

  it('a destination that fails then recovers gets every event once; retries and lag drain to 0', skip, async (t) => {
    const stream = uniqueStream('SLUICE_E2E');
    t.after(() => deleteNatsStreams(stream));
    let failing = true;
    const accepted: string[] = [];
    const hook = await startFakeApi((req) => {
      if (failing) return { status: 503 };
      accepted.push(...(req.json as { messageId: string }[]).map((e) => e.messageId));
      return { status: 200 };
    });
    t.after(() => hook.close());
    const server = await startOnNats(`
sources: [{ name: app, write_keys: [${KEY}] }]
log: { backend: nats, nats: { stream: ${stream} } }
destinations:
  - { name: hook, type: webhook, url: "${hook.url}/hook", batch_format: json_array, retry: { initial_backoff_ms: 50, max_backoff_ms: 300, max_attempts: 1000 }, batch: { max_wait_ms: 20 } }
`);
    t.after(() => server.stop());
    const auth = basicAuth(KEY);
    const ids = Array.from({ length: 30 }, (_, i) => `recover-${i}`);
    const batch = ids.map((messageId) => ({ type: 'track', messageId, userId: 'u', event: 'Recover' }));
    const res = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
    assert.equal(res.status, 200, await res.text());

    const status = async (): Promise<{ retrying: number; lag: number }> => {
      const r = await fetch(`${server.url}/api/v1/destinations/hook`, { headers: { authorization: `Bearer ${ADMIN}` } });
      return (await r.json()) as { retrying: number; lag: number };
    };
    await until('events wait for a retry while the destination fails', async () => (await status()).retrying > 0);
    failing = false;
    await until('nothing left to retry and no lag', async () => {
      const s = await status();
      return s.retrying === 0 && s.lag === 0 && new Set(accepted).size === ids.length;
    });
    assert.deepEqual([...accepted].sort(), [...ids].sort(), 'each event accepted once');
  });
});
