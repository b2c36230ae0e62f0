// The webhook destination against a real node:http server on a loopback port.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DestinationContext, OutgoingEvent } from '../../core/destination.js';
import { aliases, create, schema, type } from './index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

const ctx: DestinationContext = {
  log: { info() {}, warn() {}, error() {} },
  now: () => Date.now(),
};

function events(n: number, props: (i: number) => Record<string, unknown> = () => ({})): OutgoingEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    messageId: `m-${i}`,
    source: 'web',
    doc: { type: 'track', messageId: `m-${i}`, event: 'Clicked', properties: { i, ...props(i) }, context: {}, timestamp: '2024-05-01T12:00:00.000Z', receivedAt: '2024-05-01T12:00:01.000Z' },
  }));
}

describe('webhook destination', () => {
  let server: Server;
  let base: string;
  let seen: Seen[];
  let handler: Handler;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        seen.push(s);
        handler(s, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen = [];
    handler = (_req, res) => res.end('ok');
  });

  it('exports its type, aliases and a strict schema', () => {
    assert.equal(type, 'http');
    assert.deepEqual([...aliases], ['webhook', 'http-sink']);
    assert.equal(schema.safeParse({ url: `${base}/x`, filter: 'x' }).success, false, "the runner's options are not ours");
  });

  it('docs/destinations.md documents every option', async () => {
    const docs = await readFile(new URL('../../../docs/destinations.md', import.meta.url), 'utf8');
    const section = docs.split(/^## /m).find((s) => s.startsWith('http (webhook)\n')) ?? '';
    for (const key of Object.keys(schema.shape)) assert.match(section, new RegExp(`^\\| \`${key}[.\`]`, 'm'), key);
  });

  it('per event: one request each, body = the event; all 2xx is ok', async () => {
    const d = create(schema.parse({ url: `${base}/hook` }), ctx);
    const batch = events(3);
    const r = await d.send(batch, new AbortController().signal);
    assert.equal(r.kind, 'ok');
    assert.equal(seen.length, 3);
    const bodies = seen.map((s) => JSON.parse(s.body) as { messageId: string }).sort((a, b) => a.messageId.localeCompare(b.messageId));
    assert.deepEqual(bodies, batch.map((e) => e.doc));
    for (const s of seen) {
      assert.equal(s.method, 'POST');
      assert.equal(s.url, '/hook');
      assert.equal(s.headers['content-type'], 'application/json');
    }
  });

  it('per event, mixed statuses: partial naming exactly the failures, 4xx permanent, 5xx and 429 retryable', async () => {
    const statuses = [200, 500, 400, 429, 201];
    handler = (req, res) => {
      const { properties } = JSON.parse(req.body) as { properties: { i: number } };
      const status = statuses[properties.i] ?? 200;
      if (status === 429) res.setHeader('retry-after', '7');
      res.statusCode = status;
      res.end(`status ${status}`);
    };
    const d = create(schema.parse({ url: `${base}/hook` }), ctx);
    const r = await d.send(events(5), new AbortController().signal);
    assert.equal(r.kind, 'partial');
    assert.deepEqual(
      r.failures.map((f) => ({ index: f.index, permanent: f.permanent })),
      [
        { index: 1, permanent: false },
        { index: 2, permanent: true },
        { index: 3, permanent: false },
      ],
    );
    assert.match(r.failures[0]?.reason ?? '', /answered 500: status 500/);
    assert.match(r.failures[1]?.reason ?? '', /answered 400/);
    assert.match(r.failures[2]?.reason ?? '', /answered 429/);
    assert.equal(r.failures[2]?.retryAfterMs, 7000, 'the Retry-After of that event is passed on to the runner');
    assert.equal(r.exchange?.response?.status, 500, 'the first failure is kept as the exchange');
    assert.equal(seen.length, 5);
  });

  it('per event, every event retryable: one retry for the batch with the longest Retry-After', async () => {
    handler = (req, res) => {
      const { properties } = JSON.parse(req.body) as { properties: { i: number } };
      res.statusCode = properties.i === 0 ? 503 : 429;
      if (properties.i > 0) res.setHeader('retry-after', String(properties.i * 2));
      res.end();
    };
    const d = create(schema.parse({ url: `${base}/hook` }), ctx);
    const r = await d.send(events(3), new AbortController().signal);
    assert.equal(r.kind, 'retry');
    assert.equal(r.retryAfterMs, 4000);
    assert.match(r.reason, /and 2 more of 3/);
  });

  it('per event, every event refused for good: partial listing all of them as permanent', async () => {
    handler = (_req, res) => {
      res.statusCode = 422;
      res.end('no');
    };
    const d = create(schema.parse({ url: `${base}/hook` }), ctx);
    const r = await d.send(events(2), new AbortController().signal);
    assert.equal(r.kind, 'partial');
    assert.deepEqual(r.failures.map((f) => [f.index, f.permanent]), [[0, true], [1, true]]);
  });

  it('per event: no more than max_parallel_requests requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    handler = (_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end();
      }, 20);
    };
    const d = create(schema.parse({ url: `${base}/hook`, max_parallel_requests: 3 }), ctx);
    const r = await d.send(events(10), new AbortController().signal);
    assert.equal(r.kind, 'ok');
    assert.equal(seen.length, 10);
    assert.equal(most, 3);
  });

  it('json_array: one request, body = the array of events; classified as a whole', async () => {
    const d = create(schema.parse({ url: `${base}/batch`, batch_format: 'json_array' }), ctx);
    const batch = events(4);
    assert.equal((await d.send(batch, new AbortController().signal)).kind, 'ok');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), batch.map((e) => e.doc));

    handler = (_req, res) => {
      res.statusCode = 502;
      res.setHeader('retry-after', '3');
      res.end('bad gateway');
    };
    const retry = await d.send(batch, new AbortController().signal);
    assert.equal(retry.kind, 'retry');
    assert.equal(retry.retryAfterMs, 3000);

    handler = (_req, res) => {
      res.statusCode = 400;
      res.end('bad');
    };
    const fail = await d.send(batch, new AbortController().signal);
    assert.equal(fail.kind, 'fail');
    assert.match(fail.reason, /webhook answered 400: bad/);
  });

  it('ndjson: one request, one event per line, each line ended', async () => {
    const d = create(schema.parse({ url: `${base}/nd`, batch_format: 'ndjson' }), ctx);
    const batch = events(3);
    assert.equal((await d.send(batch, new AbortController().signal)).kind, 'ok');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.headers['content-type'], 'application/x-ndjson');
    const body = seen[0]?.body ?? '';
    assert.ok(body.endsWith('\n'));
    assert.deepEqual(body.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown), batch.map((e) => e.doc));
  });

  it("the seed connector's http.endpoint form: method and headers from inside http", async () => {
    const d = create(schema.parse({ http: { endpoint: `${base}/seed`, method: 'PUT', headers: { Authorization: 'Bearer s3cret' } } }), ctx);
    assert.equal((await d.send(events(1), new AbortController().signal)).kind, 'ok');
    assert.equal(seen[0]?.method, 'PUT');
    assert.equal(seen[0]?.url, '/seed');
    assert.equal(seen[0]?.headers.authorization, 'Bearer s3cret');
  });

  it('a configured Content-Type replaces the default instead of being sent twice', async () => {
    const d = create(schema.parse({ url: `${base}/ct`, headers: { 'Content-Type': 'application/vnd.acme+json' } }), ctx);
    assert.equal((await d.send(events(1), new AbortController().signal)).kind, 'ok');
    assert.equal(seen[0]?.headers['content-type'], 'application/vnd.acme+json');
  });

  it('a server slower than timeout_ms: retry, per event and batched', async () => {
    handler = (_req, res) => setTimeout(() => res.end('late'), 1000).unref();
    for (const batch_format of ['none', 'json_array'] as const) {
      const d = create(schema.parse({ url: `${base}/slow`, timeout_ms: 100, batch_format }), ctx);
      const started = Date.now();
      const r = await d.send(events(2), new AbortController().signal);
      assert.equal(r.kind, 'retry', batch_format);
      assert.match(r.reason, /timed out after 100 ms/);
      assert.ok(Date.now() - started < 900, 'did not wait for the server');
    }
  });

  it('connection refused: retry', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    for (const batch_format of ['none', 'ndjson'] as const) {
      const d = create(schema.parse({ url: `http://127.0.0.1:${port}/gone`, batch_format }), ctx);
      const r = await d.send(events(2), new AbortController().signal);
      assert.equal(r.kind, 'retry', batch_format);
      assert.match(r.reason, /network error/);
    }
  });
});
