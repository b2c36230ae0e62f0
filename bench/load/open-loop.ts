// An open-loop load generator: requests are due at a fixed rate whatever the server does, and each one's latency is
// counted from the moment it was due, not from when it could be sent. A closed-loop tool (wrk, autocannon, even with
// a rate cap) waits for a reply before sending the next request on a connection, so a server stall also stalls the
// client and most of the stall never shows in the percentiles ("coordinated omission"); wrk2 fixes that but is not in
// Debian. This is that fix, small: raw keep-alive sockets, one request in flight per socket, new sockets opened (up
// to --max-conns) when all are busy, and requests that find no socket wait in a client queue, on the clock.
//
// Usage: node open-loop.ts --url URL --template FILE --auth HEADER --rate R --seconds S
//          [--warmup-s W] [--conns N] [--max-conns M] [--timeout-ms T] [--timeline] [--record FILE]
// The first W seconds (default 1) run at the same rate but are not counted: they warm the generator's own JIT and
// sockets, which would otherwise show up as the server's latency.
// Prints one JSON line (OpenLoopResult) on stdout. With --record FILE it also writes, for every measured request, its
// last messageId and when it fell due, was written and was answered, on the machine-wide monotonic clock
// (process.hrtime), so the delivery benchmark can match each event with its arrival at a fake destination.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { MSGID_TOKEN } from '../lib/bodies.js';

export interface OpenLoopResult {
  rate: number;
  seconds: number;
  /** Requests that fell due during the run. */
  due: number;
  /** Requests written to a socket. */
  sent: number;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  /** 429 and 503 responses without a Retry-After header. */
  retryAfterMissing: number;
  /** Sockets that failed or closed under a request (the request is lost). */
  errors: number;
  /** Sockets that could not be opened. */
  connectErrors: number;
  /** Requests with no response within timeoutMs of being written (the socket is then dropped). */
  timeouts: number;
  /** Requests that were due but never got a socket before the run ended (the client queue at the end). */
  unsent: number;
  /** Latency from when each request was due to its response, in ms, over all answered requests. */
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  /** Latency from when each request was written, in ms: the server's share, without the client queue. */
  serviceMs: { p50: number; p99: number; max: number };
  /** Sockets open at the peak. */
  peakConns: number;
  /** How late the generator itself fell behind its schedule at worst, in ms: if large, the generator was the limit. */
  maxSendLagMs: number;
  /** With --timeline: [ms since start, requests answered, worst due-time latency (ms)] per 100 ms. */
  timeline?: [number, number, number][];
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    template: { type: 'string' },
    auth: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    'warmup-s': { type: 'string', default: '1' },
    conns: { type: 'string', default: '16' },
    'max-conns': { type: 'string', default: '1000' },
    'timeout-ms': { type: 'string', default: '10000' },
    // Per-100 ms buckets of the run (sent, answered, worst latency), for finding when a stall happened.
    timeline: { type: 'boolean', default: false },
    record: { type: 'string' },
  },
});
if (!values.url || !values.template || !values.auth || !values.rate || !values.seconds) {
  throw new Error('usage: --url URL --template FILE --auth HEADER --rate R --seconds S [--conns N] [--max-conns M] [--timeout-ms T]');
}
const url = new URL(values.url);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warmupS = Number(values['warmup-s']);
const initialConns = Number(values.conns);
const maxConns = Number(values['max-conns']);
const timeoutMs = Number(values['timeout-ms']);

const parts = readFileSync(values.template, 'utf8').split(MSGID_TOKEN);
const head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${values.auth}\r\nContent-Type: application/json\r\n`;

/** The last messageId put in a request, for --record. */
let lastId = '';

/** One request: the template with a fresh UUID per token (randomUUID is cached and cheap). */
function nextRequest(): Buffer {
  let body = parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    lastId = randomUUID();
    body += lastId + parts[i]!;
  }
  return Buffer.from(`${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

interface Conn {
  socket: Socket;
  ready: boolean;
  /** When the request in flight was due and when it was written; NaN when idle. */
  dueAt: number;
  sentAt: number;
  /** The messageId of the request in flight (its last one), for --record. */
  id: string;
  buf: Buffer;
}

/** Requests due in the warm-up, then in the measured run; only the latter are counted. */
const warmupCount = Math.floor(rate * warmupS);
const measuredCount = Math.floor(rate * seconds);
const total = warmupCount + measuredCount;
const latencies = new Float64Array(measuredCount);
const service = new Float64Array(measuredCount);
let answered = 0;
const timeline: [number, number, number][] | undefined = values.timeline ? [] : undefined;
/** With --record: [messageId, due, sent, answered (monotonic ms), status] per measured request. */
const records: [string, number, number, number, number][] | undefined = values.record === undefined ? undefined : [];
/** performance.now() + this = process.hrtime in ms: both read the monotonic clock, from different origins. */
const monoOffset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
const statuses: Record<string, number> = {};
let retryAfterMissing = 0;
let errors = 0;
let connectErrors = 0;
let timeouts = 0;
let sent = 0;
let peakConns = 0;
let maxSendLagMs = 0;

const conns = new Set<Conn>();
const idle: Conn[] = [];
/** Due times of requests waiting for a socket. */
const backlog: number[] = [];
let backlogHead = 0;
let opening = 0;

function open(): void {
  opening++;
  const c: Conn = { socket: connect({ host: url.hostname, port: Number(url.port), noDelay: true }), ready: false, dueAt: NaN, sentAt: NaN, id: '', buf: Buffer.alloc(0) };
  conns.add(c);
  peakConns = Math.max(peakConns, conns.size);
  c.socket.on('connect', () => {
    opening--;
    c.ready = true;
    idle.push(c);
    dispatch(performance.now());
  });
  c.socket.on('data', (chunk: Buffer) => onData(c, chunk));
  c.socket.on('error', () => {});
  c.socket.on('close', () => {
    if (!c.ready) {
      opening--;
      connectErrors++;
    }
    if (counted(c.dueAt)) errors++;
    drop(c);
  });
}

function drop(c: Conn): void {
  if (!conns.delete(c)) return;
  const i = idle.indexOf(c);
  if (i !== -1) idle.splice(i, 1);
  c.dueAt = NaN;
  c.socket.destroy();
}

function onData(c: Conn, chunk: Buffer): void {
  c.buf = c.buf.length === 0 ? chunk : Buffer.concat([c.buf, chunk]);
  const end = c.buf.indexOf('\r\n\r\n');
  if (end === -1) return;
  const headers = c.buf.subarray(0, end).toString('latin1');
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
  const length = lengthMatch ? Number(lengthMatch[1]) : 0;
  if (c.buf.length < end + 4 + length) return;
  c.buf = c.buf.subarray(end + 4 + length);
  const now = performance.now();
  if (counted(c.dueAt) && answered < measuredCount) {
    const status = headers.slice(9, 12);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if ((status === '429' || status === '503') && !/\r\nretry-after:/i.test(headers)) retryAfterMissing++;
    if (timeline !== undefined) {
      const b = Math.floor((now - measureFrom) / 100);
      const row = (timeline[b] ??= [b * 100, 0, 0]);
      row[1]++;
      row[2] = Math.max(row[2], Math.round(now - c.dueAt));
    }
    records?.push([c.id, c.dueAt + monoOffset, c.sentAt + monoOffset, now + monoOffset, Number(status)]);
    latencies[answered] = now - c.dueAt;
    service[answered] = now - c.sentAt;
    answered++;
  }
  c.dueAt = NaN;
  if (/\r\nconnection:\s*close/i.test(headers)) {
    drop(c);
    return;
  }
  idle.push(c);
  dispatch(now);
}

/** Hands waiting requests to idle sockets, opening sockets while all are busy and the cap allows. */
function dispatch(now: number): void {
  if (ended) return;
  while (backlogHead < backlog.length) {
    const c = idle.pop();
    if (c === undefined) {
      const waiting = backlog.length - backlogHead;
      if (conns.size < maxConns && opening < waiting) open();
      return;
    }
    const dueAt = backlog[backlogHead++]!;
    c.dueAt = dueAt;
    c.sentAt = now;
    c.socket.write(nextRequest());
    c.id = lastId;
    if (counted(dueAt)) sent++;
  }
  if (backlogHead > 4096) {
    backlog.splice(0, backlogHead);
    backlogHead = 0;
  }
}

let start = 0;
/** Requests due from here on are the measured run; earlier ones are the warm-up. */
let measureFrom = Infinity;
const counted = (dueAt: number): boolean => dueAt >= measureFrom;
let scheduled = 0;
/** Set when the schedule is over: nothing more is sent; what is still queued is reported as unsent. */
let ended = false;
let lastTimeoutCheck = 0;

/**
 * The clock: a setImmediate loop that queues every request that has fallen due. It spins (the generator has a core
 * to itself) because a 1 ms timer would add up to 1 ms of send jitter to latencies measured against a 5 ms target.
 */
function tick(): void {
  const now = performance.now();
  const dueCount = Math.min(total, Math.floor(((now - start) * rate) / 1000));
  const firstDue = start + (scheduled * 1000) / rate;
  if (scheduled < dueCount && counted(firstDue)) maxSendLagMs = Math.max(maxSendLagMs, now - firstDue);
  while (scheduled < dueCount) backlog.push(start + (scheduled++ * 1000) / rate);
  dispatch(now);
  if (now - lastTimeoutCheck > 10) {
    lastTimeoutCheck = now;
    for (const c of conns) {
      if (!Number.isNaN(c.sentAt) && !Number.isNaN(c.dueAt) && now - c.sentAt > timeoutMs) {
        if (counted(c.dueAt)) timeouts++;
        drop(c);
      }
    }
  }
  if (scheduled < total) {
    setImmediate(tick);
    return;
  }
  // All requests are due: send nothing more, give those in flight up to the timeout to finish, then report.
  ended = true;
  const inFlight = [...conns].some((c) => !Number.isNaN(c.dueAt));
  if (inFlight && now - (start + (warmupS + seconds) * 1000) < timeoutMs) {
    setTimeout(tick, 5);
    return;
  }
  finish();
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function finish(): void {
  for (const c of conns) {
    if (counted(c.dueAt)) timeouts++;
    c.dueAt = NaN;
    c.socket.destroy();
  }
  const lat = latencies.subarray(0, answered).sort();
  const svc = service.subarray(0, answered).sort();
  const round = (x: number): number => Math.round(x * 100) / 100;
  const result: OpenLoopResult = {
    rate,
    seconds,
    due: measuredCount,
    sent,
    statuses,
    retryAfterMissing,
    errors,
    connectErrors,
    timeouts,
    unsent: backlog.length - backlogHead,
    latencyMs: { p50: round(pct(lat, 50)), p90: round(pct(lat, 90)), p99: round(pct(lat, 99)), p999: round(pct(lat, 99.9)), max: round(lat[lat.length - 1] ?? NaN) },
    serviceMs: { p50: round(pct(svc, 50)), p99: round(pct(svc, 99)), max: round(svc[svc.length - 1] ?? NaN) },
    peakConns,
    maxSendLagMs: round(maxSendLagMs),
    ...(timeline === undefined ? {} : { timeline: Array.from(timeline, (row, i) => row ?? [i * 100, 0, 0]) }),
  };
  if (records !== undefined) writeFileSync(values.record!, JSON.stringify(records));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// Open the starting sockets first, so connection set-up is not charged to the first requests.
for (let i = 0; i < Math.min(initialConns, maxConns); i++) open();
const waitReady = setInterval(() => {
  if (opening > 0) return;
  clearInterval(waitReady);
  start = performance.now();
  measureFrom = start + warmupS * 1000;
  tick();
}, 5);
