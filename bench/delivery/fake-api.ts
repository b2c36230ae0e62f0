// A local server that answers like the destinations' APIs, for the delivery benchmark: Amplitude's HTTP V2 API
// (POST /2/httpapi → {"code":200,"events_ingested":N,...}), Mixpanel's /import (→ {"code":200,
// "num_records_imported":N,"status":"OK"}) and any other path as a webhook receiver (→ 200). It runs on its own core
// (core 1), so what it costs is not charged to the sender on core 0.
//
// It counts events per path without parsing bodies: a real API parses, but here the parse would cost core 1 and,
// for the ceiling client's 1,000-event bodies at hundreds of requests a second, make this server the limit of the
// ceiling. Each event carries one marker key (insert_id for Amplitude, $insert_id for Mixpanel, message_id in the
// bench's webhook transform), counted with Buffer.indexOf. In record mode (the latency and backlog runs, at low
// rates) it also parses each body and notes every event's messageId with the time it arrived, on the machine-wide
// monotonic clock that process.hrtime reads (the same in every process), so another process's times can be
// subtracted from it.
//
// Control routes (JSON): POST /__/reset {"record":bool}, GET /__/stats, GET /__/sample?path=P (one body received
// there, as received), GET /__/records, GET /__/wait?path=P&events=N&timeout_ms=T (answers once N events arrived).
// Usage: node fake-api.ts   (prints "listening on http://127.0.0.1:PORT")
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface PathStats {
  requests: number;
  events: number;
  bytes: number;
  /** Monotonic ms of the first and the last request that completed. */
  firstMs: number;
  lastMs: number;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

const MARKERS: Record<string, Buffer> = {
  '/2/httpapi': Buffer.from('"insert_id":'),
  '/import': Buffer.from('"$insert_id":'),
};
const WEBHOOK_MARKER = Buffer.from('"message_id":');

let stats = new Map<string, PathStats>();
let samples = new Map<string, Buffer>();
let record = false;
/** Per path: messageId and arrival time (monotonic ms), in arrival order. */
let records = new Map<string, [string, number][]>();
let waiters: { path: string; events: number; done: () => void }[] = [];

function countMarker(body: Buffer, marker: Buffer): number {
  let n = 0;
  for (let at = body.indexOf(marker); at !== -1; at = body.indexOf(marker, at + marker.length)) n++;
  return n;
}

/** The messageIds a body carries, for record mode: the events of an API body, or the webhook documents. */
function idsOf(path: string, body: Buffer): string[] {
  const parsed = JSON.parse(body.toString('utf8')) as unknown;
  const list: unknown[] = path === '/2/httpapi' ? ((parsed as { events: unknown[] }).events ?? []) : Array.isArray(parsed) ? parsed : [parsed];
  return list.map((e) => {
    const o = e as Record<string, unknown>;
    const props = o.properties as Record<string, unknown> | undefined;
    return String(o.insert_id ?? props?.$insert_id ?? o.message_id ?? o.messageId ?? '');
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function control(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
  switch (url.pathname) {
    case '/__/reset': {
      const opts = body.length > 0 ? (JSON.parse(body.toString('utf8')) as { record?: boolean }) : {};
      stats = new Map();
      samples = new Map();
      records = new Map();
      record = opts.record === true;
      json(res, 200, { ok: true });
      return;
    }
    case '/__/stats':
      json(res, 200, { paths: Object.fromEntries(stats), nowMs: nowMs() });
      return;
    case '/__/sample': {
      const sample = samples.get(url.searchParams.get('path') ?? '');
      if (sample === undefined) json(res, 404, { error: 'no body received there' });
      else res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': sample.length }).end(sample);
      return;
    }
    case '/__/records':
      json(res, 200, Object.fromEntries(records));
      return;
    case '/__/wait': {
      const path = url.searchParams.get('path') ?? '';
      const events = Number(url.searchParams.get('events'));
      const answer = (): void => json(res, 200, { reached: (stats.get(path)?.events ?? 0) >= events, stats: stats.get(path) ?? null });
      if ((stats.get(path)?.events ?? 0) >= events) {
        answer();
        return;
      }
      const waiter = { path, events, done: answer };
      waiters.push(waiter);
      setTimeout(() => {
        if (!waiters.includes(waiter)) return;
        waiters = waiters.filter((w) => w !== waiter);
        answer();
      }, Number(url.searchParams.get('timeout_ms') ?? 60_000));
      return;
    }
    default:
      json(res, 404, { error: `no control route ${req.method} ${url.pathname}` });
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = nowMs();
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/__/')) {
      control(req, res, url, body);
      return;
    }
    const path = url.pathname;
    const events = countMarker(body, MARKERS[path] ?? WEBHOOK_MARKER);
    let s = stats.get(path);
    if (s === undefined) {
      s = { requests: 0, events: 0, bytes: 0, firstMs: at, lastMs: at };
      stats.set(path, s);
      samples.set(path, Buffer.from(body));
    }
    s.requests++;
    s.events += events;
    s.bytes += body.length;
    s.lastMs = at;
    if (record) {
      let list = records.get(path);
      if (list === undefined) records.set(path, (list = []));
      for (const id of idsOf(path, body)) list.push([id, at]);
    }
    if (path === '/2/httpapi') json(res, 200, { code: 200, events_ingested: events, payload_size_bytes: body.length, server_upload_time: Date.now() });
    else if (path === '/import') json(res, 200, { code: 200, num_records_imported: events, status: 'OK' });
    else json(res, 200, { ok: true });
    if (waiters.length > 0) {
      const ready = waiters.filter((w) => (stats.get(w.path)?.events ?? 0) >= w.events);
      waiters = waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.done();
    }
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  process.stdout.write(`listening on http://127.0.0.1:${addr.port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
