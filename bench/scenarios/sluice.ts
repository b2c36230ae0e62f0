// Sluice itself, for one kind of request (single track calls or 50-event batches), on one fresh server:
// capacity (closed loop), latency at half that capacity (open loop), then overload at twice it over 1,000 sockets
// (open loop) and 1,000 connections hammering closed loop, with the server's RSS sampled throughout.
import { rmSync } from 'node:fs';
import { COUNTS_ADMIN_TOKEN, countsCatchUpMs, countsLag } from '../lib/counts-lag.js';
import { runOpenLoop, type OpenLoopResult } from '../lib/open-loop.js';
import { sampleRss } from '../lib/proc.js';
import { AUTH, startSluice } from '../lib/sluice.js';
import { medianRun } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import { bareOverConnections } from './ceilings.js';
import { capacity, type Capacity, log, settle, undisturbed } from './common.js';
import { CLIENT_TIMEOUT_MS, HALF_LOAD, OPEN_LOOP_CONNS, OVERLOAD_CONNS, OVERLOAD_FACTOR, OVERLOAD_S, RSS_EVERY_MS, RUN_S, RUNS } from './plan.js';

export interface Rss {
  startMb: number;
  maxMb: number;
  endMb: number;
  samplesMb: number[];
}

export interface SluiceResults {
  capacity: Capacity;
  halfLoad: { rate: number; median: OpenLoopResult; p99Runs: number[]; maxRuns: number[] };
  overloadOpenLoop: { rate: number; result: OpenLoopResult; rss: Rss };
  overloadConns: { connections: number; result: WrkResult; rss: Rss };
  /** The bare server (with JSON.parse for batches) over as many connections, closed loop: the overload ceiling. */
  bareOverConns: { server: string; rps: number; runs: number[] };
  /** RSS right after start, before any load. */
  idleRssMb: number;
  /** Events the rollups had not counted when the capacity runs ended, and how long they took to catch up (null: not in 120 s). */
  countsAfterCapacity: { lag: number; caughtUpMs: number | null };
}

function summarize(samples: number[]): Rss {
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { startMb: r(samples[0] ?? NaN), maxMb: r(Math.max(...samples)), endMb: r(samples[samples.length - 1] ?? NaN), samplesMb: samples.map(r) };
}

export async function runSluice(kind: 'single' | 'batch', template: string): Promise<SluiceResults> {
  const path = kind === 'single' ? '/v1/track' : '/v1/batch';
  const bareOverConns = await bareOverConnections(template, path, kind === 'batch');
  const server = await startSluice({ admin_token: COUNTS_ADMIN_TOKEN });
  const url = `${server.url}${path}`;
  const label = `Sluice ${kind}`;
  try {
    const idle = sampleRss(server.pid).stop();
    const cap = await capacity(url, template, AUTH, label, server.pid);
    const countsAfterCapacity = { lag: await countsLag(server.url), caughtUpMs: await countsCatchUpMs(server.url, 120_000) };
    log(`  ${label}: counts ${countsAfterCapacity.lag} events behind after the capacity runs, caught up in ${countsAfterCapacity.caughtUpMs ?? '> 120,000'} ms`);
    await settle(server.pid);

    const rate = cap.median.rps * HALF_LOAD;
    const halfRuns: OpenLoopResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { result: r } = await undisturbed(`${label} at ${Math.round(rate)} req/s`, () =>
        runOpenLoop({ url, template, auth: AUTH, rate, seconds: RUN_S, conns: OPEN_LOOP_CONNS, maxConns: OPEN_LOOP_CONNS, timeoutMs: CLIENT_TIMEOUT_MS }),
      );
      log(`  ${label} at ${Math.round(rate)} req/s: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms, ${JSON.stringify(r.statuses)}`);
      halfRuns.push(r);
      await settle(server.pid);
    }

    const overload = await measureOverload(server.pid, url, template, label, cap.median.rps);

    return {
      capacity: cap,
      halfLoad: { rate, median: medianRun(halfRuns, (r) => r.latencyMs.p99), p99Runs: halfRuns.map((r) => r.latencyMs.p99), maxRuns: halfRuns.map((r) => r.latencyMs.max) },
      ...overload,
      bareOverConns,
      idleRssMb: Math.round((idle[0] ?? NaN) * 10) / 10,
      countsAfterCapacity,
    };
  } finally {
    await server.stop();
    rmSync(server.dir, { recursive: true, force: true });
  }
}

/** Twice `capacityRps` offered open loop over 1,000 sockets, then 1,000 connections closed loop; RSS sampled. */
export async function measureOverload(pid: number, url: string, template: string, label: string, capacityRps: number): Promise<Pick<SluiceResults, 'overloadOpenLoop' | 'overloadConns'>> {
  const overRate = capacityRps * OVERLOAD_FACTOR;
  let rss = sampleRss(pid, RSS_EVERY_MS);
  const { result: over } = await undisturbed(`${label} overload`, () =>
    runOpenLoop({ url, template, auth: AUTH, rate: overRate, seconds: OVERLOAD_S, conns: OVERLOAD_CONNS, maxConns: OVERLOAD_CONNS, timeoutMs: CLIENT_TIMEOUT_MS }),
  );
  const overRss = summarize(rss.stop());
  log(`  ${label} offered ${Math.round(overRate)} req/s over ${OVERLOAD_CONNS} sockets: ${JSON.stringify(over.statuses)}, ${over.timeouts} timeouts, ${over.errors} errors, ${over.unsent} never sent, max RSS ${overRss.maxMb} MB`);
  await settle(pid);

  rss = sampleRss(pid, RSS_EVERY_MS);
  const { result: conns } = await undisturbed(`${label} ${OVERLOAD_CONNS} connections`, () =>
    runWrk({ url, template, auth: AUTH, connections: OVERLOAD_CONNS, seconds: OVERLOAD_S, statuses: true, timeoutS: CLIENT_TIMEOUT_MS / 1000 }),
  );
  const connsRss = summarize(rss.stop());
  log(`  ${label} ${OVERLOAD_CONNS} connections closed loop: ${Math.round(conns.rps)} req/s, ${JSON.stringify(conns.statuses)}, errors ${JSON.stringify(conns.errors)}, max RSS ${connsRss.maxMb} MB`);
  return {
    overloadOpenLoop: { rate: overRate, result: over, rss: overRss },
    overloadConns: { connections: OVERLOAD_CONNS, result: conns, rss: connsRss },
  };
}
