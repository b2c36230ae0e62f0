// Ingest on NATS: closed-loop capacity of one or several Sluice processes sharing one stream, with the load spread
// evenly over them (one wrk per process, each with its share of the connections, all on the client core), beside
// the same measurement of one embedded (SQLite) process.
import { capacity, type Capacity, log, settle, undisturbed } from '../scenarios/common.js';
import { CAPACITY_CONNS, RUN_S, RUNS, WARMUP_S } from '../scenarios/plan.js';
import { AUTH } from '../lib/sluice.js';
import { medianRun } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';

export interface SpreadRun {
  rps: number;
  /** The worse of the processes' p50 / p99, in ms. */
  p50Ms: number;
  p99Ms: number;
  /** Requests that failed (non-2xx, timeouts, socket errors), all processes. */
  failed: number;
  perProcessRps: number[];
}

export interface SpreadCapacity {
  median: SpreadRun;
  rpsRuns: number[];
  foreignCores: number[];
}

const failedOf = (r: WrkResult): number => r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;

async function spreadOnce(urls: readonly string[], template: string, seconds: number): Promise<SpreadRun> {
  const conns = Math.max(1, Math.floor(CAPACITY_CONNS / urls.length));
  const rs = await Promise.all(urls.map((url) => runWrk({ url, template, auth: AUTH, connections: conns, seconds })));
  return {
    rps: rs.reduce((a, r) => a + r.rps, 0),
    p50Ms: Math.max(...rs.map((r) => r.latencyMs.p50)),
    p99Ms: Math.max(...rs.map((r) => r.latencyMs.p99)),
    failed: rs.reduce((a, r) => a + failedOf(r), 0),
    perProcessRps: rs.map((r) => Math.round(r.rps)),
  };
}

/** Capacity over one or more servers; with one, exactly the other scenarios' capacity(). */
export async function spreadCapacity(urls: readonly string[], pids: readonly number[], template: string, label: string): Promise<SpreadCapacity> {
  if (urls.length === 1) {
    const c: Capacity = await capacity(urls[0]!, template, AUTH, label);
    const r = c.median;
    return { median: { rps: r.rps, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99, failed: failedOf(r), perProcessRps: [Math.round(r.rps)] }, rpsRuns: c.rpsRuns, foreignCores: c.foreignCores };
  }
  await spreadOnce(urls, template, WARMUP_S);
  const runs: SpreadRun[] = [];
  const foreignCores: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const pid of pids) await settle(pid);
    const { result: r, foreignCores: f } = await undisturbed(`${label} run ${i + 1}`, () => spreadOnce(urls, template, RUN_S));
    log(`  ${label} run ${i + 1}: ${Math.round(r.rps)} req/s (${r.perProcessRps.join(' + ')}), p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms${r.failed > 0 ? `, ${r.failed} failed` : ''}`);
    runs.push(r);
    foreignCores.push(f);
  }
  return { median: medianRun(runs, (r) => r.rps), rpsRuns: runs.map((r) => Math.round(r.rps)), foreignCores };
}
