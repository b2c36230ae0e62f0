// The rollups' tables and their one write, `rollup:apply`, run by the writer thread inside its group transaction:
// the batch's increments and its last log position commit together or not at all, so a batch is counted once.
import type Database from 'better-sqlite3';
import { mergeSerialized } from '../../rollups/hll.js';
import { type ApplyResult, BREAKDOWN_MISSING, BREAKDOWN_OTHER, type RollupBatch } from '../../rollups/store.js';

/** The store's position row; one rollups consumer per database. */
export const ROLLUP_POSITION_NAME = 'rollups';

/** Key ids the writer remembers (a Map entry each); beyond this it starts again, reading ids back from the table. */
const MAX_CACHED_KEYS = 100_000;

export type RollupApplyOp = { k: 'rollup:apply'; batch: RollupBatch };

/** What the handler answers: the result, or the error that rolled the batch back (the rest of the group commits). */
export type RollupApplyReply = ApplyResult | { error: string };

export const ROLLUP_SCHEMA = `
  CREATE TABLE IF NOT EXISTS rollup_position (name TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rollup_counters (
    metric TEXT NOT NULL, hour INTEGER NOT NULL, source TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL, k3 TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (metric, hour, source, k1, k2, k3)
  ) WITHOUT ROWID;
  -- The same counters summed per UTC day (day = hour / 24), so long ranges read ~30 rows per key, not ~720; the key
  -- is a number standing for (metric, source, k1, k2, k3) in rollup_keys: grouping by an integer is ~3x cheaper
  -- than by three strings, and the rows are smaller. Written in the same rollup:apply as the hourly rows.
  CREATE TABLE IF NOT EXISTS rollup_keys (
    id INTEGER PRIMARY KEY, metric TEXT NOT NULL, source TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL, k3 TEXT NOT NULL,
    UNIQUE (metric, source, k1, k2, k3)
  );
  CREATE TABLE IF NOT EXISTS rollup_counters_daily (
    metric TEXT NOT NULL, day INTEGER NOT NULL, key INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (metric, day, key)
  ) WITHOUT ROWID;
  -- Breakdown values kept per (event, property), first seen first, up to the configured max_values.
  CREATE TABLE IF NOT EXISTS rollup_breakdown_values (
    event TEXT NOT NULL, property TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (event, property, value)
  ) WITHOUT ROWID;
  -- Serialized HyperLogLogs of user ids; start counts hours, days or months since 1970-01 (UTC) by level.
  CREATE TABLE IF NOT EXISTS rollup_sketches (
    level TEXT NOT NULL, start INTEGER NOT NULL, source TEXT NOT NULL, sketch BLOB NOT NULL,
    PRIMARY KEY (level, start, source)
  ) WITHOUT ROWID;
`;

function blob(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function open(db: Database.Database): (op: { k: string }) => unknown {
  const st = {
    position: db.prepare('SELECT seq FROM rollup_position WHERE name = ?').pluck(),
    setPosition: db.prepare('INSERT INTO rollup_position (name, seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq'),
    count: db.prepare(
      `INSERT INTO rollup_counters (metric, hour, source, k1, k2, k3, n) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (metric, hour, source, k1, k2, k3) DO UPDATE SET n = n + excluded.n`,
    ),
    countDay: db.prepare(
      `INSERT INTO rollup_counters_daily (metric, day, key, n) VALUES (?, ?, ?, ?)
       ON CONFLICT (metric, day, key) DO UPDATE SET n = n + excluded.n`,
    ),
    keyId: db.prepare('SELECT id FROM rollup_keys WHERE metric = ? AND source = ? AND k1 = ? AND k2 = ? AND k3 = ?').pluck(),
    addKey: db.prepare('INSERT INTO rollup_keys (metric, source, k1, k2, k3) VALUES (?, ?, ?, ?, ?) RETURNING id').pluck(),
    isKept: db.prepare('SELECT 1 FROM rollup_breakdown_values WHERE event = ? AND property = ? AND value = ?').pluck(),
    keptCount: db.prepare('SELECT COUNT(*) FROM rollup_breakdown_values WHERE event = ? AND property = ?').pluck(),
    keep: db.prepare('INSERT INTO rollup_breakdown_values (event, property, value) VALUES (?, ?, ?)'),
    sketch: db.prepare('SELECT sketch FROM rollup_sketches WHERE level = ? AND start = ? AND source = ?').pluck(),
    setSketch: db.prepare(
      'INSERT INTO rollup_sketches (level, start, source, sketch) VALUES (?, ?, ?, ?) ON CONFLICT (level, start, source) DO UPDATE SET sketch = excluded.sketch',
    ),
  };

  function breakdownValue(event: string, property: string, value: string | null, maxValues: number): string {
    if (value === null) return BREAKDOWN_MISSING;
    if (st.isKept.get(event, property, value) !== undefined) return value;
    if (Number(st.keptCount.get(event, property)) >= maxValues) return BREAKDOWN_OTHER;
    st.keep.run(event, property, value);
    return value;
  }

  // Key ids by metric\0source\0k1\0k2\0k3. An id inserted by a batch that is then rolled back would be wrong here:
  // apply's own failure clears it, and the writer opens its extensions again after a group rolls back.
  const keyIds = new Map<string, number>();
  function keyId(metric: string, source: string, k1: string, k2: string, k3: string): number {
    const cacheKey = `${metric}\u0000${source}\u0000${k1}\u0000${k2}\u0000${k3}`;
    let id = keyIds.get(cacheKey);
    if (id === undefined) {
      id = (st.keyId.get(metric, source, k1, k2, k3) ?? st.addKey.get(metric, source, k1, k2, k3)) as number;
      if (keyIds.size >= MAX_CACHED_KEYS) keyIds.clear();
      keyIds.set(cacheKey, id);
    }
    return id;
  }

  function count(metric: string, hour: number, source: string, k1: string, k2: string, k3: string, n: number): void {
    st.count.run(metric, hour, source, k1, k2, k3, n);
    st.countDay.run(metric, Math.floor(hour / 24), keyId(metric, source, k1, k2, k3), n);
  }

  // Nested in the group's transaction, this is a savepoint: a failure undoes this batch only, never the appends
  // that share the group.
  const apply = db.transaction((batch: RollupBatch): ApplyResult => {
    const position = Number(st.position.get(ROLLUP_POSITION_NAME) ?? 0);
    if (batch.lastSeq <= position) return { outcome: 'already_applied', position };
    if (batch.firstSeq <= position) return { outcome: 'overlaps', position };
    for (const c of batch.counters) count(c.metric, c.hour, c.source, c.k1, c.k2, c.k3, c.n);
    for (const b of batch.breakdowns) count('breakdowns', b.hour, b.source, b.event, b.property, breakdownValue(b.event, b.property, b.value, b.maxValues), b.n);
    for (const s of batch.sketches) {
      const stored = st.sketch.get(s.level, s.start, s.source) as Buffer | undefined;
      st.setSketch.run(s.level, s.start, s.source, blob(mergeSerialized(stored ?? null, s.sketch)));
    }
    st.setPosition.run(ROLLUP_POSITION_NAME, batch.lastSeq);
    return { outcome: 'applied', position: batch.lastSeq };
  });

  return (op) => {
    if (op.k !== 'rollup:apply') return { error: `unknown rollup op ${op.k}` };
    try {
      return apply((op as RollupApplyOp).batch);
    } catch (err) {
      keyIds.clear();
      return { error: (err as Error).message } satisfies RollupApplyReply;
    }
  };
}

// Typed by shape, not by importing WriterExtension: writer-extensions.ts imports this file, and its list is where the
// shape is checked.
export const rollupWriterExtension = { name: 'rollup', schema: ROLLUP_SCHEMA, open };
