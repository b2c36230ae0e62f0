// `sluice start --role`: what an ingest process and a worker each run, as a user sees it through HTTP, and the
// refusal to split roles over the embedded log. The NATS cases use a stream of their own and are skipped loudly
// without NATS (failed in CI).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startFakeApi } from '../helpers/fake-api.js';
import { deleteNatsStreams, NATS_URL, natsSkip, uniqueStream } from '../helpers/nats.js';
import { type ServerProcess, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

const KEY = 'roles-e2e-write-key-1';
const ADMIN = 'admin-token-for-tests-0001';
const AUTH = basicAuth(KEY);
const skip = await natsSkip();

/** A `sluice start --role <role>` with this config and a data dir of its own. */
async function startRole(role: string, yaml: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const dir = tempDataDir('sluice-roles-');
  const configPath = join(dir, 'sluice.yaml');
  writeFileSync(configPath, yaml);
  return startServer({ dataDir: join(dir, 'data'), args: ['--config', configPath, '--role', role], env: { SLUICE_ADMIN_TOKEN: ADMIN, NATS_URL, ...env } });
}

async function track(server: ServerProcess, messageId: string): Promise<Response> {
  return fetch(`${server.url}/v1/track`, { method: 'POST', headers: { authorization: AUTH }, body: JSON.stringify({ messageId, userId: 'u', event: 'Role' }) });
}

describe('sluice start --role', () => {
  it('refuses ingest or worker on the embedded SQLite log, naming the setting to change', async () => {
    for (const role of ['ingest', 'worker']) {
      await assert.rejects(startRole(role, `sources: [{ name: app, write_keys: [${KEY}] }]\n`), (err: Error) => {
        assert.match(err.message, new RegExp(`role: ${role} needs log.backend nats`));
        return true;
      });
    }
  });

  it('SLUICE_ROLE with an unknown role is a config error', async () => {
    await assert.rejects(startServer({ env: { SLUICE_ROLE: 'both' } }), /role: both is not a role \(all, ingest or worker\)/);
  });

  it('an ingest process takes events and delivers none; a worker refuses events and delivers them', skip, async (t) => {
    const stream = uniqueStream('SLUICE_ROLES');
    t.after(() => deleteNatsStreams(stream));
    const hook = await startFakeApi(() => ({ status: 200, body: { ok: true } }));
    t.after(() => hook.close());
    const yaml = `
sources: [{ name: app, write_keys: [${KEY}] }]
log: { backend: nats, nats: { stream: ${stream} } }
destinations:
  - { name: hook, type: webhook, url: "${hook.url}/hook", batch_format: json_array, batch: { max_wait_ms: 20 } }
`;
    const ingest = await startRole('ingest', yaml);
    t.after(() => ingest.stop());
    const ready = (await (await fetch(`${ingest.url}/readyz`)).json()) as { role: string };
    assert.equal(ready.role, 'ingest');
    for (let i = 0; i < 5; i++) assert.equal((await track(ingest, `role-${i}`)).status, 200);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(hook.requests.length, 0, 'an ingest process runs no destination');
    const status = (await (await fetch(`${ingest.url}/api/v1/query/status`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as Record<string, unknown>;
    assert.equal(status.enabled, true, 'rollups are enabled, only not counted here');
    assert.equal(status.counted_here, false);

    const worker = await startRole('worker', yaml);
    t.after(() => worker.stop());
    assert.equal(((await (await fetch(`${worker.url}/readyz`)).json()) as { role: string }).role, 'worker');
    const refused = await track(worker, 'role-refused');
    assert.equal(refused.status, 404);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'not_found');
    assert.match(body.error.message, /role worker, which takes no events; send them to a process with role ingest or all/);

    const end = Date.now() + 30_000;
    const delivered = (): string[] => hook.requests.flatMap((r) => (r.json as { messageId: string }[]).map((e) => e.messageId));
    while (delivered().length < 5) {
      assert.ok(Date.now() < end, `the worker delivered ${delivered().length} of 5 events in 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(delivered().sort(), ['role-0', 'role-1', 'role-2', 'role-3', 'role-4']);
  });
});
