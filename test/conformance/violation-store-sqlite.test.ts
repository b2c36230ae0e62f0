// The ViolationStore contract against the SQLite log's writer extension.
import { SqliteViolationStore } from '../../src/backends/sqlite/plan-violations.js';
import { sqliteFactory } from '../helpers/store-factories.js';
import { runViolationStoreContract } from './violation-store.contract.js';

runViolationStoreContract('SqliteViolationStore', sqliteFactory((log) => new SqliteViolationStore(log)));
