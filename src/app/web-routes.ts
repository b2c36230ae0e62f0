// Serves the dashboard (GET /, /assets/app.js, /assets/app.css) and the browser tracker (GET /t.js), gzipped when the
// client accepts it, revalidated by ETag. The dashboard's admin API calls carry the token; these files hold no data.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type WebFile, WebAssetsUnavailable, webAssetsLoader } from './web-assets.js';

// The dashboard loads nothing but its own files and talks only to this server. uPlot and Preact set styles through
// the DOM, which CSP's style-src does not restrict, so no 'unsafe-inline' is needed.
const DASHBOARD_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};
// Sites load t.js from another origin; an hour of caching keeps their pages fast, the ETag keeps revalidation cheap.
const TRACKER_HEADERS = { 'cache-control': 'public, max-age=3600', 'cross-origin-resource-policy': 'cross-origin' };

export function registerWebRoutes(app: FastifyInstance): void {
  const load = webAssetsLoader();

  async function serve(request: FastifyRequest, reply: FastifyReply, name: WebFile, headers: Record<string, string>): Promise<FastifyReply> {
    let assets;
    try {
      assets = await load();
    } catch (err) {
      if (!(err instanceof WebAssetsUnavailable)) throw err;
      request.log.warn({ reason: err.message }, 'web assets unavailable');
      return reply.code(503).type('text/plain; charset=utf-8').header('retry-after', '60').send(`${err.message}\n`);
    }
    const file = assets.get(name)!;
    void reply.headers({ ...headers, 'x-content-type-options': 'nosniff', etag: file.etag, vary: 'accept-encoding' });
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
    if (gzip) void reply.header('content-encoding', 'gzip');
    return reply.type(file.type).send(gzip ? file.gzip : file.body);
  }

  app.get('/', (req, reply) => serve(req, reply, 'index.html', DASHBOARD_HEADERS));
  app.get('/assets/app.js', (req, reply) => serve(req, reply, 'app.js', DASHBOARD_HEADERS));
  app.get('/assets/app.css', (req, reply) => serve(req, reply, 'app.css', DASHBOARD_HEADERS));
  app.get('/t.js', (req, reply) => serve(req, reply, 't.js', TRACKER_HEADERS));
}
