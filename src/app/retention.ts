// The retention pass the server runs every 10 minutes: the log drops events past log.retention_hours that every
// consumer has read past, and the store trims what it keeps (the reject log to log.keep_rejects, PostgreSQL claims
// past their retention). Separate calls: with log.backend nats the log's prune is the stream's, and the store's
// (in the embedded database or PostgreSQL) must still run; so must the embedded database's trim of the identity
// timeline index, below the first position the stream still holds.
import type { Logger } from 'pino';
import type { SqliteLog } from '../backends/sqlite/sqlite-log.js';
import type { Log } from '../log/log.js';
import type { Store } from './store.js';

export interface RetentionParts {
  log: Pick<Log, 'prune' | 'scan' | 'stats'>;
  store: Pick<Store, 'prune'>;
  /** The embedded database when the log is not in it (log.backend nats); undefined when it is. */
  embeddedBeside?: Pick<SqliteLog, 'pruneBelow'>;
  logger: Logger;
}

/** The first position the log still holds; the head + 1 when it holds nothing. */
async function firstHeld(log: RetentionParts['log']): Promise<number> {
  return (await log.scan(0, 1))[0]?.seq ?? (await log.stats()).headSeq + 1;
}

/** One pass; a failure is logged, never thrown (the next pass tries again). */
export async function pruneOnce({ log, store, embeddedBeside, logger }: RetentionParts): Promise<void> {
  const events = async (): Promise<void> => {
    const n = await log.prune();
    if (n > 0) logger.info({ dropped: n }, 'retention dropped old events');
    if (embeddedBeside !== undefined) await embeddedBeside.pruneBelow(await firstHeld(log));
  };
  await Promise.all([
    events().catch((err: unknown) => logger.warn({ err }, 'retention prune failed')),
    store.prune().catch((err: unknown) => logger.warn({ err }, 'store prune failed')),
  ]);
}
