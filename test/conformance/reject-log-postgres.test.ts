// The RejectLog contract against PostgreSQL (skipped loudly when it is unreachable, failing in CI).
import { PostgresRejectLog } from '../../src/backends/postgres/reject-log.js';
import { postgresSkipReason } from '../helpers/postgres.js';
import { postgresFactory } from '../helpers/store-factories.js';
import { runRejectLogContract } from './reject-log.contract.js';

if ((await postgresSkipReason()) === undefined) {
  runRejectLogContract(
    'PostgresRejectLog',
    postgresFactory(
      (db) => new PostgresRejectLog(db, { flushMs: 10 }),
      (rejects) => rejects.close(),
    ),
  );
}
