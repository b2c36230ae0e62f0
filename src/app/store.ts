// Opens the configured store: where rollups, the reject log and plan violations live. sqlite keeps them in the
// embedded log's database; postgres in a schema migrated at start (postgres-store.ts, loaded only then).
import { SqliteViolationStore } from '../backends/sqlite/plan-violations.js';
import { SqliteRollupStore } from '../backends/sqlite/rollup-store.js';
import type { SluiceConfig } from './config-schema.js';
import type { Store, StoreDeps } from './store-types.js';

export type { Store, StoreDeps } from './store-types.js';

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
  // Loaded only when configured: the pg driver and the PostgreSQL store are memory an embedded server never uses.
  const { openPostgresStore } = await import('./postgres-store.js');
  return openPostgresStore(config, deps);
}
