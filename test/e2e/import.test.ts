// `sluice import` end to end against the real server: NDJSON, Segment archive (.gz) and CSV files; an importer killed
// mid-batch resumes from its state file and stores every event once; importing again stores nothing twice; historical
// timestamps are kept as the file has them.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { allEvents, type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const KEY = 'import-e2e-key-1';
const LINES = 1000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function importer(args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'import', ...args, '--write-key', KEY], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/** Line i (1-based) of the NDJSON file: a 2021 event; every tenth has its own messageId, every seventh a sentAt. */
function ndjsonLine(i: number): string {
  const timestamp = new Date(Date.UTC(2021, 0, 1) + i * 60_000).toISOString();
  const msg: Record<string, unknown> = { type: i % 5 === 0 ? 'identify' : 'track', userId: `user-${i % 50}`, timestamp };
  if (msg.type === 'track') Object.assign(msg, { event: 'Order Completed', properties: { order: i, revenue: i / 10 } });
  else msg.traits = { plan: 'pro' };
  if (i % 10 === 0) msg.messageId = `own-${i}`;
  if (i % 7 === 0) msg.sentAt = new Date(Date.UTC(2021, 0, 1) + i * 60_000 + 5_000).toISOString();
  return JSON.stringify(msg);
}

describe('sluice import', () => {
  let server: ServerProcess;
  let dir: string;
  const stored = async (): Promise<Record<string, unknown>[]> => (await allEvents(server)).filter((e) => e.source === 'backfill').map((e) => e.event);

  before(async () => {
    dir = tempDataDir();
    writeFileSync(join(dir, 'sluice.yaml'), `sources: [{ name: backfill, write_keys: [${KEY}] }]\n`);
    server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', join(dir, 'sluice.yaml')] });
  });
  after(() => server.stop());

  it('imports NDJSON; killed mid-batch it resumes, every event stored once; importing again stores nothing twice', async () => {
    const file = join(dir, 'events.ndjson');
    const lines = Array.from({ length: LINES }, (_, k) => ndjsonLine(k + 1));
    lines.splice(500, 0, '{not json', JSON.stringify({ type: 'track', event: 'No One' })); // lines 501, 502: refused
    writeFileSync(file, `${lines.join('\n')}\n`);

    // A proxy that lets three batches through, then forwards the fourth and kills the importer before it can read
    // the answer: the batch is stored, but the state file does not know it.
    let run: ReturnType<typeof importer> | undefined;
    let requests = 0;
    const upstream = new URL(server.url);
    const proxy = createServer((req, res) => {
      const n = ++requests;
      const fwd = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        if (n === 4) {
          up.resume();
          run!.child.kill('SIGKILL');
          res.destroy();
          return;
        }
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      req.pipe(fwd);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    try {
      run = importer([file, '--url', `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, '--batch-size', '100']);
      const killed = await run.done;
      assert.equal(killed.code, null, `killed, not finished:\n${killed.stdout}${killed.stderr}`);
    } finally {
      proxy.close();
    }
    assert.equal(requests, 4);
    assert.equal((await stored()).length, 400, 'four batches stored, the fourth unacknowledged');

    const resumed = await importer([file, '--url', server.url, '--batch-size', '100']).done;
    assert.equal(resumed.code, 1, `two lines are refused: exit 1\n${resumed.stderr}`);
    assert.match(resumed.stdout, /sent 700 event\(s\), 2 refused \(resumed after line 300\)/);
    assert.match(resumed.stderr, /line 501: invalid_record: not valid JSON/);
    assert.match(resumed.stderr, /line 502: missing_field: .*userId or anonymousId/);
    assert.match(resumed.stderr, /importing .*events\.ndjson \[#+\] 100%/, 'a progress bar');

    const events = await stored();
    assert.equal(events.length, LINES, 'every valid line once: the re-sent fourth batch was deduplicated');
    assert.equal(new Set(events.map((e) => e.messageId)).size, LINES);
    assert.ok(events.some((e) => e.messageId === 'own-10'), "a line's own messageId is kept");

    // Timestamps are the file's, also for lines that carry a sentAt (no skew correction against today).
    for (const i of [1, 7, 14, 999]) {
      const want = new Date(Date.UTC(2021, 0, 1) + i * 60_000).toISOString();
      const e = events.find((x) => x.timestamp === want);
      assert.ok(e, `line ${i} stored at ${want}`);
      assert.equal(e.originalTimestamp, want);
      assert.equal((e.context as Record<string, unknown>).ip, undefined, "the importing machine's address is not the user's");
    }

    const again = await importer([file, '--url', server.url]).done;
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already imported/);
    const fresh = await importer([file, '--url', server.url, '--from-start']).done;
    assert.match(fresh.stdout, /sent 1000 event\(s\), 2 refused/);
    assert.equal((await stored()).length, LINES, 'importing the same file again stores nothing twice');
  });

  it('imports a gzipped Segment archive, keeping its timestamps', async () => {
    const file = join(dir, 'segment-archive-2020-05-01.gz');
    const archive = [
      { type: 'track', event: 'Archived', userId: 'arch-1', messageId: 'ajs-arch-1', timestamp: '2020-05-01T10:00:00.000Z', originalTimestamp: '2020-05-01T10:00:02.000Z', sentAt: '2020-05-01T10:00:03.000Z', receivedAt: '2020-05-01T10:00:01.000Z', projectId: 'p1', version: 2, channel: 'server', context: { library: { name: 'analytics-node' } } },
      { type: 'page', name: 'Home', anonymousId: 'anon-1', messageId: 'ajs-arch-2', timestamp: '2020-05-01T11:00:00.000Z', sentAt: '2020-05-01T11:00:01.000Z' },
    ];
    writeFileSync(file, gzipSync(archive.map((m) => JSON.stringify(m)).join('\n')));
    const res = await importer([file, '--url', server.url]).done;
    assert.equal(res.code, 0, res.stderr);
    const events = await stored();
    assert.equal(events.find((e) => e.messageId === 'ajs-arch-1')?.timestamp, '2020-05-01T10:00:00.000Z');
    assert.equal(events.find((e) => e.messageId === 'ajs-arch-2')?.timestamp, '2020-05-01T11:00:00.000Z');
    assert.match((await importer([file, '--url', server.url, '--from-start']).done).stdout, /sent 2 event/);
    assert.equal((await stored()).filter((e) => String(e.messageId).startsWith('ajs-arch-')).length, 2);
  });

  it('imports CSV with columns mapped to Segment fields, once', async () => {
    const file = join(dir, 'orders.csv');
    writeFileSync(file, 'type,event,user_id,timestamp,properties.plan,properties.amount,properties.first,traits.email\n'
      + 'track,Order Completed,csv-1,2019-03-04T05:06:07.000Z,pro,49.5,true,\n'
      + 'identify,,csv-2,2019-03-05T00:00:00.000Z,,,,"b@example.com"\n'
      + 'track,"Order, Refunded",csv-1,2019-03-06T00:00:00.000Z,pro,007,false,\n');
    const res = await importer([file, '--url', server.url]).done;
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /sent 3 event\(s\), 0 refused/);
    const csv = (await stored()).filter((e) => e.userId === 'csv-1' || e.userId === 'csv-2');
    assert.equal(csv.length, 3);
    const order = csv.find((e) => e.event === 'Order Completed')!;
    assert.equal(order.timestamp, '2019-03-04T05:06:07.000Z');
    assert.deepEqual(order.properties, { plan: 'pro', amount: 49.5, first: true });
    assert.deepEqual(csv.find((e) => e.type === 'identify')!.traits, { email: 'b@example.com' });
    assert.deepEqual(csv.find((e) => e.event === 'Order, Refunded')!.properties, { plan: 'pro', amount: '007', first: false });

    await importer([file, '--url', server.url, '--from-start']).done;
    assert.equal((await stored()).filter((e) => e.userId === 'csv-1' || e.userId === 'csv-2').length, 3, 'stored once');

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'event,userId,plan\nX,u,pro\n');
    const refused = await importer([bad, '--url', server.url]).done;
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /CSV columns "plan" are not Segment fields: name them properties.<name>/);
    assert.ok(!existsSync(`${bad}.sluice-import.json`), 'no state is written for a file that cannot be imported');
  });
});
