// Chooses the log backend from the config. The embedded SQLite database is always opened: besides the log it keeps
// the reject log, plan violations, delivery state and rollups (the store); with `log.backend: nats` the events
// themselves live in NATS JetStream and the SQLite log table stays empty.
import type { SqliteLog } from '../backends/sqlite/sqlite-log.js';
import type { Log } from '../log/log.js';
import type { SluiceConfig } from './config-schema.js';

export async function openLog(config: Readonly<SluiceConfig>, store: SqliteLog): Promise<Log> {
  if (config.log.backend === 'sqlite') return store;
  const n = config.log.nats;
  // Loaded here, not at the top: the NATS client is ~10 MB of memory that an embedded server never uses.
  const { NatsLog } = await import('../backends/nats/nats-log.js');
  try {
    return await NatsLog.open({
      servers: n.url,
      stream: n.stream,
      replicas: n.replicas,
      max_age_ms: n.max_age_hours * 3_600_000,
      ack_wait_ms: n.ack_wait_seconds * 1000,
      max_ack_pending: n.max_ack_pending,
      publish_timeout_ms: n.publish_timeout_ms,
      dedupe_window_ms: config.log.dedupe_window_hours * 3_600_000,
      retention_ms: config.log.retention_hours * 3_600_000,
    });
  } catch (err) {
    throw new Error(`log.backend is nats, but NATS JetStream at ${n.url} could not be opened: ${(err as Error).message}`, { cause: err });
  }
}
