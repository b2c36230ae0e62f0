// NATS restarted while clients send: Sluice answers 503 (never 200) while it cannot get an acknowledgement from
// JetStream, recovers by itself when NATS is back, and every event that got a 200 is in the stream afterwards.
// The test runs its OWN nats-server (free port, temp store dir) so that killing it disturbs nobody else.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { allEvents, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const KEY = 'nats-fault-write-key-1';
const ADMIN = 'admin-token-for-tests-0001';
const AUTH = basicAuth(KEY);

function missingBinary(): { skip?: string } {
  if (existsSync(NATS_SERVER)) return {};
  const why = `no nats-server binary at ${NATS_SERVER} (set NATS_SERVER_BIN)`;
  if (process.env.CI === 'true') throw new Error(`${why}: CI must install the nats-server package`);
  process.stderr.write(`\n*** SKIPPING THE NATS FAULT TEST: ${why} ***\n\n`);
  return { skip: why };
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Our own nats-server with JetStream; start() again after kill() reuses the same port and store. */
class OwnNats {
  child: ChildProcess | null = null;
  constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.child = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir], { stdio: 'ignore' });
    const end = Date.now() + 20_000;
    for (;;) {
      try {
        const nc = await connect({ servers: this.url, timeout: 1_000, maxReconnectAttempts: 0 });
        await nc.close();
        return;
      } catch (err) {
        if (Date.now() > end) throw new Error(`our nats-server did not start: ${(err as Error).message}`);
        await sleep(100);
      }
    }
  }
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
    this.child = null;
  }
}

test('restarting nats-server while ingesting: 503 while it is down, no acknowledged event lost', missingBinary(), async (t) => {
  const dir = tempDataDir('sluice-nats-fault-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const nats = new OwnNats(await freePort(), join(dir, 'jetstream'));
  await nats.start();
  t.after(() => nats.kill());
  const configPath = join(dir, 'sluice.yaml');
  writeFileSync(configPath, `
sources: [{ name: app, write_keys: [${KEY}] }]
log: { backend: nats, nats: { stream: FAULT, publish_timeout_ms: 1000 } }
`);
  const server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', configPath], env: { SLUICE_ADMIN_TOKEN: ADMIN, NATS_URL: nats.url } });
  t.after(() => server.stop());

  // One client sending one event after another, recording what each got.
  const acked: string[] = [];
  const statuses = new Map<number, number>();
  // Read by the sender as it runs: an object, so the test's writes are seen (and typed) as the changes they are.
  const now: { phase: 'before' | 'down' | 'after' } = { phase: 'before' };
  const downStatuses = new Map<number, number>();
  let sending = true;
  // A failed assertion must not leave the sender looping after the test: the runner would wait for it forever.
  t.after(() => {
    sending = false;
  });
  let n = 0;
  const sender = (async () => {
    while (sending) {
      const messageId = `fault-${++n}`;
      const started = now.phase;
      let status = 0;
      try {
        const res = await fetch(`${server.url}/v1/track`, { method: 'POST', headers: { authorization: AUTH }, body: JSON.stringify({ messageId, userId: 'u', event: 'Fault' }), signal: AbortSignal.timeout(10_000) });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = -1; // no answer at all
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (started === 'down' && now.phase === 'down') downStatuses.set(status, (downStatuses.get(status) ?? 0) + 1);
      if (status === 200) acked.push(messageId);
      else await sleep(20);
    }
  })();

  await sleep(1_000);
  const before = acked.length;
  assert.ok(before > 0, 'events are accepted while NATS is up');
  await nats.kill();
  now.phase = 'down';
  await sleep(2_500);
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 503, '/readyz says the log is unavailable while NATS is down');
  assert.deepEqual(((await ready.json()) as { backends: { log: unknown } }).backends.log, { type: 'nats', ready: false });
  assert.ok((downStatuses.get(503) ?? 0) > 0, `clients get 503 while NATS is down (saw ${JSON.stringify([...downStatuses])})`);
  assert.equal(downStatuses.get(200) ?? 0, 0, 'no request sent and answered while NATS was down got a 200');

  await nats.start();
  now.phase = 'after';
  const afterRestart = acked.length;
  const end = Date.now() + 30_000;
  while (acked.length < afterRestart + 50) {
    assert.ok(Date.now() < end, `Sluice did not accept events again within 30 s of NATS returning (${JSON.stringify([...statuses])})`);
    await sleep(100);
  }
  sending = false;
  await sender;
  t.diagnostic(`answers: ${JSON.stringify([...statuses])}; acknowledged ${acked.length} of ${n}`);
  assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 503), [], 'every answer was 200 or 503');

  const stored = new Set((await allEvents({ url: server.url, adminToken: ADMIN })).map((e) => e.event.messageId as string));
  const lost = acked.filter((id) => !stored.has(id));
  assert.deepEqual(lost, [], 'every event that got a 200 is in the stream');
});
