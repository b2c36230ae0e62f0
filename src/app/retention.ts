// The retention pass the server runs every 10 minutes: the log drops events past log.retention_hours that every
// consumer has read past, and the store trims what it keeps (the reject log to log.keep_rejects, PostgreSQL claims
// past their retention). Separate calls: with log.backend nats the log's prune is the stream's, and the store's
// (in the embedded database or PostgreSQL) must still run.
import type { Logger } from 'pino';
import type { Log } from '../log/log.js';
import type { Store } from './store.js';

export interface RetentionParts {
  log: Pick<Log, 'prune'>;
  store: Pick<Store, 'prune'>;
  logger: Logger;
}

/** One pass; a failure is logged, never thrown (the next pass tries again). */
export async function pruneOnce({ log, store, logger }: RetentionParts): Promise<void> {
  await Promise.all([
    log.prune().then(
      (n) => n > 0 && logger.info({ dropped: n }, 'retention dropped old events'),
      (err: unknown) => logger.warn({ err }, 'retention prune failed'),
    ),
    store.prune().catch((err: unknown) => logger.warn({ err }, 'store prune failed')),
  ]);
}
