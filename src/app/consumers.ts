// Starts what reads the log — destinations, functions, rollups, identity — and change capture, as the process's role
// asks: all of it for `worker` and `all`, none of it for `ingest` (docs/scaling.md). One stop() for whatever runs.
import type { Logger } from 'pino';
import { CountingThread } from '../backends/sqlite/counting-thread.js';
import type { SqliteLog } from '../backends/sqlite/sqlite-log.js';
import type { IdentityStore } from '../identity/store.js';
import { type IdentityConsumer, startIdentity } from '../identity/identity-consumer.js';
import type { Log } from '../log/log.js';
import { consumerName, type FunctionsRunner, startFunctions } from '../pipeline/functions/runner.js';
import { type RollupsConsumer, startRollups } from '../rollups/rollups-consumer.js';
import type { ChangeCapture } from '../sources/cdc/change-capture.js';
import type { CheckedConfig } from './check-config.js';
import type { SluiceConfig } from './config-schema.js';
import type { Emit } from '../pipeline/functions/emitted.js';
import type { Metrics } from './metrics.js';
import type { DestinationEntry } from './destination-registry.js';
import { destinationConsumerName, type Pipeline, startPipeline } from './pipeline.js';
import type { Store } from './store.js';

export interface Consumers {
  /** The destination runners; none in an ingest process (its admin API then lists no destinations). */
  pipeline: Pipeline;
  /** The function loops; none in an ingest process. */
  functions: FunctionsRunner;
  rollups: Pick<RollupsConsumer, 'status'> | null;
  identity: Pick<IdentityConsumer, 'status'> | null;
  captures: readonly ChangeCapture[];
  /** Stops in dependency order: captures, functions (an emit in flight still appends), destinations, rollups, identity. */
  stop(): Promise<void>;
}

export interface ConsumerDeps {
  config: Readonly<SluiceConfig>;
  loaded: Pick<CheckedConfig, 'destinations' | 'secrets'>;
  log: Log;
  /** Delivery state (pause flags) lives in the embedded database. */
  embedded: SqliteLog;
  store: Store;
  identityStore: IdentityStore;
  emit: Emit;
  baseDir: string;
  metrics: Metrics;
  logger: Logger;
}

export async function startConsumers(deps: ConsumerDeps): Promise<Consumers> {
  const { config, log, logger, metrics } = deps;
  const runs = config.role !== 'ingest';
  const captures: ChangeCapture[] = [];
  let pipeline: Pipeline | undefined;
  let functions: FunctionsRunner | undefined;
  let rollups: RollupsConsumer | null = null;
  let identity: IdentityConsumer | null = null;
  let counting: CountingThread | null = null;
  const stop = async (): Promise<void> => {
    await Promise.all(captures.map((c) => c.stop())); // unconfirmed changes stay in their slots for next time
    await functions?.stop(); // before the log closes: an emit in flight still appends
    await pipeline?.stop(); // stop reading; sends in flight finish and settle
    await rollups?.stop(); // the batch being applied commits with its position
    await identity?.stop(); // likewise
    await counting?.stop(); // both of them, on their thread
  };
  try {
    // An ingest process still gets an (empty) pipeline and functions runner, so the admin API answers the same way.
    pipeline = await startPipeline(runs ? deps.loaded.destinations : [], { log, state: deps.embedded, telemetry: metrics, logger });
    functions = await startFunctions(log, runs ? config.functions : [], {
      emit: deps.emit,
      secrets: deps.loaded.secrets,
      logger: logger.child({ component: 'functions' }),
      baseDir: deps.baseDir,
    });
    // An ingest process declares the consumers a destination or function starting at `now` reads from, without
    // reading: events it takes before any worker first starts are then theirs too, not skipped.
    if (!runs) await declareConsumers(log, config, deps.loaded.destinations);
    if (runs) {
      // Several processes share a NATS consumer, so batches interleave: a PostgreSQL store then counts each event once
      // by claiming its position (docs/postgres.md); in one process the store's position check is enough.
      const claims = config.log.backend === 'nats' && config.store.backend === 'postgres';
      if (config.role === 'worker' && config.store.backend === 'sqlite' && config.rollups.enabled) {
        logger.warn('role worker with store.backend sqlite: this worker counts only the events it gets, into its own database; use store.backend postgres for one set of counts (docs/scaling.md)');
      }
      if (onCountingThread(config) && (config.rollups.enabled || config.identity.enabled)) {
        counting = await CountingThread.start({
          log: deps.embedded,
          nice: config.counting_thread.nice,
          rollups: config.rollups.enabled ? config.rollups : null,
          identity: config.identity.enabled ? config.identity : null,
          logger,
          telemetry: metrics,
        });
      } else {
        if (config.rollups.enabled) rollups = await startRollups(log, deps.store.rollups, config.rollups, logger.child({ component: 'rollups' }), { claims });
        if (config.identity.enabled) identity = await startIdentity(log, deps.identityStore, config.identity, logger.child({ component: 'identity' }), metrics);
      }
      if (config.change_capture.length > 0) {
        // Loaded only when configured: the replication client and its pg driver are memory an embedded server never uses.
        const { ChangeCapture } = await import('../sources/cdc/change-capture.js');
        for (const c of config.change_capture) {
          const capture = new ChangeCapture({ config: c, log, telemetry: metrics, logger: logger.child({ component: 'change-capture' }) });
          await capture.start();
          captures.push(capture);
        }
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { pipeline, functions, rollups: counting?.rollups ?? rollups, identity: counting?.identity ?? identity, captures, stop };
}

/**
 * The counting thread reads the log from the embedded database and writes to it: only when both the log and the
 * store are there. With NATS or PostgreSQL the consumers stay on this thread (their clients are asynchronous, and
 * a worker process is how that deployment spreads the load: docs/scaling.md).
 */
function onCountingThread(config: Readonly<SluiceConfig>): boolean {
  return config.counting_thread.enabled && config.log.backend === 'sqlite' && config.store.backend === 'sqlite';
}

async function declareConsumers(log: Log, config: Readonly<SluiceConfig>, destinations: readonly DestinationEntry[]): Promise<void> {
  for (const d of destinations) if (d.common.enabled) await log.consumer(destinationConsumerName(d.common.name), { startAt: d.common.start_at });
  for (const fn of config.functions) await log.consumer(consumerName(fn), { startAt: fn.start_at });
}
