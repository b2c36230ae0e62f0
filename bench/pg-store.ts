// The PostgreSQL store benchmark: `npm run bench -- pg-store` (or `node --import tsx bench/pg-store.ts`). About a
// minute. Against DATABASE_URL (default the local server on 5432), in a schema of its own, dropped afterwards.
// Measures, in the same run and interleaved round by round so a noisy neighbour hits all alike:
//   ceiling    raw multi-row INSERT ... VALUES, and INSERT ... SELECT unnest(arrays), of new rows into a table shaped
//              like rollup_counters (same key); the faster of the two is the ceiling
//   new keys   RollupStore.apply of counter batches whose keys are all new (every row an insert)
//   upserts    the same batches again (every row an ON CONFLICT update)
//   consumer   the rollups consumer's path: log events folded by aggregate() and written by applyClaimed
//              (claims + counters + breakdowns + HyperLogLog sketches), in events/s and rows written/s
// Prints the medians and adds them to bench/results/latest.json under "pgStore". Target (issue 5): >= 30,000 rows/s.
// Knobs: BENCH_QUICK=1 (one small round, to check the bench works).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgConnection } from '../src/backends/postgres/connection.js';
import { migrate } from '../src/backends/postgres/migrations.js';
import { PostgresRollupStore } from '../src/backends/postgres/rollup-store.js';
import type { LoggedEvent } from '../src/core/event.js';
import { aggregate } from '../src/rollups/aggregate.js';
import type { CounterIncrement, RollupBatch } from '../src/rollups/store.js';
import { machineInfo } from './lib/machine.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 5;
const ROWS = QUICK ? 20_000 : 100_000; // rows per measurement
const BATCH_ROWS = 5_000; // rows per statement / transaction
const EVENTS = QUICK ? 10_000 : 50_000; // events per consumer measurement
const BATCH_EVENTS = 1_000; // the default rollups.max_batch_events

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function counterBatches(round: number): RollupBatch[] {
  const out: RollupBatch[] = [];
  for (let b = 0; b < ROWS / BATCH_ROWS; b++) {
    const counters: CounterIncrement[] = Array.from({ length: BATCH_ROWS }, (_, i) => ({
      metric: 'pages',
      hour: 475_000 + round * 100 + b,
      source: 'bench',
      k1: `/path/${i}`,
      k2: '',
      k3: '',
      n: 1,
    }));
    out.push({ firstSeq: 0, lastSeq: 0, counters, breakdowns: [], sketches: [] });
  }
  return out;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function ceiling(db: PgConnection, round: number): Promise<{ values: number; unnest: number }> {
  await db.query(`CREATE TABLE IF NOT EXISTS raw_ceiling (metric TEXT NOT NULL, hour INTEGER NOT NULL, source TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL, k3 TEXT NOT NULL, n BIGINT NOT NULL,
    PRIMARY KEY (metric, hour, source, k1, k2, k3))`);
  const perStatement = 1_000; // 7,000 parameters; PostgreSQL allows 65,535
  const placeholders = Array.from({ length: perStatement }, (_, r) => `(${Array.from({ length: 7 }, (_, c) => `$${r * 7 + c + 1}`).join(', ')})`).join(', ');
  const sql = `INSERT INTO raw_ceiling (metric, hour, source, k1, k2, k3, n) VALUES ${placeholders}`;
  const batches = counterBatches(round);
  const values = await timed(async () => {
    for (const b of batches) {
      await db.transaction(async (c) => {
        for (let i = 0; i < b.counters.length; i += perStatement) {
          await c.query(sql, b.counters.slice(i, i + perStatement).flatMap((r) => [r.metric, r.hour, r.source, r.k1, r.k2, r.k3, r.n]));
        }
      });
    }
  });
  // The same rows as one statement per batch with arrays unnested (what the store uses), into other keys.
  const unnest = await timed(async () => {
    for (const b of batches) {
      const col = <K extends keyof CounterIncrement>(k: K): CounterIncrement[K][] => b.counters.map((r) => r[k]);
      await db.query(
        `INSERT INTO raw_ceiling (metric, hour, source, k1, k2, k3, n)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])`,
        [col('metric'), col('hour'), col('source'), col('k1'), col('k2'), b.counters.map(() => 'unnest'), col('n')],
      );
    }
  });
  return { values: ROWS / values, unnest: ROWS / unnest };
}

async function applyAll(store: PostgresRollupStore, batches: RollupBatch[], seq: { next: number }): Promise<number> {
  // Past the stored position (the consumer path moves it too), or the batches would be skipped as already applied.
  seq.next = Math.max(seq.next, (await store.position()) + 1);
  const s = await timed(async () => {
    for (const b of batches) {
      b.firstSeq = seq.next;
      b.lastSeq = seq.next;
      seq.next++;
      const r = await store.apply(b);
      if (r.outcome !== 'applied') throw new Error(`bench batch not applied: ${r.outcome}`);
    }
  });
  return ROWS / s;
}

function events(from: number, n: number): LoggedEvent[] {
  const names = ['Signed Up', 'Order Completed', 'Product Viewed', 'Logged In', 'Added to Cart'];
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i;
    const page = seq % 3 === 0;
    const body = page
      ? { type: 'page', messageId: `m${seq}`, anonymousId: `a${seq % 5000}`, properties: { path: `/p/${seq % 200}`, url: `https://x.example/p/${seq % 200}`, referrer: 'https://www.google.com/' }, timestamp: new Date(Date.UTC(2025, 0, 1) + (seq % 48) * 3_600_000).toISOString() }
      : { type: 'track', messageId: `m${seq}`, userId: `u${seq % 5000}`, event: names[seq % names.length], properties: { plan: ['free', 'pro', 'team'][seq % 3], revenue: 9.99 }, timestamp: new Date(Date.UTC(2025, 0, 1) + (seq % 48) * 3_600_000).toISOString() };
    return { seq, source: 'bench', messageId: `m${seq}`, type: body.type, receivedAt: Date.now(), body: JSON.stringify(body) };
  });
}

async function consumer(store: PostgresRollupStore, from: number): Promise<{ eventsPerS: number; rowsPerS: number; rows: number }> {
  const evs = events(from, EVENTS);
  const opts = { breakdowns: [{ event: 'Order Completed', property: 'plan', max_values: 10 }] };
  let rows = 0;
  const s = await timed(async () => {
    for (let i = 0; i < evs.length; i += BATCH_EVENTS) {
      const part = evs.slice(i, i + BATCH_EVENTS);
      await store.applyClaimed(
        'rollups',
        part.map((e) => e.seq),
        (fresh) => {
          const batch = aggregate(part.filter((e) => fresh.has(e.seq)), opts);
          rows += fresh.size + batch.counters.length + batch.breakdowns.length + batch.sketches.length;
          return batch;
        },
      );
    }
  });
  return { eventsPerS: EVENTS / s, rowsPerS: rows / s, rows };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const schema = `sluice_bench_${process.pid}`;
  const db = new PgConnection({ url: URL_, schema, poolSize: 2 });
  try {
    await migrate(db.pool, schema);
    const store = new PostgresRollupStore(db);
    const r = { ceilingValues: [] as number[], ceilingUnnest: [] as number[], ceiling: [] as number[], newKeys: [] as number[], upserts: [] as number[], consumerEvents: [] as number[], consumerRows: [] as number[] };
    const seq = { next: 1 };
    for (let round = 0; round < ROUNDS; round++) {
      const c0 = await ceiling(db, round);
      r.ceilingValues.push(c0.values);
      r.ceilingUnnest.push(c0.unnest);
      r.ceiling.push(Math.max(c0.values, c0.unnest));
      const batches = counterBatches(round);
      r.newKeys.push(await applyAll(store, batches, seq));
      r.upserts.push(await applyAll(store, batches, seq));
      const c = await consumer(store, 1 + round * EVENTS);
      r.consumerEvents.push(c.eventsPerS);
      r.consumerRows.push(c.rowsPerS);
      log(`round ${round + 1}/${ROUNDS}: ceiling ${Math.round(r.ceiling.at(-1)!)} rows/s, new keys ${Math.round(r.newKeys.at(-1)!)}, upserts ${Math.round(r.upserts.at(-1)!)}, consumer ${Math.round(c.eventsPerS)} events/s (${Math.round(c.rowsPerS)} rows/s)`);
    }
    const ceil = median(r.ceiling);
    const line = (label: string, v: number, unit = 'rows/s'): string => `${label.padEnd(58)} ${String(Math.round(v)).padStart(9)} ${unit}${unit === 'rows/s' ? `  (${Math.round((v / ceil) * 100)}% of ceiling)` : ''}`;
    const machine = machineInfo();
    process.stdout.write(`\nPostgreSQL store, ${new Date().toISOString()}, ${machine.cpuModel}, ${machine.nproc} CPUs; medians of ${ROUNDS} rounds\n`);
    process.stdout.write(`${'raw multi-row INSERT ... VALUES (1,000 rows/statement)'.padEnd(58)} ${String(Math.round(median(r.ceilingValues))).padStart(9)} rows/s\n`);
    process.stdout.write(`${'raw INSERT ... SELECT unnest(arrays) (5,000 rows/statement)'.padEnd(58)} ${String(Math.round(median(r.ceilingUnnest))).padStart(9)} rows/s\n`);
    process.stdout.write(`ceiling (the faster raw insert, per round): ${Math.round(ceil)} rows/s\n`);
    process.stdout.write(`${line('rollup counters, new keys (apply, 5,000 rows/batch)', median(r.newKeys))}\n`);
    process.stdout.write(`${line('rollup counters, existing keys (ON CONFLICT update)', median(r.upserts))}\n`);
    process.stdout.write(`${line('rollups consumer path (applyClaimed, 1,000 events/batch)', median(r.consumerRows))}\n`);
    process.stdout.write(`${line('  the same, in events counted', median(r.consumerEvents), 'events/s')}\n`);
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'latest.json');
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    const pgStore = { date: new Date().toISOString(), machine, rounds: ROUNDS, rowsPerMeasurement: ROWS, target: { rowsPerS: 30_000 }, medians: { ceiling: ceil, newKeys: median(r.newKeys), upserts: median(r.upserts), consumerRows: median(r.consumerRows), consumerEvents: median(r.consumerEvents) }, raw: r };
    writeFileSync(file, `${JSON.stringify({ ...previous, pgStore }, null, 2)}\n`);
    process.stdout.write(`\nraw results: bench/results/latest.json ("pgStore")\n`);
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
