// The store's schema as numbered migrations, applied at start. Several processes may start at once (ingest and worker
// roles side by side): each runs every pending migration in ONE transaction that first takes a transaction-scoped
// advisory lock on the schema, so the others wait, then find the versions already recorded and apply nothing.
// A failed migration rolls back whole; nothing half-applied is ever recorded.
import type pg from 'pg';
import { backfillSteps, blocksOfHours } from '../../rollups/block-backfill.js';
import { quoteIdent } from './connection.js';

/** SQL, or a function for what SQL cannot do (merging HyperLogLogs); either runs inside the migrations' transaction. */
export type Migration = string | ((c: pg.PoolClient) => Promise<void>);

/** The 6-hour sketch level (src/rollups/sketch-cover.ts), built from the hourly sketches already stored. */
async function sixHourSketches(c: pg.PoolClient): Promise<void> {
  const span = await c.query<{ min: number | null; max: number | null }>("SELECT MIN(start) AS min, MAX(start) AS max FROM rollup_sketches WHERE level = 'hour'");
  const { min, max } = span.rows[0]!;
  if (min === null || max === null) return;
  for (const step of backfillSteps(min, max)) {
    const { rows } = await c.query<{ start: number; source: string; sketch: Buffer }>(
      "SELECT start, source, sketch FROM rollup_sketches WHERE level = 'hour' AND start >= $1 AND start < $2 AND length(sketch) > 0",
      [step.from, step.to],
    );
    const blocks = blocksOfHours(rows);
    if (blocks.length === 0) continue;
    await c.query("INSERT INTO rollup_sketches (level, start, source, sketch) SELECT '6h', * FROM unnest($1::int[], $2::text[], $3::bytea[])", [
      blocks.map((b) => b.start),
      blocks.map((b) => b.source),
      blocks.map((b) => Buffer.from(b.sketch)),
    ]);
  }
}

/** Append only: a released migration is never edited, a change is a new entry. */
export const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE rollup_position (name TEXT PRIMARY KEY, seq BIGINT NOT NULL);
  CREATE TABLE rollup_counters (
    metric TEXT NOT NULL, hour INTEGER NOT NULL, source TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL, k3 TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (metric, hour, source, k1, k2, k3)
  );
  CREATE TABLE rollup_breakdown_values (event TEXT NOT NULL, property TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (event, property, value));
  CREATE TABLE rollup_sketches (level TEXT NOT NULL, start INTEGER NOT NULL, source TEXT NOT NULL, sketch BYTEA NOT NULL, PRIMARY KEY (level, start, source));
  -- Log positions a consumer has counted, so a batch delivered again (to this worker or another) counts only what
  -- was never counted; pruned once the log can no longer deliver them.
  CREATE TABLE rollup_claims (consumer TEXT NOT NULL, seq BIGINT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (consumer, seq));
  CREATE INDEX rollup_claims_by_age ON rollup_claims (applied_at);
  CREATE TABLE rejects (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL, source TEXT, code TEXT NOT NULL, field TEXT, item_index INTEGER, message TEXT NOT NULL, sample TEXT
  );
  CREATE TABLE plan_violations (
    source TEXT NOT NULL, type TEXT NOT NULL, event TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL,
    message TEXT NOT NULL, example TEXT, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, count BIGINT NOT NULL,
    PRIMARY KEY (source, type, event, path, kind)
  );
  CREATE INDEX plan_violations_by_last_seen ON plan_violations (last_seen);
  `,
  sixHourSketches,
];

export interface MigrateResult {
  /** Versions this call applied (empty when another process had already done it). */
  applied: number[];
  version: number;
}

/** Brings the schema to the latest version; safe to call from many processes at once. */
export async function migrate(pool: pg.Pool, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    // Held until COMMIT/ROLLBACK; keyed by schema so stores in other schemas do not wait on each other.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sluice-migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SET LOCAL search_path = ${quoteIdent(schema)}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    const applied: number[] = [];
    for (let v = current + 1; v <= migrations.length; v++) {
      const m = migrations[v - 1]!;
      await (typeof m === 'string' ? client.query(m) : m(client)).catch((err: Error & { code?: string }) => {
        throw Object.assign(new Error(`store migration ${v} failed: ${err.message}`), { code: err.code, cause: err });
      });
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v]);
      applied.push(v);
    }
    await client.query('COMMIT');
    return { applied, version: Math.max(current, migrations.length) };
  } catch (err) {
    broken = (err as { code?: string }).code === undefined;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release(broken);
  }
}
