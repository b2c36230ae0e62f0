// The rollup store on the embedded SQLite database: writes go through the writer thread (rollup-writer.ts), reads
// use the main thread's read connection, like the log's.
import type Database from 'better-sqlite3';
import { coverWithDays } from '../../rollups/day-cover.js';
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

  /**
   * Sums per key over the filter's hours, as rows of (k1, k2, k3, n) for an outer GROUP BY: whole UTC days from the
   * daily rows, edge hours from the hourly rows (day-cover.ts). `keys` narrows every part to those keys.
   */
  private perKey(f: CounterFilter, keys?: readonly CounterKey[]): { sql: string; args: unknown[]; subtracted: boolean } {
    // Only counts (n ≥ 1 in every row) may subtract: see day-cover.ts.
    const cover = coverWithDays(f.from, f.to, f.metric !== 'revenue');
    const parts: string[] = [];
    const args: unknown[] = [];
    const keyList = keys === undefined ? '' : ` AND (k1, k2, k3) IN (VALUES ${keys.map(() => '(?, ?, ?)').join(', ')})`;
    const keyArgs = keys === undefined ? [] : keys.flatMap((k) => [k.k1, k.k2, k.k3]);
    if (cover.days.from < cover.days.to) {
      let narrow = '';
      const narrowArgs: unknown[] = [];
      for (const key of ['source', 'k1', 'k2'] as const) {
        const v = f[key];
        if (v === undefined) continue;
        narrow += ` AND ${key} = ?`;
        narrowArgs.push(v);
      }
      // Grouped by the integer key first (the cheap part), then named: one lookup per key, not per row.
      parts.push(
        `SELECT k1, k2, k3, d.n FROM (SELECT key, SUM(n) AS n FROM rollup_counters_daily WHERE metric = ? AND day >= ? AND day < ? GROUP BY key) d
         JOIN rollup_keys ON rollup_keys.id = d.key WHERE true${narrow}${keyList}`,
      );
      args.push(f.metric, cover.days.from, cover.days.to, ...narrowArgs, ...keyArgs);
    }
    for (const [runs, sign] of [[cover.plus, ''], [cover.minus, '-']] as const) {
      for (const run of runs) {
        const w = this.where({ ...f, from: run.from, to: run.to });
        parts.push(`SELECT k1, k2, k3, ${sign}SUM(n) AS n FROM rollup_counters WHERE ${w.sql}${keyList} GROUP BY k1, k2, k3`);
        args.push(...w.args, ...keyArgs);
      }
    }
    if (parts.length === 0) parts.push('SELECT NULL AS k1, NULL AS k2, NULL AS k3, 0 AS n WHERE false');
    return { sql: parts.join(' UNION ALL '), args, subtracted: cover.minus.length > 0 };
  }

  async top(f: CounterFilter, limit: number): Promise<Row[]> {
    const q = this.perKey(f);
    // With hours subtracted, a key without a row in the range sums to 0 (its day's count less the same hours): left out.
    const having = q.subtracted ? ' HAVING SUM(n) <> 0' : '';
    const sql = `SELECT k1, k2, k3, SUM(n) AS n FROM (${q.sql}) GROUP BY k1, k2, k3${having} ORDER BY n DESC, k1, k2, k3 LIMIT ?`;
    return this.prepare(sql).all(...q.args, limit) as Row[];
  }

  async sumsOf(f: CounterFilter, keys: readonly CounterKey[]): Promise<Row[]> {
    if (keys.length === 0) return [];
    const q = this.perKey(f, keys);
    const having = q.subtracted ? ' HAVING SUM(n) <> 0' : '';
    const sql = `SELECT k1, k2, k3, SUM(n) AS n FROM (${q.sql}) GROUP BY k1, k2, k3${having}`;
    return this.host.readDb.prepare(sql).all(...q.args) as Row[];
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
