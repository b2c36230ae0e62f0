// Tracking-plan violations on PostgreSQL: the recorder's aggregates upserted in one multi-row statement, adding up
// with what is stored; capped like the embedded store, the rows seen least recently going first.
import { MAX_VIOLATION_ROWS, type ViolationQuery, type ViolationRow, type ViolationStore } from '../../core/plan.js';
import type { PgConnection } from './connection.js';
import { pgText } from './text.js';

/** The cap is checked every TRIM_EVERY rows written. */
const TRIM_EVERY = 1000;

const KEY = ['source', 'type', 'event', 'path', 'kind'] as const;

export class PostgresViolationStore implements ViolationStore {
  private sinceTrim = 0;

  constructor(private readonly db: PgConnection) {}

  async record(rows: readonly ViolationRow[]): Promise<number> {
    // One statement may not update a row twice: rows with the same key are folded first, as the upsert would.
    const folded = new Map<string, ViolationRow>();
    for (const r of rows) {
      const key = KEY.map((k) => r[k]).join('\u0000');
      const f = folded.get(key);
      if (f === undefined) folded.set(key, { ...r });
      else {
        f.count += r.count;
        f.first_seen = Math.min(f.first_seen, r.first_seen);
        f.last_seen = Math.max(f.last_seen, r.last_seen);
        f.message = r.message;
        f.example = r.example ?? f.example;
      }
    }
    // Sorted by key so concurrent writers lock rows in the same order.
    const list = [...folded.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, r]) => r);
    if (list.length === 0) return 0;
    const col = <K extends keyof ViolationRow>(k: K): ViolationRow[K][] => list.map((r) => r[k]);
    await this.db.query(
      `INSERT INTO plan_violations (source, type, event, path, kind, message, example, first_seen, last_seen, count)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[])
       ON CONFLICT (source, type, event, path, kind) DO UPDATE SET
         count = plan_violations.count + excluded.count,
         first_seen = LEAST(plan_violations.first_seen, excluded.first_seen),
         last_seen = GREATEST(plan_violations.last_seen, excluded.last_seen),
         message = excluded.message,
         example = COALESCE(excluded.example, plan_violations.example)`,
      [
        ...KEY.map((k) => col(k).map((v) => pgText(v))),
        col('message').map((v) => pgText(v)),
        col('example').map((v) => (v === null ? null : pgText(v))),
        col('first_seen'),
        col('last_seen'),
        col('count'),
      ],
    );
    this.sinceTrim += list.length;
    if (this.sinceTrim >= TRIM_EVERY) {
      this.sinceTrim = 0;
      await this.db.query(
        `DELETE FROM plan_violations WHERE (source, type, event, path, kind) IN (
           SELECT source, type, event, path, kind FROM plan_violations ORDER BY last_seen DESC OFFSET $1)`,
        [MAX_VIOLATION_ROWS],
      );
    }
    return list.length;
  }

  async list(q: ViolationQuery): Promise<ViolationRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const key of ['source', 'event', 'type', 'kind'] as const) {
      const v = q[key];
      if (v === undefined) continue;
      args.push(v);
      where.push(`${key} = $${args.length}`);
    }
    args.push(Math.min(q.limit ?? 100, 10_000));
    const sql = `SELECT source, type, event, path, kind, message, example, first_seen::float8 AS first_seen, last_seen::float8 AS last_seen, count::float8 AS count
      FROM plan_violations ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_seen DESC, count DESC LIMIT $${args.length}`;
    return (await this.db.query<ViolationRow>(sql, args)).rows;
  }
}
