// The counting thread against a real SQLite log: it counts and stitches what is appended, runs at its nice value,
// reports errors through the main thread's logger, and starts again, losing nothing, when it dies.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { eventually } from '../../../test/helpers/eventually.js';
import { identitySchema } from '../../identity/config.js';
import { rollupsSchema } from '../../rollups/config.js';
import { CountingThread } from './counting-thread.js';
import { SqliteIdentityStore } from './identity-store.js';
import { SqliteRollupStore } from './rollup-store.js';
import { SqliteLog } from './sqlite-log.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-counting-'));
let log: SqliteLog;
const logged: { level: string; obj: object; msg: string | undefined }[] = [];
const merges = { merged: 0, refused: 0, blocked: 0 };

before(() => {
  log = new SqliteLog({ path: join(dir, 'sluice.db'), dedupe_window_ms: 3_600_000, retention_ms: 86_400_000, keep_rejects: 100, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 << 20 });
});
after(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function track(userId: string, anonymousId: string): Promise<unknown> {
  n++;
  const body = { type: 'track', event: 'Order Completed', userId, anonymousId, messageId: `m${n}`, timestamp: '2026-12-03T10:00:00.000Z', properties: {} };
  return log.append([{ source: 'web', messageId: `m${n}`, type: 'track', receivedAt: Date.parse('2026-12-03T10:00:00.000Z'), body: JSON.stringify(body) }]);
}

/** Nice values of this process's threads (field 19 of /proc/self/task/TID/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

test('the counting thread counts and stitches appended events at its nice value, and starts again after dying', async () => {
  const before = threadNices();
  const thread = await CountingThread.start({
    log,
    nice: 7,
    rollups: rollupsSchema.parse({ linger_ms: 0 }),
    identity: identitySchema.parse({ linger_ms: 0, blocked_values: ['nobody'] }),
    logger: {
      warn: (obj, msg) => logged.push({ level: 'warn', obj, msg }),
      error: (obj, msg) => logged.push({ level: 'error', obj, msg }),
    },
    telemetry: { merged: (k) => (merges.merged += k), mergeRefused: (k) => (merges.refused += k), blockedIds: (k) => (merges.blocked += k) },
  });
  try {
    assert.equal(before.filter((v) => v === 7).length, 0);
    assert.equal(threadNices().filter((v) => v === 7).length, 1, 'one thread, the counting thread, runs at nice 7');

    await track('u1', 'a1');
    await track('u1', 'nobody');
    await track('u2', 'a2');
    const rollups = new SqliteRollupStore(log);
    const identity = new SqliteIdentityStore(log);
    await eventually('the rollups to count 3 events', async () => ((await thread.rollups!.status()).position === 3 ? true : undefined));
    await eventually('identity to stitch 3 events', async () => ((await thread.identity!.status()).position === 3 ? true : undefined));
    assert.deepEqual(await thread.rollups!.status(), { position: 3, lag: 0, lastError: null });
    assert.equal(await rollups.position(), 3);
    const profile = await identity.profile('a1');
    assert.ok(profile !== null, 'a1 has a profile');
    assert.deepEqual([profile.userIds, profile.anonymousIds], [['u1'], ['a1']]);
    assert.equal(merges.blocked, 1, "the blocked anonymousId is counted in the main thread's metrics");

    // Idle, the thread has said so; the next append wakes it rather than leaving it to its 1 s poll.
    const sent: string[] = [];
    const t = thread as unknown as { send(m: { k: string }): void };
    const send = t.send.bind(thread);
    t.send = (m) => {
      sent.push(m.k);
      send(m);
    };
    await track('u1', 'a1');
    await eventually('the rollups to count the woken event', async () => ((await thread.rollups!.status()).position === 4 ? true : undefined));
    assert.ok(sent.includes('wake'), `the append sent a wake (sent: ${sent.join(', ')})`);
    t.send = send;

    // Killed from outside (as a crash would): it is started again and counts on from its stored position.
    const worker = (thread as unknown as { worker: Worker }).worker;
    await worker.terminate();
    await track('u3', 'a3');
    await eventually('the restarted thread to count the 5th event', async () => ((await thread.rollups!.status().catch(() => undefined))?.position === 5 ? true : undefined));
    assert.ok(logged.some((l) => l.level === 'error' && l.msg === 'the counting thread exited; starting it again'), 'the exit is logged');
    assert.equal((await thread.identity!.status()).lag, 0);
  } finally {
    await thread.stop();
  }
  assert.equal(threadNices().filter((v) => v === 7).length, 0, 'stop() ends the thread');
  // Its cursors are where it stopped: a later start re-reads nothing.
  assert.equal(await (await log.consumer('rollups')).lag(), 0);
});
