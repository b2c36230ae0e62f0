// The RollupStore contract against the SQLite store (writes through the log's writer thread), and what only it can
// show: a rollup write that fails is undone alone, never the appends committed in the same group.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteRollupStore } from '../../src/backends/sqlite/rollup-store.js';
import { SqliteLog, type SqliteLogOptions } from '../../src/backends/sqlite/sqlite-log.js';
import { assertBlocksBuilt, blockRegisters, merged, oldHours, users } from '../helpers/hour-sketches-before-blocks.js';
import { runRollupStoreContract } from './rollup-store.contract.js';

function options(): SqliteLogOptions {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-rollup-contract-'));
  return { path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 60_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 * 1024 * 1024 };
}

runRollupStoreContract('SqliteRollupStore', {
  async open() {
    const opts = options();
    let log = new SqliteLog(opts);
    let open = true;
    return {
      get store() {
        return new SqliteRollupStore(log);
      },
      async reopen() {
        await log.close();
        log = new SqliteLog(opts);
        return new SqliteRollupStore(log);
      },
      async dispose() {
        if (open) await log.close();
        open = false;
        rmSync(join(opts.path, '..'), { recursive: true, force: true });
      },
    };
  },
});

test('a rollup batch that fails is rolled back alone: appends in the same group commit, the position stays', async (t) => {
  const groups: { ops: number; ok: boolean }[] = [];
  const opts = { ...options(), onCommit: ({ ops, ok }: { ops: number; ok: boolean }) => groups.push({ ops, ok }) };
  const log = new SqliteLog(opts);
  t.after(async () => {
    await log.close();
    rmSync(join(opts.path, '..'), { recursive: true, force: true });
  });
  const store = new SqliteRollupStore(log);
  const corrupt = { level: 'hour' as const, start: 1, source: 'web', sketch: new Uint8Array([9, 9, 9]) };
  const counter = { metric: 'events' as const, hour: 1, source: 'web', k1: 'track', k2: 'X', k3: '', n: 5 };
  // Issued together, the three writes ride one group (the writer flushes once the event loop's round is done).
  const first = log.append([{ source: 'web', messageId: 'm0', type: 'track', receivedAt: Date.now(), body: '{}' }]);
  const [applied, appended] = await Promise.allSettled([
    store.apply({ firstSeq: 1, lastSeq: 1, counters: [counter], breakdowns: [], sketches: [corrupt] }),
    log.append([{ source: 'web', messageId: 'm1', type: 'track', receivedAt: Date.now(), body: '{}' }]),
  ]);
  assert.equal(applied.status, 'rejected');
  assert.match(String((applied as PromiseRejectedResult).reason), /rollups could not be written: corrupt HyperLogLog/);
  assert.equal(appended.status, 'fulfilled');
  await first;
  assert.deepEqual(groups, [{ ops: 3, ok: true }], 'the failing batch shared a group that committed');
  assert.equal((await log.stats()).events, 2);
  assert.equal(await store.position(), 0);
  assert.deepEqual(await store.sumByHour({ metric: 'events', from: 0, to: 10 }), [], 'the counter written before the failure was undone');
  // The failed batch's new key was undone too; the writer must not go on using its id for the daily rows.
  await store.apply({ firstSeq: 1, lastSeq: 1, counters: [counter], breakdowns: [], sketches: [] });
  assert.deepEqual(await store.top({ metric: 'events', from: 0, to: 48 }, 10), [{ k1: 'track', k2: 'X', k3: '', n: 5 }], 'read from the daily row of day 0');
});

test('a store from before daily rows gets them from its hourly rows when opened', async (t) => {
  const opts = options();
  t.after(() => rmSync(join(opts.path, '..'), { recursive: true, force: true }));
  let log = new SqliteLog(opts);
  const hour = 475_000; // 16:00 UTC
  const counters = [
    { metric: 'pages' as const, hour, source: 'web', k1: '/a', k2: '', k3: '', n: 3 },
    { metric: 'pages' as const, hour: hour + 1, source: 'web', k1: '/a', k2: '', k3: '', n: 4 },
    { metric: 'pages' as const, hour: hour + 30, source: 'web', k1: '/b', k2: '', k3: '', n: 9 },
    { metric: 'pages' as const, hour: -5, source: 'web', k1: '/1969', k2: '', k3: '', n: 1 },
  ];
  await new SqliteRollupStore(log).apply({ firstSeq: 1, lastSeq: 1, counters, breakdowns: [], sketches: [] });
  await log.close();
  // Back to what the schema was before daily rows: no daily tables, user_version 4.
  const db = new Database(opts.path);
  db.exec('DROP TABLE rollup_counters_daily; DROP TABLE rollup_keys; PRAGMA user_version = 4;');
  db.close();
  log = new SqliteLog(opts);
  t.after(() => log.close());
  const store = new SqliteRollupStore(log);
  const day = Math.floor(hour / 24) * 24;
  assert.deepEqual((await store.top({ metric: 'pages', from: day, to: day + 48 }, 10)).map((r) => [r.k1, r.n]), [['/b', 9], ['/a', 7]]);
  assert.deepEqual((await store.top({ metric: 'pages', from: -24, to: 0 }, 10)).map((r) => [r.k1, r.n]), [['/1969', 1]]);
  const daily = log.readDb.prepare('SELECT day, n FROM rollup_counters_daily ORDER BY day').all();
  assert.deepEqual(daily, [{ day: -1, n: 1 }, { day: day / 24, n: 7 }, { day: day / 24 + 1, n: 9 }]);
  // And new batches add to the rows built from the old ones.
  await store.apply({ firstSeq: 2, lastSeq: 2, counters: [{ ...counters[0]!, n: 10 }], breakdowns: [], sketches: [] });
  assert.deepEqual((await store.top({ metric: 'pages', from: day, to: day + 24 }, 10)).map((r) => [r.k1, r.n]), [['/a', 17]]);
});

test('a store from before 6-hour sketches gets them from its hourly sketches when opened', async (t) => {
  const opts = options();
  t.after(() => rmSync(join(opts.path, '..'), { recursive: true, force: true }));
  let log = new SqliteLog(opts);
  const old = oldHours(475_002); // 18:00 UTC
  const store = new SqliteRollupStore(log);
  // A block's hours split over two batches.
  await store.apply({ firstSeq: 1, lastSeq: 1, counters: [], breakdowns: [], sketches: old.sketches.slice(0, 2) });
  await store.apply({ firstSeq: 2, lastSeq: 2, counters: [], breakdowns: [], sketches: old.sketches.slice(2) });
  await log.close();
  // Back to what the schema was before 6-hour sketches: user_version 5.
  const db = new Database(opts.path);
  db.exec("DELETE FROM rollup_sketches WHERE level = '6h'; PRAGMA user_version = 5;");
  db.close();
  log = new SqliteLog(opts);
  t.after(() => log.close());
  const reopened = new SqliteRollupStore(log);
  await assertBlocksBuilt(reopened, old);
  // And new batches merge into the blocks built from the old hours.
  const block = old.blockStart / 6;
  await reopened.apply({ firstSeq: 3, lastSeq: 3, counters: [], breakdowns: [], sketches: [{ level: '6h', start: block, source: 'web', sketch: users('e', 5).toBytes() }] });
  assert.deepEqual(await blockRegisters(reopened, block, 'web'), merged(old.hours[0]!.hll, old.hours[1]!.hll, users('e', 5)));
});
