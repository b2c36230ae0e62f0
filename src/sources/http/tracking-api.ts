// The Segment-compatible HTTP Tracking API on Fastify: /v1/{track,identify,page,screen,group,alias}, /v1/batch,
// /v1/import, analytics.js's short paths, and the settings analytics.js loads. The request itself is handled by
// tracking-handler.ts; this file binds it to routes, with load shedding (shed.ts) before the body is read.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../core/errors.js';
import { analyticsJsSettings } from './settings.js';
import { admitted, JSON_TYPE, type RequestAdmission } from './shed.js';
import { TRACKING_PATHS, type TrackingHandler, type TrackingKind, trackingRequest } from './tracking-handler.js';
import { redactKey, writeKeyFromQuery } from './write-key.js';

export interface TrackingApiOptions {
  /** The one tracking handler, shared with the node:http fast path (src/app/fast-ingest.ts). */
  handle: TrackingHandler;
  /** Write key → source name, for the analytics.js settings route. */
  writeKeys: ReadonlyMap<string, string>;
  /** Past capacity, tracking requests are answered 429 before their body is read. */
  admission?: RequestAdmission;
}

export function registerTrackingApi(app: FastifyInstance, opts: TrackingApiOptions): void {
  const handle = opts.handle;

  async function route(request: FastifyRequest, reply: FastifyReply, path: string, kind: TrackingKind): Promise<FastifyReply> {
    const raw = request.body;
    const res = await handle(trackingRequest(path, kind, Buffer.isBuffer(raw) ? raw : Buffer.alloc(0), request.headers, writeKeyFromQuery(request.query), request.ip));
    return reply.code(res.status).type(JSON_TYPE).send(res.body);
  }

  const routeOpts = admitted(opts.admission);
  for (const [path, kind] of TRACKING_PATHS) app.post(path, routeOpts, (req, reply) => route(req, reply, path, kind));

  app.get<{ Params: { writeKey: string } }>('/v1/projects/:writeKey/settings', async (request, reply) => {
    const key = request.params.writeKey;
    if (!opts.writeKeys.has(key)) {
      return reply.code(401).send({ success: false, error: new SluiceError('unauthorized', `unknown write key ${redactKey(key)}`).toJSON() });
    }
    return analyticsJsSettings(key, request.host, request.protocol);
  });
}
