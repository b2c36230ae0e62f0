// Load shedding on a Fastify route: every collecting endpoint (the tracking API, the CloudEvents gateway, the
// webhooks) takes its route options from admitted(), so past capacity each of them answers the same 429, counted the
// same way, before its body is read. The decision itself is src/app/admission.ts; the node:http fast path applies it
// to plain tracking requests with the same answer (src/app/fast-ingest.ts).
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { SluiceError } from '../../core/errors.js';
import { errorResponse } from './tracking-handler.js';

/** Takes a request on before its body is read, or says it must be refused (the server is past its capacity). */
export interface RequestAdmission {
  admit(declaredBytes: number): { release(): void; grow(bytes: number): void } | string;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/** The 429 a shed request gets; SDKs (and Stripe, which retries any non-2xx) send it again after Retry-After (seconds). */
export const SHED_RETRY_AFTER_S = 1;
export const SHED_BODY = errorResponse(new SluiceError('overloaded', 'the server is past its capacity; retry after the Retry-After seconds')).body;

/**
 * Route options that put a route behind admission: an onRequest hook, which runs before Fastify reads the body, so a
 * refused body is never read. Without an admission (servers built for tests), no hook at all.
 */
export function admitted(admission: RequestAdmission | undefined): RouteShorthandOptions {
  if (admission === undefined) return {};
  return {
    onRequest: (req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      const ticket = admission.admit(Number(req.headers['content-length']) || 0);
      if (typeof ticket !== 'string') {
        // Answered, failed or abandoned: the request no longer holds its share of the caps. A chunked body
        // (no Content-Length) is not counted as it is read here; only the fast path's plain requests are.
        reply.raw.once('close', ticket.release);
        return done();
      }
      // Admission counted the refusal; it is not kept in the reject log: it is not final for the data.
      void reply.code(429).header('retry-after', String(SHED_RETRY_AFTER_S)).type(JSON_TYPE).send(SHED_BODY);
    },
  };
}
