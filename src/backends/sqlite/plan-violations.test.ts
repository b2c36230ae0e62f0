// The plan-violations writer extension through a real SqliteLog: upserts add up across commits and restarts,
// the reader filters and orders, and the table is capped.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ViolationRow } from '../../core/plan.js';
import { MAX_VIOLATION_ROWS, RECORD_VIOLATIONS, SqliteViolationReader } from './plan-violations.js';
import { SqliteLog } from './sqlite-log.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-violations-'));
const open = (): SqliteLog =>
  new SqliteLog({ path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 3_600_000, keep_rejects: 100, maxRowsPerCommit: 10_000, maxQueuedBytes: 1 << 24 });
after(() => rmSync(dir, { recursive: true, force: true }));

function row(over: Partial<ViolationRow>): ViolationRow {
  return { source: 'web', type: 'track', event: 'Order', path: 'properties.total', kind: 'type_mismatch', message: 'm', example: '"x"', first_seen: 1000, last_seen: 1000, count: 1, ...over };
}

describe('plan_violations', () => {
  it('adds counts up, keeps the first and last time seen and the latest example, across restarts', async () => {
    let log = open();
    await log.submit({ k: RECORD_VIOLATIONS, rows: [row({ count: 2, first_seen: 500, last_seen: 900 }), row({ source: 'app', event: 'Signup', kind: 'missing_required', path: 'properties.plan', example: null, last_seen: 2000 })] });
    await log.close();
    log = open();
    await log.submit({ k: RECORD_VIOLATIONS, rows: [row({ count: 3, first_seen: 1500, last_seen: 1600, example: '"y"', message: 'newer' })] });
    const reader = new SqliteViolationReader(log.readDb);
    assert.deepEqual(reader.list({ source: 'web' }), [row({ count: 5, first_seen: 500, last_seen: 1600, example: '"y"', message: 'newer' })]);
    assert.deepEqual(reader.list({}).map((r) => r.source), ['app', 'web'], 'most recently seen first');
    assert.deepEqual(reader.list({ event: 'Signup', kind: 'missing_required' }).map((r) => r.path), ['properties.plan']);
    assert.deepEqual(reader.list({ type: 'identify' }), []);
    assert.equal(reader.list({ limit: 1 }).length, 1);
    await log.close();
  });

  it(`keeps at most ${MAX_VIOLATION_ROWS} rows, dropping those seen least recently`, async () => {
    const log = open();
    const rows = Array.from({ length: MAX_VIOLATION_ROWS + 500 }, (_, i) => row({ source: 'bulk', path: `properties.p${i}`, last_seen: 10_000 + i }));
    await log.submit({ k: RECORD_VIOLATIONS, rows });
    const reader = new SqliteViolationReader(log.readDb);
    const kept = reader.list({ source: 'bulk', limit: 10_000 });
    assert.equal(kept.length, MAX_VIOLATION_ROWS);
    assert.equal(kept.at(-1)!.path, 'properties.p500', 'the 500 seen least recently went');
    assert.deepEqual(reader.list({ source: 'web' }), [], 'older rows of other sources went first');
    await log.close();
  });
});
