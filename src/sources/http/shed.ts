// Load shedding on a Fastify route: every collecting endpoint (the tracking API, the CloudEvents gateway, the
// webhooks) takes its route options from admitted(), so past capacity each of them answers the same 429, counted the
// same way, before its body is read. The decision itself is src/app/admission.ts; the node:http fast path applies it
// to plain tracking requests with the same answer (src/app/fast-ingest.ts).
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyReply, FastifyRequest, preParsingHookHandler, RequestPayload, RouteShorthandOptions } from 'fastify';
import { SluiceError } from '../../core/errors.js';
import { errorResponse } from './tracking-handler.js';

/** Takes a request on before its body is read, or says it must be refused (the server is past its capacity). */
export interface RequestAdmission {
  admit(declaredBytes: number): { release(): void; read(bytes: number): void } | string;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/** The 429 a shed request gets; SDKs (and Stripe, which retries any non-2xx) send it again after Retry-After (seconds). */
export const SHED_RETRY_AFTER_S = 1;
export const SHED_BODY = errorResponse(new SluiceError('overloaded', 'the server is past its capacity; retry after the Retry-After seconds')).body;

/**
 * Hands the bytes of a body to its ticket as they stream (the ticket counts what goes past the declared length: all
 * of a chunked body, the decoded excess of a gzip one), so a body admitted on its declaration cannot hold more memory
 * than the caps allow unseen. `receivedEncodedLength` is passed through: Fastify compares it with Content-Length.
 */
class ReadCounter extends Transform {
  private seen = 0;

  constructor(
    private readonly inner: RequestPayload & { receivedEncodedLength?: number },
    private readonly ticket: AdmissionTicket,
  ) {
    super();
  }

  get receivedEncodedLength(): number {
    return this.inner.receivedEncodedLength ?? this.seen;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    this.ticket.read(chunk.length);
    cb(null, chunk);
  }
}

type AdmissionTicket = Exclude<ReturnType<RequestAdmission['admit']>, string>;

/**
 * Route options that put a route behind admission: an onRequest hook, which runs before Fastify reads the body, so a
 * refused body is never read, and a preParsing hook that counts what a body holds beyond its declared length.
 * Without an admission (servers built for tests), no hooks at all.
 */
export function admitted(admission: RequestAdmission | undefined): RouteShorthandOptions {
  if (admission === undefined) return {};
  const tickets = new WeakMap<FastifyRequest, AdmissionTicket>();
  return {
    onRequest: (req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      const ticket = admission.admit(Number(req.headers['content-length']) || 0);
      if (typeof ticket !== 'string') {
        // Answered, failed or abandoned: the request no longer holds its share of the caps.
        reply.raw.once('close', ticket.release);
        tickets.set(req, ticket);
        return done();
      }
      // Admission counted the refusal; it is not kept in the reject log: it is not final for the data.
      void reply.code(429).header('retry-after', String(SHED_RETRY_AFTER_S)).type(JSON_TYPE).send(SHED_BODY);
    },
    // Route hooks run after the app's: `payload` is already gzip-decoded (body.ts), so decoded bytes are counted.
    preParsing: countRead,
  };

  function countRead(...[req, , payload, done]: Parameters<preParsingHookHandler>): void {
    const ticket = tickets.get(req);
    if (ticket === undefined) return done(null, payload);
    const counter = new ReadCounter(payload, ticket);
    payload.on('error', (err: Error) => counter.destroy(err));
    done(null, payload.pipe(counter));
  }
}
