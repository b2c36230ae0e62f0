// Tracking plans: what enforcing a plan costs ingestion. The same bodies go to Sluice servers that differ only in
// their source's `tracking_plan`: none, and a 50-event plan in `block`, `allow` and `omit` mode. Every
// server runs on core 0 and wrk on core 1, as in the ingest scenario; one server is loaded at a time.
//
// The bodies come from src/plans/synthetic.ts: a 50-item /v1/batch cycling through the plan's 50 events (every item
// valid, so block refuses nothing and allow and omit flag nothing: the figure is the cost of checking, not of violations),
// and a single /v1/track call of the first event. Every messageId is the harness's token, replaced by wrk with a
// fresh random UUID per event.
//
// Method, per body: start the three servers, check each one answers as its mode says (an invalid batch is refused
// item by item under block, accepted under allow, omit and with no plan), warm them up in turn (PLANS_WARMUP_ROUNDS ×
// WARMUP_S each, closed loop), then PLANS_ROUNDS rounds; a round measures every server once (closed loop, wrk,
// CAPACITY_CONNS connections, PLANS_RUN_S), in an order that rotates from round to round. Interleaving the servers,
// rather than measuring one server's runs back to back, keeps a drift of the shared host (disk, neighbours) out of
// the ratio, and each round gives a paired ratio. Reported: each server's median run (2xx answers only), the ratio
// of medians (plan / no plan), the paired ratios and each server's run-to-run spread, so the reader can see whether
// the difference is larger than the noise; and the server's CPU time per event (all its threads, from /proc).
// Last, the check alone (bench/probes/plan-check.ts: the plan gate on the same valid events, on the server core, no
// HTTP or storage), in CPU time per event: what the check itself costs, to read beside the server's CPU per event
// when the throughput difference is within the noise.
//
// Run it with `npm run bench -- plans` (bench/plans.ts): it builds Sluice, runs this, prints the table and stores
// the figures under "plans" in bench/results/latest.json, keeping everything else in that file.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticBatchBody, syntheticPlan, syntheticTrack } from '../../src/plans/synthetic.js';
import { planToYaml } from '../../src/plans/plan-yaml.js';
import { MSGID_TOKEN } from '../lib/bodies.js';
import { waitQuiet } from '../lib/machine.js';
import { runPinned, SERVER_CPU } from '../lib/proc.js';
import { AUTH, type SluiceServer, startSluice, WRITE_KEY } from '../lib/sluice.js';
import { median } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import { renderMarkdown, type Row } from '../report.js';
import { cpuTicks, log, settle, undisturbed } from './common.js';
import { CAPACITY_CONNS, WARMUP_S } from './plan.js';

const QUICK = process.env.BENCH_QUICK === '1';
/**
 * Measured rounds, and seconds per run. More, shorter runs than the ingest scenario's 3 × 5 s, in the same time: the
 * ratio is read from runs of the two servers minutes apart at most, and a median of 5 shrugs off one stalled run.
 */
export const PLANS_ROUNDS = QUICK ? 1 : 5;
export const PLANS_RUN_S = QUICK ? 1 : 3;
/**
 * Warm-up rounds before the measured ones: every server, in turn, WARMUP_S closed loop, this many times. V8 optimizes
 * each of the plan's 50 validators on its own, on a compiler thread that shares core 0 with the loaded server: with
 * 2 rounds (4 s of load) a third of them still ran unoptimized in the first measured rounds, and the plan servers'
 * ratio climbed from round to round. 5 rounds (10 s, a few thousand calls of each validator) measure a server in the
 * state it runs in for the rest of its life.
 */
export const PLANS_WARMUP_ROUNDS = QUICK ? 1 : 5;
/** The check alone (bench/probes/plan-check.ts): seconds per run, after its own 1 s warm-up; PLANS_CHECK_RUNS runs. */
export const PLANS_CHECK_S = QUICK ? 1 : 2;
export const PLANS_CHECK_RUNS = QUICK ? 1 : 3;

const PLAN_CHECK = fileURLToPath(new URL('../probes/plan-check.ts', import.meta.url));

/** Events in the plan, and items per batch. */
export const PLAN_EVENTS = 50;
export const PLAN_BATCH_ITEMS = 50;

export type VariantKey = 'none' | 'block' | 'allow' | 'omit';
const VARIANTS: { key: VariantKey; label: string; mode?: 'block' | 'allow' | 'omit' }[] = [
  { key: 'none', label: 'no plan' },
  { key: 'block', label: 'plan, mode: block', mode: 'block' },
  { key: 'allow', label: 'plan, mode: allow', mode: 'allow' },
  { key: 'omit', label: 'plan, mode: omit', mode: 'omit' },
];

export interface PlanRun {
  round: number;
  /** Position of this run within its round (0 = first). */
  order: number;
  /** Requests answered 2xx per second: a 429 from the load shedder is cheap and must not count as throughput. */
  okRps: number;
  /** Every answered request per second, 2xx or not (wrk's own figure). */
  rps: number;
  non2xx: number;
  timeouts: number;
  latencyMs: WrkResult['latencyMs'];
  /** The server's CPU time (all its threads) per event answered 2xx, and its CPU use in cores, during the run. */
  cpuUsPerEvent: number;
  serverCores: number;
  foreignCores: number;
}

export interface PlanVariantResult {
  key: VariantKey;
  label: string;
  runs: PlanRun[];
  /** Median of the runs' okRps. */
  okRps: number;
  /** okRps × items per request. */
  eventsPerSec: number;
  /** (max − min) / median of the runs' okRps. */
  spread: number;
  /** Ratio to the no-plan server: of the medians, and per round (the two runs of the same round). */
  ratio: number;
  pairedRatios: number[];
  /** Median of the runs' server CPU time per event, and its ratio to the no-plan server's. */
  cpuUsPerEvent: number;
  cpuRatio: number;
}

export interface PlanKindResult {
  kind: 'batch' | 'single';
  path: string;
  itemsPerRequest: number;
  bodyBytes: number;
  /** What each server answered to one invalid request before the measurement (proof the plan is enforced). */
  checks: Record<VariantKey, string>;
  variants: PlanVariantResult[];
}

export interface PlansResults {
  planEvents: number;
  connections: number;
  warmupS: number;
  warmupRounds: number;
  runS: number;
  rounds: number;
  busyAtStart: number[];
  kinds: PlanKindResult[];
  /** The plan check alone, on the server core, no HTTP or storage: CPU ns per valid event, median and runs. */
  checkAlone: { nsPerEvent: number; runs: number[] };
}

function sourceWithPlan(planFile: string, mode: 'block' | 'allow' | 'omit' | undefined): Record<string, unknown> {
  const source: Record<string, unknown> = { name: 'bench', write_keys: [WRITE_KEY] };
  if (mode !== undefined) source.tracking_plan = { file: planFile, mode };
  return { sources: [source] };
}

/** What the tracking API answers, as far as the enforcement check reads it. */
interface Answer {
  success?: boolean;
  accepted?: number;
  rejected?: { code?: string }[];
  error?: { code?: string };
}

/** Sends one request with every token replaced by a UUID; returns the status and the parsed answer. */
async function post(url: string, template: string): Promise<{ status: number; answer: Answer }> {
  const body = template.split(MSGID_TOKEN).reduce((acc, part, i) => (i === 0 ? part : `${acc}${randomUUID()}${part}`), '');
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: AUTH }, body });
  return { status: res.status, answer: JSON.parse(await res.text()) as Answer };
}

/**
 * One invalid request to each server, and what it must answer: with block, every item refused (batch: 200 with
 * every item rejected as plan_violation, which makes it a 400; single: 400 plan_violation); with allow or no plan, everything accepted. A
 * server that answers otherwise is not measuring what the table says, so the scenario stops. Returns a summary.
 */
async function checkEnforcement(kind: 'batch' | 'single', url: string, key: VariantKey): Promise<string> {
  const items = kind === 'batch' ? PLAN_BATCH_ITEMS : 1;
  const invalid = kind === 'batch' ? syntheticBatchBody(items, { events: PLAN_EVENTS, valid: false, messageId: MSGID_TOKEN }) : JSON.stringify(syntheticTrack(0, { events: PLAN_EVENTS, valid: false, messageId: MSGID_TOKEN }));
  const { status, answer } = await post(url, invalid);
  const refused = kind === 'batch' ? (answer.rejected ?? []).filter((x) => x.code === 'plan_violation').length : answer.error?.code === 'plan_violation' ? 1 : 0;
  const ok = key === 'block' ? refused === items && status === 400 : status === 200 && answer.success === true && answer.rejected === undefined;
  const summary = `${status}, ${refused} of ${items} invalid item(s) refused as plan_violation`;
  if (!ok) throw new Error(`plans: the ${key} server answered an invalid ${kind} body unexpectedly: ${status} ${JSON.stringify(answer).slice(0, 300)}`);
  return summary;
}

function toRun(r: WrkResult, ticks: number, items: number, round: number, order: number, foreignCores: number): PlanRun {
  const non2xx = r.errors.status;
  const ok = r.requests - non2xx;
  return {
    round,
    order,
    okRps: ok / r.seconds,
    rps: r.rps,
    non2xx,
    timeouts: r.errors.timeout,
    latencyMs: r.latencyMs,
    // Clock ticks are 10 ms.
    cpuUsPerEvent: ok > 0 ? Math.round(((ticks * 10_000) / (ok * items)) * 100) / 100 : NaN,
    serverCores: Math.round((ticks / 100 / r.seconds) * 100) / 100,
    foreignCores,
  };
}

async function runKind(kind: 'batch' | 'single', planFile: string): Promise<PlanKindResult> {
  const path = kind === 'batch' ? '/v1/batch' : '/v1/track';
  const items = kind === 'batch' ? PLAN_BATCH_ITEMS : 1;
  const body = kind === 'batch' ? syntheticBatchBody(PLAN_BATCH_ITEMS, { events: PLAN_EVENTS, messageId: MSGID_TOKEN }) : JSON.stringify(syntheticTrack(0, { events: PLAN_EVENTS, messageId: MSGID_TOKEN }));
  const bodyDir = mkdtempSync(join(tmpdir(), 'sluice-bench-plans-body-'));
  const template = join(bodyDir, `${kind}.json`);
  writeFileSync(template, body);

  const servers = new Map<VariantKey, SluiceServer>();
  try {
    for (const v of VARIANTS) servers.set(v.key, await startSluice(sourceWithPlan(planFile, v.mode)));
    const urlOf = (key: VariantKey): string => `${servers.get(key)!.url}${path}`;

    const checks = {} as Record<VariantKey, string>;
    for (const v of VARIANTS) checks[v.key] = await checkEnforcement(kind, urlOf(v.key), v.key);
    log(`  checked: an invalid ${kind} body is refused with block, accepted with allow, omit and with no plan`);

    // Each of the plan's validators is its own compiled function, optimized by V8 on its own: warm every server up
    // before any measured run, in turn as the measured rounds go (the disk and the page cache then start the first
    // round in the state the others find them), letting each finish what its warm-up left queued.
    for (let w = 0; w < PLANS_WARMUP_ROUNDS; w++) {
      for (const v of VARIANTS) {
        await runWrk({ url: urlOf(v.key), template, auth: AUTH, connections: CAPACITY_CONNS, seconds: WARMUP_S });
        await settle(servers.get(v.key)!.pid);
      }
    }

    const runs = new Map<VariantKey, PlanRun[]>(VARIANTS.map((v) => [v.key, []]));
    for (let round = 0; round < PLANS_ROUNDS; round++) {
      for (let i = 0; i < VARIANTS.length; i++) {
        const v = VARIANTS[(round + i) % VARIANTS.length]!;
        const pid = servers.get(v.key)!.pid;
        const label = `plans ${kind}, ${v.label}, round ${round + 1}`;
        const { result, foreignCores } = await undisturbed(label, async () => {
          const before = cpuTicks(pid);
          const r = await runWrk({ url: urlOf(v.key), template, auth: AUTH, connections: CAPACITY_CONNS, seconds: PLANS_RUN_S });
          return { r, ticks: cpuTicks(pid) - before };
        });
        const run = toRun(result.r, result.ticks, items, round, i, foreignCores);
        log(`  ${label}: ${Math.round(run.okRps * items)} events/s (${Math.round(run.okRps)} req/s), ${run.cpuUsPerEvent} µs CPU/event (server ${run.serverCores} cores), p50 ${run.latencyMs.p50.toFixed(1)} ms, p99 ${run.latencyMs.p99.toFixed(1)} ms${run.non2xx > 0 ? `, ${run.non2xx} non-2xx` : ''}${run.timeouts > 0 ? `, ${run.timeouts} timeouts` : ''}`);
        runs.get(v.key)!.push(run);
        await settle(pid);
      }
    }

    const base = runs.get('none')!;
    const baseMedian = median(base.map((r) => r.okRps));
    const baseCpu = median(base.map((r) => r.cpuUsPerEvent));
    const variants = VARIANTS.map((v): PlanVariantResult => {
      const rs = runs.get(v.key)!;
      const ok = rs.map((r) => r.okRps);
      const med = median(ok);
      return {
        key: v.key,
        label: v.label,
        runs: rs,
        okRps: med,
        eventsPerSec: med * items,
        spread: (Math.max(...ok) - Math.min(...ok)) / med,
        ratio: med / baseMedian,
        pairedRatios: rs.map((r) => r.okRps / base.find((b) => b.round === r.round)!.okRps),
        cpuUsPerEvent: median(rs.map((r) => r.cpuUsPerEvent)),
        cpuRatio: median(rs.map((r) => r.cpuUsPerEvent)) / baseCpu,
      };
    });
    return { kind, path, itemsPerRequest: items, bodyBytes: Buffer.byteLength(body.split(MSGID_TOKEN).join(randomUUID())), checks, variants };
  } finally {
    for (const s of servers.values()) {
      await s.stop();
      rmSync(s.dir, { recursive: true, force: true });
    }
    rmSync(bodyDir, { recursive: true, force: true });
  }
}

/** Runs the scenario: batches, then single calls, each against fresh servers; then the check alone. */
export async function runPlans(): Promise<PlansResults> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-plans-'));
  const planFile = join(dir, 'plan.yaml');
  writeFileSync(planFile, planToYaml(syntheticPlan(PLAN_EVENTS), `syntheticPlan(${PLAN_EVENTS}), written by bench/scenarios/plans.ts`));
  const onWait = (b: number[]): void => log(`  waiting for the CPUs to be quiet (busy: ${b.map((x) => `${Math.round(x * 100)}%`).join(', ')})...`);
  try {
    const busyAtStart = await waitQuiet(60_000, onWait);
    log(`plans: ${PLAN_BATCH_ITEMS}-event batches, no plan vs a ${PLAN_EVENTS}-event plan (block, allow, omit)...`);
    const batch = await runKind('batch', planFile);
    await waitQuiet(60_000, onWait);
    log('plans: single track calls, no plan vs the plan (block, allow, omit)...');
    const single = await runKind('single', planFile);
    await waitQuiet(60_000, onWait);
    log('plans: the plan check alone (bench/probes/plan-check.ts)...');
    const checkRuns: number[] = [];
    for (let i = 0; i < PLANS_CHECK_RUNS; i++) {
      const { result } = await undisturbed(`plans: check alone, run ${i + 1}`, () => runPinned(SERVER_CPU, process.execPath, ['--import', 'tsx', PLAN_CHECK, String(PLANS_CHECK_S)]));
      const { nsPerEvent, violations } = JSON.parse(result.trim()) as { nsPerEvent: number; violations: number };
      if (violations !== 0) throw new Error(`plans: the check alone found ${violations} violations in valid events`);
      log(`  check alone, run ${i + 1}: ${nsPerEvent} ns CPU/event`);
      checkRuns.push(nsPerEvent);
    }
    return { planEvents: PLAN_EVENTS, connections: CAPACITY_CONNS, warmupS: WARMUP_S, warmupRounds: PLANS_WARMUP_ROUNDS, runS: PLANS_RUN_S, rounds: PLANS_ROUNDS, busyAtStart: busyAtStart.map((b) => Math.round(b * 100) / 100), kinds: [batch, single], checkAlone: { nsPerEvent: median(checkRuns), runs: checkRuns } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const pct = (x: number): string => `${Math.round(x * 100)}%`;
const pct1 = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The rows for the printed table and the Markdown one: per body, each server's figure beside the no-plan one. */
export function buildPlanRows(r: PlansResults): Row[] {
  const rows: Row[] = [];
  for (const k of r.kinds) {
    const unit = k.itemsPerRequest > 1 ? 'events/s' : 'req/s';
    const perSec = (okRps: number): number => okRps * k.itemsPerRequest;
    const what = k.kind === 'batch' ? `Batch of ${k.itemsPerRequest} (~${n(k.bodyBytes / 1000)} KB)` : `Single track call (~${n(k.bodyBytes)} B)`;
    const base = k.variants.find((v) => v.key === 'none')!;
    for (const v of k.variants) {
      const runs = v.runs.map((x) => n(perSec(x.okRps))).join(', ');
      const isBase = v.key === 'none';
      rows.push({
        measure: `${what}, ${v.label}: ${unit}`,
        sluice:
          `${n(perSec(v.okRps))} ${unit} (runs ${runs}; spread ${pct1(v.spread)})${isBase ? '' : `; paired ratios ${v.pairedRatios.map(pct1).join(', ')}`}` +
          `; server CPU ${v.cpuUsPerEvent.toFixed(1)} µs/event${isBase ? '' : ` (${pct1(v.cpuRatio)} of no plan)`}`,
        ceiling: isBase ? '' : `${n(perSec(base.okRps))} no plan`,
        ratio: isBase ? '' : pct(v.ratio),
        target: '',
        result: '',
      });
    }
  }
  const batchBase = r.kinds.find((k) => k.kind === 'batch')?.variants.find((v) => v.key === 'none');
  const c = r.checkAlone;
  rows.push({
    measure: `The check alone (${r.planEvents}-event plan, valid events; no HTTP, no storage): CPU per event`,
    sluice: `${(c.nsPerEvent / 1000).toFixed(2)} µs/event (runs ${c.runs.map((x) => (x / 1000).toFixed(2)).join(', ')})`,
    ceiling: batchBase === undefined ? '' : `${batchBase.cpuUsPerEvent.toFixed(1)} µs/event: the no-plan server, batches`,
    ratio: batchBase === undefined ? '' : pct1(c.nsPerEvent / 1000 / batchBase.cpuUsPerEvent),
    target: '',
    result: '',
  });
  return rows;
}

/** The scenario as a part of the bench: runs it and returns what bench/results/latest.json keeps under "plans". */
export async function runPlansPart(): Promise<{ date: string; rows: Row[]; markdown: string; raw: PlansResults }> {
  const raw = await runPlans();
  const rows = buildPlanRows(raw);
  return { date: new Date().toISOString(), rows, markdown: renderMarkdown(rows), raw };
}
