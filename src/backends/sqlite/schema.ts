// The embedded store's tables, created on open. user_version numbers the migrations.
import type Database from 'better-sqlite3';
import { backfillSteps, blocksOfHours, type StoredSketch } from '../../rollups/block-backfill.js';
import { EVENT_HOLES_BACKFILL } from './event-holes.js';
import { ROLLUP_SCHEMA } from './rollup-writer.js';

/** SQL, or a function for what SQL cannot do (merging HyperLogLogs); either runs inside the migration's transaction. */
type Migration = string | ((db: Database.Database) => void);

/** The 6-hour sketch level (src/rollups/sketch-cover.ts), built from the hourly sketches already stored. */
function sixHourSketches(db: Database.Database): void {
  const span = db.prepare("SELECT MIN(start) AS min, MAX(start) AS max FROM rollup_sketches WHERE level = 'hour'").get() as { min: number | null; max: number | null };
  if (span.min === null || span.max === null) return;
  const read = db.prepare("SELECT start, source, sketch FROM rollup_sketches WHERE level = 'hour' AND start >= ? AND start < ?");
  const insert = db.prepare("INSERT INTO rollup_sketches (level, start, source, sketch) VALUES ('6h', ?, ?, ?)");
  for (const step of backfillSteps(span.min, span.max)) {
    for (const b of blocksOfHours(read.all(step.from, step.to) as StoredSketch[])) insert.run(b.start, b.source, Buffer.from(b.sketch));
  }
}

const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE TABLE seen_0 (source TEXT NOT NULL, message_id TEXT NOT NULL, PRIMARY KEY (source, message_id)) WITHOUT ROWID;
  CREATE TABLE seen_1 (source TEXT NOT NULL, message_id TEXT NOT NULL, PRIMARY KEY (source, message_id)) WITHOUT ROWID;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE consumers (name TEXT PRIMARY KEY, cursor INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE retries (
    consumer TEXT NOT NULL, seq INTEGER NOT NULL, due_at INTEGER NOT NULL, attempt INTEGER NOT NULL,
    PRIMARY KEY (consumer, seq)
  ) WITHOUT ROWID;
  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY,
    consumer TEXT NOT NULL, seq INTEGER NOT NULL, source TEXT NOT NULL, message_id TEXT NOT NULL, type TEXT NOT NULL,
    received_at INTEGER NOT NULL, body TEXT NOT NULL, reason TEXT NOT NULL, attempt INTEGER NOT NULL, at INTEGER NOT NULL
  );
  CREATE INDEX dead_letters_by_consumer ON dead_letters (consumer, id);
  CREATE TABLE rejects (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL, source TEXT, code TEXT NOT NULL, field TEXT, item_index INTEGER, message TEXT NOT NULL,
    sample TEXT
  );
  `,
  `ALTER TABLE dead_letters ADD COLUMN detail TEXT;
   CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
  `ALTER TABLE retries ADD COLUMN first_at INTEGER;`,
  // Deduplication moved to an in-memory index rebuilt from `events` (dedupe-index.ts).
  `DROP TABLE seen_0; DROP TABLE seen_1;`,
  // Daily counter rows beside the hourly ones (rollup-writer.ts), built here from the hourly rows already stored. The
  // rollup tables are created first (IF NOT EXISTS: on an older store they exist, on a new one this makes them).
  // A day is hour / 24 rounded down (SQLite's / truncates towards zero, which differs below 1970).
  `${ROLLUP_SCHEMA}
   INSERT INTO rollup_keys (metric, source, k1, k2, k3) SELECT DISTINCT metric, source, k1, k2, k3 FROM rollup_counters;
   INSERT INTO rollup_counters_daily (metric, day, key, n)
     SELECT c.metric, c.hour / 24 - (c.hour % 24 < 0), k.id, SUM(c.n)
     FROM rollup_counters c JOIN rollup_keys k ON k.metric = c.metric AND k.source = c.source AND k.k1 = c.k1 AND k.k2 = c.k2 AND k.k3 = c.k3
     GROUP BY 1, 2, 3;`,
  sixHourSketches,
  // Positions deleted one by one (privacy), so that counting events never reads the whole table (event-holes.ts).
  EVENT_HOLES_BACKFILL,
  // Each consumer's dead letters and retries, counted by triggers. Every destination status call (the API, the
  // dashboard) ran COUNT(*) over them on the main thread: a walk of every row a failing destination had piled up,
  // millions an hour at 1,000 events/s. Triggers see every insert and delete, whichever path makes it (the writer's
  // ops, privacy deletion); an upsert that updates a retry row inserts nothing and counts nothing. Written to run
  // again over its own result (counts rebuilt from the rows).
  `CREATE TABLE IF NOT EXISTS consumer_counts (
     consumer TEXT NOT NULL, what TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (consumer, what)
   ) WITHOUT ROWID;
   DELETE FROM consumer_counts;
   INSERT INTO consumer_counts (consumer, what, n) SELECT consumer, 'dead', COUNT(*) FROM dead_letters GROUP BY consumer;
   INSERT INTO consumer_counts (consumer, what, n) SELECT consumer, 'retry', COUNT(*) FROM retries GROUP BY consumer;
   CREATE TRIGGER IF NOT EXISTS dead_letters_counted AFTER INSERT ON dead_letters BEGIN
     INSERT INTO consumer_counts (consumer, what, n) VALUES (NEW.consumer, 'dead', 1) ON CONFLICT (consumer, what) DO UPDATE SET n = n + 1;
   END;
   CREATE TRIGGER IF NOT EXISTS dead_letters_uncounted AFTER DELETE ON dead_letters BEGIN
     UPDATE consumer_counts SET n = n - 1 WHERE consumer = OLD.consumer AND what = 'dead';
   END;
   CREATE TRIGGER IF NOT EXISTS retries_counted AFTER INSERT ON retries BEGIN
     INSERT INTO consumer_counts (consumer, what, n) VALUES (NEW.consumer, 'retry', 1) ON CONFLICT (consumer, what) DO UPDATE SET n = n + 1;
   END;
   CREATE TRIGGER IF NOT EXISTS retries_uncounted AFTER DELETE ON retries BEGIN
     UPDATE consumer_counts SET n = n - 1 WHERE consumer = OLD.consumer AND what = 'retry';
   END;`,
];

export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      const m = MIGRATIONS[v]!;
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * Page cache per connection, in KiB. SQLite keeps every page a connection touched until its cache is full, so each
 * connection's cache is resident memory after a few minutes of ingest. Only the reader (destinations and the query
 * API) reads the same pages again; the writer appends to the end of the log, the checkpointer copies pages through and
 * the counting thread reads each new event once, so a large cache there only held 32 MB each of pages never read
 * again (RSS under load, BENCHMARKS.md).
 */
export const CACHE_KIB = { reader: 32_000, writer: 4_000, checkpointer: 1_000, counting: 4_000 } as const;

/** Pragmas for every connection: WAL so readers never block the writer. */
export function configure(db: Database.Database, cacheKib: number): void {
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = -${cacheKib}`);
}
