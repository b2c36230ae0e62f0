// Opens a store for a contract suite on each backend: on a SQLite log in a temp dir, or on PostgreSQL in a schema of
// its own (migrated, dropped afterwards). `reopen` closes and opens the same storage, as a restart would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgConnection } from '../../src/backends/postgres/connection.js';
import { migrate } from '../../src/backends/postgres/migrations.js';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import { dropSchema, PG_URL, randomSchemaName } from './postgres.js';

export interface OpenedStore<T> {
  readonly store: T;
  reopen(): Promise<T>;
  dispose(): Promise<void>;
}

export interface StoreFactory<T> {
  open(): Promise<OpenedStore<T>>;
}

export function sqliteFactory<T>(make: (log: SqliteLog) => T): StoreFactory<T> {
  return {
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-store-contract-'));
      const opts = { path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 3_600_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 1 << 24 };
      let log = new SqliteLog(opts);
      let store = make(log);
      let open = true;
      return {
        get store() {
          return store;
        },
        async reopen() {
          await log.close();
          log = new SqliteLog(opts);
          store = make(log);
          return store;
        },
        async dispose() {
          if (open) await log.close();
          open = false;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

export function postgresFactory<T>(make: (db: PgConnection) => T, close: (store: T) => Promise<void> = async () => {}): StoreFactory<T> {
  return {
    async open() {
      const schema = randomSchemaName();
      const connect = async (): Promise<PgConnection> => {
        const db = new PgConnection({ url: PG_URL, schema, poolSize: 2 });
        await migrate(db.pool, schema);
        return db;
      };
      let db = await connect();
      let store = make(db);
      return {
        get store() {
          return store;
        },
        async reopen() {
          await close(store);
          await db.close();
          db = await connect();
          store = make(db);
          return store;
        },
        async dispose() {
          await close(store);
          await db.close();
          await dropSchema(schema);
        },
      };
    },
  };
}
