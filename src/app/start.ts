// The composition root: reads the config, opens the log, wires the server, and stops it all in order.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { SqliteIdentityStore } from '../backends/sqlite/identity-store.js';
import { SqliteLog } from '../backends/sqlite/sqlite-log.js';
import type { Log } from '../log/log.js';
import type { FunctionsRunner } from '../pipeline/functions/runner.js';
import { checkConfig } from './check-config.js';
import { type Consumers, startConsumers } from './consumers.js';
import { appendingEmit } from './emit.js';
import type { ConfigOverrides } from './config.js';
import type { Pipeline } from './pipeline.js';
import type { SluiceConfig } from './config-schema.js';
import { LoadShedder } from './load-shedder.js';
import { openLog } from './log-backend.js';
import { Metrics } from './metrics.js';
import { planServices } from './plans.js';
import { PrivacyService } from './privacy.js';
import { pruneOnce } from './retention.js';
import { buildServer } from './server.js';
import { openStore, type Store } from './store.js';

export interface Sluice {
  url: string;
  config: Readonly<SluiceConfig>;
  app: FastifyInstance;
  /** The log events go to: the SQLite store itself, or NATS JetStream (log.backend). */
  log: Log;
  /** The embedded database: delivery state and identity; the log when log.backend is sqlite, the store when store.backend is. */
  embedded: SqliteLog;
  /** Rollups, the reject log and plan violations (store.backend). */
  store: Store;
  pipeline: Pipeline;
  functions: FunctionsRunner;
  adminToken: string;
  /** Write key of the development source, when Sluice created one. */
  devWriteKey: string | undefined;
  /** The retention pass (retention.ts) now; the server runs it every 10 minutes. */
  prune(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions extends ConfigOverrides {
  logger?: Logger;
  /** Where start-up lines (write key, admin token, address) go. */
  announce?: (line: string) => void;
}

const PRUNE_EVERY_MS = 10 * 60 * 1000;

/** A secret kept in the data dir so it survives restarts: created once, then read back. */
function persistentSecret(dataDir: string, file: string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(16).toString('hex');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function createLogger(): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: ['req.headers.authorization', 'writeKey', '*.writeKey', 'write_keys', '*.write_keys', 'admin_token', '*.admin_token'], censor: '[redacted]' },
  });
}

export async function startSluice(opts: StartOptions = {}): Promise<Sluice> {
  const announce = opts.announce ?? ((line: string) => process.stdout.write(`${line}\n`));
  const loaded = checkConfig(opts);
  let config = loaded.config;
  const dataDir = resolve(config.data_dir);
  mkdirSync(dataDir, { recursive: true });

  let devWriteKey: string | undefined;
  if (config.sources.length === 0) {
    // No sources configured: a development source, so a newcomer can send events at once.
    devWriteKey = persistentSecret(dataDir, 'dev-write-key');
    config = Object.freeze({ ...config, sources: Object.freeze([Object.freeze({ name: 'default', write_keys: Object.freeze([devWriteKey]) })]) }) as Readonly<SluiceConfig>;
  }
  const adminToken = config.admin_token ?? persistentSecret(dataDir, 'admin-token');

  const logger = opts.logger ?? createLogger();
  const metrics = new Metrics();
  // The embedded SQLite database is always opened: delivery state and identity live in it, and it is the log when
  // log.backend is sqlite and the store when store.backend is sqlite.
  const embedded = new SqliteLog({
    path: join(dataDir, 'sluice.db'),
    dedupe_window_ms: config.log.dedupe_window_hours * 3_600_000,
    retention_ms: config.log.retention_hours * 3_600_000,
    maxRowsPerCommit: config.log.max_rows_per_commit,
    maxQueuedBytes: config.log.max_queued_bytes,
    keep_rejects: config.log.keep_rejects,
    onCommit: ({ rows, ms, ok }) => {
      if (!ok) metrics.commitFailures.inc();
      metrics.commitSeconds.observe(ms / 1000);
      if (rows > 0) metrics.commitRows.observe(rows);
    },
    onRejectLogDrop: (n) => metrics.rejectLogDropped.inc(n),
  });
  let log: Log;
  try {
    log = await openLog(config, embedded);
  } catch (err) {
    await embedded.close();
    throw err;
  }
  /** Closes the log, then the embedded database when it is a separate thing. */
  const closeBoth = async (): Promise<void> => {
    await log.close();
    if (log !== embedded) await embedded.close();
  };
  let store: Store | undefined;
  const salt = config.privacy.salt ?? persistentSecret(dataDir, 'privacy-salt');
  // Identity lives in the embedded database; with the log in NATS, timelines read their events from the stream.
  const identityStore = new SqliteIdentityStore(embedded, log === embedded ? undefined : { log, salt });
  let privacy: PrivacyService | undefined;
  let consumers: Consumers;
  try {
    store = await openStore(config, { log: embedded, logger, onRejectLogDrop: (n) => metrics.rejectLogDropped.inc(n) });
    privacy = await PrivacyService.open({
      store: identityStore,
      salt,
      hashFields: config.privacy.hash_fields,
      rollups: config.rollups.enabled ? { breakdowns: config.rollups.breakdowns } : null,
      metrics,
      logger: logger.child({ component: 'privacy' }),
    });
    consumers = await startConsumers({
      config,
      loaded,
      log,
      embedded,
      store,
      identityStore,
      emit: appendingEmit(log, config.limits, config.privacy.anonymize_ip, metrics, privacy.ingest),
      baseDir: loaded.path === undefined ? process.cwd() : dirname(resolve(loaded.path)),
      metrics,
      logger,
    });
  } catch (err) {
    await privacy?.close();
    await store?.close();
    await closeBoth();
    throw err;
  }
  const { pipeline, functions, rollups, identity, captures } = consumers;
  const plans = planServices(loaded.plans, store.violations, metrics, logger);
  const shedder = new LoadShedder(config.server.max_event_loop_lag_ms);
  const app = await buildServer({ config, log, rejects: store.rejects, store, metrics, logger, adminToken, pipeline, functions, plans, shedder, ...(log === embedded ? { writerQueuedBytes: () => embedded.pendingBytes } : {}), query: { store: store.rollups, log, rollups, countedElsewhere: config.rollups.enabled && rollups === null }, profiles: { store: identityStore, privacy, identity }, captures });
  await app.listen({ host: config.server.host, port: config.server.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  const url = `http://${config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host}:${port}`;

  const openedStore = store;
  const prune = (): Promise<void> => pruneOnce({ log, store: openedStore, ...(log === embedded ? {} : { embeddedBeside: embedded }), logger });
  const pruneTimer = setInterval(() => void prune(), PRUNE_EVERY_MS);
  pruneTimer.unref();

  if (devWriteKey !== undefined) announce(`write key: ${devWriteKey}`);
  if (config.admin_token === undefined) announce(`admin token: ${adminToken}`);
  announce(`listening on ${url}`);
  logger.info({ url, role: config.role, dataDir, log: config.log.backend, sources: config.sources.map((s) => s.name), config: loaded.path ?? null }, 'sluice started');

  let closing: Promise<void> | undefined;
  return {
    url,
    config,
    app,
    log,
    embedded,
    store: openedStore,
    pipeline,
    functions,
    adminToken,
    devWriteKey,
    prune,
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        shedder.stop();
        await app.close(); // stop accepting; in-flight requests finish and their appends commit
        await consumers.stop(); // whatever this role runs: captures, functions, destinations, rollups, identity
        await plans.flush(); // the last second's plan violations, while the writer still runs
        await privacy.close(); // the last suppressed-events count
        await openedStore.close(); // queued rejects written, connections closed
        await closeBoth(); // flush what is queued, stop the writer
        metrics.stop();
      })();
      return closing;
    },
  };
}
