// The postgres destination: events into one typed table, one INSERT per batch, idempotent on (source, message_id).
// A batch refused for bad data is bisected so the good rows go in and only the bad ones fail (for good).
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { Destination, DestinationContext, EventFailure, OutgoingEvent, SendResult } from '../../core/destination.js';
import { insertIsolating } from './bisect.js';
import { describeError } from './errors.js';
import { type Config, connectionStringOf } from './options.js';
import { toColumnArrays, toRow } from './row.js';
import { insertSql } from './sql.js';
import { ensureTable, TableMissingError } from './table.js';

export { schema, type Config } from './options.js';

export const type = 'postgres';

/** Upper bounds on one send. The unnest() INSERT has no parameter ceiling; these keep one statement short. */
const MAX_BATCH_EVENTS = 5_000;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/** A send holds one connection; a few cover the runner's in-flight batches without crowding the server. */
const POOL_MAX = 4;
/** The client gives up this long after statement_timeout should have fired: a server that stopped answering. */
const CLIENT_GRACE_MS = 5_000;

/** All failures retryable and none inserted: retry the batch. Anything else: the failures are listed. */
function resultOf(failures: EventFailure[], size: number): SendResult {
  const first = failures[0];
  if (first === undefined) return { kind: 'ok' };
  if (failures.length === size && failures.every((f) => !f.permanent)) return { kind: 'retry', reason: first.reason };
  return { kind: 'partial', failures };
}

/** The driver, loaded when a postgres destination is created: a server without one never pays its memory. */
function driver(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

export function create(config: Config, ctx: DestinationContext): Destination {
  const pgDriver = driver();
  const pool = new pgDriver.Pool({
    connectionString: connectionStringOf(config),
    max: POOL_MAX,
    connectionTimeoutMillis: config.timeout_ms,
    statement_timeout: config.timeout_ms,
    query_timeout: config.timeout_ms + CLIENT_GRACE_MS,
    application_name: 'sluice',
  });
  // Without a listener, a connection dropped while idle in the pool would crash the process.
  pool.on('error', (err) => ctx.log.warn({ err: describeError(err) }, 'postgres destination: an idle connection failed'));

  const sql = insertSql(config.schema, config.table);
  const spec = { schema: config.schema, table: config.table, create: config.create_table };
  let tableReady: Promise<void> | undefined;

  async function sendWith(client: pg.PoolClient, batch: readonly OutgoingEvent[], markBroken: (err: unknown) => void): Promise<SendResult> {
    // Concurrent first sends share one check; only the send whose connection ran it may blame that connection.
    const ranHere = tableReady === undefined;
    try {
      tableReady ??= ensureTable(client, spec).catch((err: unknown) => {
        tableReady = undefined;
        throw err;
      });
      await tableReady;
    } catch (err) {
      if (ranHere && !(err instanceof TableMissingError)) markBroken(err);
      return { kind: 'retry', reason: `preparing ${config.schema}.${config.table}: ${describeError(err)}` };
    }
    const rows = batch.map(toRow);
    const failures = await insertIsolating(
      batch.map((_, i) => i),
      async (indexes) => {
        try {
          await client.query(sql, toColumnArrays(indexes.map((i) => rows[i] ?? [])));
        } catch (err) {
          markBroken(err);
          throw err;
        }
      },
    );
    return resultOf(failures, batch.length);
  }

  return {
    maxBatchEvents: MAX_BATCH_EVENTS,
    maxBatchBytes: MAX_BATCH_BYTES,

    async send(batch: readonly OutgoingEvent[], signal: AbortSignal): Promise<SendResult> {
      if (batch.length === 0) return { kind: 'ok' };
      if (signal.aborted) return { kind: 'retry', reason: 'aborted before sending' };
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        return { kind: 'retry', reason: `connecting: ${describeError(err)}` };
      }
      // A server error leaves the connection usable; anything else (network, client timeout) may not: drop it.
      let broken: Error | undefined;
      try {
        return await sendWith(client, batch, (err) => {
          if (!(err instanceof pgDriver.DatabaseError)) broken ??= err instanceof Error ? err : new Error(String(err));
        });
      } finally {
        client.release(broken);
      }
    },

    async close(): Promise<void> {
      await pool.end();
    },
  };
}
