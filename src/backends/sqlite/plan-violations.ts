// Tracking-plan violations as a writer extension: one row per (source, type, event, path, kind) with a count, the
// first and last time seen and the latest example. Rows arrive pre-aggregated (src/plans/recorder.ts) and are
// upserted in the writer's group commit; the table is capped, the rows seen least recently going first.
import type Database from 'better-sqlite3';
import { MAX_VIOLATION_ROWS, type ViolationQuery, type ViolationRow, type ViolationStore } from '../../core/plan.js';

/** The cap is checked every TRIM_EVERY rows written. */
const TRIM_EVERY = 1000;

export const RECORD_VIOLATIONS = 'plan:record';

export interface RecordViolationsOp {
  k: typeof RECORD_VIOLATIONS;
  rows: readonly ViolationRow[];
}

// Typed by shape, not by importing WriterExtension: writer-extensions.ts imports this file, and the list is where the
// shape is checked.
export const planViolationsExtension = {
  name: 'plan',
  schema: `
    CREATE TABLE IF NOT EXISTS plan_violations (
      source TEXT NOT NULL, type TEXT NOT NULL, event TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL,
      message TEXT NOT NULL, example TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, count INTEGER NOT NULL,
      UNIQUE (source, type, event, path, kind)
    );
    CREATE INDEX IF NOT EXISTS plan_violations_by_last_seen ON plan_violations (last_seen);
  `,
  open(db: Database.Database) {
    const upsert = db.prepare(`
      INSERT INTO plan_violations (source, type, event, path, kind, message, example, first_seen, last_seen, count)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (source, type, event, path, kind) DO UPDATE SET
        count = count + excluded.count,
        first_seen = MIN(first_seen, excluded.first_seen),
        last_seen = MAX(last_seen, excluded.last_seen),
        message = excluded.message,
        example = COALESCE(excluded.example, example)`);
    const trim = db.prepare('DELETE FROM plan_violations WHERE rowid IN (SELECT rowid FROM plan_violations ORDER BY last_seen DESC LIMIT -1 OFFSET ?)');
    let sinceTrim = 0;
    return (op: { k: string }): number => {
      if (op.k !== RECORD_VIOLATIONS) throw new Error(`unknown plan op ${op.k}`);
      const rows = (op as RecordViolationsOp).rows;
      for (const r of rows) upsert.run(r.source, r.type, r.event, r.path, r.kind, r.message, r.example, r.first_seen, r.last_seen, r.count);
      sinceTrim += rows.length;
      if (sinceTrim >= TRIM_EVERY) {
        sinceTrim = 0;
        trim.run(MAX_VIOLATION_ROWS);
      }
      return rows.length;
    };
  },
};

/** What the store needs of the SQLite log (declared here: importing the log's types would close an import cycle). */
interface ViolationHost {
  readonly readDb: Database.Database;
  submit(op: { k: string; [field: string]: unknown }): Promise<unknown>;
}

/** Writes through the writer thread; reads on the main thread's connection (WAL: never blocks the writer). */
export class SqliteViolationStore implements ViolationStore {
  constructor(private readonly host: ViolationHost) {}

  record(rows: readonly ViolationRow[]): Promise<unknown> {
    return this.host.submit({ k: RECORD_VIOLATIONS, rows } satisfies RecordViolationsOp);
  }

  async list(q: ViolationQuery): Promise<ViolationRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const key of ['source', 'event', 'type', 'kind'] as const) {
      const v = q[key];
      if (v === undefined) continue;
      where.push(`${key} = ?`);
      args.push(v);
    }
    const sql = `SELECT source, type, event, path, kind, message, example, first_seen, last_seen, count FROM plan_violations
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_seen DESC, count DESC LIMIT ?`;
    return this.host.readDb.prepare(sql).all(...args, Math.min(q.limit ?? 100, 10_000)) as ViolationRow[];
  }
}
