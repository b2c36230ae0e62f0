// Delivery: how fast events leave the log for destinations, on one core, beside what the same core does with only
// an HTTP client in the way; how long an event takes from the ingest 200 to the destination; and how fast a backlog
// built during an outage drains. The destination is a local server that answers like the API
// (bench/delivery/fake-api.ts) on core 1; everything Sluice runs, and the ceiling client, runs on core 0.
//
// 1. Throughput: a log pre-filled with track events (bench/delivery/prefill.ts) is drained by one destination runner
//    built as `sluice start` builds it (bench/delivery/runner.ts): Amplitude, Mixpanel, a batched webhook and a
//    per-event webhook (the webhooks with a Jolt shift), RUNS runs each in a fresh process, median reported.
// 2. Ceilings: a keep-alive client posting a body the runner sent, captured by the fake API, as fast as it can
//    (bench/delivery/post-client.ts): requests/s and events/s.
// 3. Latency: the real server (`node dist/cli/main.js start`) with a per-event webhook; single track calls open loop
//    at a fixed rate; each event's arrival at the fake API minus the time its client got the 200 (and minus the time
//    it was sent).
// 4. Backlog: both webhooks paused, ingest at that rate for DELIVERY_OUTAGE_S, then resume each in turn and time
//    how long its backlog takes to arrive.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CeilingResult } from '../delivery/post-client.js';
import type { RunnerResult } from '../delivery/runner.js';
import { singleTemplate } from '../lib/bodies.js';
import { foreignCpu } from '../lib/machine.js';
import { runOpenLoop, type OpenLoopResult } from '../lib/open-loop.js';
import { CLIENT_CPU, runPinned, SERVER_CPU, startServer, type Server } from '../lib/proc.js';
import { AUTH, SLUICE_NODE_FLAGS, startSluice } from '../lib/sluice.js';
import { median, medianRun } from '../lib/stats.js';
import { cpuTicks, disturbedRuns, log, undisturbed } from './common.js';
import {
  CLIENT_TIMEOUT_MS,
  DELIVERY_BATCH_EVENTS,
  DELIVERY_BATCHED_EVENTS,
  DELIVERY_BATCHED_WARMUP,
  DELIVERY_CEILING_WARMUP_S,
  DELIVERY_CEILING_WINDOW_S,
  DELIVERY_FIXED_RATE,
  DELIVERY_LOAD_SHARE,
  DELIVERY_OUTAGE_S,
  DELIVERY_PER_EVENT_EVENTS,
  DELIVERY_PER_EVENT_IN_FLIGHT,
  DELIVERY_PER_EVENT_WARMUP,
  MAX_FOREIGN_CORES,
  OPEN_LOOP_CONNS,
  RUN_S,
  RUNS,
  WARMUP_S,
} from './plan.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const FAKE_API = here('../delivery/fake-api.ts');
const PREFILL = here('../delivery/prefill.ts');
const RUNNER = here('../delivery/runner.ts');
const CLIENT = here('../delivery/post-client.ts');

export type CaseKey = 'amplitude' | 'mixpanel' | 'webhookBatched' | 'webhookPerEvent';

/** The webhooks' transform: a Jolt shift from the stored Segment event to a receiver's own shape. */
export const JOLT_SHIFT = {
  uses: 'jolt',
  with: {
    spec: [
      {
        operation: 'shift',
        spec: {
          messageId: 'message_id',
          event: 'name',
          userId: 'user.id',
          anonymousId: 'user.anonymous_id',
          timestamp: 'occurred_at',
          receivedAt: 'received_at',
          properties: { '*': 'data.&' },
          context: {
            page: { url: 'page.url', path: 'page.path', referrer: 'page.referrer' },
            userAgent: 'device.user_agent',
            ip: 'device.ip',
            locale: 'device.locale',
          },
        },
      },
    ],
  },
};

/** Each destination as it would be written under `destinations:` in sluice.yaml. Paths are the fake API's. */
export function destinationConfigs(api: string): Record<CaseKey, Record<string, unknown>> {
  return {
    amplitude: { name: 'amplitude', type: 'amplitude', api_key: 'bench-amplitude-key', endpoint: `${api}/2/httpapi`, batch: { max_events: DELIVERY_BATCH_EVENTS } },
    mixpanel: { name: 'mixpanel', type: 'mixpanel', project_token: 'bench-mixpanel-token', endpoint: `${api}/import`, batch: { max_events: DELIVERY_BATCH_EVENTS } },
    webhookBatched: {
      name: 'webhook-batched',
      type: 'webhook',
      url: `${api}/batch`,
      batch_format: 'json_array',
      max_batch_events: DELIVERY_BATCH_EVENTS,
      batch: { max_events: DELIVERY_BATCH_EVENTS },
      transforms: [JOLT_SHIFT],
    },
    // One request per event (batch_format none), 64 in flight: 4 sends of up to 100 events (the webhook's default
    // max_batch_events), each fanned out 16 requests at a time. No waiting for a batch to fill: a lone event goes at
    // once. (max_in_flight 64 with one event per send was measured too: ~25% slower, as every event then pays a send
    // of its own, and an acknowledgement commit of its own.)
    webhookPerEvent: {
      name: 'webhook-per-event',
      type: 'webhook',
      url: `${api}/hook`,
      max_in_flight: 4,
      max_parallel_requests: DELIVERY_PER_EVENT_IN_FLIGHT / 4,
      batch: { max_wait_ms: 0 },
      transforms: [JOLT_SHIFT],
    },
  };
}

const PATHS: Record<CaseKey, string> = { amplitude: '/2/httpapi', mixpanel: '/import', webhookBatched: '/batch', webhookPerEvent: '/hook' };
const LABELS: Record<CaseKey, string> = {
  amplitude: 'Amplitude',
  mixpanel: 'Mixpanel',
  webhookBatched: 'Webhook, batched (JSON array) + Jolt shift',
  webhookPerEvent: 'Webhook, per event + Jolt shift',
};

export interface Ceiling extends CeilingResult {
  /** Median of the windows. */
  rps: number;
  eventsPerRequest: number;
  eventsPerSec: number;
  foreignCores: number;
  /** Share of core 1 the fake API used meanwhile (near 1: the ceiling is the fake API's, not the client's). */
  fakeApiCpuShare: number;
}

export interface DeliveryCase {
  key: CaseKey;
  label: string;
  destination: Record<string, unknown>;
  runs: RunnerResult[];
  /** The run with the median events/s. */
  median: RunnerResult;
  foreignCores: number[];
  /** What the fake API saw in the median run: requests, events (warm-up included) and its share of core 1. */
  fakeApi: { requests: number; events: number; cpuShare: number };
  ceiling: Ceiling;
  /** fetch instead of node:http, for the per-event case: what the HTTP client alone costs. */
  fetchCeiling?: Ceiling;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LatencyRun {
  /** Events answered 200 in the measured window, and how many of them reached the fake API. */
  answered: number;
  delivered: number;
  /** Arrival at the fake API minus the time the client got the 200. */
  afterAckMs: Percentiles;
  /** Arrival at the fake API minus the time the request was written. */
  afterSendMs: Percentiles;
  /** The ingest request itself (written → 200), for reference. */
  ingestMs: Percentiles;
  generator: OpenLoopResult;
  foreignCores: number;
}

export interface DrainResult {
  destination: string;
  backlogEvents: number;
  seconds: number;
  eventsPerSec: number;
  /** eventsPerSec ÷ the ingest rate the backlog was built under. */
  ratio: number;
  foreignCores: number;
}

export interface DeliveryResults {
  backlog: { events: number; avgBodyBytes: number; prefillSeconds: number };
  cases: DeliveryCase[];
  latency: {
    /** Requests per second offered (single track calls), and where the figure came from. */
    rate: number;
    rateSource: string;
    destination: Record<string, unknown>;
    runs: LatencyRun[];
    /** The run with the median p99 after the 200. */
    median: LatencyRun;
  };
  drain: {
    rate: number;
    /** Events answered 200 per second during the outage. */
    ingestEventsPerSec: number;
    outageSeconds: number;
    results: DrainResult[];
  };
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

function percentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => (s.length === 0 ? NaN : round(s[Math.min(s.length - 1, Math.floor(p * s.length))]!));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(s[s.length - 1] ?? NaN) };
}

const nowMono = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Talks to the fake API's control routes. */
class FakeApi {
  constructor(private readonly server: Server) {}
  get url(): string {
    return this.server.url;
  }
  get pid(): number {
    return this.server.pid;
  }
  async reset(record = false): Promise<void> {
    await fetch(`${this.url}/__/reset`, { method: 'POST', body: JSON.stringify({ record }) });
  }
  async stats(path: string): Promise<{ requests: number; events: number; lastMs: number } | undefined> {
    const body = (await (await fetch(`${this.url}/__/stats`)).json()) as { paths: Record<string, { requests: number; events: number; lastMs: number }> };
    return body.paths[path];
  }
  async sample(path: string): Promise<string> {
    const res = await fetch(`${this.url}/__/sample?path=${encodeURIComponent(path)}`);
    if (res.status !== 200) throw new Error(`the fake API received nothing at ${path}`);
    return res.text();
  }
  async records(path: string): Promise<[string, number][]> {
    const body = (await (await fetch(`${this.url}/__/records`)).json()) as Record<string, [string, number][]>;
    return body[path] ?? [];
  }
  /** Waits until `events` events arrived at `path` (or the timeout); returns the path's stats then. */
  async waitFor(path: string, events: number, timeoutMs: number): Promise<{ reached: boolean; stats: { events: number; lastMs: number } | null }> {
    const res = await fetch(`${this.url}/__/wait?path=${encodeURIComponent(path)}&events=${events}&timeout_ms=${timeoutMs}`);
    return (await res.json()) as { reached: boolean; stats: { events: number; lastMs: number } | null };
  }
}

/** Runs `fn` while measuring the share of one core the process `pid` used. */
async function withCpuShare<T>(pid: number, fn: () => Promise<T>): Promise<{ result: T; share: number }> {
  const t = performance.now();
  const before = cpuTicks(pid);
  const result = await fn();
  const share = (cpuTicks(pid) - before) / 100 / ((performance.now() - t) / 1000);
  return { result, share: round(share) };
}

function runnerArgs(db: string, destination: Record<string, unknown>, events: number, warmup: number): string[] {
  // BENCH_CPU_PROF=DIR: profile every runner process (node --cpu-prof), for finding where its time goes.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // The runner runs with the Node flags `sluice start` has (src/cli/main.ts), as it measures what `sluice start` does.
  return [...prof, ...SLUICE_NODE_FLAGS, '--import', 'tsx', RUNNER, '--db', db, '--destination', JSON.stringify(destination), '--events', String(events), '--warmup', String(warmup)];
}

async function measureCase(key: CaseKey, destination: Record<string, unknown>, api: FakeApi, db: string, dir: string): Promise<DeliveryCase> {
  const perEvent = key === 'webhookPerEvent';
  const events = perEvent ? DELIVERY_PER_EVENT_EVENTS : DELIVERY_BATCHED_EVENTS;
  const warmup = perEvent ? DELIVERY_PER_EVENT_WARMUP : DELIVERY_BATCHED_WARMUP;
  const path = PATHS[key];
  const runs: { r: RunnerResult; foreign: number; fake: DeliveryCase['fakeApi'] }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { result, foreignCores } = await undisturbed(`delivery ${LABELS[key]} run ${i + 1}`, async () => {
      await api.reset();
      return withCpuShare(api.pid, () => runPinned(SERVER_CPU, process.execPath, runnerArgs(db, destination, events, warmup)));
    });
    const line = result.result.split('\n').find((l) => l.startsWith('DELIVERY_JSON '));
    if (line === undefined) throw new Error(`the runner printed no result:\n${result.result}`);
    const r = JSON.parse(line.slice('DELIVERY_JSON '.length)) as RunnerResult;
    const seen = await api.stats(path);
    const fake = { requests: seen?.requests ?? 0, events: seen?.events ?? 0, cpuShare: result.share };
    if (fake.events < events + warmup) log(`  WARNING: the fake API received ${fake.events} events at ${path}; ${events + warmup} were delivered`);
    log(`  ${LABELS[key]} run ${i + 1}: ${r.eventsPerSec.toLocaleString('en-US')} events/s (${r.cpuUsPerEvent} µs CPU/event, process on CPU ${Math.round(r.cpuShare * 100)}%, event loop busy ${Math.round(r.eventLoopUtilization * 100)}%; fake API ${fake.requests} requests, ${Math.round(fake.cpuShare * 100)}% of core 1)`);
    runs.push({ r, foreign: foreignCores, fake });
  }
  const mid = medianRun(runs, (x) => x.r.eventsPerSec);

  const bodyFile = join(dir, `${key}.body`);
  writeFileSync(bodyFile, await api.sample(path));
  const contentType = 'application/json';
  const ceilingOf = async (client: 'fetch' | 'http'): Promise<Ceiling> => {
    const concurrency = perEvent ? DELIVERY_PER_EVENT_IN_FLIGHT : Number((destination.max_in_flight as number | undefined) ?? 4);
    const args = ['--import', 'tsx', CLIENT, '--url', `${api.url}${path}${key === 'mixpanel' ? '?strict=1' : ''}`, '--body', bodyFile, '--concurrency', String(concurrency),
      '--seconds', String(DELIVERY_CEILING_WINDOW_S), '--runs', String(RUNS), '--warmup-s', String(DELIVERY_CEILING_WARMUP_S), '--client', client, '--content-type', contentType];
    const { result, foreignCores } = await undisturbed(`delivery ceiling ${LABELS[key]} (${client})`, () => withCpuShare(api.pid, () => runPinned(SERVER_CPU, process.execPath, args)));
    const c = JSON.parse(result.result.trim().split('\n').pop() ?? '') as CeilingResult;
    const eventsPerRequest = perEvent ? 1 : DELIVERY_BATCH_EVENTS;
    const rps = median(c.rpsRuns);
    log(`  ceiling for ${LABELS[key]} (${c.client}, ${c.concurrency} in flight, ${c.bodyBytes} B bodies): ${c.rpsRuns.join(', ')} req/s, ${c.cpuUsPerRequest} µs CPU/request; fake API ${Math.round(result.share * 100)}% of core 1`);
    return { ...c, rps, eventsPerRequest, eventsPerSec: rps * eventsPerRequest, foreignCores, fakeApiCpuShare: result.share };
  };
  // The ceiling uses the client destinations send with (node:http, docs/architecture.md); fetch beside it per event.
  const ceiling = await ceilingOf('http');
  const fetchCeiling = perEvent ? await ceilingOf('fetch') : undefined;
  return {
    key,
    label: LABELS[key],
    destination,
    runs: runs.map((x) => x.r),
    median: mid.r,
    foreignCores: runs.map((x) => x.foreign),
    fakeApi: mid.fake,
    ceiling,
    ...(fetchCeiling === undefined ? {} : { fetchCeiling }),
  };
}

const ADMIN_TOKEN = 'bench-admin-token-0000000001';

async function admin(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`admin ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function latencyRun(sluiceUrl: string, api: FakeApi, template: string, rate: number, dir: string, i: number): Promise<LatencyRun> {
  const recordFile = join(dir, `latency-${i}.json`);
  const { result, foreignCores } = await undisturbed(`delivery latency at ${rate} req/s`, async () => {
    await api.reset(true);
    const generator = await runOpenLoop({ url: `${sluiceUrl}/v1/track`, template, auth: AUTH, rate, seconds: RUN_S, conns: OPEN_LOOP_CONNS, maxConns: OPEN_LOOP_CONNS, timeoutMs: CLIENT_TIMEOUT_MS, record: recordFile });
    const sent = JSON.parse(readFileSync(recordFile, 'utf8')) as [string, number, number, number, number][];
    const ok = sent.filter((s) => s[4] === 200);
    // Events still on their way are given up to 2 s (a far longer wait would show up as a huge latency anyway).
    const deadline = Date.now() + 2000;
    let arrived = new Map<string, number>();
    for (;;) {
      arrived = new Map(await api.records('/hook'));
      if (ok.every((s) => arrived.has(s[0])) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { generator, ok, arrived };
  });
  const afterAck: number[] = [];
  const afterSend: number[] = [];
  const ingest: number[] = [];
  for (const [id, , sentAt, answeredAt] of result.ok) {
    ingest.push(answeredAt - sentAt);
    const at = result.arrived.get(id);
    if (at === undefined) continue;
    afterAck.push(at - answeredAt);
    afterSend.push(at - sentAt);
  }
  const run: LatencyRun = {
    answered: result.ok.length,
    delivered: afterAck.length,
    afterAckMs: percentiles(afterAck),
    afterSendMs: percentiles(afterSend),
    ingestMs: percentiles(ingest),
    generator: result.generator,
    foreignCores,
  };
  log(`  latency at ${rate} req/s: 200 → destination p50 ${run.afterAckMs.p50} ms, p99 ${run.afterAckMs.p99} ms, max ${run.afterAckMs.max} ms; sent → destination p50 ${run.afterSendMs.p50} ms, p99 ${run.afterSendMs.p99} ms; ${run.delivered} of ${run.answered} delivered`);
  return run;
}

export async function runDelivery(singleCapacity: number | undefined): Promise<DeliveryResults> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-delivery-'));
  const fake = await startServer(['--import', 'tsx', FAKE_API], { cpu: CLIENT_CPU });
  const api = new FakeApi(fake);
  try {
    // 1 and 2: throughput of each destination, and its ceiling.
    const db = join(dir, 'log', 'sluice.db');
    const total = Math.max(DELIVERY_BATCHED_EVENTS + DELIVERY_BATCHED_WARMUP, DELIVERY_PER_EVENT_EVENTS + DELIVERY_PER_EVENT_WARMUP);
    log(`delivery: pre-filling a log with ${total.toLocaleString('en-US')} track events...`);
    const filled = JSON.parse((await runPinned(SERVER_CPU, process.execPath, ['--import', 'tsx', PREFILL, '--db', db, '--events', String(total)])).trim()) as { events: number; avgBodyBytes: number; seconds: number };
    const configs = destinationConfigs(api.url);
    const cases: DeliveryCase[] = [];
    for (const key of ['amplitude', 'mixpanel', 'webhookBatched', 'webhookPerEvent'] as const) {
      log(`delivery: ${LABELS[key]}...`);
      cases.push(await measureCase(key, configs[key], api, db, dir));
    }

    // 3: end-to-end latency through the real server, at a low fixed rate.
    const rate = singleCapacity === undefined ? DELIVERY_FIXED_RATE : Math.round(singleCapacity * DELIVERY_LOAD_SHARE);
    const rateSource = singleCapacity === undefined ? 'fixed (the ingest scenarios were not run)' : `${Math.round(DELIVERY_LOAD_SHARE * 100)}% of the single-call capacity measured in this run`;
    const latencyDestination = { ...configs.webhookPerEvent, name: 'hook' };
    const backlogDestination = { ...configs.webhookBatched, name: 'backlog', url: `${api.url}/backlog` };
    const sluice = await startSluice({ admin_token: ADMIN_TOKEN, destinations: [latencyDestination, backlogDestination] });
    const template = join(dir, 'single.json');
    writeFileSync(template, singleTemplate());
    try {
      // The batched webhook waits for the backlog scenario.
      await admin(sluice.url, 'POST', '/api/v1/destinations/backlog/pause');
      log(`delivery: end-to-end latency, single track calls at ${rate} req/s (${rateSource})...`);
      // An unmeasured run first, as the ingest scenarios warm up before they measure: a fresh server's first seconds
      // (JIT, the delivery connection pool) are not what an operator's server is like.
      await runOpenLoop({ url: `${sluice.url}/v1/track`, template, auth: AUTH, rate, seconds: WARMUP_S, conns: OPEN_LOOP_CONNS, maxConns: OPEN_LOOP_CONNS, timeoutMs: CLIENT_TIMEOUT_MS });
      const runs: LatencyRun[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await latencyRun(sluice.url, api, template, rate, dir, i));

      // 4: the outage. Both webhooks paused and moved to the head, so their backlog is what arrives from now on.
      log(`delivery: backlog, ${DELIVERY_OUTAGE_S} s of ingest at ${rate} req/s with the destinations paused...`);
      await admin(sluice.url, 'POST', '/api/v1/destinations/hook/pause');
      const head = (await admin(sluice.url, 'GET', '/api/v1/destinations')).head as number;
      for (const name of ['hook', 'backlog']) await admin(sluice.url, 'POST', `/api/v1/destinations/${name}/replay`, { from: head });
      const outage = await runOpenLoop({ url: `${sluice.url}/v1/track`, template, auth: AUTH, rate, seconds: DELIVERY_OUTAGE_S, conns: OPEN_LOOP_CONNS, maxConns: OPEN_LOOP_CONNS, timeoutMs: CLIENT_TIMEOUT_MS });
      const ingestEventsPerSec = Math.round((outage.statuses['200'] ?? 0) / outage.seconds);
      await api.reset();
      const results: DrainResult[] = [];
      for (const [name, path] of [['backlog', '/backlog'], ['hook', '/hook']] as const) {
        const lag = (await admin(sluice.url, 'GET', `/api/v1/destinations/${name}`)).lag as number;
        const meter = foreignCpu();
        const t0 = nowMono();
        await admin(sluice.url, 'POST', `/api/v1/destinations/${name}/resume`);
        const waited = await api.waitFor(path, lag, 120_000);
        const foreignCores = round(meter.stop());
        if (foreignCores > MAX_FOREIGN_CORES) disturbedRuns.push({ label: `delivery backlog drain (${name})`, foreignCores, retried: false });
        if (!waited.reached || waited.stats === null) throw new Error(`the ${name} backlog of ${lag} events did not arrive within 120 s`);
        const seconds = (waited.stats.lastMs - t0) / 1000;
        const eventsPerSec = Math.round(lag / seconds);
        const r: DrainResult = { destination: name === 'hook' ? LABELS.webhookPerEvent : LABELS.webhookBatched, backlogEvents: lag, seconds: round(seconds, 3), eventsPerSec, ratio: round(eventsPerSec / ingestEventsPerSec), foreignCores };
        log(`  ${r.destination}: ${lag} events drained in ${r.seconds} s: ${eventsPerSec.toLocaleString('en-US')} events/s, ${r.ratio}x the ${ingestEventsPerSec} events/s they arrived at`);
        results.push(r);
      }
      return {
        backlog: { events: filled.events, avgBodyBytes: filled.avgBodyBytes, prefillSeconds: filled.seconds },
        cases,
        latency: { rate, rateSource, destination: latencyDestination, runs, median: medianRun(runs, (r) => r.afterAckMs.p99) },
        drain: { rate, ingestEventsPerSec, outageSeconds: DELIVERY_OUTAGE_S, results },
      };
    } finally {
      await sluice.stop();
      rmSync(sluice.dir, { recursive: true, force: true });
    }
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
