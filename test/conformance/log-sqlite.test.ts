// The Log contract against the embedded SQLite log: a fresh database in a temp dir per case, removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLog, type SqliteLogOptions } from '../../src/backends/sqlite/sqlite-log.js';
import { reopenableLog, runLogContract } from './log.contract.js';

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
    return reopenableLog(
      () => new SqliteLog(opts),
      () => rmSync(dir, { recursive: true, force: true }),
    );
  },
});
