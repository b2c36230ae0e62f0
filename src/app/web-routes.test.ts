// The dashboard and tracker routes: content types, gzip, ETag revalidation, the dashboard's CSP, the tracker's size
// budget, and the message when the bundles were never built.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { readBuiltAssets, WebAssetsUnavailable } from './web-assets.js';
import { registerWebRoutes } from './web-routes.js';

const TRACKER_GZIP_BUDGET = 3 * 1024;

let app: FastifyInstance;
before(async () => {
  app = Fastify();
  registerWebRoutes(app);
  await app.ready();
});
after(() => app.close());

test('GET / serves the dashboard page with a strict CSP', async () => {
  const res = await app.inject({ method: 'GET', url: '/' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/html/);
  assert.match(res.body, /<script type="module" src="\/assets\/app.js"><\/script>/);
  const csp = res.headers['content-security-policy'] as string;
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
});

test('app.js and app.css are bundled, gzipped on request, and revalidated by ETag', async () => {
  const js = await app.inject({ method: 'GET', url: '/assets/app.js', headers: { 'accept-encoding': 'gzip, br' } });
  assert.equal(js.statusCode, 200);
  assert.equal(js.headers['content-encoding'], 'gzip');
  assert.match(js.headers['content-type'] as string, /^text\/javascript/);
  const source = gunzipSync(js.rawPayload).toString();
  assert.ok(source.length > 10_000, 'the bundle holds Preact, uPlot and the views');
  assert.ok(!/https?:\/\/(cdn|unpkg|fonts)\./.test(source), 'nothing is loaded from a CDN');

  const again = await app.inject({ method: 'GET', url: '/assets/app.js', headers: { 'if-none-match': js.headers.etag as string } });
  assert.equal(again.statusCode, 304);

  const css = await app.inject({ method: 'GET', url: '/assets/app.css' });
  assert.equal(css.statusCode, 200);
  assert.match(css.headers['content-type'] as string, /^text\/css/);
  assert.match(css.body, /\.uplot/, "uPlot's stylesheet is bundled in");
});

test(`t.js is a script of at most ${TRACKER_GZIP_BUDGET} bytes gzipped, cacheable and embeddable cross-origin`, async () => {
  const res = await app.inject({ method: 'GET', url: '/t.js', headers: { 'accept-encoding': 'gzip' } });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/javascript/);
  assert.equal(res.headers['content-encoding'], 'gzip');
  const size = res.rawPayload.length;
  assert.ok(size <= TRACKER_GZIP_BUDGET, `t.js is ${size} bytes gzipped; the budget is ${TRACKER_GZIP_BUDGET}`);
  console.log(`t.js: ${gunzipSync(res.rawPayload).length} bytes, ${size} gzipped`);
  assert.match(res.headers['cache-control'] as string, /public/);
  assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
  assert.equal(res.headers['content-security-policy'], undefined, 'the dashboard CSP is not sent with the tracker');
});

test('the dashboard never hands a string to the HTML parser', () => {
  // Event names, URLs, titles and property values are visitor-supplied; Preact renders text nodes for them.
  const dir = fileURLToPath(new URL('../../web/', import.meta.url));
  const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
  assert.ok(sources.length > 10);
  for (const f of sources) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.ok(!/dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(text), `${f} uses an HTML sink`);
  }
});

test('without a build, reading the bundles fails with what to run', () => {
  const empty = `${mkdtempSync(join(tmpdir(), 'sluice-web-'))}/`;
  assert.throws(() => readBuiltAssets(empty), (err: unknown) => err instanceof WebAssetsUnavailable && /npm run build/.test(err.message));
});
