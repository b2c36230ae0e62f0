// The ViolationStore contract against PostgreSQL (skipped loudly when it is unreachable, failing in CI).
import { PostgresViolationStore } from '../../src/backends/postgres/violation-store.js';
import { postgresSkipReason } from '../helpers/postgres.js';
import { postgresFactory } from '../helpers/store-factories.js';
import { runViolationStoreContract } from './violation-store.contract.js';

if ((await postgresSkipReason()) === undefined) {
  runViolationStoreContract('PostgresViolationStore', postgresFactory((db) => new PostgresViolationStore(db)));
}
