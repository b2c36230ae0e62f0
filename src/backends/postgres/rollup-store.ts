// The rollup store on PostgreSQL. Each batch is one transaction of a few set-based statements (arrays unnested into
// multi-row INSERT ... ON CONFLICT), whatever its size. Rows are always locked in one global order (sorted in SQL)
// so workers applying batches at once wait on each other but never deadlock; a deadlock or serialization failure
// that still happens is retried by the caller like any other failed batch.
import type pg from 'pg';
import type { ClaimingRollupStore, ClaimResult } from '../../rollups/claiming-store.js';
import { mergeSerialized } from '../../rollups/hll.js';
import type { SketchLevel } from '../../rollups/sketch-cover.js';
import { type ApplyResult, BREAKDOWN_MISSING, BREAKDOWN_OTHER, type CounterFilter, type CounterIncrement, type CounterKey, type RollupBatch } from '../../rollups/store.js';
import type { PgConnection } from './connection.js';

/** The position row; one rollups consumer per schema. */
const POSITION_NAME = 'rollups';

// PostgreSQL text cannot hold NUL, which marks the breakdown sentinels; real keys never hold control characters
// (cleanKey), so U+0001 stands in for it on the way in and out.
const toDb = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\u0001') : s);
const fromDb = (s: string): string => (s.includes('\u0001') ? s.replaceAll('\u0001', '\u0000') : s);

type Row = CounterKey & { n: number };

export class PostgresRollupStore implements ClaimingRollupStore {
  constructor(private readonly db: PgConnection) {}

  async position(): Promise<number> {
    const { rows } = await this.db.query<{ seq: string }>('SELECT seq FROM rollup_position WHERE name = $1', [POSITION_NAME]);
    return rows.length === 0 ? 0 : Number(rows[0]!.seq);
  }

  async apply(batch: RollupBatch): Promise<ApplyResult> {
    return this.db.transaction(async (c) => {
      await c.query('INSERT INTO rollup_position (name, seq) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING', [POSITION_NAME]);
      const { rows } = await c.query<{ seq: string }>('SELECT seq FROM rollup_position WHERE name = $1 FOR UPDATE', [POSITION_NAME]);
      const position = Number(rows[0]!.seq);
      if (batch.lastSeq <= position) return { outcome: 'already_applied', position };
      if (batch.firstSeq <= position) return { outcome: 'overlaps', position };
      await applyIn(c, batch);
      await c.query('UPDATE rollup_position SET seq = $2 WHERE name = $1', [POSITION_NAME, batch.lastSeq]);
      return { outcome: 'applied', position: batch.lastSeq };
    });
  }

  async applyClaimed(consumer: string, seqs: readonly number[], build: (fresh: ReadonlySet<number>) => RollupBatch): Promise<ClaimResult> {
    return this.db.transaction(async (c) => {
      // A seq another transaction has claimed but not committed makes this insert wait: it is counted by whichever
      // commits first, and skipped here if that one commits.
      const claimed = await c.query<{ seq: string }>(
        `INSERT INTO rollup_claims (consumer, seq) SELECT $1, s FROM unnest($2::bigint[]) AS s ORDER BY s
         ON CONFLICT (consumer, seq) DO NOTHING RETURNING seq`,
        [consumer, seqs],
      );
      const fresh = new Set(claimed.rows.map((r) => Number(r.seq)));
      let position = 0;
      if (fresh.size > 0) {
        await applyIn(c, build(fresh));
        const { rows } = await c.query<{ seq: string }>(
          `INSERT INTO rollup_position (name, seq) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET seq = GREATEST(rollup_position.seq, excluded.seq) RETURNING seq`,
          [POSITION_NAME, [...fresh].reduce((a, b) => Math.max(a, b), 0)],
        );
        position = Number(rows[0]!.seq);
      } else {
        const { rows } = await c.query<{ seq: string }>('SELECT seq FROM rollup_position WHERE name = $1', [POSITION_NAME]);
        position = rows.length === 0 ? 0 : Number(rows[0]!.seq);
      }
      return { counted: fresh.size, position };
    });
  }

  async pruneClaims(maxAgeMs: number): Promise<number> {
    const r = await this.db.query("DELETE FROM rollup_claims WHERE applied_at < now() - $1 * interval '1 millisecond'", [maxAgeMs]);
    return r.rowCount ?? 0;
  }

  private where(f: CounterFilter, first = 1): { sql: string; args: unknown[] } {
    let sql = `metric = $${first} AND hour >= $${first + 1} AND hour < $${first + 2}`;
    const args: unknown[] = [f.metric, f.from, f.to];
    for (const key of ['source', 'k1', 'k2'] as const) {
      const v = f[key];
      if (v === undefined) continue;
      args.push(toDb(v));
      sql += ` AND ${key} = $${first + args.length - 1}`;
    }
    return { sql, args };
  }

  async sumByHour(f: CounterFilter): Promise<{ hour: number; n: number }[]> {
    const w = this.where(f);
    const { rows } = await this.db.query<{ hour: number; n: number }>(`SELECT hour, SUM(n)::float8 AS n FROM rollup_counters WHERE ${w.sql} GROUP BY hour ORDER BY hour`, w.args);
    return rows.map((r) => ({ hour: r.hour, n: r.n }));
  }

  async top(f: CounterFilter, limit: number): Promise<Row[]> {
    const w = this.where(f);
    // Byte order (COLLATE "C") for ties, as the embedded store sorts.
    const sql = `SELECT k1, k2, k3, SUM(n)::float8 AS n FROM rollup_counters WHERE ${w.sql} GROUP BY k1, k2, k3
      ORDER BY n DESC, k1 COLLATE "C", k2 COLLATE "C", k3 COLLATE "C" LIMIT $${w.args.length + 1}`;
    return rowsOut((await this.db.query<Row>(sql, [...w.args, limit])).rows);
  }

  async sumsOf(f: CounterFilter, keys: readonly CounterKey[]): Promise<Row[]> {
    if (keys.length === 0) return [];
    const w = this.where(f, 4);
    const sql = `SELECT k1, k2, k3, SUM(n)::float8 AS n FROM rollup_counters
      WHERE ${w.sql} AND (k1, k2, k3) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[])) GROUP BY k1, k2, k3`;
    const cols = [keys.map((k) => toDb(k.k1)), keys.map((k) => toDb(k.k2)), keys.map((k) => toDb(k.k3))];
    return rowsOut((await this.db.query<Row>(sql, [...cols, ...w.args])).rows);
  }

  async sketches(level: SketchLevel, from: number, to: number, source?: string): Promise<{ start: number; sketch: Uint8Array }[]> {
    let sql = 'SELECT start, sketch FROM rollup_sketches WHERE level = $1 AND start >= $2 AND start < $3';
    const args: unknown[] = [level, from, to];
    if (source !== undefined) {
      sql += ' AND source = $4';
      args.push(source);
    }
    const { rows } = await this.db.query<{ start: number; sketch: Buffer }>(sql, args);
    return rows.map((r) => ({ start: r.start, sketch: new Uint8Array(r.sketch.buffer, r.sketch.byteOffset, r.sketch.byteLength) }));
  }
}

function rowsOut(rows: Row[]): Row[] {
  return rows.map((r) => ({ k1: fromDb(r.k1), k2: fromDb(r.k2), k3: fromDb(r.k3), n: r.n }));
}

/** The batch's counts, breakdowns and sketches, inside the caller's transaction. */
async function applyIn(c: pg.PoolClient, batch: RollupBatch): Promise<void> {
  const counters = [...batch.counters];
  if (batch.breakdowns.length > 0) counters.push(...(await resolveBreakdowns(c, batch)));
  await upsertCounters(c, counters);
  if (batch.sketches.length > 0) await mergeSketches(c, batch);
}

/** Sums increments with the same key: one statement may not update a row twice. */
async function upsertCounters(c: pg.PoolClient, increments: readonly CounterIncrement[]): Promise<void> {
  const merged = new Map<string, CounterIncrement>();
  for (const i of increments) {
    const key = [i.metric, i.hour, i.source, i.k1, i.k2, i.k3].join('\u0000');
    const m = merged.get(key);
    if (m === undefined) merged.set(key, { ...i });
    else m.n += i.n;
  }
  if (merged.size === 0) return;
  const rows = [...merged.values()];
  await c.query(
    `INSERT INTO rollup_counters (metric, hour, source, k1, k2, k3, n)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[]) AS u(metric, hour, source, k1, k2, k3, n)
     ORDER BY metric, hour, source, k1, k2, k3
     ON CONFLICT (metric, hour, source, k1, k2, k3) DO UPDATE SET n = rollup_counters.n + excluded.n`,
    [
      rows.map((r) => r.metric),
      rows.map((r) => r.hour),
      rows.map((r) => r.source),
      rows.map((r) => toDb(r.k1)),
      rows.map((r) => toDb(r.k2)),
      rows.map((r) => toDb(r.k3)),
      rows.map((r) => Math.round(r.n)),
    ],
  );
}

/**
 * Turns breakdowns into counters: a value already kept for its (event, property) counts as itself; a new one is kept
 * while fewer than max_values are, else counts as other. Deciding on new values holds an advisory lock per
 * (event, property), so two workers cannot both keep the last free slot.
 */
async function resolveBreakdowns(c: pg.PoolClient, batch: RollupBatch): Promise<CounterIncrement[]> {
  const pairKey = (e: string, p: string): string => `${e}\u0000${p}`;
  const kept = new Map<string, Set<string>>();
  const load = async (pairs: string[]): Promise<void> => {
    if (pairs.length === 0) return;
    const { rows } = await c.query<{ event: string; property: string; value: string }>(
      'SELECT event, property, value FROM rollup_breakdown_values WHERE (event, property) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
      [pairs.map((k) => toDb(k.split('\u0000')[0]!)), pairs.map((k) => toDb(k.split('\u0000')[1]!))],
    );
    for (const p of pairs) kept.set(p, new Set());
    for (const r of rows) kept.get(pairKey(fromDb(r.event), fromDb(r.property)))?.add(r.value);
  };
  const valued = batch.breakdowns.filter((b) => b.value !== null);
  await load([...new Set(valued.map((b) => pairKey(b.event, b.property)))]);
  const undecided = [...new Set(valued.filter((b) => !kept.get(pairKey(b.event, b.property))!.has(b.value!)).map((b) => pairKey(b.event, b.property)))];
  const added: { event: string; property: string; value: string }[] = [];
  if (undecided.length > 0) {
    await c.query('SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(p, 7) AS k FROM unnest($1::text[]) AS p ORDER BY k) AS locks', [undecided.map((p) => toDb(p))]);
    await load(undecided); // again, under the lock: another worker may have kept values meanwhile
  }
  const out: CounterIncrement[] = [];
  for (const b of batch.breakdowns) {
    let k3: string;
    if (b.value === null) k3 = BREAKDOWN_MISSING;
    else {
      const values = kept.get(pairKey(b.event, b.property))!;
      if (values.has(b.value)) k3 = b.value;
      else if (values.size >= b.maxValues) k3 = BREAKDOWN_OTHER;
      else {
        values.add(b.value);
        added.push({ event: b.event, property: b.property, value: b.value });
        k3 = b.value;
      }
    }
    out.push({ metric: 'breakdowns', hour: b.hour, source: b.source, k1: b.event, k2: b.property, k3, n: b.n });
  }
  if (added.length > 0) {
    await c.query('INSERT INTO rollup_breakdown_values (event, property, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING', [
      added.map((a) => toDb(a.event)),
      added.map((a) => toDb(a.property)),
      added.map((a) => toDb(a.value)),
    ]);
  }
  return out;
}

/** Merges each sketch into the stored one under a row lock: placeholder rows first, then lock, merge, write. */
async function mergeSketches(c: pg.PoolClient, batch: RollupBatch): Promise<void> {
  const byKey = new Map<string, { level: string; start: number; source: string; sketch: Uint8Array }>();
  for (const s of batch.sketches) {
    const key = `${s.level}\u0000${s.start}\u0000${s.source}`;
    const prev = byKey.get(key);
    byKey.set(key, { level: s.level, start: s.start, source: s.source, sketch: prev === undefined ? s.sketch : mergeSerialized(prev.sketch, s.sketch) });
  }
  const items = [...byKey.values()];
  const keyCols = [items.map((s) => s.level), items.map((s) => s.start), items.map((s) => s.source)];
  await c.query(
    `INSERT INTO rollup_sketches (level, start, source, sketch)
     SELECT level, start, source, ''::bytea FROM unnest($1::text[], $2::int[], $3::text[]) AS u(level, start, source)
     ORDER BY level, start, source ON CONFLICT DO NOTHING`,
    keyCols,
  );
  const { rows } = await c.query<{ level: string; start: number; source: string; sketch: Buffer }>(
    `SELECT level, start, source, sketch FROM rollup_sketches WHERE (level, start, source) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::text[]))
     ORDER BY level, start, source FOR UPDATE`,
    keyCols,
  );
  const stored = new Map(rows.map((r) => [`${r.level}\u0000${r.start}\u0000${r.source}`, r.sketch]));
  const merged = items.map((s) => {
    const prev = stored.get(`${s.level}\u0000${s.start}\u0000${s.source}`);
    return Buffer.from(mergeSerialized(prev === undefined || prev.length === 0 ? null : prev, s.sketch));
  });
  await c.query(
    `UPDATE rollup_sketches AS s SET sketch = u.sketch FROM unnest($1::text[], $2::int[], $3::text[], $4::bytea[]) AS u(level, start, source, sketch)
     WHERE s.level = u.level AND s.start = u.start AND s.source = u.source`,
    [...keyCols, merged],
  );
}
