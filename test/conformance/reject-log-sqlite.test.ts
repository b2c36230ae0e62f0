// The RejectLog contract against the SQLite log, which keeps rejects in its own database.
import { sqliteFactory } from '../helpers/store-factories.js';
import { runRejectLogContract } from './reject-log.contract.js';

runRejectLogContract('SqliteLog', sqliteFactory((log) => log));
