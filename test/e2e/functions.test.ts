// The event gateway end to end: a backend posts a CloudEvent `user.created`, a user function turns it into identify
// and track calls, and both reach a destination. Also `sluice fn test`, and editing the function without a restart.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const KEY = 'functions-test-key-1';

const WELCOME = `
interface UserCreated { id: string; type: string; data: { userId: string; email: string; plan?: string } }
export default async (event: UserCreated, ctx: any): Promise<void> => {
  const { userId, email, plan } = event.data;
  ctx.identify({ userId, traits: { email, plan: plan ?? 'free' } });
  ctx.track({ userId, event: 'Signed Up', properties: { plan: plan ?? 'free' } });
};
`;

function setup(): { dir: string; config: string } {
  const dir = tempDataDir();
  mkdirSync(join(dir, 'functions'));
  writeFileSync(join(dir, 'functions', 'welcome.ts'), WELCOME);
  return { dir, config: join(dir, 'sluice.yaml') };
}

function yaml(hookUrl: string): string {
  return `
sources: [{ name: backend, write_keys: [${KEY}] }]
functions:
  - name: welcome
    file: functions/welcome.ts
    subscribe: { types: [user.created] }
destinations:
  - name: crm
    type: webhook
    url: "${hookUrl}"
    batch_format: json_array
    filter: { types: [identify, track] }
    batch: { max_wait_ms: 10 }
`;
}

function userCreated(id: string, userId: string): string {
  return JSON.stringify({ specversion: '1.0', id, source: '/accounts', type: 'user.created', data: { userId, email: `${userId}@example.com`, plan: 'pro' } });
}

test('a CloudEvent user.created triggers a function whose identify and track reach a destination', async (t) => {
  const received: Record<string, unknown>[] = [];
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>[]));
      res.end('{}');
    });
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
  t.after(() => hook.close());
  const { dir, config } = setup();
  writeFileSync(config, yaml(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`));
  const server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', config] });
  t.after(() => server.stop());

  const post = (body: string): Promise<Response> =>
    fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: basicAuth(KEY), 'content-type': 'application/cloudevents+json' }, body });
  assert.equal((await post(userCreated('evt-1', 'user-7'))).status, 200);
  // The backend retries the same CloudEvent: stored once, so the function runs once.
  assert.equal((await post(userCreated('evt-1', 'user-7'))).status, 200);

  const deadline = Date.now() + 20_000;
  while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(received.length, 2, `identify and track arrived once each: ${JSON.stringify(received)}`);
  const identify = received.find((e) => e.type === 'identify')!;
  const track = received.find((e) => e.type === 'track')!;
  assert.equal(identify.userId, 'user-7');
  assert.deepEqual(identify.traits, { email: 'user-7@example.com', plan: 'pro' });
  assert.equal(track.event, 'Signed Up');
  assert.deepEqual(track.properties, { plan: 'pro' });
  const cause = (track.context as { sluice: { causation_id: string; function: string } }).sluice;
  assert.equal(cause.function, 'welcome');
  assert.equal(cause.causation_id, '/accounts evt-1', 'the emitted call names the CloudEvent that caused it');

  // Editing the function takes effect without a restart.
  writeFileSync(join(dir, 'functions', 'welcome.ts'), WELCOME.replace("event: 'Signed Up'", "event: 'Account Created'"));
  let renamed = false;
  for (let i = 0; i < 100 && !renamed; i++) {
    await post(userCreated(`evt-reload-${i}`, `user-r${i}`));
    await new Promise((r) => setTimeout(r, 200));
    renamed = received.some((e) => e.event === 'Account Created');
  }
  assert.ok(renamed, 'the edited function ran');
});

test('sluice fn test runs a function on a sample event and prints what it would emit', async () => {
  const { dir, config } = setup();
  writeFileSync(config, yaml('http://127.0.0.1:9/unused'));
  const eventFile = join(dir, 'event.json');
  writeFileSync(eventFile, userCreated('sample-1', 'user-9'));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, 'fn', 'test', 'welcome', '--event', eventFile, '--config', config]);
  const report = JSON.parse(stdout) as { matched: boolean; emitted: { type: string; message: { userId: string; event?: string } }[]; refused: (string | null)[] };
  assert.equal(report.matched, true);
  assert.deepEqual(report.emitted.map((c) => [c.type, c.message.userId, c.message.event]), [
    ['identify', 'user-9', undefined],
    ['track', 'user-9', 'Signed Up'],
  ]);
  assert.deepEqual(report.refused, [null, null]);
});

/** The process's peak resident memory (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'Linux reports VmHWM');
  return Number(m[1]) / 1024;
}

test('a function that exceeds memory_mb is stopped at its limit under the sluice command flags', async (t) => {
  // The sluice command runs Node with --max-old-space-size=1024, which V8 applied to every worker and so to every
  // function, whatever its memory_mb: a hog grew to a gigabyte before it was stopped.
  const { dir, config } = setup();
  writeFileSync(
    join(dir, 'functions', 'hog.ts'),
    `export default async (event: any, ctx: any) => {
  if (event.data.hog) { const keep: number[][] = []; for (;;) keep.push(new Array(100_000).fill(Math.random())); }
  ctx.track({ userId: event.data.userId, event: 'Lean' });
};`,
  );
  writeFileSync(
    config,
    `
sources: [{ name: backend, write_keys: [${KEY}] }]
functions:
  - name: hog
    file: functions/hog.ts
    subscribe: { types: [user.created] }
    memory_mb: 32
    retry: { max_attempts: 1 }
`,
  );
  const server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', config], env: { SLUICE_ADMIN_TOKEN: 'functions-admin-token-0123456789' } });
  t.after(() => server.stop());
  const before = peakRssMb(server.child.pid!);
  const hog = JSON.stringify({ specversion: '1.0', id: 'evt-hog', source: '/accounts', type: 'user.created', data: { hog: true, userId: 'u-1' } });
  const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: basicAuth(KEY), 'content-type': 'application/cloudevents+json' }, body: hog });
  assert.equal(res.status, 200);

  let status: { name: string; outOfMemory: number; deadLettered: number } | undefined;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const r = await fetch(`${server.url}/api/v1/functions`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    assert.equal(r.status, 200);
    status = ((await r.json()) as { functions: { name: string; outOfMemory: number; deadLettered: number }[] }).functions.find((f) => f.name === 'hog');
    if (status !== undefined && status.deadLettered === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status?.outOfMemory, 1, `the hog ran out of memory: ${JSON.stringify(status)}`);
  assert.equal(status?.deadLettered, 1);
  // A 32 MB old generation, its young one and the thread's own: well under 200 MB more than before the hog ran.
  const grew = peakRssMb(server.child.pid!) - before;
  assert.ok(grew < 200, `peak RSS grew by ${Math.round(grew)} MB while the hog ran`);
});
