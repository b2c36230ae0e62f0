// Turns the raw results into the compact table printed at the end (each Sluice figure beside its ceiling, the
// ratio, the target and whether it was met). The raw results go to bench/results/latest.json as they are.
import type { OpenLoopResult } from './lib/open-loop.js';
import type { WrkResult } from './lib/wrk.js';
import type { Capacity } from './scenarios/common.js';
import type { SqliteCeiling } from './scenarios/ceilings.js';
import type { DeliveryCase, DeliveryResults } from './scenarios/delivery.js';
import { DELIVERY_TARGETS, TARGETS } from './scenarios/plan.js';
import type { Rss, SluiceResults } from './scenarios/sluice.js';

export interface Row {
  measure: string;
  sluice: string;
  ceiling: string;
  ratio: string;
  target: string;
  result: 'pass' | 'FAIL' | '';
}

export interface AllResults {
  bareSingle: Capacity;
  bareJsonBatch: Capacity;
  sqlite: SqliteCeiling[];
  single: SluiceResults;
  batch: SluiceResults;
  bareSingleHalf: OpenLoopResult;
  bareJsonBatchHalf: OpenLoopResult;
  batchItems: number;
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
// null: no answer at all in the run (an open-loop run whose sockets never got a response has no latencies).
const ms = (x: number | null): string => (x === null ? '—' : x >= 100 ? `${Math.round(x)}` : x.toFixed(1));
const pct = (x: number): string => `${Math.round(x * 100)}%`;
const verdict = (ok: boolean): Row['result'] => (ok ? 'pass' : 'FAIL');

function statusLine(statuses: Record<string, number>, timeouts: number, errors: number, extra = ''): string {
  const ok = statuses['200'] ?? 0;
  const shed = (statuses['429'] ?? 0) + (statuses['503'] ?? 0);
  const other = Object.entries(statuses)
    .filter(([s]) => !['200', '429', '503'].includes(s))
    .reduce((sum, [, c]) => sum + c, 0);
  return `200: ${n(ok)}, 429/503: ${n(shed)}, other: ${n(other)}, errors: ${n(errors)}, timeouts: ${n(timeouts)}${extra}`;
}

function rssText(r: Rss): string {
  return `RSS ${Math.round(r.startMb)}→max ${Math.round(r.maxMb)}→${Math.round(r.endMb)} MB`;
}

export type OverloadResults = Pick<SluiceResults, 'overloadOpenLoop' | 'overloadConns' | 'bareOverConns'>;

/** The overload runs' ceiling, for the Ceiling column. */
function bareOverConnsText(s: OverloadResults, connections: number): string {
  return `${s.bareOverConns.server} answers ${n(s.bareOverConns.rps)} req/s over ${n(connections)} connections (runs ${s.bareOverConns.runs.map(n).join(', ')})`;
}

function overloadOpen(label: string, s: OverloadResults): Row[] {
  const o = s.overloadOpenLoop;
  const r = o.result;
  // Offered load the server did not serve has to go somewhere: answered 429/503 (the target), or left waiting in the
  // client for a free socket (never sent), where it ages until the SDK's timeout. More than 1% left waiting fails.
  const shedOk = r.unsent <= r.due * 0.01;
  const ok = o.rss.maxMb <= TARGETS.overloadMaxRssMb && r.timeouts === 0 && r.errors === 0 && r.connectErrors === 0 && r.retryAfterMissing === 0 && shedOk;
  return [
    {
      measure: `${label}: ${n(o.rate)} req/s offered (2x) over ≤${r.peakConns} sockets, ${r.seconds} s`,
      sluice: `${statusLine(r.statuses, r.timeouts, r.errors + r.connectErrors, `, left waiting in the client: ${n(r.unsent)} of ${n(r.due)}`)}; p99 ${ms(r.latencyMs.p99)} ms, max ${ms(r.latencyMs.max)} ms; ${rssText(o.rss)}`,
      ceiling: bareOverConnsText(s, s.overloadConns.connections),
      ratio: '',
      target: `excess → 429/503 + Retry-After, none left waiting; no timeouts; RSS ≤ ${TARGETS.overloadMaxRssMb} MB`,
      result: verdict(ok),
    },
  ];
}

/** The overload rows of one kind of request (also printed alone by bench/overload.ts). */
export function overloadRows(label: string, s: OverloadResults): Row[] {
  return [...overloadOpen(label, s), ...overloadConns(label, s)];
}

function overloadConns(label: string, s: OverloadResults): Row[] {
  const o = s.overloadConns;
  const r: WrkResult = o.result;
  const errors = r.errors.connect + r.errors.read + r.errors.write;
  const ok = o.rss.maxMb <= TARGETS.overloadMaxRssMb && r.errors.timeout === 0 && errors === 0 && r.retryAfterMissing === 0;
  return [
    {
      measure: `${label}: ${o.connections} connections, closed loop, ${Math.round(r.seconds)} s`,
      sluice: `${n(r.rps)} req/s; ${statusLine(r.statuses, r.errors.timeout, errors)}; p99 ${ms(r.latencyMs.p99)} ms, max ${ms(r.latencyMs.max)} ms; ${rssText(o.rss)}`,
      ceiling: bareOverConnsText(s, o.connections),
      ratio: '',
      target: `no timeouts; RSS ≤ ${TARGETS.overloadMaxRssMb} MB`,
      result: verdict(ok),
    },
  ];
}

/** CPU per request (or per event, with `per` events a request) and the share of a core, when it was measured. */
function cpuOf(cpu: Capacity['cpu'], per: number): string {
  if (cpu === undefined) return 'not measured';
  return `${(cpu.usPerRequest / per).toFixed(1)} µs (${Math.round(cpu.cores * 100)}% of a core)`;
}

export function buildRows(a: AllResults): Row[] {
  const bare = a.bareSingle.median;
  const bareJson = a.bareJsonBatch.median;
  const single = a.single.capacity.median;
  const batch = a.batch.capacity.median;
  const singleRatio = single.rps / bare.rps;
  const batchEvents = batch.rps * a.batchItems;
  const bareJsonEvents = bareJson.rps * a.batchItems;
  const batchRatio = batchEvents / bareJsonEvents;
  const sh = a.single.halfLoad;
  const bh = a.batch.halfLoad;
  const rows: Row[] = [];
  for (const s of a.sqlite) {
    rows.push({
      measure: `SQLite WAL+FULL inserts, ${s.txnRows} row(s)/txn (ceiling c)`,
      sluice: '',
      ceiling: `${n(s.rowsPerSec)} rows/s (${n(s.withDedupeKey.rowsPerSec)} with a dedupe key per row)`,
      ratio: '',
      target: '',
      result: '',
    });
  }
  rows.push(
    {
      measure: 'Single track call (~130 B): req/s',
      sluice: `${n(single.rps)} req/s (runs ${a.single.capacity.rpsRuns.map(n).join(', ')})`,
      ceiling: `${n(bare.rps)} bare node:http (runs ${a.bareSingle.rpsRuns.map(n).join(', ')})`,
      ratio: pct(singleRatio),
      target: `≥ ${pct(TARGETS.singleRatio)}`,
      result: verdict(singleRatio >= TARGETS.singleRatio),
    },
    {
      measure: 'Single: server CPU per request at capacity (all threads)',
      sluice: cpuOf(a.single.capacity.cpu, 1),
      ceiling: cpuOf(a.bareSingle.cpu, 1),
      ratio: '',
      target: '',
      result: '',
    },
    {
      measure: 'Single: latency at capacity (64 conns) p50 / p99',
      sluice: `${ms(single.latencyMs.p50)} / ${ms(single.latencyMs.p99)} ms`,
      ceiling: `${ms(bare.latencyMs.p50)} / ${ms(bare.latencyMs.p99)} ms`,
      ratio: '',
      target: '',
      result: '',
    },
    countsRow('Single', a.single.countsAfterCapacity),
    {
      measure: `Batch of ${a.batchItems} (~22 KB): events/s`,
      sluice: `${n(batchEvents)} events/s (${n(batch.rps)} req/s; runs ${a.batch.capacity.rpsRuns.map((x) => n(x * a.batchItems)).join(', ')})`,
      ceiling: `${n(bareJsonEvents)} bare+JSON.parse (runs ${a.bareJsonBatch.rpsRuns.map((x) => n(x * a.batchItems)).join(', ')})`,
      ratio: pct(batchRatio),
      target: `≥ ${pct(TARGETS.batchRatio)}`,
      result: verdict(batchRatio >= TARGETS.batchRatio),
    },
    {
      measure: 'Batch: server CPU per event at capacity (all threads)',
      sluice: cpuOf(a.batch.capacity.cpu, a.batchItems),
      ceiling: cpuOf(a.bareJsonBatch.cpu, a.batchItems),
      ratio: '',
      target: '',
      result: '',
    },
    {
      measure: 'Batch: latency at capacity (64 conns) p50 / p99',
      sluice: `${ms(batch.latencyMs.p50)} / ${ms(batch.latencyMs.p99)} ms`,
      ceiling: `${ms(bareJson.latencyMs.p50)} / ${ms(bareJson.latencyMs.p99)} ms`,
      ratio: '',
      target: '',
      result: '',
    },
    countsRow('Batch', a.batch.countsAfterCapacity),
    {
      measure: `Single at 50% capacity (${n(sh.rate)} req/s, open loop): p99 (max)`,
      sluice: `${ms(sh.median.latencyMs.p99)} ms (max ${ms(sh.median.latencyMs.max)}); runs p99 ${sh.p99Runs.map(ms).join(', ')}`,
      ceiling: `${ms(a.bareSingleHalf.latencyMs.p99)} ms (max ${ms(a.bareSingleHalf.latencyMs.max)}) bare`,
      ratio: '',
      target: `p99 ≤ ${TARGETS.singleHalfLoadP99Ms} ms`,
      result: verdict(sh.median.latencyMs.p99 <= TARGETS.singleHalfLoadP99Ms),
    },
    {
      measure: `Batch at 50% capacity (${n(bh.rate)} req/s, open loop): p99 (max)`,
      sluice: `${ms(bh.median.latencyMs.p99)} ms (max ${ms(bh.median.latencyMs.max)}); runs p99 ${bh.p99Runs.map(ms).join(', ')}`,
      ceiling: `${ms(a.bareJsonBatchHalf.latencyMs.p99)} ms (max ${ms(a.bareJsonBatchHalf.latencyMs.max)}) bare+JSON`,
      ratio: '',
      target: `p99 ≤ ${TARGETS.batchHalfLoadP99Ms} ms`,
      result: verdict(bh.median.latencyMs.p99 <= TARGETS.batchHalfLoadP99Ms),
    },
    ...overloadOpen('Overload, single', a.single),
    ...overloadConns('Overload, single', a.single),
    ...overloadOpen('Overload, batch', a.batch),
    ...overloadConns('Overload, batch', a.batch),
  );
  return rows;
}

/** The rollups' lag when the capacity runs ended: ingest's figures include no counting debt only when it is 0. */
function countsRow(kind: string, c: { lag: number; caughtUpMs: number | null } | undefined): Row {
  return {
    measure: `${kind}: counts behind the log after the capacity runs (counting thread)`,
    sluice: c === undefined ? 'not measured' : `${n(c.lag)} events; caught up in ${c.caughtUpMs === null ? 'more than 120 s' : `${(c.caughtUpMs / 1000).toFixed(1)} s`}`,
    ceiling: '',
    ratio: '',
    target: '',
    result: '',
  };
}

/** The delivery rows: each destination's events/s beside its ceiling, then latency and the backlog drain. */
export function buildDeliveryRows(d: DeliveryResults): Row[] {
  const T = DELIVERY_TARGETS;
  const byKey = (k: DeliveryCase['key']): DeliveryCase => d.cases.find((c) => c.key === k)!;
  const rows: Row[] = [
    {
      measure: `Backlog: ${n(d.backlog.events)} stored track events, ~${n(d.backlog.avgBodyBytes)} B each; runner and ceiling client on core 0, fake API on core 1`,
      sluice: '',
      ceiling: '',
      ratio: '',
      target: '',
      result: '',
    },
  ];
  const throughput = (c: DeliveryCase, target: string, ok: boolean | null): Row => {
    const m = c.median;
    const batched = c.ceiling.eventsPerRequest > 1;
    const ceilingText = batched
      ? `${n(c.ceiling.eventsPerSec)} events/s (${n(c.ceiling.rps)} req/s of ${n(c.ceiling.eventsPerRequest)} events, ${c.ceiling.client}, ${c.ceiling.concurrency} in flight)`
      : `${n(c.ceiling.rps)} req/s (${c.ceiling.client}, ${c.ceiling.concurrency} in flight)${c.fetchCeiling ? `; ${n(c.fetchCeiling.rps)} with ${c.fetchCeiling.client}` : ''}`;
    return {
      measure: `${c.label}: events/s`,
      sluice: `${n(m.eventsPerSec)} events/s (runs ${c.runs.map((r) => n(r.eventsPerSec)).join(', ')}); ${m.cpuUsPerEvent} µs CPU/event`,
      ceiling: ceilingText,
      ratio: pct(m.eventsPerSec / c.ceiling.eventsPerSec),
      target,
      result: ok === null ? '' : verdict(ok),
    };
  };
  const amp = byKey('amplitude');
  const wb = byKey('webhookBatched');
  const pe = byKey('webhookPerEvent');
  rows.push(
    throughput(amp, `≥ ${n(T.amplitudeEventsPerSec)} events/s`, amp.median.eventsPerSec >= T.amplitudeEventsPerSec),
    throughput(byKey('mixpanel'), '', null),
    throughput(wb, `≥ ${n(T.webhookBatchedEventsPerSec)} events/s`, wb.median.eventsPerSec >= T.webhookBatchedEventsPerSec),
    throughput(pe, `≥ ${pct(T.perEventCeilingRatio)} of ceiling`, pe.median.eventsPerSec / pe.ceiling.eventsPerSec >= T.perEventCeilingRatio),
  );
  const l = d.latency.median;
  rows.push({
    measure: `End to end at ${n(d.latency.rate)} req/s (single track calls, open loop; per-event webhook): ingest 200 → destination, p50 / p99 (max)`,
    sluice: `${ms(l.afterAckMs.p50)} / ${ms(l.afterAckMs.p99)} ms (max ${ms(l.afterAckMs.max)}); from the send: ${ms(l.afterSendMs.p50)} / ${ms(l.afterSendMs.p99)} ms; runs p99 ${d.latency.runs.map((r) => ms(r.afterAckMs.p99)).join(', ')}; ${n(l.delivered)} of ${n(l.answered)} arrived`,
    ceiling: '',
    ratio: '',
    target: `p50 ≤ ${T.latencyP50Ms} ms, p99 ≤ ${T.latencyP99Ms} ms`,
    result: verdict(l.afterAckMs.p50 <= T.latencyP50Ms && l.afterAckMs.p99 <= T.latencyP99Ms && l.delivered === l.answered),
  });
  for (const r of d.drain.results) {
    rows.push({
      measure: `Backlog after a ${d.drain.outageSeconds} s outage (ingest ${n(d.drain.ingestEventsPerSec)} events/s), ${r.destination}: drain rate`,
      sluice: `${n(r.eventsPerSec)} events/s (${n(r.backlogEvents)} events in ${r.seconds} s)`,
      ceiling: `${n(d.drain.ingestEventsPerSec)} events/s ingest`,
      ratio: `${r.ratio}x`,
      target: `≥ ${T.drainRatio}x ingest`,
      result: verdict(r.ratio >= T.drainRatio),
    });
  }
  return rows;
}

/** A plain-text table: wide cells wrap onto continuation lines so it stays readable in a terminal. */
export function renderTable(rows: Row[]): string {
  const head: Row = { measure: 'Measure', sluice: 'Sluice', ceiling: 'Ceiling', ratio: 'Ratio', target: 'Target', result: '' };
  const widths = { measure: 44, sluice: 58, ceiling: 40, ratio: 5, target: 30, result: 4 };
  const keys = Object.keys(widths) as (keyof Row)[];
  const wrap = (s: string, w: number): string[] => {
    const out: string[] = [];
    let line = '';
    for (const word of s.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > w) {
        out.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    out.push(line);
    return out;
  };
  const lines: string[] = [];
  for (const row of [head, ...rows]) {
    const cells = keys.map((k) => wrap(row[k], widths[k]));
    const height = Math.max(...cells.map((c) => c.length));
    for (let i = 0; i < height; i++) lines.push(keys.map((k, j) => (cells[j]![i] ?? '').padEnd(widths[k])).join(' | ').trimEnd());
    if (row === head) lines.push(keys.map((k) => '-'.repeat(widths[k])).join('-+-'));
  }
  return lines.join('\n');
}

/** The same rows as a Markdown table, for pasting into BENCHMARKS.md. */
export function renderMarkdown(rows: Row[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    '| Measure | Sluice | Ceiling | Ratio | Target | Result |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${[r.measure, r.sluice, r.ceiling, r.ratio, r.target, r.result].map(esc).join(' | ')} |`),
  ].join('\n');
}
