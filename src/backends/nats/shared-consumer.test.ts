// Several processes opening the same consumer name share its work: no event goes to two of them while both live,
// and the events a process held when it died (kill -9) go to another after AckWait. Real NATS (NATS_URL); skipped
// loudly without it, failed in CI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deleteNatsStreams, NATS_URL, natsSkip, uniqueStream } from '../../../test/helpers/nats.js';
import type { Delivery } from '../../log/log.js';
import { NatsLog, type NatsLogOptions } from './nats-log.js';

const skip = await natsSkip();
const LOG_MODULE = fileURLToPath(new URL('./nats-log.ts', import.meta.url));

function options(stream: string): NatsLogOptions {
  return { servers: NATS_URL, stream, replicas: 1, max_age_ms: 0, ack_wait_ms: 1_000, max_ack_pending: 1_000, publish_timeout_ms: 5_000, dedupe_window_ms: 60_000, retention_ms: 60_000 };
}

const records = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ source: 'web', messageId: `${tag}-${i}`, type: 'track', receivedAt: Date.now(), body: '{}' }));
const seqs = (ds: readonly Delivery[]): number[] => ds.map((d) => d.event.seq);

test('two logs on one stream split a consumer’s events between them, none to both', skip, async (t) => {
  const opts = options(uniqueStream());
  t.after(() => deleteNatsStreams(opts.stream));
  const a = await NatsLog.open(opts);
  const b = await NatsLog.open(opts);
  t.after(() => Promise.all([a.close(), b.close()]));
  const { seqs: appended } = await a.append(records(100, 'split'));
  const ca = await a.consumer('shared');
  const cb = await b.consumer('shared');
  const gotA: number[] = [];
  const gotB: number[] = [];
  // Alternate small reads, as two busy workers would.
  for (;;) {
    const x = await ca.read(7);
    const y = await cb.read(7);
    gotA.push(...seqs(x));
    gotB.push(...seqs(y));
    await Promise.all([ca.ack(x), cb.ack(y)]);
    if (x.length === 0 && y.length === 0) break;
  }
  assert.ok(gotA.length > 0 && gotB.length > 0, `both got work (${gotA.length} / ${gotB.length})`);
  assert.deepEqual(gotA.filter((s) => gotB.includes(s)), [], 'no event went to both');
  assert.deepEqual([...gotA, ...gotB].sort((p, q) => p - q), appended);
  assert.equal(await ca.lag(), 0);
});

test('events held by a process killed with -9 go to another after AckWait, with attempt 1', skip, async (t) => {
  const opts = options(uniqueStream());
  t.after(() => deleteNatsStreams(opts.stream));
  const log = await NatsLog.open(opts);
  t.after(() => log.close());
  const { seqs: appended } = await log.append(records(10, 'dying'));
  const survivor = await log.consumer('shared');

  // Another process takes 4 events, prints their positions, and dies without settling them.
  const script = `
    const { NatsLog } = await import(${JSON.stringify(LOG_MODULE)});
    const log = await NatsLog.open(${JSON.stringify(opts)});
    const got = await (await log.consumer('shared')).read(4);
    process.stdout.write(JSON.stringify(got.map((d) => d.event.seq)) + '\\n', () => process.kill(process.pid, 'SIGKILL'));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await once(child, 'exit');
  const held = JSON.parse(out) as number[];
  assert.deepEqual(held, appended.slice(0, 4), 'the dying process took the first four');

  const rest = await survivor.read(100);
  assert.deepEqual(seqs(rest), appended.slice(4), 'the survivor gets the others at once, not those held by the other process');
  await survivor.ack(rest);
  const redelivered: Delivery[] = [];
  const until = Date.now() + 15_000;
  while (redelivered.length < held.length && Date.now() < until) redelivered.push(...(await survivor.read(100, { waitMs: 2_000 })));
  assert.deepEqual(seqs(redelivered), held, 'after AckWait the dead process’s events come to the survivor');
  assert.ok(redelivered.every((d) => d.attempt === 1), 'a redelivery after a crash is not a retry');
  await survivor.ack(redelivered);
  assert.equal(await survivor.lag(), 0);
});
