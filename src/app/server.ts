// Builds the HTTP server: the tracking API, health, metrics and the admin API, with one error vocabulary.
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { SluiceError } from '../core/errors.js';
import type { Log } from '../log/log.js';
import { registerRawJsonBodies } from '../sources/http/body.js';
import { registerCloudEventsGateway } from '../sources/cloudevents/gateway.js';
import { registerTrackingApi } from '../sources/http/tracking-api.js';
import type { RejectLog } from '../sources/reject-log.js';
import { registerAdminApi } from './admin-api.js';
import type { SluiceConfig } from './config-schema.js';
import { retryAfterSeconds, toSluiceError } from './http-errors.js';
import { registerWebRoutes } from './web-routes.js';
import type { LoadShedder } from './load-shedder.js';
import type { Metrics } from './metrics.js';
import type { FunctionsRunner } from '../pipeline/functions/runner.js';
import type { Pipeline } from './pipeline.js';
import { gatesBySource, type PlansApiDeps } from './plans.js';
import type { QueryApiDeps } from './query-api.js';

export interface ServerDeps {
  config: Readonly<SluiceConfig>;
  log: Log;
  rejects: RejectLog;
  /** The store's backend and whether it can be reached, for /readyz. */
  store?: { type: string; ready(): boolean };
  metrics: Metrics;
  logger: Logger;
  adminToken: string;
  pipeline: Pipeline;
  functions: FunctionsRunner;
  /** Says when the server is past its capacity (tracking requests then get 429). */
  shedder?: LoadShedder;
  /** Tracking plans by source, where their findings go, and the stored violations. */
  plans?: PlansApiDeps;
  /** The rollup store and consumer behind the query API and the tail. */
  query?: QueryApiDeps;
}

const ALLOWED_HEADERS = ['authorization', 'content-type', 'content-encoding', 'x-retry-count', 'anonymousid', 'sentat'];

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, metrics } = deps;
  const limits = config.limits;
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.server.trusted_proxies.length > 0 ? [...config.server.trusted_proxies] : false,
    bodyLimit: limits.max_batch_bytes,
    // Keep-alive sockets of idle SDKs must not hold a graceful shutdown open.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // No child logger per request: request lines are off, and errors are logged with their own context.
    childLoggerFactory: (logger) => logger,
  });

  await app.register(cors, {
    origin: true,
    credentials: true,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ALLOWED_HEADERS,
    maxAge: 86_400,
  });
  registerRawJsonBodies(app, limits.max_batch_bytes);

  // Callback style, not async: no promise per request on the hot path.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestSeconds.observe({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((err, request, reply) => {
    const e = toSluiceError(err, limits.max_batch_bytes);
    if (e.code === 'internal') request.log.error({ err }, 'request failed');
    metrics.rejected(e.code, 1);
    // Refusals that are final for the data (4xx) go to the reject log; 429/503 are retried by the client.
    if (e.status < 429 && request.url.startsWith('/v1/')) {
      deps.rejects.record([{ at: Date.now(), source: null, code: e.code, field: e.field ?? null, index: e.index ?? null, message: e.message, sample: null }]);
    }
    const retryAfter = retryAfterSeconds(e);
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    void reply.code(e.status).send({ success: false, error: e.toJSON() });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ success: false, error: new SluiceError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`).toJSON() });
  });

  const writeKeys = new Map(config.sources.flatMap((s) => s.write_keys.map((k) => [k, s.name] as const)));
  const plans = deps.plans === undefined ? {} : { plans: gatesBySource(deps.plans.bySource), planReports: deps.plans.reports };
  registerTrackingApi(app, { writeKeys, limits, anonymizeIp: config.privacy.anonymize_ip, log: deps.log, rejects: deps.rejects, telemetry: metrics, overloaded: () => deps.shedder?.overloaded() ?? false, ...plans });
  registerCloudEventsGateway(app, { writeKeys, limits, log: deps.log, rejects: deps.rejects, telemetry: metrics });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const logReady = deps.log.ready();
    const storeReady = deps.store?.ready() ?? true;
    const ready = logReady && storeReady;
    const backends = { log: { type: config.log.backend, ready: logReady }, store: { type: deps.store?.type ?? config.store.backend, ready: storeReady } };
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', backends });
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  registerAdminApi(app, { adminToken: deps.adminToken, log: deps.log, rejects: deps.rejects, pipeline: deps.pipeline, functions: deps.functions, ...(deps.plans ? { plans: deps.plans } : {}), ...(deps.query ? { query: deps.query } : {}) });
  registerWebRoutes(app); // the dashboard and /t.js
  return app;
}
