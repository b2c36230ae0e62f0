// Sluice with `store: postgres`, end to end through a real `sluice start`: events sent are counted in PostgreSQL and
// answered by the query API, refusals land in its reject log, /readyz reports the store; and when PostgreSQL
// restarts under it, ingest goes on, the store shows not ready, and the rollups retry and catch up, counting each
// event once.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import { dropSchema, PG_URL, postgresSkipReason, randomSchemaName } from '../helpers/postgres.js';
import { type ServerProcess, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

const skip = await postgresSkipReason();
const TOKEN = 'postgres-e2e-admin-token-1';
const KEY = 'postgres-e2e-write-key';
const RANGE = 'since=2025-03-01T00:00:00Z&until=2025-03-02T00:00:00Z&interval=day';

function serverWith(databaseUrl: string, schema: string): () => Promise<ServerProcess> {
  const dir = tempDataDir('sluice-pg-e2e-');
  const configPath = join(dir, 'sluice.yaml');
  writeFileSync(configPath, `sources:\n  - { name: web, write_keys: [${KEY}] }\nstore:\n  backend: postgres\n  schema: ${schema}\nrollups:\n  max_batch_events: 50\n`);
  return () => startServer({ dataDir: join(dir, 'data'), args: ['--config', configPath], env: { SLUICE_ADMIN_TOKEN: TOKEN, DATABASE_URL: databaseUrl } });
}

async function send(server: ServerProcess, from: number, n: number): Promise<void> {
  const batch = Array.from({ length: n }, (_, i) => ({
    type: 'track',
    messageId: `pg-e2e-${from + i}`,
    userId: `user-${(from + i) % 10}`,
    event: 'Signed Up',
    timestamp: `2025-03-01T${String((from + i) % 24).padStart(2, '0')}:15:00Z`,
  }));
  const res = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { authorization: basicAuth(KEY) }, body: JSON.stringify({ batch }) });
  assert.equal(res.status, 200, await res.text());
}

async function get(server: ServerProcess, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Waits until the query API counts `n` sign-ups, and the rollups have read the whole log. */
async function countReaches(server: ServerProcess, n: number, withinMs = 30_000): Promise<void> {
  const end = Date.now() + withinMs;
  let last: unknown;
  for (;;) {
    const count = await get(server, `/api/v1/query/count?event=Signed%20Up&${RANGE}`);
    const status = await get(server, '/api/v1/query/status');
    last = { count: count.body, status: status.body };
    if (count.status === 200 && count.body.total === n && status.body.lag === 0) return;
    if (Date.now() > end) assert.fail(`the count did not reach ${n}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, withinMs = 20_000): Promise<void> {
  const end = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('store: postgres, end to end', { skip }, () => {
  it('counts events in PostgreSQL, answers queries from it, keeps rejects there, and reports it in /readyz', async (t) => {
    const schema = randomSchemaName('sluice_e2e');
    const start = serverWith(PG_URL, schema);
    let server = await start();
    t.after(async () => {
      await server.kill();
      await dropSchema(schema);
    });
    const ready = await get(server, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual((ready.body.backends as Record<string, unknown>).store, { type: 'postgres', ready: true });

    await send(server, 0, 120);
    await countReaches(server, 120);
    const bad = await fetch(`${server.url}/v1/track`, { method: 'POST', headers: { authorization: basicAuth(KEY) }, body: JSON.stringify({ userId: 'u' }) });
    assert.equal(bad.status, 400);
    await waitFor('the reject to be listed', async () => ((await get(server, '/api/v1/rejects?source=web')).body.rejects as unknown[]).length === 1);

    // The rows are PostgreSQL's, in the configured schema, not the embedded database's.
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    t.after(() => client.end());
    const sum = await client.query(`SELECT SUM(n)::int AS n FROM "${schema}".rollup_counters WHERE metric = 'events'`);
    assert.equal(sum.rows[0].n, 120);
    assert.equal((await client.query(`SELECT COUNT(*)::int AS n FROM "${schema}".rejects`)).rows[0].n, 1);

    // A restart picks up where it was: the same store, nothing counted twice.
    assert.equal(await server.stop(), 0);
    server = await start();
    await send(server, 120, 30);
    await countReaches(server, 150);
  });

  it('PostgreSQL restarts under a running server: ingest goes on, /readyz says the store is down, rollups catch up once', async (t) => {
    const own = await startOwnPostgres();
    t.after(() => own.dispose());
    const server = await serverWith(own.url, 'sluice')();
    t.after(() => server.kill());
    await send(server, 0, 100);
    await countReaches(server, 100);

    own.stop();
    await waitFor('/readyz to report the store down', async () => {
      const r = await get(server, '/readyz');
      return r.status === 503 && (r.body.backends as { store: { ready: boolean } }).store.ready === false;
    });
    await send(server, 100, 100); // the log is embedded: ingest does not need PostgreSQL
    const during = await get(server, `/api/v1/query/count?event=Signed%20Up&${RANGE}`);
    assert.equal(during.status, 503, 'a query while the store is down is retryable, not a server error');
    assert.equal((during.body.error as { code: string }).code, 'storage_unavailable');

    own.start();
    await countReaches(server, 200, 60_000);
    await waitFor('/readyz to report the store up again', async () => (await get(server, '/readyz')).status === 200);
  });
});
