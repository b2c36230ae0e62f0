// The PostgreSQL store (store.backend: postgres): migrated at start under retries, then rollups, reject log and plan
// violations in its schema. Apart from store.ts so that an embedded server never loads the pg driver.
import { PgConnection, retrying } from '../backends/postgres/connection.js';
import { migrate } from '../backends/postgres/migrations.js';
import { PostgresRejectLog } from '../backends/postgres/reject-log.js';
import { PostgresRollupStore } from '../backends/postgres/rollup-store.js';
import { PostgresViolationStore } from '../backends/postgres/violation-store.js';
import type { SluiceConfig } from './config-schema.js';
import type { Store, StoreDeps } from './store-types.js';

export async function openPostgresStore(config: Readonly<SluiceConfig>, deps: StoreDeps): Promise<Store> {
  const s = config.store;
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
