// One PostgreSQL pool for the store, with what the rest of Sluice needs around it: which errors mean "the server is
// gone, try again" (so callers retry with backoff instead of failing for good), and a readiness flag that goes false
// on such an error and true again once a probe query succeeds, so /readyz tells an operator the store is down.
import pg from 'pg';

export interface PgConnectionOptions {
  url: string;
  /** The schema every table lives in (created if missing); tests use a random one. */
  schema: string;
  poolSize?: number;
  /** How often readiness is probed while the server is unreachable. */
  probeMs?: number;
  /** How often an idle store checks the server is there, so readiness is true even when nothing queries. */
  heartbeatMs?: number;
  onError?: (err: Error) => void;
}

export { isConnectionError, isRetryable } from './errors.js';
import { isConnectionError, isRetryable } from './errors.js';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export class PgConnection {
  readonly pool: pg.Pool;
  private isReady = true;
  private probing: NodeJS.Timeout | null = null;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(readonly o: PgConnectionOptions) {
    this.pool = new pg.Pool({
      connectionString: o.url,
      max: o.poolSize ?? 10,
      // Every connection sees the schema first; public stays on the path for extensions.
      options: `-c search_path=${quoteIdent(o.schema)},public`,
      connectionTimeoutMillis: 5_000,
    });
    // An idle client whose server went away emits here; without a listener the process would exit.
    this.pool.on('error', (err) => this.failed(err));
    this.heartbeat = setInterval(() => {
      if (this.isReady) this.query('SELECT 1').catch(() => {});
    }, o.heartbeatMs ?? 5_000);
    this.heartbeat.unref();
  }

  ready(): boolean {
    return this.isReady;
  }

  /** Marks the store unreachable after a connection error, and probes until it answers again. */
  failed(err: unknown): void {
    if (!isConnectionError(err) || this.closed) return;
    this.o.onError?.(err as Error);
    this.isReady = false;
    if (this.probing !== null) return;
    const probe = (): void => {
      this.pool.query('SELECT 1').then(
        () => {
          this.isReady = true;
          this.probing = null;
        },
        () => {
          if (!this.closed) this.probing = setTimeout(probe, this.o.probeMs ?? 1_000).unref();
        },
      );
    };
    this.probing = setTimeout(probe, this.o.probeMs ?? 1_000).unref();
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  /** Runs fn in one transaction; rolled back when it throws. A connection error also marks the store not ready. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      this.failed(err);
      throw err;
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      broken = isConnectionError(err);
      if (!broken) await client.query('ROLLBACK').catch(() => {});
      this.failed(err);
      throw err;
    } finally {
      // A client whose connection broke is destroyed, not returned to the pool.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.probing !== null) clearTimeout(this.probing);
    await this.pool.end();
  }
}

/**
 * Runs fn until it succeeds or a non-retryable error, waiting 100 ms, 200 ms... up to maxDelayMs between tries,
 * for at most totalMs. Used where the caller has no loop of its own (start-up migrations).
 */
export async function retrying<T>(fn: () => Promise<T>, opts: { totalMs: number; maxDelayMs?: number; onRetry?: (err: unknown, attempt: number) => void }): Promise<T> {
  const deadline = Date.now() + opts.totalMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = Math.min(opts.maxDelayMs ?? 2_000, 100 * 2 ** (attempt - 1));
      if (!isRetryable(err) || Date.now() + delay > deadline) throw err;
      opts.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
