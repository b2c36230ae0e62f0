// The IdentityStore contract against the SQLite store (writes through the log's writer thread, reads on the log's
// read connection): next to the SQLite log it indexes, and with the log elsewhere (log.backend nats: here a memory
// log stands for the stream) while identity stays in the embedded database.
import { SqliteIdentityStore } from '../../src/backends/sqlite/identity-store.js';
import type { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import type { Log } from '../../src/log/log.js';
import { MemoryLog } from '../../src/log/memory-log.js';
import { sqliteFactory } from '../helpers/store-factories.js';
import { runIdentityStoreContract, SALT, type OpenedIdentityStore } from './identity-store.contract.js';

/** The store on a fresh database; events go to the database's own log, or to `elsewhere` when given. */
async function opened(elsewhere?: Log): Promise<OpenedIdentityStore> {
  let db: SqliteLog | undefined;
  const o = await sqliteFactory((log) => {
    db = log;
    return new SqliteIdentityStore(log, elsewhere === undefined ? undefined : { log: elsewhere, salt: SALT });
  }).open();
  return {
    get store() {
      return o.store;
    },
    async append(messages) {
      const records = messages.map((m) => ({ source: 'web', messageId: String(m.messageId), type: String(m.type), receivedAt: Date.now(), body: JSON.stringify(m) }));
      return (await (elsewhere ?? db!).append(records)).seqs.map((s) => s!);
    },
    reopen: () => o.reopen(),
    dispose: () => o.dispose(),
  };
}

runIdentityStoreContract('SqliteIdentityStore', { open: () => opened() });

runIdentityStoreContract('SqliteIdentityStore, log elsewhere', { open: () => opened(new MemoryLog({ dedupe_window_ms: 60_000, retention_ms: 60_000 })) });
