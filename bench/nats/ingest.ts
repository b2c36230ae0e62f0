// Ingest on NATS: closed-loop capacity of one or several Sluice processes sharing one stream, with the load spread
// evenly over them (one wrk per process, each with its share of the connections, all on the client core), beside
// one embedded (SQLite) process, the bare node:http server and raw JetStream publishing. All of them are started
// first and measured in rounds, one run of each per round, so that a neighbour who loads the machine for a while
// hits every configuration alike; each configuration's figure is also read as a ratio to the bare server's run of
// the same round.
import { log, settle, undisturbed } from '../scenarios/common.js';
import { CAPACITY_CONNS, RUN_S, RUNS, WARMUP_S } from '../scenarios/plan.js';
import { AUTH } from '../lib/sluice.js';
import { median, medianRun } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';

export interface SpreadRun {
  rps: number;
  /** The worse of the processes' p50 / p99, in ms. */
  p50Ms: number;
  p99Ms: number;
  /** Requests that failed (non-2xx, timeouts, socket errors), all processes. */
  failed: number;
  perProcessRps: number[];
  /** CPU (in cores) processes outside the benchmark used during the run. */
  foreignCores: number;
}

export interface Target {
  key: string;
  label: string;
  /** Servers to load (several: the load is spread); or `measure` for a ceiling that is its own client. */
  urls?: string[];
  pids?: number[];
  measure?: () => Promise<number>;
}

export interface TargetResult {
  label: string;
  median: SpreadRun;
  runs: SpreadRun[];
  /** This target's rate over the bare server's in the same round, per round, and their median. */
  ratioRuns: number[];
  ratio: number;
}

const failedOf = (r: WrkResult): number => r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;

async function spreadOnce(urls: readonly string[], template: string, seconds: number): Promise<Omit<SpreadRun, 'foreignCores'>> {
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

async function once(t: Target, template: string, round: number): Promise<SpreadRun> {
  for (const pid of t.pids ?? []) await settle(pid);
  const { result, foreignCores } = await undisturbed(`${t.label} run ${round + 1}`, async () => {
    if (t.measure !== undefined) {
      const rps = await t.measure();
      return { rps, p50Ms: NaN, p99Ms: NaN, failed: 0, perProcessRps: [rps] };
    }
    return spreadOnce(t.urls!, template, RUN_S);
  });
  const r = { ...result, foreignCores };
  const procs = r.perProcessRps.length > 1 ? ` (${r.perProcessRps.join(' + ')})` : '';
  const lat = Number.isNaN(r.p50Ms) ? '' : `, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`;
  log(`  round ${round + 1} ${t.label}: ${Math.round(r.rps)}/s${procs}${lat}${r.failed > 0 ? `, ${r.failed} failed` : ''}${foreignCores > 0.15 ? ` [others used ${foreignCores} cores]` : ''}`);
  return r;
}

/** Warms every target up, then RUNS rounds of one run each. The first target is the bare ceiling the ratios use. */
export async function interleavedCapacity(targets: readonly Target[], template: string): Promise<Record<string, TargetResult>> {
  for (const t of targets) if (t.urls !== undefined) await spreadOnce(t.urls, template, WARMUP_S);
  const runs = new Map<string, SpreadRun[]>(targets.map((t) => [t.key, []]));
  for (let round = 0; round < RUNS; round++) for (const t of targets) runs.get(t.key)!.push(await once(t, template, round));
  const bare = runs.get(targets[0]!.key)!;
  const out: Record<string, TargetResult> = {};
  for (const t of targets) {
    const rs = runs.get(t.key)!;
    const ratioRuns = rs.map((r, i) => Math.round((r.rps / bare[i]!.rps) * 1000) / 1000);
    out[t.key] = { label: t.label, median: medianRun(rs, (r) => r.rps), runs: rs, ratioRuns, ratio: median(ratioRuns) };
  }
  return out;
}
