// Times the dashboard's queries in process on a data dir the rollups benchmark built (BENCH_ROLLUPS_KEEP=1, or
// bench/rollups/build.ts alone): no HTTP, no server, so a store change can be compared A/B quickly and its answers
// diffed. Runs from src/ (tsx), one query at a time; p50/p95 by nearest rank, and the median CPU time of the process
// (all threads) per query, steadier than wall time on a busy machine. Writes every answer as JSON lines
// to --answers, so two versions of the code can be checked to answer the same.
// Usage: node --import tsx bench/rollups/query-inprocess.ts --db PATH --now MS [--runs N] [--answers FILE] [--only SUBSTRING]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import { SqliteRollupStore } from '../../src/backends/sqlite/rollup-store.js';
import { QUERIES } from '../../src/rollups/queries.js';
import { parseParams, type QueryKind } from '../../src/rollups/query-params.js';
import { dashboardQueries } from '../scenarios/rollups.js';
import { defaultLogOptions } from './dist.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, now: { type: 'string' }, runs: { type: 'string', default: '30' }, answers: { type: 'string' }, only: { type: 'string' } } });
if (values.db === undefined || values.now === undefined) throw new Error('usage: --db PATH --now MS [--runs N] [--answers FILE] [--only SUBSTRING]');
const now = Number(values.now);
const runs = Number(values.runs);

const log = new SqliteLog(defaultLogOptions(values.db));
const store = new SqliteRollupStore(log);
const answers: string[] = [];
for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
  for (const spec of dashboardQueries(zone)) {
    if (values.only !== undefined && !spec.label.includes(values.only)) continue;
    const kind = spec.path.split('/').pop() as QueryKind;
    const run = QUERIES[kind] as (s: typeof store, p: unknown, now: number) => Promise<object>;
    const params = parseParams(kind, spec.params);
    let answer: object = {};
    for (let i = 0; i < 2; i++) answer = await run(store, params, now);
    const ms: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      answer = await run(store, params, now);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const rank = (q: number): number => Math.round(ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]! * 10) / 10;
    process.stdout.write(`${zone.padEnd(17)} ${spec.label.padEnd(52)} p50 ${String(rank(0.5)).padStart(7)}  p95 ${String(rank(0.95)).padStart(7)}  cpu p50 ${(cpu[cpu.length >> 1]!).toFixed(1).padStart(7)}\n`);
    answers.push(JSON.stringify({ zone, label: spec.label, answer }));
  }
}
if (values.answers !== undefined) writeFileSync(values.answers, `${answers.join('\n')}\n`);
await log.close();
