// The SQLite log's WAL stays bounded under appends that never pause. The checkpointer thread copies WAL pages into the
// database file without blocking anyone, but SQLite only starts the WAL over from its first frame when a write begins
// after a checkpoint that copied every frame; with a commit every millisecond that moment never came, and the WAL grew
// by every byte appended (600 MB in 20 s of 50-event batches at half the bench's capacity). The writer now finishes
// the copy itself once the WAL passes a size (src/backends/sqlite/writer-worker.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import type { LogRecord } from '../../src/core/event.js';

const PAGE = 4096;
const RESET_PAGES = 256; // 1 MiB: small, so that the test appends many times the bound in a few seconds
const APPEND_MIB = 48;

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

test('the WAL stays near its reset size under appends with no pause, and every append is kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-wal-'));
  const path = join(dir, 'sluice.db');
  const log = new SqliteLog({
    path, dedupe_window_ms: 60_000, retention_ms: 3_600_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 << 20,
    walResetPages: RESET_PAGES,
  });
  t.after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let biggest = 0;
  const sampler = setInterval(() => (biggest = Math.max(biggest, sizeOf(`${path}-wal`))), 5);
  const body = JSON.stringify({ type: 'track', event: 'Filler', properties: { pad: 'x'.repeat(900) } });
  let n = 0;
  const batch = (): LogRecord[] => Array.from({ length: 50 }, () => ({ source: 'web', messageId: `m-${n++}`, type: 'track', receivedAt: Date.now(), body }));
  const batches = Math.ceil((APPEND_MIB << 20) / (50 * body.length));
  let next = 0;
  let stored = 0;
  let appending = true;
  // A consumer reads all along, as destinations and the counting thread do: its reads hold WAL frames while they run.
  const consumer = await log.consumer('reader', { startAt: 'earliest' });
  let read = 0;
  const reading = (async () => {
    while (appending || read < stored) {
      const got = await consumer.read(500, { waitMs: 20 });
      read += got.length;
      await consumer.ack(got);
    }
  })();
  // Eight clients appending back to back: a group is always waiting while one commits, so the writer never idles.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches) {
        next++;
        const { stored: kept } = await log.append(batch());
        stored += kept; // read after the await: `stored += await ...` would add to a stale total
      }
    }),
  );
  appending = false;
  await reading;
  clearInterval(sampler);
  biggest = Math.max(biggest, sizeOf(`${path}-wal`));

  assert.equal(stored, n, 'every appended record is stored');
  assert.equal((await log.stats()).events, n, 'and the log counts them all');
  assert.equal(read, n, 'the consumer read each one once');
  const bound = 4 * RESET_PAGES * PAGE;
  assert.ok(biggest <= bound, `the WAL reached ${(biggest / 2 ** 20).toFixed(1)} MiB while ${APPEND_MIB} MiB were appended; the bound is ${bound / 2 ** 20} MiB`);
});
