// The RejectLog contract against PostgreSQL (skipped loudly when it is unreachable, failing in CI).
import { test } from 'node:test';
import { PostgresRejectLog } from '../../src/backends/postgres/reject-log.js';
import { postgresSkipReason } from '../helpers/postgres.js';
import { postgresFactory } from '../helpers/store-factories.js';
import { runRejectLogContract } from './reject-log.contract.js';

const skip = await postgresSkipReason();
if (skip !== undefined) test('RejectLog contract: PostgresRejectLog', { skip }, () => {});
else {
  runRejectLogContract(
    'PostgresRejectLog',
    postgresFactory(
      (db) => new PostgresRejectLog(db, { flushMs: 10 }),
      (rejects) => rejects.close(),
    ),
  );
}
