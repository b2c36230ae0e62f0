// The tracking API's hot path on bare node:http. Server-side SDKs post small JSON bodies at high rates; routing,
// hooks, content-type parsing and reply decoration in Fastify cost about as much per request as the rest of ingest
// (BENCHMARKS.md, "What dominates"), so the plain case is answered here before Fastify sees it: a POST to a tracking
// path, no Content-Encoding, no Origin (browsers need CORS headers), no trusted proxies (X-Forwarded-For needs
// Fastify's resolution). Everything else — gzip, browsers, every other route — falls through to Fastify, which calls
// the same handler (sources/http/tracking-handler.ts), so both paths give the same answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { SluiceError } from '../core/errors.js';
import { JSON_TYPE, SHED_BODY, SHED_RETRY_AFTER_S } from '../sources/http/shed.js';
import { errorResponse, TRACKING_PATHS, type TrackingHandler, type TrackingRequest, type TrackingResponse, trackingRequest } from '../sources/http/tracking-handler.js';
import type { RejectLog } from '../sources/reject-log.js';
import type { Admission } from './admission.js';
import { bodyTooLarge, retryAfterSeconds, shuttingDown, toSluiceError } from './http-errors.js';
import type { Metrics } from './metrics.js';

export interface FastIngestDeps {
  handle: TrackingHandler;
  maxBodyBytes: number;
  /** Takes a request on or refuses it (429) before its body is read. */
  admission: Admission;
  /** True once the server is closing: requests on kept-alive sockets get 503, as Fastify's return503OnClosing does. */
  closing: () => boolean;
  metrics: Metrics;
  rejects: RejectLog;
  logger: Logger;
}

/** Returns a request listener that answers the plain tracking requests and returns false for all others. */
export function fastIngest(deps: FastIngestDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { metrics } = deps;
  // prom-client hashes label values on every observe; a child per (route, status) is looked up once.
  const timers = new Map<string, ReturnType<typeof metrics.requestSeconds.labels>>();
  function observe(route: string, status: number, started: number): void {
    const k = `${route} ${status}`;
    let child = timers.get(k);
    if (child === undefined) timers.set(k, (child = metrics.requestSeconds.labels(route, String(status))));
    child.observe((performance.now() - started) / 1000);
  }

  function send(res: ServerResponse, route: string, started: number, r: TrackingResponse, headers?: Record<string, string>): void {
    res.writeHead(r.status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(r.body), ...headers });
    res.end(r.body);
    observe(route, r.status, started);
  }

  /** A refusal decided here, not by the handler: counted, and kept in the reject log when it is final for the data. */
  function refuse(res: ServerResponse, route: string, started: number, err: SluiceError, headers?: Record<string, string>): void {
    metrics.rejected(err.code, 1);
    if (err.status < 429) deps.rejects.record([{ at: Date.now(), source: null, code: err.code, field: err.field ?? null, index: err.index ?? null, message: err.message, sample: null }]);
    const retryAfter = retryAfterSeconds(err);
    send(res, route, started, errorResponse(err), retryAfter === undefined ? headers : { ...headers, 'retry-after': String(retryAfter) });
  }

  function run(req: IncomingMessage, res: ServerResponse, request: TrackingRequest, route: string, started: number): void {
    deps.handle(request).then(
      (r) => send(res, route, started, r),
      (err: unknown) => {
        const e = toSluiceError(err, deps.maxBodyBytes);
        if (e.code === 'internal') deps.logger.error({ err, url: req.url }, 'request failed');
        refuse(res, route, started, e);
      },
    );
  }

  return function tryFastIngest(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const route = q < 0 ? url : url.slice(0, q);
    const kind = TRACKING_PATHS.get(route);
    if (kind === undefined) return false;
    const { headers } = req;
    const encoding = headers['content-encoding'];
    if ((encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'identity') || headers.origin !== undefined) return false;

    const started = performance.now();
    if (deps.closing()) {
      refuse(res, route, started, shuttingDown(), { connection: 'close' });
      return true;
    }
    const declared = headers['content-length'];
    const declaredBytes = declared === undefined ? 0 : Number(declared) || 0;
    if (declaredBytes > deps.maxBodyBytes) {
      refuse(res, route, started, bodyTooLarge(deps.maxBodyBytes), { connection: 'close' });
      req.destroy();
      return true;
    }
    const ticket = deps.admission.admit(declaredBytes);
    if (typeof ticket === 'string') {
      // A shed request is retried by the SDK; admission counted it; it is not kept in the reject log. Its body is
      // never read: Node discards it.
      send(res, route, started, { status: 429, body: SHED_BODY }, { 'retry-after': String(SHED_RETRY_AFTER_S) });
      return true;
    }
    // Answered, failed or abandoned by the client: either way the request no longer holds its share of the caps.
    res.once('close', ticket.release);

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      ticket.read(chunk.length);
      if (size > deps.maxBodyBytes) {
        tooLarge = true; // chunked, without a Content-Length to refuse up front
        refuse(res, route, started, bodyTooLarge(deps.maxBodyBytes), { connection: 'close' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const queryWriteKey = q < 0 ? undefined : (new URLSearchParams(url.slice(q + 1)).get('writeKey') ?? undefined) || undefined;
      run(req, res, trackingRequest(route, kind, body, headers, queryWriteKey, req.socket.remoteAddress), route, started);
    });
    // A client that goes away mid-body gets no answer; nothing of its request was appended.
    req.on('error', () => {});
    return true;
  };
}
