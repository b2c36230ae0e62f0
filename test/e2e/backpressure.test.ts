// What SDKs see when the disk cannot keep up or cannot write: 429 or 503 with Retry-After (they retry), never a
// timeout, never a 200 for an event that is not stored; and the server recovers by itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allEvents, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

function configFile(dir: string, yaml: string): string {
  const path = join(dir, 'sluice.yaml');
  writeFileSync(path, yaml);
  return path;
}

const KEY = 'backpressure-key-1';
const AUTH = basicAuth(KEY);

async function track(url: string, messageId: string, padding = 0): Promise<Response> {
  return fetch(`${url}/v1/track`, {
    method: 'POST',
    headers: { authorization: AUTH },
    body: JSON.stringify({ messageId, userId: 'u', event: 'Pressure', properties: { pad: 'p'.repeat(padding) } }),
  });
}

test('past the queued-bytes cap, requests get 429 with Retry-After and only the 200s are stored', async () => {
  const dir = tempDataDir();
  // A one-byte cap: a request is admitted only when nothing else waits for the disk.
  const config = configFile(dir, `sources:\n  - name: app\n    write_keys: [${KEY}]\nlog:\n  max_queued_bytes: 1\n`);
  const server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', config] });
  try {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => track(server.url, `p-${i}`)));
    const ok = results.filter((r) => r.status === 200);
    const shed = results.filter((r) => r.status === 429);
    assert.equal(ok.length + shed.length, results.length, `only 200 and 429: ${results.map((r) => r.status).join(',')}`);
    assert.ok(ok.length > 0 && shed.length > 0, `both accepted (${ok.length}) and shed (${shed.length})`);
    for (const r of shed) {
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'overloaded');
    }
    const stored = await allEvents({ url: server.url, adminToken: server.adminToken });
    assert.equal(stored.length, ok.length, 'exactly the acknowledged events are stored');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`sluice_events_rejected_total\\{reason="overloaded"\\} ${shed.length}\\b`));
  } finally {
    await server.stop();
  }
});

function tryMountTmpfs(path: string, size: string): boolean {
  try {
    mkdirSync(path, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const canMount = process.getuid?.() === 0;
test(
  'a full disk answers 503 with Retry-After, loses no acknowledged event, and recovers when space returns',
  { skip: canMount ? false : 'needs root to mount a small tmpfs as a full disk' },
  async () => {
    const mnt = join(tempDataDir(), 'tiny');
    assert.ok(tryMountTmpfs(mnt, '2m'), 'mounting a 2 MB tmpfs');
    const config = configFile(tempDataDir(), `sources:\n  - name: app\n    write_keys: [${KEY}]\n`);
    const server = await startServer({ dataDir: mnt, args: ['--config', config] });
    try {
      const acked: string[] = [];
      let unavailable: Response | undefined;
      for (let i = 0; i < 2000 && unavailable === undefined; i++) {
        const res = await track(server.url, `full-${i}`, 4000);
        if (res.status === 200) acked.push(`full-${i}`);
        else if (res.status === 503) unavailable = res;
        else assert.fail(`unexpected ${res.status}: ${await res.text()}`);
      }
      assert.ok(unavailable, 'the disk filled up and a request got 503');
      assert.equal(unavailable.headers.get('retry-after'), '5');
      assert.equal(((await unavailable.json()) as { error: { code: string } }).error.code, 'storage_unavailable');

      execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
      const after = await track(server.url, 'after-space-returned');
      assert.equal(after.status, 200, 'the server recovers once the disk has room');
      acked.push('after-space-returned');

      const stored = new Set((await allEvents({ url: server.url, adminToken: server.adminToken })).map((e) => e.event.messageId));
      assert.deepEqual(acked.filter((id) => !stored.has(id)), [], 'every acknowledged event is stored');
    } finally {
      await server.stop();
      execFileSync('umount', ['-l', mnt]);
    }
  },
);
