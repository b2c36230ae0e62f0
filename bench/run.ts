// npm run bench: the ingest and delivery benchmarks, in about six minutes on a 2-core machine. Server on core 0, load generator on
// core 1. Builds Sluice, measures the ingest ceilings, then Sluice (capacity, latency at half capacity, overload),
// then delivery (events/s per destination beside the HTTP-client ceiling, end-to-end latency, backlog drain), prints
// the tables and writes every raw figure to bench/results/latest.json. See BENCHMARKS.md for how to read it.
// One part alone: `npm run bench -- delivery` (or BENCH_ONLY=delivery), `npm run bench -- ingest`; the other parts'
// figures already in latest.json are kept. A name with its own script (bench/NAME.ts) runs that script.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BATCH_ITEMS, batchTemplate, singleTemplate } from './lib/bodies.js';
import { cpuBusy, machineInfo, stallProbe, waitQuiet } from './lib/machine.js';
import { wrkAvailable } from './lib/wrk.js';
import { type AllResults, buildDeliveryRows, buildRows, renderMarkdown, renderTable, type Row } from './report.js';
import { bareAtRate, bareCapacity, sqliteCeilings } from './scenarios/ceilings.js';
import { disturbedRuns, keptDisturbedWarning, log } from './scenarios/common.js';
import { type DeliveryResults, runDelivery } from './scenarios/delivery.js';
import * as plan from './scenarios/plan.js';
import { runSluice } from './scenarios/sluice.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const PARTS = ['ingest', 'delivery'] as const;
type Part = (typeof PARTS)[number];

/** The parts to run: both by default; one with `npm run bench -- delivery` or BENCH_ONLY=delivery. */
function selectedParts(): Part[] {
  const only = (process.env.BENCH_ONLY ?? process.argv[2] ?? '').trim();
  if (only === '' || only === 'all') return [...PARTS];
  if (!(PARTS as readonly string[]).includes(only)) {
    // A part with its own entry point (bench/rollups.ts...) runs as that script, which keeps the other figures.
    const script = join(ROOT, 'bench', `${only}.ts`);
    if (/^[a-z][a-z-]*$/.test(only) && only !== 'run' && only !== 'report' && existsSync(script)) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: 'inherit' });
      process.exit(r.status ?? 1);
    }
    process.stderr.write(`bench: unknown part ${JSON.stringify(only)}; the parts are: ${PARTS.join(', ')}\n`);
    process.exit(2);
  }
  return [only as Part];
}

function preflight(parts: Part[]): void {
  if (parts.includes('ingest') && !wrkAvailable()) {
    process.stderr.write('bench: wrk is not installed. It is the closed-loop load generator; install it with:\n  apt-get update && apt-get install -y wrk\n');
    process.exit(2);
  }
  if (spawnSync('taskset', ['-V']).error !== undefined) {
    process.stderr.write('bench: taskset (util-linux) is missing; it pins the server and the client to their cores.\n');
    process.exit(2);
  }
  const nproc = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim());
  if (!(nproc >= 2)) {
    process.stderr.write(`bench: needs at least 2 CPUs (server on core 0, client on core 1); this machine has ${nproc}.\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const parts = selectedParts();
  preflight(parts);
  log('building Sluice (npm run build)...');
  // tsc reports errors on stdout; send them to stderr with the rest of the progress log, keeping stdout for the table.
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) throw new Error('npm run build failed');

  const tmp = mkdtempSync(join(tmpdir(), 'sluice-bench-bodies-'));
  const single = join(tmp, 'single.json');
  const batch = join(tmp, 'batch.json');
  writeFileSync(single, singleTemplate());
  writeFileSync(batch, batchTemplate());

  const machine = machineInfo();
  // Another process using the CPUs would be measured as Sluice being slow. Before each phase, wait (a while) for
  // the machine to be quiet; if it never is, carry on but say so, in the log and in the results.
  const busyAtPhase: { phase: string; busy: number[] }[] = [];
  const quiet = async (phase: string): Promise<void> => {
    const busy = await waitQuiet(60_000, (b) => log(`  waiting for the CPUs to be quiet (busy: ${b.map((x) => `${Math.round(x * 100)}%`).join(', ')})...`));
    busyAtPhase.push({ phase, busy: busy.map((b) => Math.round(b * 100) / 100) });
    if (busy.some((b) => b > 0.15)) log(`WARNING: ${phase} starts with the CPUs busy (${busy.map((b) => `${Math.round(b * 100)}%`).join(', ')}): figures will be low and noisy.`);
  };
  await quiet('start');
  const busyBefore = busyAtPhase[0]!.busy;
  log('probing host scheduling stalls (3 s)...');
  const stalls = await stallProbe(3);
  log(`  longest stall of a busy thread: ${stalls.maxGapMs} ms (${stalls.gapsOver1ms} over 1 ms)`);

  try {
    let ingest: { all: AllResults; rows: Row[] } | undefined;
    if (parts.includes('ingest')) {
      await quiet('ceilings');
      log('ceilings: bare node:http, single body...');
      const bareSingle = await bareCapacity(single, '/v1/track', false);
      log('ceilings: bare node:http + JSON.parse, batch body...');
      const bareJsonBatch = await bareCapacity(batch, '/v1/batch', true);
      log('ceilings: SQLite inserts...');
      const sqlite = await sqliteCeilings();

      await quiet('sluice-single');
      log('Sluice: single track calls...');
      const singleRes = await runSluice('single', single);
      await quiet('sluice-batch');
      log('Sluice: batches...');
      const batchRes = await runSluice('batch', batch);

      await quiet('latency-floor');
      log('latency floor: bare servers at the same fixed rates...');
      const bareSingleHalf = await bareAtRate(single, '/v1/track', false, singleRes.halfLoad.rate);
      const bareJsonBatchHalf = await bareAtRate(batch, '/v1/batch', true, batchRes.halfLoad.rate);

      const all: AllResults = { bareSingle, bareJsonBatch, sqlite, single: singleRes, batch: batchRes, bareSingleHalf, bareJsonBatchHalf, batchItems: BATCH_ITEMS };
      ingest = { all, rows: buildRows(all) };
    }

    let delivery: { results: DeliveryResults; rows: Row[] } | undefined;
    if (parts.includes('delivery')) {
      await quiet('delivery');
      log('delivery: destination runners, ceilings, latency, backlog...');
      const results = await runDelivery(ingest?.all.single.capacity.median.rps);
      delivery = { results, rows: buildDeliveryRows(results) };
    }

    const busyAfter = await cpuBusy(500);
    const seconds = Math.round((Date.now() - started) / 1000);

    process.stdout.write(`\nSluice benchmark, ${new Date().toISOString()}, ${seconds} s\n`);
    process.stdout.write(`${machine.cpuModel}, ${machine.nproc} CPUs, node ${machine.node}, disk ${machine.disk}\n`);
    const noisy = busyAtPhase.filter((p) => p.busy.some((b) => b > 0.15)).map((p) => p.phase);
    process.stdout.write(`host stall probe: longest ${stalls.maxGapMs} ms; CPU busy before start: ${busyBefore.map((b) => `${Math.round(b * 100)}%`).join(', ')}\n`);
    if (noisy.length > 0) process.stdout.write(`WARNING: other processes were using the CPUs at: ${noisy.join(', ')}; do not quote these figures\n`);
    process.stdout.write(`runs repeated because other processes used the CPUs: ${disturbedRuns.filter((d) => d.retried).length}\n`);
    const warning = keptDisturbedWarning('WARNING: runs kept although disturbed (treat with care)');
    if (warning !== '') process.stdout.write(`${warning}\n`);
    if (ingest !== undefined) process.stdout.write(`\nIngest\n${renderTable(ingest.rows)}\n`);
    if (delivery !== undefined) process.stdout.write(`\nDelivery\n${renderTable(delivery.rows)}\n`);

    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'latest.json');
    const date = new Date().toISOString();
    // A part not run this time keeps its figures from the last run that had it (each part carries its own date).
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    const ingestPart =
      ingest === undefined
        ? { ingestDate: previous.ingestDate ?? previous.date, rows: previous.rows, markdown: previous.markdown, raw: previous.raw }
        : { ingestDate: date, rows: ingest.rows, markdown: renderMarkdown(ingest.rows), raw: ingest.all };
    const deliveryPart = delivery === undefined ? previous.delivery : { date, rows: delivery.rows, markdown: renderMarkdown(delivery.rows), raw: delivery.results };
    // Other parts' sections (written by their own scripts, e.g. "rollups") are kept as they are.
    const out = { ...previous, date, parts, seconds, machine, stallProbe: stalls, busyAtPhase, cpuBusyAfter: busyAfter, disturbedRuns, plan, ...ingestPart, delivery: deliveryPart };
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`\nraw results: bench/results/latest.json\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
