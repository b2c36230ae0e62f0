// The IdentityStore contract against the SQLite store (writes through the log's writer thread, reads on the log's
// read connection): next to the SQLite log it indexes, and with the log elsewhere (log.backend nats: here a memory
// log stands for the stream) while identity stays in the embedded database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteIdentityStore } from '../../src/backends/sqlite/identity-store.js';
import { SqliteLog, type SqliteLogOptions } from '../../src/backends/sqlite/sqlite-log.js';
import type { Log } from '../../src/log/log.js';
import { MemoryLog } from '../../src/log/memory-log.js';
import { runIdentityStoreContract, SALT, type OpenedIdentityStore } from './identity-store.contract.js';

function options(): SqliteLogOptions {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-identity-contract-'));
  return { path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 60_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 * 1024 * 1024 };
}

/** The store on a fresh database; events go to the database's own log, or to `elsewhere` when given. */
function opened(elsewhere?: Log): OpenedIdentityStore {
  const opts = options();
  let db = new SqliteLog(opts);
  const storeOn = (host: SqliteLog): SqliteIdentityStore => new SqliteIdentityStore(host, elsewhere === undefined ? undefined : { log: elsewhere, salt: SALT });
  let store = storeOn(db);
  let open = true;
  const log = (): Log => elsewhere ?? db;
  return {
    get store() {
      return store;
    },
    async append(messages) {
      const records = messages.map((m) => ({ source: 'web', messageId: String(m.messageId), type: String(m.type), receivedAt: Date.now(), body: JSON.stringify(m) }));
      return (await log().append(records)).seqs.map((s) => s!);
    },
    async reopen() {
      await db.close();
      db = new SqliteLog(opts);
      store = storeOn(db);
      return store;
    },
    async dispose() {
      if (open) await db.close();
      open = false;
      rmSync(join(opts.path, '..'), { recursive: true, force: true });
    },
  };
}

runIdentityStoreContract('SqliteIdentityStore', { open: async () => opened() });

runIdentityStoreContract('SqliteIdentityStore, log elsewhere', {
  open: async () => opened(new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 })),
});
