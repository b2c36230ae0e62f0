// How the SQLite log's writer groups writes into commits (src/backends/sqlite/writer-client.ts): writes no HTTP client
// waits on are held back while appends are arriving, to ride with the next append instead of costing an fsync alone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';

function record(id: string): { source: string; messageId: string; type: string; receivedAt: number; body: string } {
  return { source: 'web', messageId: id, type: 'track', receivedAt: Date.now(), body: '{}' };
}

test('under appends, a write without one waits for the next append and commits with it; alone, it commits at once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-groups-'));
  const groups: { ops: number; rows: number }[] = [];
  const log = new SqliteLog({
    path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 60_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 1 << 20,
    onCommit: ({ ops, rows }) => groups.push({ ops, rows }),
  });
  t.after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await log.append([record('a')]);
  groups.length = 0;

  // An append was just committed: the state write is held; the append 2 ms later takes it along.
  const state = log.setState('k', 'v');
  await new Promise((r) => setTimeout(r, 2));
  await Promise.all([state, log.append([record('b')])]);
  assert.deepEqual(groups, [{ ops: 2, rows: 1 }], 'one commit for both');

  // No append for a while: a state write is not held for one.
  await new Promise((r) => setTimeout(r, 100));
  groups.length = 0;
  const started = performance.now();
  await log.setState('k', 'w');
  assert.deepEqual(groups, [{ ops: 1, rows: 0 }]);
  assert.ok(performance.now() - started < 1_000, 'committed without waiting for an append that does not come');
});
