// The Segment-compatible HTTP Tracking API on Fastify: /v1/{track,identify,page,screen,group,alias}, /v1/batch,
// /v1/import, analytics.js's short paths, and the settings analytics.js loads. The request itself is handled by
// tracking-handler.ts; this file binds it to routes, with load shedding before the body is read.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../core/errors.js';
import { analyticsJsSettings } from './settings.js';
import { errorResponse, TRACKING_PATHS, type TrackingHandler, type TrackingKind, trackingRequest } from './tracking-handler.js';
import { redactKey, writeKeyFromQuery } from './write-key.js';

/** Takes a request on before its body is read, or says it must be refused (the server is past its capacity). */
export interface RequestAdmission {
  admit(declaredBytes: number): { release(): void; grow(bytes: number): void } | string;
}

export interface TrackingApiOptions {
  /** The one tracking handler, shared with the node:http fast path (src/app/fast-ingest.ts). */
  handle: TrackingHandler;
  /** Write key → source name, for the analytics.js settings route. */
  writeKeys: ReadonlyMap<string, string>;
  /** Past capacity, tracking requests are answered 429 before their body is read. */
  admission?: RequestAdmission;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/** The 429 a shed request gets; the SDK retries it after Retry-After (seconds). */
export const SHED_RETRY_AFTER_S = 1;
export const SHED_BODY = errorResponse(new SluiceError('overloaded', 'the server is past its capacity; retry after the Retry-After seconds')).body;

export function registerTrackingApi(app: FastifyInstance, opts: TrackingApiOptions): void {
  const handle = opts.handle;

  async function route(request: FastifyRequest, reply: FastifyReply, path: string, kind: TrackingKind): Promise<FastifyReply> {
    const raw = request.body;
    const res = await handle(trackingRequest(path, kind, Buffer.isBuffer(raw) ? raw : Buffer.alloc(0), request.headers, writeKeyFromQuery(request.query), request.ip));
    return reply.code(res.status).type(JSON_TYPE).send(res.body);
  }

  const admission = opts.admission;
  const shed =
    admission === undefined
      ? undefined
      : (req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
          const ticket = admission.admit(Number(req.headers['content-length']) || 0);
          if (typeof ticket !== 'string') {
            // Answered, failed or abandoned: the request no longer holds its share of the caps. A chunked body
            // (no Content-Length) is not counted as it is read here; only the fast path's plain requests are.
            reply.raw.once('close', ticket.release);
            return done();
          }
          // A shed request is retried by the SDK; admission counted it; it is not kept in the reject log.
          void reply.code(429).header('retry-after', String(SHED_RETRY_AFTER_S)).type(JSON_TYPE).send(SHED_BODY);
        };
  const routeOpts = shed === undefined ? {} : { onRequest: shed };
  for (const [path, kind] of TRACKING_PATHS) app.post(path, routeOpts, (req, reply) => route(req, reply, path, kind));

  app.get<{ Params: { writeKey: string } }>('/v1/projects/:writeKey/settings', async (request, reply) => {
    const key = request.params.writeKey;
    if (!opts.writeKeys.has(key)) {
      return reply.code(401).send({ success: false, error: new SluiceError('unauthorized', `unknown write key ${redactKey(key)}`).toJSON() });
    }
    return analyticsJsSettings(key, request.host, request.protocol);
  });
}
