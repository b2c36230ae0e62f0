// Opens the configured store: where rollups, the reject log and plan violations live. sqlite keeps them in the
// embedded log's database; postgres in a schema migrated at start. Only this file knows which backends exist.
import type { Logger } from 'pino';
import { PgConnection, retrying } from '../backends/postgres/connection.js';
import { migrate } from '../backends/postgres/migrations.js';
import { PostgresRejectLog } from '../backends/postgres/reject-log.js';
import { PostgresRollupStore } from '../backends/postgres/rollup-store.js';
import { PostgresViolationStore } from '../backends/postgres/violation-store.js';
import { SqliteViolationStore } from '../backends/sqlite/plan-violations.js';
import { SqliteRollupStore } from '../backends/sqlite/rollup-store.js';
import type { SqliteLog } from '../backends/sqlite/sqlite-log.js';
import type { ViolationStore } from '../core/plan.js';
import type { RollupStore } from '../rollups/store.js';
import type { RejectLog } from '../sources/reject-log.js';
import type { SluiceConfig } from './config-schema.js';

export interface Store {
  type: SluiceConfig['store']['backend'];
  rollups: RollupStore;
  rejects: RejectLog;
  violations: ViolationStore;
  /** False while the store cannot be reached (the pipeline retries meanwhile). */
  ready(): boolean;
  /** Drops what is past retention; returns rows dropped. */
  prune(): Promise<number>;
  close(): Promise<void>;
}

export interface StoreDeps {
  log: SqliteLog;
  logger: Logger;
  onRejectLogDrop: (n: number) => void;
}

export async function openStore(config: Readonly<SluiceConfig>, deps: StoreDeps): Promise<Store> {
  const s = config.store;
  if (s.backend === 'sqlite') {
    return {
      type: 'sqlite',
      rollups: new SqliteRollupStore(deps.log),
      rejects: deps.log,
      violations: new SqliteViolationStore(deps.log),
      ready: () => true, // the log's own readiness covers its database
      // Here, not in the log's prune: with log.backend nats that prune is the stream's, and the rejects would grow.
      prune: () => deps.log.pruneRejects(),
      close: async () => {},
    };
  }
  const logger = deps.logger.child({ component: 'store' });
  const db = new PgConnection({
    url: s.url!,
    schema: s.schema,
    poolSize: s.pool_size,
    onError: (err) => logger.warn({ err: err.message }, 'PostgreSQL unreachable; retrying until it answers'),
  });
  try {
    const { applied, version } = await retrying(() => migrate(db.pool, s.schema), {
      totalMs: s.startup_timeout_ms,
      onRetry: (err, attempt) => logger.warn({ err: (err as Error).message, attempt }, 'PostgreSQL not reachable at start; retrying'),
    });
    logger.info({ schema: s.schema, version, applied }, 'PostgreSQL store migrated');
  } catch (err) {
    await db.close();
    throw new Error(`the PostgreSQL store could not be opened (schema ${s.schema}): ${(err as Error).message}`, { cause: err });
  }
  const rollups = new PostgresRollupStore(db);
  const rejects = new PostgresRejectLog(db, { onDrop: deps.onRejectLogDrop, onError: (err) => logger.warn({ err: (err as Error).message }, 'reject log not written yet; retrying') });
  const claimsMs = s.claims_retention_hours * 3_600_000;
  return {
    type: 'postgres',
    rollups,
    rejects,
    violations: new PostgresViolationStore(db),
    ready: () => db.ready(),
    prune: async () => (await rollups.pruneClaims(claimsMs)) + (await rejects.prune(config.log.keep_rejects)),
    async close() {
      await rejects.close();
      await db.close();
    },
  };
}
