// The ViolationStore contract against PostgreSQL (skipped loudly when it is unreachable, failing in CI).
import { test } from 'node:test';
import { PostgresViolationStore } from '../../src/backends/postgres/violation-store.js';
import { postgresSkipReason } from '../helpers/postgres.js';
import { postgresFactory } from '../helpers/store-factories.js';
import { runViolationStoreContract } from './violation-store.contract.js';

const skip = await postgresSkipReason();
if (skip !== undefined) test('ViolationStore contract: PostgresViolationStore', { skip }, () => {});
else {
  runViolationStoreContract('PostgresViolationStore', postgresFactory((db) => new PostgresViolationStore(db)));
}
