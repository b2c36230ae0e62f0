// The rollups benchmark on its own (bench/scenarios/rollups.ts): `npm run bench -- rollups`, BENCH_ONLY=rollups npm
// run bench, or `node --import tsx bench/rollups.ts`. About 3 minutes on a quiet 2-core machine. Builds Sluice, waits
// for quiet CPUs, probes host stalls, runs the part, prints its table and adds it to bench/results/latest.json under
// "rollups" (the other parts' figures there are kept). See BENCHMARKS.md, "Rollups".
// Knobs: BENCH_QUICK=1 (small and short, to check the bench works), BENCH_ROLLUPS_INGEST=latest (take the ingest
// batch figure from latest.json instead of measuring it), BENCH_ROLLUPS_KEEP=1 (keep the data dir, for profiling),
// BENCH_CPU_PROF=DIR (profile the consumer runs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBusy, machineInfo, stallProbe, waitQuiet } from './lib/machine.js';
import { renderMarkdown, renderTable } from './report.js';
import { disturbedRuns, log } from './scenarios/common.js';
import { buildRollupsRows, ROLLUPS_PLAN, ROLLUPS_TARGETS, runRollups } from './scenarios/rollups.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<void> {
  const started = Date.now();
  if (spawnSync('taskset', ['-V']).error !== undefined) {
    process.stderr.write('bench: taskset (util-linux) is missing; it pins the server and the client to their cores.\n');
    process.exit(2);
  }
  const nproc = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim());
  if (!(nproc >= 2)) {
    process.stderr.write(`bench: needs at least 2 CPUs (server on core 0, client on core 1); this machine has ${nproc}.\n`);
    process.exit(2);
  }
  log('building Sluice (npm run build)...');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) throw new Error('npm run build failed');

  const machine = machineInfo();
  const busyStart = await waitQuiet(60_000, (b) => log(`  waiting for the CPUs to be quiet (busy: ${b.map((x) => `${Math.round(x * 100)}%`).join(', ')})...`));
  if (busyStart.some((b) => b > 0.15)) log(`WARNING: starting with the CPUs busy (${busyStart.map((b) => `${Math.round(b * 100)}%`).join(', ')}): figures will be low and noisy.`);
  log('probing host scheduling stalls (3 s)...');
  const stalls = await stallProbe(3);
  log(`  longest stall of a busy thread: ${stalls.maxGapMs} ms (${stalls.gapsOver1ms} over 1 ms)`);

  const results = await runRollups();
  const rows = buildRollupsRows(results);
  const busyAfter = await cpuBusy(500);
  const seconds = Math.round((Date.now() - started) / 1000);

  process.stdout.write(`\nSluice rollups benchmark, ${new Date().toISOString()}, ${seconds} s\n`);
  process.stdout.write(`${machine.cpuModel}, ${machine.nproc} CPUs, node ${machine.node}, disk ${machine.disk}\n`);
  process.stdout.write(`host stall probe: longest ${stalls.maxGapMs} ms; CPU busy before start: ${busyStart.map((b) => `${Math.round(b * 100)}%`).join(', ')}\n`);
  process.stdout.write(`ingest figure: ${results.ingest.source}\n`);
  const kept = disturbedRuns.filter((d) => !d.retried);
  process.stdout.write(`runs repeated because other processes used the CPUs: ${disturbedRuns.length - kept.length}\n`);
  if (kept.length > 0) process.stdout.write(`WARNING: runs kept although disturbed (treat with care): ${kept.map((d) => `${d.label} (${d.foreignCores} cores)`).join('; ')}\n`);
  process.stdout.write(`\nRollups\n${renderTable(rows)}\n`);

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const rollups = { date: new Date().toISOString(), seconds, machine, stallProbe: stalls, cpuBusyBefore: busyStart, cpuBusyAfter: busyAfter, disturbedRuns, plan: ROLLUPS_PLAN, targets: ROLLUPS_TARGETS, rows, markdown: renderMarkdown(rows), raw: results };
  writeFileSync(file, `${JSON.stringify({ ...previous, rollups }, null, 2)}\n`);
  process.stdout.write(`\nraw results: bench/results/latest.json ("rollups")\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
