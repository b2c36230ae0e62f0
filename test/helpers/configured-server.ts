// A real `sluice start` with a given sluice.yaml and a fixed admin token, plus the admin-API and polling helpers the
// identity and privacy tests share.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ServerProcess, startServer, tempDataDir } from './server-process.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0001';
export const WRITE_KEY = 'identity-test-write-key';

export async function startConfigured(yaml: string): Promise<ServerProcess> {
  const dir = tempDataDir('sluice-identity-');
  const configPath = join(dir, 'sluice.yaml');
  writeFileSync(configPath, `sources:\n  - { name: web, write_keys: [${WRITE_KEY}] }\n${yaml}`);
  const server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', configPath], env: { SLUICE_ADMIN_TOKEN: ADMIN_TOKEN } });
  return Object.assign(server, { writeKey: WRITE_KEY, adminToken: ADMIN_TOKEN });
}

/** Stops the server and starts it again on the same data dir and config, as an operator's restart would. */
export async function restartConfigured(server: ServerProcess): Promise<ServerProcess> {
  assert.equal(await server.stop(), 0, `graceful stop exits 0; output:\n${server.output()}`);
  return startConfiguredAgain(server.dataDir);
}

/** Starts a server again on the data dir (and its config) of one started by startConfigured and stopped since. */
export async function startConfiguredAgain(dataDir: string): Promise<ServerProcess> {
  const again = await startServer({ dataDir, args: ['--config', join(dirname(dataDir), 'sluice.yaml')], env: { SLUICE_ADMIN_TOKEN: ADMIN_TOKEN } });
  return Object.assign(again, { writeKey: WRITE_KEY, adminToken: ADMIN_TOKEN });
}

/** An admin API call: status and parsed body. */
export async function admin<T = Record<string, unknown>>(server: ServerProcess, path: string, method = 'GET'): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${server.adminToken}` } });
  return { status: res.status, body: (await res.json()) as T };
}

/** What the browser tracker (web/tracker/transport.ts) sends: a text/plain batch with the write key in the body. */
export async function browserBatch(server: ServerProcess, batch: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${server.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ batch: batch.map((m) => ({ ...m, context: { library: { name: 'sluice-tracker' } } })), sentAt: new Date().toISOString(), writeKey: server.writeKey }),
  });
  assert.equal(res.status, 200, await res.text());
}

export async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ProfileBody {
  profile: { id: string; user_ids: string[]; anonymous_ids: string[]; traits: Record<string, unknown>; first_seen: string; last_seen: string };
  events: { seq: number; event: { messageId: string } }[];
  stitched_through: number;
  lag: number | null;
}

/** The profile once the identity consumer has stitched everything appended so far. */
export async function settledProfile(server: ServerProcess, id: string): Promise<{ status: number; body: ProfileBody }> {
  const head = (await admin<{ headSeq: number }>(server, '/api/v1/log')).body.headSeq;
  return until(
    `the profile of ${id} is stitched through ${head}`,
    () => admin<ProfileBody>(server, `/api/v1/profiles/${encodeURIComponent(id)}`),
    (r) => r.status === 200 && r.body.stitched_through >= head,
  );
}
