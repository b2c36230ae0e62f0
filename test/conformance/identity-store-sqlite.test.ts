// The IdentityStore contract against the SQLite store (writes through the log's writer thread, reads on the log's
// read connection), next to the SQLite log it indexes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteIdentityStore } from '../../src/backends/sqlite/identity-store.js';
import { SqliteLog, type SqliteLogOptions } from '../../src/backends/sqlite/sqlite-log.js';
import { runIdentityStoreContract } from './identity-store.contract.js';

function options(): SqliteLogOptions {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-identity-contract-'));
  return { path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 60_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 32 * 1024 * 1024 };
}

runIdentityStoreContract('SqliteIdentityStore', {
  async open() {
    const opts = options();
    let log = new SqliteLog(opts);
    let store = new SqliteIdentityStore(log);
    let open = true;
    return {
      get store() {
        return store;
      },
      async append(messages) {
        const records = messages.map((m) => ({ source: 'web', messageId: String(m.messageId), type: String(m.type), receivedAt: Date.now(), body: JSON.stringify(m) }));
        return (await log.append(records)).seqs.map((s) => s!);
      },
      async reopen() {
        await log.close();
        log = new SqliteLog(opts);
        store = new SqliteIdentityStore(log);
        return store;
      },
      async dispose() {
        if (open) await log.close();
        open = false;
        rmSync(join(opts.path, '..'), { recursive: true, force: true });
      },
    };
  },
});
