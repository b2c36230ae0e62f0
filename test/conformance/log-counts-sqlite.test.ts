// What only the SQLite log can show about its counts: they come from the span of positions minus the ones deleted
// one by one (src/backends/sqlite/event-holes.ts), not from COUNT(*) over the table, and a store from before that
// table gets its holes from the gaps already in `events` when it is opened. Likewise each consumer's dead letters and
// retries are counted by triggers (src/backends/sqlite/schema.ts), and an older store counts its rows when opened.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteLog, type SqliteLogOptions } from '../../src/backends/sqlite/sqlite-log.js';

function options(): SqliteLogOptions {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-counts-'));
  return { path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 60_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 * 1024 * 1024 };
}

/** A log in a fresh directory, closed and removed when the test ends (also after it was reopened). */
function tempLog(t: TestContext): { opts: SqliteLogOptions; log: SqliteLog; reopen(): Promise<SqliteLog> } {
  const opts = options();
  const state = { log: new SqliteLog(opts) };
  t.after(async () => {
    await state.log.close();
    rmSync(join(opts.path, '..'), { recursive: true, force: true });
  });
  return {
    opts,
    get log() {
      return state.log;
    },
    async reopen() {
      state.log = new SqliteLog(opts);
      return state.log;
    },
  };
}

function tenEvents(): { source: string; messageId: string; type: string; receivedAt: number; body: string }[] {
  return Array.from({ length: 10 }, (_, i) => ({ source: 'web', messageId: `m${i + 1}`, type: 'track', receivedAt: Date.now(), body: '{}' }));
}

test('events and lag leave out positions deleted from the middle and from the end', async (t) => {
  const { log } = tempLog(t);
  await log.append(tenEvents());
  assert.equal(await log.deleteEvents([3, 10]), 2);
  assert.deepEqual(await log.stats(), { headSeq: 10, events: 8 });
  const c = await log.consumer('reader', { startAt: 'earliest' });
  assert.equal(await c.lag(), 8);
  const got = await c.read(4);
  assert.deepEqual(got.map((d) => d.event.seq), [1, 2, 4, 5]);
  await c.ack(got);
  assert.equal(await c.lag(), 4, 'positions 6 to 9 are left');
  assert.equal(await log.deleteEvents([3]), 0, 'deleting a hole again deletes nothing');
  assert.equal((await log.stats()).events, 8);
});

test('a store from before the holes table gets its holes from the gaps in events when opened', async (t) => {
  const temp = tempLog(t);
  const opts = temp.opts;
  await temp.log.append(tenEvents());
  await temp.log.close();
  // Back to what the schema was before: rows deleted without a record, no holes table, user_version 6.
  const db = new Database(opts.path);
  db.exec('DELETE FROM events WHERE seq IN (2, 3, 7, 9, 10); DROP TABLE event_holes; PRAGMA user_version = 6;');
  db.close();
  const log = await temp.reopen();
  assert.deepEqual(await log.stats(), { headSeq: 10, events: 5 });
  const c = await log.consumer('reader', { startAt: 'earliest' });
  assert.equal(await c.lag(), 5);
  await c.ack(await c.read(3));
  assert.equal(await c.lag(), 2, 'positions 6 and 8 are left');
});

test('dead letters and retries are counted as they come and go, and a store from before the counts gets them when opened', async (t) => {
  const temp = tempLog(t);
  await temp.log.append(tenEvents());
  const c = await temp.log.consumer('dest', { startAt: 'earliest' });
  const ds = await c.read(10);
  for (const d of ds.slice(0, 3)) await c.deadLetter(d, 'refused');
  await c.retry(ds[3]!, 0);
  await c.retry(ds[4]!, 0);
  await c.ack(ds.slice(5));
  assert.equal(await c.deadLetterCount(), 3);
  assert.equal(await c.retrying(), 2);

  // Both retries fall due: one is retried again (an update of its row, not a second event), the other settles.
  const again = await c.read(10);
  assert.deepEqual(again.map((d) => d.event.seq).sort(), [4, 5]);
  await c.retry(again[0]!, 60_000);
  await c.ack([again[1]!]);
  assert.equal(await c.retrying(), 1, 'retried twice, still one event awaiting a retry');
  const [oldest] = (await c.deadLetters(10)).slice(-1);
  assert.equal(await c.removeDeadLetters([oldest!.id]), 1);
  assert.equal(await c.deadLetterCount(), 2);
  await temp.log.close();

  // Back to the schema before the counts: no table, no triggers, user_version 7. First, the counts are the table's
  // rows, kept by the triggers (a consumer counting its rows itself would pass the checks above too).
  const db = new Database(temp.opts.path);
  assert.deepEqual(db.prepare("SELECT what, n FROM consumer_counts WHERE consumer = 'dest' ORDER BY what").all(), [{ what: 'dead', n: 2 }, { what: 'retry', n: 1 }]);
  db.exec(`DROP TRIGGER dead_letters_counted; DROP TRIGGER dead_letters_uncounted; DROP TRIGGER retries_counted;
    DROP TRIGGER retries_uncounted; DROP TABLE consumer_counts; PRAGMA user_version = 7;`);
  db.close();
  const log = await temp.reopen();
  const reopened = await log.consumer('dest');
  assert.equal(await reopened.deadLetterCount(), 2, 'counted from the rows when the store was opened');
  assert.equal(await reopened.retrying(), 1);
  const left = await reopened.deadLetters(10);
  assert.equal(await reopened.removeDeadLetters([left[0]!.id]), 1);
  assert.equal(await reopened.deadLetterCount(), 1, 'and counted as they go from then on');
  assert.equal(await (await log.consumer('other')).deadLetterCount(), 0, 'a consumer with none has none');
});
