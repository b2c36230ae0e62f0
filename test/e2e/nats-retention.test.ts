// The retention pass with log.backend: nats. The reject log and the identity timeline index live in the embedded
// SQLite database whichever backend holds the log, so the pass must trim them even though the log's own prune is the
// stream's: the rejects to log.keep_rejects, the index below the first position the stream still holds. Real servers
// (in this process, each on a stream of its own on the shared NATS server) run the pass the server runs every 10
// minutes. Without NATS these are skipped loudly (failed in CI).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { type Sluice, startSluice } from '../../src/app/start.js';
import { until } from '../helpers/configured-server.js';
import { deleteNatsStreams, NATS_URL, natsSkip, uniqueStream } from '../helpers/nats.js';
import { tempDataDir } from '../helpers/server-process.js';

const KEY = 'nats-retention-write-key';
const ADMIN = 'admin-token-for-tests-0001';
const KEEP = 3;
const skip = await natsSkip();

/** A server in this process on a stream of its own, with these `log:` settings besides the stream's. */
async function startOnNats(t: TestContext, log: string): Promise<Sluice & { dataDir: string }> {
  const stream = uniqueStream('SLUICE_E2E_RET');
  t.after(() => deleteNatsStreams(stream));
  const dir = tempDataDir('sluice-nats-retention-');
  const configPath = join(dir, 'sluice.yaml');
  writeFileSync(configPath, `admin_token: ${ADMIN}
sources: [{ name: app, write_keys: [${KEY}] }]
log: { backend: nats, ${log}, nats: { url: "${NATS_URL}", stream: ${stream} } }
`);
  const dataDir = join(dir, 'data');
  const sluice = await startSluice({ configPath, dataDir, port: 0, host: '127.0.0.1', announce: () => {}, logger: pino({ level: 'silent' }) });
  t.after(() => sluice.close());
  return Object.assign(sluice, { dataDir });
}

async function get<T>(sluice: Sluice, path: string): Promise<T> {
  const res = await fetch(`${sluice.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

async function post(sluice: Sluice, path: string, body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${sluice.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeKey: KEY, ...body }) });
  return res.status;
}

describe('the retention pass with log.backend: nats', () => {
  it(`keeps the newest ${KEEP} rejects (log.keep_rejects)`, skip, async (t) => {
    const sluice = await startOnNats(t, `keep_rejects: ${KEEP}`);
    const rejects = async (): Promise<unknown[]> => (await get<{ rejects: unknown[] }>(sluice, '/api/v1/rejects?limit=1000')).rejects;
    // Track calls without an event name: each is refused (400) and kept in the reject log.
    for (let i = 0; i < 8; i++) assert.equal(await post(sluice, '/v1/track', { userId: `u-${i}` }), 400);
    await until('the eight refusals are in the reject log', rejects, (r) => r.length === 8);

    await sluice.prune();
    assert.equal((await rejects()).length, KEEP, 'the retention pass trims the reject log to log.keep_rejects');
  });

  it('drops the identity index rows of the events the stream dropped; the profile keeps its young events', skip, async (t) => {
    const sluice = await startOnNats(t, 'retention_hours: 0.0003'); // about a second
    const stitched = async (): Promise<void> => {
      const head = (await get<{ headSeq: number }>(sluice, '/api/v1/log')).headSeq;
      const profile = async (): Promise<{ stitched_through?: number }> => (await fetch(`${sluice.url}/api/v1/profiles/user-ret`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<{ stitched_through?: number }>;
      await until('identity has stitched the log', profile, (p) => (p.stitched_through ?? 0) >= head);
    };
    assert.equal(await post(sluice, '/v1/identify', { anonymousId: 'anon-ret', userId: 'user-ret', messageId: 'old-identify' }), 200);
    assert.equal(await post(sluice, '/v1/track', { userId: 'user-ret', event: 'Old', messageId: 'old-track' }), 200);
    await stitched();
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await post(sluice, '/v1/track', { userId: 'user-ret', event: 'New', messageId: 'new-track' }), 200);
    await stitched();

    // Every consumer must have read past the old events before the stream drops them: a pass may be early.
    const left = async (): Promise<string[]> => {
      await sluice.prune();
      return (await get<{ events: { event: { messageId: string } }[] }>(sluice, '/api/v1/events?after=0&limit=100')).events.map((e) => e.event.messageId);
    };
    await until('the stream dropped the old events', left, (ids) => ids.length === 1);
    const db = new Database(join(sluice.dataDir, 'sluice.db'), { readonly: true });
    const indexed = db.prepare('SELECT DISTINCT seq FROM identity_events ORDER BY seq').pluck().all();
    db.close();
    assert.deepEqual(indexed, [3], 'only the young event is left in the timeline index');
    const p = await get<{ profile: { user_ids: string[]; anonymous_ids: string[] }; events: { event: { messageId: string } }[] }>(sluice, '/api/v1/profiles/anon-ret');
    assert.deepEqual([p.profile.user_ids, p.profile.anonymous_ids], [['user-ret'], ['anon-ret']], 'the profile outlives its old events');
    assert.deepEqual(p.events.map((e) => e.event.messageId), ['new-track']);
  });
});
