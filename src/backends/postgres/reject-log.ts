// The reject log on PostgreSQL. record() must never throw or delay a response, so entries are queued in memory and
// written by a background flush as one multi-row INSERT. While the server is unreachable they wait (bounded) and are
// written when it returns; entries past the bound are dropped and counted (onDrop), never silently.
import type { RejectEntry, RejectLog, RejectQuery } from '../../sources/reject-log.js';
import type { PgConnection } from './connection.js';
import { pgText } from './text.js';

export interface PostgresRejectLogOptions {
  /** Entries waiting to be written at most; more are dropped and counted. */
  maxPending?: number;
  flushMs?: number;
  onDrop?: (n: number) => void;
  onError?: (err: unknown) => void;
}

const BATCH = 1_000;

export class PostgresRejectLog implements RejectLog {
  private pending: RejectEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;

  constructor(
    private readonly db: PgConnection,
    private readonly o: PostgresRejectLogOptions = {},
  ) {}

  record(entries: readonly RejectEntry[]): void {
    if (entries.length === 0) return;
    const room = (this.o.maxPending ?? 10_000) - this.pending.length;
    if (room < entries.length) this.o.onDrop?.(entries.length - Math.max(0, room));
    if (room > 0) this.pending.push(...entries.slice(0, room));
    this.schedule(this.o.flushMs ?? 200);
  }

  private schedule(ms: number): void {
    if (this.timer !== null || this.pending.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().catch(() => {});
    }, ms);
    this.timer.unref();
  }

  /** Writes what is queued; on failure it stays queued and is tried again with backoff. */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        while (this.pending.length > 0) {
          const batch = this.pending.slice(0, BATCH);
          await this.insert(batch);
          this.pending.splice(0, batch.length);
        }
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.o.onError?.(err);
        this.schedule(Math.min(10_000, 200 * 2 ** this.failures));
        throw err;
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  private async insert(rows: readonly RejectEntry[]): Promise<void> {
    await this.db.query(
      `INSERT INTO rejects (at, source, code, field, item_index, message, sample)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[])`,
      [
        rows.map((r) => r.at),
        rows.map((r) => (r.source === null ? null : pgText(r.source))),
        rows.map((r) => r.code),
        rows.map((r) => (r.field === null ? null : pgText(r.field))),
        rows.map((r) => r.index),
        rows.map((r) => pgText(r.message)),
        rows.map((r) => (r.sample === null ? null : pgText(r.sample))),
      ],
    );
  }

  async list(q: RejectQuery = {}): Promise<RejectEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const key of ['source', 'code'] as const) {
      const v = q[key];
      if (v === undefined) continue;
      args.push(v);
      where.push(`${key} = $${args.length}`);
    }
    args.push(Math.min(q.limit ?? 100, 10_000));
    const sql = `SELECT at::float8 AS at, source, code, field, item_index AS "index", message, sample FROM rejects
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`;
    return (await this.db.query<RejectEntry>(sql, args)).rows;
  }

  /** Keeps the newest `keep` rows. */
  async prune(keep: number): Promise<number> {
    const r = await this.db.query('DELETE FROM rejects WHERE id <= (SELECT MAX(id) FROM rejects) - $1', [keep]);
    return r.rowCount ?? 0;
  }

  /** Writes what is still queued (best effort: a store that is down loses it, counted). */
  async close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.flush().catch(() => {
      this.o.onDrop?.(this.pending.length);
      this.pending = [];
    });
  }
}
