// The SQLite log is ready (GET /readyz) only once its writer thread has rebuilt the dedupe index from the log: until
// then appends wait, which takes seconds with millions of events in the window.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';

test('not ready until the writer has loaded the dedupe window; ready from the first commit on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-ready-'));
  const opts = { path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 60_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 * 1024 * 1024 };
  let log = new SqliteLog(opts);
  t.after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await log.append(Array.from({ length: 20_000 }, (_, i) => ({ source: 'web', messageId: `m${i}`, type: 'track', receivedAt: Date.now(), body: '{}' })));
  await log.close();

  log = new SqliteLog(opts);
  // The writer says it has started through its message port, which cannot have delivered anything yet.
  assert.equal(log.ready(), false, 'a log whose writer is still loading is not ready');
  const { seqs } = await log.append([{ source: 'web', messageId: 'm0', type: 'track', receivedAt: Date.now(), body: '{}' }]);
  assert.deepEqual(seqs, [null], 'the window was loaded: a repeat is recognised');
  assert.equal(log.ready(), true, 'the writer announced itself before it answered the append');
});
