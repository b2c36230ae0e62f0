// Retention and the identity index: a real `sluice start` stitches a person's old and new events; retention prunes the
// old ones (the server's own prune op, run on its database while it is stopped: the server runs it every 10 minutes);
// their timeline index rows go with them, and after a restart the profile is still found by every id, with its
// traits, and its timeline lists the retained events.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { browserBatch, settledProfile, startConfigured, startConfiguredAgain } from '../helpers/configured-server.js';

let server: ServerProcess | undefined;
after(async () => {
  await server?.stop();
});

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The log positions the identity timeline index holds, in order, and how SQLite finds the rows a prune deletes. */
function identityIndex(dataDir: string): { seqs: number[]; prunePlan: string } {
  const db = new Database(join(dataDir, 'sluice.db'), { readonly: true });
  try {
    const seqs = db.prepare('SELECT DISTINCT seq FROM identity_events ORDER BY seq').pluck().all() as number[];
    const plan = db.prepare('EXPLAIN QUERY PLAN DELETE FROM identity_events WHERE seq < ?').all(1) as { detail: string }[];
    return { seqs, prunePlan: plan.map((r) => r.detail).join('; ') };
  } finally {
    db.close();
  }
}

test('pruned events leave the identity index; the profile and its retained events are still found', async () => {
  // Identity is then the only consumer: nothing else holds the prune back.
  server = await startConfigured('rollups: { enabled: false }\n');
  await browserBatch(server, [
    { type: 'page', messageId: 'old-page', anonymousId: 'anon-ret', name: 'Home' },
    { type: 'identify', messageId: 'old-identify', anonymousId: 'anon-ret', userId: 'user-ret', traits: { plan: 'pro' } },
  ]);
  await browserBatch(server, [{ type: 'track', messageId: 'old-track', userId: 'user-ret', event: 'Signed Up' }]);
  await settledProfile(server, 'user-ret');
  await pause(20);
  const between = Date.now();
  await pause(20);
  await browserBatch(server, [
    { type: 'track', messageId: 'new-track', userId: 'user-ret', event: 'Order Completed' },
    { type: 'page', messageId: 'new-page', anonymousId: 'anon-ret', name: 'Thanks' },
  ]);
  const before = await settledProfile(server, 'user-ret');
  assert.equal(before.body.events.length, 5);
  const newSeqs = before.body.events.filter((e) => e.event.messageId.startsWith('new-')).map((e) => e.seq).sort((a, b) => a - b);
  assert.equal(newSeqs.length, 2);

  const { dataDir } = server;
  assert.equal(await server.stop(), 0);
  server = undefined;
  // Retention as the server applies it, with the events received before `between` past it.
  const log = new SqliteLog({ path: join(dataDir, 'sluice.db'), dedupe_window_ms: 1, retention_ms: 1, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 1 << 24 });
  try {
    assert.equal(await log.prune(between + 1), 3, 'the three old events are pruned');
  } finally {
    await log.close();
  }
  const index = identityIndex(dataDir);
  assert.deepEqual(index.seqs, newSeqs, 'only the retained events are left in the identity index');
  assert.match(index.prunePlan, /SEARCH identity_events USING (COVERING )?INDEX identity_events_by_seq/, 'a prune reads the rows it deletes, not the table');

  server = await startConfiguredAgain(dataDir);
  for (const id of ['user-ret', 'anon-ret']) {
    const p = await settledProfile(server, id);
    assert.equal(p.status, 200, id);
    assert.deepEqual(p.body.profile.user_ids, ['user-ret']);
    assert.deepEqual(p.body.profile.anonymous_ids, ['anon-ret']);
    assert.deepEqual(p.body.profile.traits, { plan: 'pro' });
    assert.deepEqual(p.body.events.map((e) => e.event.messageId), ['new-page', 'new-track'], 'the timeline: the retained events, newest first');
  }
});
