// Builds the HTTP server: the tracking API, health, metrics and the admin API, with one error vocabulary.
import type { CaptureStatus } from '../sources/cdc/change-capture.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { SluiceError } from '../core/errors.js';
import type { Log } from '../log/log.js';
import { registerRawJsonBodies } from '../sources/http/body.js';
import { registerCloudEventsGateway } from '../sources/cloudevents/gateway.js';
import { registerTrackingApi } from '../sources/http/tracking-api.js';
import { createTrackingHandler } from '../sources/http/tracking-handler.js';
import { Admission } from './admission.js';
import { fastIngest } from './fast-ingest.js';
import { registerWebhooks } from '../sources/webhooks/route.js';
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
import type { ProfilesApiDeps } from './profiles-api.js';

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
  /** Event-loop lag: says when the CPU is past its capacity (requests to the collecting endpoints then get 429). */
  shedder?: LoadShedder;
  /** Bytes the embedded log's writer holds waiting for the disk (admission refuses new requests past a share of the cap). */
  writerQueuedBytes?: () => number;
  /** Tracking plans by source, where their findings go, and the stored violations. */
  plans?: PlansApiDeps;
  /** The rollup store and consumer behind the query API and the tail. */
  query?: QueryApiDeps;
  /** PostgreSQL change captures, reported by /readyz (they do not gate readiness: ingestion works without them). */
  captures?: readonly { status(): CaptureStatus }[];
  /** Profiles, deletion and suppression; absent in servers built without them (tests). */
  profiles?: ProfilesApiDeps;
}

/** What a worker answers on the tracking paths: not an error of the sender's data, a process in the wrong role. */
function workerRefusal(method: string, path: string): string {
  return `${method} ${path}: this Sluice process runs with role worker, which takes no events; send them to a process with role ingest or all`;
}

const ALLOWED_HEADERS = ['authorization', 'content-type', 'content-encoding', 'x-retry-count', 'anonymousid', 'sentat'];

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, metrics } = deps;
  const limits = config.limits;
  const writeKeys = new Map(config.sources.flatMap((s) => s.write_keys.map((k) => [k, s.name] as const)));
  const plans = deps.plans === undefined ? {} : { plans: gatesBySource(deps.plans.bySource), planReports: deps.plans.reports };
  const privacy = deps.profiles === undefined ? {} : { privacy: deps.profiles.privacy.ingest };
  const tracking = { writeKeys, limits, anonymizeIp: config.privacy.anonymize_ip, ...privacy, log: deps.log, rejects: deps.rejects, telemetry: metrics, ...plans };
  // One handler for both HTTP paths: the fast path's plain requests and the Fastify routes.
  const handleTracking = createTrackingHandler(tracking);
  const admission = new Admission({
    limits: {
      maxInflightRequests: config.server.max_inflight_requests,
      maxInflightBytes: config.server.max_inflight_body_bytes,
      // Refused unread a little before the writer itself would refuse them parsed: the body is never read.
      maxWriterQueuedBytes: Math.floor(config.log.max_queued_bytes * 0.75),
    },
    ...(deps.shedder === undefined ? {} : { shedder: deps.shedder }),
    ...(deps.writerQueuedBytes === undefined ? {} : { writerQueuedBytes: deps.writerQueuedBytes }),
    onShed: (reason) => metrics.shed(reason),
  });
  let closing = false;
  // With trusted proxies the client address comes from X-Forwarded-For, which Fastify resolves: no fast path then.
  // A worker takes no events (docs/scaling.md): no tracking routes, and the 404 below says why.
  const takesEvents = config.role !== 'worker';
  const fast =
    config.server.trusted_proxies.length > 0 || !takesEvents
      ? undefined
      : fastIngest({ handle: handleTracking, maxBodyBytes: limits.max_batch_bytes, admission, closing: () => closing, metrics, rejects: deps.rejects, logger: deps.logger });
  const app: FastifyInstance = Fastify({
    ...(fast === undefined
      ? {}
      : { serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => createServer((req, res) => fast(req, res) || handler(req, res)) }),
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
    const path = request.url.split('?')[0]!;
    const message = !takesEvents && path.startsWith('/v1/') ? workerRefusal(request.method, path) : `no route ${request.method} ${path}`;
    void reply.code(404).send({ success: false, error: new SluiceError('not_found', message).toJSON() });
  });

  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  if (takesEvents) {
    registerTrackingApi(app, { handle: handleTracking, writeKeys, admission });
    registerCloudEventsGateway(app, { writeKeys, limits, log: deps.log, rejects: deps.rejects, telemetry: metrics, admission });
    registerWebhooks(app, { hooks: config.webhooks, limits, log: deps.log, rejects: deps.rejects, telemetry: metrics, admission, ...privacy });
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const logReady = deps.log.ready();
    const storeReady = deps.store?.ready() ?? true;
    const ready = logReady && storeReady;
    const backends = { log: { type: config.log.backend, ready: logReady }, store: { type: deps.store?.type ?? config.store.backend, ready: storeReady } };
    const captures = (deps.captures ?? []).map((c) => c.status());
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', role: config.role, backends, ...(captures.length > 0 ? { change_capture: captures } : {}) });
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  registerAdminApi(app, { adminToken: deps.adminToken, log: deps.log, rejects: deps.rejects, pipeline: deps.pipeline, functions: deps.functions, ...(deps.plans ? { plans: deps.plans } : {}), ...(deps.query ? { query: deps.query } : {}), ...(deps.profiles ? { profiles: deps.profiles } : {}) });
  registerWebRoutes(app); // the dashboard and /t.js
  return app;
}
