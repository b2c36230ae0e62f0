// The reject log is trimmed to log.keep_rejects with log.backend: nats too. The rejects live in the embedded SQLite
// database whichever backend holds the log, so the retention pass must trim them even though the log's own prune is
// the stream's. A real server (in this process, on a stream of its own on the shared NATS server) refuses calls, then
// runs the retention pass the server runs every 10 minutes; GET /api/v1/rejects shows the kept count.
// Without NATS this is skipped loudly (failed in CI).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { startSluice } from '../../src/app/start.js';
import { until } from '../helpers/configured-server.js';
import { deleteNatsStreams, NATS_URL, natsSkip, uniqueStream } from '../helpers/nats.js';
import { tempDataDir } from '../helpers/server-process.js';

const KEY = 'nats-rejects-write-key';
const ADMIN = 'admin-token-for-tests-0001';
const KEEP = 3;
const skip = await natsSkip();

describe('the reject log with log.backend: nats', () => {
  it(`keeps the newest ${KEEP} rejects (log.keep_rejects) after the retention pass`, skip, async (t) => {
    const stream = uniqueStream('SLUICE_E2E_REJ');
    t.after(() => deleteNatsStreams(stream));
    const dir = tempDataDir('sluice-nats-rejects-');
    const configPath = join(dir, 'sluice.yaml');
    writeFileSync(configPath, `admin_token: ${ADMIN}
sources: [{ name: app, write_keys: [${KEY}] }]
log: { backend: nats, keep_rejects: ${KEEP}, nats: { url: "${NATS_URL}", stream: ${stream} } }
`);
    const sluice = await startSluice({ configPath, dataDir: join(dir, 'data'), port: 0, host: '127.0.0.1', announce: () => {}, logger: pino({ level: 'silent' }) });
    t.after(() => sluice.close());

    const rejects = async (): Promise<string[]> => {
      const res = await fetch(`${sluice.url}/api/v1/rejects?limit=1000`, { headers: { authorization: `Bearer ${ADMIN}` } });
      assert.equal(res.status, 200);
      return ((await res.json()) as { rejects: { message: string }[] }).rejects.map((r) => r.message);
    };
    // Track calls without an event name: each is refused (400) and kept in the reject log.
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${sluice.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeKey: KEY, userId: `u-${i}` }) });
      assert.equal(res.status, 400);
    }
    await until('the eight refusals are in the reject log', rejects, (r) => r.length === 8);

    await sluice.prune();
    assert.equal((await rejects()).length, KEEP, 'the retention pass trims the reject log to log.keep_rejects');
  });
});
