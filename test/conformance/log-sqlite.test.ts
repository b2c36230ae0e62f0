// The Log contract against the embedded SQLite log: a fresh database in a temp dir per case, removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLog, type SqliteLogOptions } from '../../src/backends/sqlite/sqlite-log.js';
import type { Log } from '../../src/log/log.js';
import { runLogContract } from './log.contract.js';

runLogContract('SqliteLog', {
  async open(settings) {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-log-contract-'));
    const opts: SqliteLogOptions = {
      ...settings,
      path: join(dir, 'sluice.db'),
      keep_rejects: 1000,
      maxRowsPerCommit: 10_000,
      maxQueuedBytes: 32 * 1024 * 1024,
    };
    let log = new SqliteLog(opts);
    let open = true;
    return {
      get log(): Log {
        return log;
      },
      async reopen() {
        open = false;
        await log.close();
        log = new SqliteLog(opts);
        open = true;
        return log;
      },
      async dispose() {
        if (open) {
          open = false;
          await log.close();
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
