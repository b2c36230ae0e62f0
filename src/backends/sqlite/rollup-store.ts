// The rollup store on the embedded SQLite database: writes go through the writer thread (rollup-writer.ts), reads
// use the main thread's read connection, like the log's.
import type Database from 'better-sqlite3';
import type { SketchLevel } from '../../rollups/sketch-cover.js';
import type { ApplyResult, CounterFilter, CounterKey, RollupBatch, RollupStore } from '../../rollups/store.js';
import type { ExtensionOp } from './writer-extensions.js';
import { ROLLUP_POSITION_NAME, type RollupApplyOp, type RollupApplyReply } from './rollup-writer.js';

/** What the store needs of the SQLite log: its read connection and its writer. */
export interface SqliteHost {
  readonly readDb: Database.Database;
  submit(op: ExtensionOp): Promise<unknown>;
}

type Row = CounterKey & { n: number };

export class SqliteRollupStore implements RollupStore {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly host: SqliteHost) {}

  private prepare(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.host.readDb.prepare(sql);
      // The number of shapes is small (filters present or not), except sumsOf's key lists: keep the cache bounded.
      if (this.statements.size > 200) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }

  async position(): Promise<number> {
    const seq = this.prepare('SELECT seq FROM rollup_position WHERE name = ?').pluck().get(ROLLUP_POSITION_NAME) as number | undefined;
    return seq ?? 0;
  }

  async apply(batch: RollupBatch): Promise<ApplyResult> {
    const reply = (await this.host.submit({ k: 'rollup:apply', batch } satisfies RollupApplyOp)) as RollupApplyReply;
    if ('error' in reply) throw new Error(`rollups could not be written: ${reply.error}`);
    return reply;
  }

  private where(f: CounterFilter): { sql: string; args: unknown[] } {
    let sql = 'metric = ? AND hour >= ? AND hour < ?';
    const args: unknown[] = [f.metric, f.from, f.to];
    for (const key of ['source', 'k1', 'k2'] as const) {
      const v = f[key];
      if (v === undefined) continue;
      sql += ` AND ${key} = ?`;
      args.push(v);
    }
    return { sql, args };
  }

  async sumByHour(f: CounterFilter): Promise<{ hour: number; n: number }[]> {
    const w = this.where(f);
    return this.prepare(`SELECT hour, SUM(n) AS n FROM rollup_counters WHERE ${w.sql} GROUP BY hour ORDER BY hour`).all(...w.args) as { hour: number; n: number }[];
  }

  async top(f: CounterFilter, limit: number): Promise<Row[]> {
    const w = this.where(f);
    const sql = `SELECT k1, k2, k3, SUM(n) AS n FROM rollup_counters WHERE ${w.sql} GROUP BY k1, k2, k3 ORDER BY n DESC, k1, k2, k3 LIMIT ?`;
    return this.prepare(sql).all(...w.args, limit) as Row[];
  }

  async sumsOf(f: CounterFilter, keys: readonly CounterKey[]): Promise<Row[]> {
    if (keys.length === 0) return [];
    const w = this.where(f);
    const values = keys.map(() => '(?, ?, ?)').join(', ');
    const sql = `SELECT k1, k2, k3, SUM(n) AS n FROM rollup_counters WHERE ${w.sql} AND (k1, k2, k3) IN (VALUES ${values}) GROUP BY k1, k2, k3`;
    return this.host.readDb.prepare(sql).all(...w.args, ...keys.flatMap((k) => [k.k1, k.k2, k.k3])) as Row[];
  }

  async sketches(level: SketchLevel, from: number, to: number, source?: string): Promise<{ start: number; sketch: Uint8Array }[]> {
    let sql = 'SELECT start, sketch FROM rollup_sketches WHERE level = ? AND start >= ? AND start < ?';
    const args: unknown[] = [level, from, to];
    if (source !== undefined) {
      sql += ' AND source = ?';
      args.push(source);
    }
    return this.prepare(sql).all(...args) as { start: number; sketch: Uint8Array }[];
  }
}
