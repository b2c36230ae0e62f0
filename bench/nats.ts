// The NATS + PostgreSQL benchmark: `npm run bench -- nats` (issue 5). About six minutes on 2 cores. In one run:
//   ceilings   bare node:http (the ingest bench's server) on core 0; raw JetStream async publish of 100-byte messages
//              with the official client (64 publishes awaiting their PubAck) on core 0, into a fresh file stream
//   ingest     single track calls (wrk, core 1) against one embedded process (SQLite log), one process with
//              log.backend nats + store.backend postgres, and two such processes on one stream (the load spread
//              over both); every Sluice process on core 0, so 1 and 2 processes get the same CPU. The ceilings
//              and the three configurations are measured in rounds (one run of each per round, bench/nats/ingest.ts)
//              and read as ratios to the bare server's run of the same round
//   delivery   a stream pre-filled with DRAIN_EVENTS events drained to a batched webhook (the fake API, core 1) by
//              1 worker (core 0), 2 workers on core 0, and 2 workers on cores 0 and 1, sharing the durable consumer
// nats-server and PostgreSQL are the machine's services, not pinned: they take CPU from both cores, which is part of
// what a NATS deployment costs and why 2 processes on 2 cores cannot scale here (BENCHMARKS.md, "NATS + PostgreSQL").
// Every run uses its own streams (BENCHNATS_<pid>_...) and its own PostgreSQL database, removed at the end.
// Prints a table and adds the figures to bench/results/latest.json under "nats". BENCH_QUICK=1: one short pass.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { singleTemplate } from './lib/bodies.js';
import { countAsOurs, machineInfo, stallProbe, waitQuiet } from './lib/machine.js';
import { CLIENT_CPU, runPinned, SERVER_CPU, type Server, startServer } from './lib/proc.js';
import { startSluice, type SluiceServer } from './lib/sluice.js';
import { median, medianRun } from './lib/stats.js';
import { disturbedRuns, keptDisturbedWarning, log } from './scenarios/common.js';
import { adminQuery, deleteStreams, withDatabase } from './nats/cleanup.js';
import { drain, type DrainRun, prefill } from './nats/drain.js';
import { interleavedCapacity, type Target } from './nats/ingest.js';
import { DATABASE_URL, DRAIN_RUNS, JS_IN_FLIGHT, JS_MESSAGE_BYTES, NATS_SINGLE_TARGET_RATIO, NATS_URL } from './nats/plan.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const JS_PUBLISH = fileURLToPath(new URL('./nats/js-publish.ts', import.meta.url));
const BARE = fileURLToPath(new URL('./ceilings/bare-server.ts', import.meta.url));
const FAKE_API = fileURLToPath(new URL('./delivery/fake-api.ts', import.meta.url));
const PREFIX = `BENCHNATS_${process.pid}_`;
const DB = `sluice_bench_nats_${process.pid}`;

/** Whether the built `sluice start` knows --role (the roles work); without it every process runs everything. */
function rolesAvailable(): boolean {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'start', '--help'], { encoding: 'utf8' });
  return /--role/.test(r.stdout);
}

/** The oldest process of that name: nats-server, or PostgreSQL's postmaster (its backends are its children). */
function pidOf(name: string): number | undefined {
  const out = spawnSync('pgrep', ['-o', '-x', name], { encoding: 'utf8' }).stdout.trim();
  return out === '' ? undefined : Number(out);
}

/** A config on NATS + PostgreSQL with its own stream; rollups and identity off so only ingest / the destination runs. */
function natsConfig(stream: string): Record<string, unknown> {
  return {
    log: { backend: 'nats', nats: { url: NATS_URL, stream } },
    store: { backend: 'postgres', url: withDatabase(DATABASE_URL, DB), schema: 'sluice' },
    rollups: { enabled: false },
    identity: { enabled: false },
  };
}

let jsRun = 0;
/** One run of the JetStream publish ceiling, into a stream of its own. */
async function jsCeiling(): Promise<number> {
  const args = ['--import', 'tsx', JS_PUBLISH, '--stream', `${PREFIX}JS${++jsRun}`, '--in-flight', String(JS_IN_FLIGHT), '--bytes', String(JS_MESSAGE_BYTES), '--url', NATS_URL];
  return (JSON.parse((await runPinned(SERVER_CPU, process.execPath, args)).trim()) as { msgsPerSec: number }).msgsPerSec;
}

/** Starts every server (all on core 0, idle until loaded), runs `fn`, stops them. */
async function withServers<T>(starts: (() => Promise<Server>)[], fn: (servers: Server[]) => Promise<T>): Promise<T> {
  const started = await Promise.allSettled(starts.map((s) => s()));
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return await fn(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const s of servers) if ('dir' in s) rmSync((s as SluiceServer).dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  log('building Sluice (npm run build)...');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) throw new Error('npm run build failed');
  const roles = rolesAvailable();
  log(roles ? 'sluice start has --role: ingest processes run --role ingest, workers --role worker' : 'sluice start has no --role yet: every process runs with everything (role all)');
  const ingestArgs = roles ? ['--role', 'ingest'] : [];
  const workerArgs = roles ? ['--role', 'worker'] : [];
  for (const svc of ['nats-server', 'postgres']) {
    const pid = pidOf(svc);
    if (pid !== undefined) countAsOurs(pid);
  }
  const machine = machineInfo();
  const busyAtStart = await waitQuiet(60_000, (b) => log(`  waiting for the CPUs to be quiet (busy: ${b.map((x) => `${Math.round(x * 100)}%`).join(', ')})...`));
  const stalls = await stallProbe(2);

  const tmp = mkdtempSync(join(tmpdir(), 'sluice-bench-nats-'));
  const single = join(tmp, 'single.json');
  writeFileSync(single, singleTemplate());
  await adminQuery(DATABASE_URL, `CREATE DATABASE "${DB}"`);
  try {
    log('ingest: bare node:http, JetStream publish, embedded, NATS 1 and 2 processes, in rounds...');
    const noConsumers = { rollups: { enabled: false }, identity: { enabled: false } };
    const ingest = await withServers(
      [
        () => startServer(['--import', 'tsx', BARE], { cpu: SERVER_CPU }),
        () => startSluice(noConsumers),
        () => startSluice(natsConfig(`${PREFIX}I1`), { args: ingestArgs }),
        () => startSluice(natsConfig(`${PREFIX}I2`), { args: ingestArgs }),
        () => startSluice(natsConfig(`${PREFIX}I2`), { args: ingestArgs }),
      ],
      ([bare, embedded, nats1, nats2a, nats2b]) => {
        const target = (key: string, label: string, servers: Server[]): Target => ({ key, label, urls: servers.map((x) => `${x.url}/v1/track`), pids: servers.map((x) => x.pid) });
        return interleavedCapacity(
          [
            target('bare', 'bare node:http', [bare!]),
            { key: 'jetstream', label: 'JetStream publish', measure: jsCeiling },
            target('embedded', 'embedded', [embedded!]),
            target('nats1', 'NATS 1 process', [nats1!]),
            target('nats2', 'NATS 2 processes', [nats2a!, nats2b!]),
          ],
          single,
        );
      },
    );

    log('delivery: 1 vs 2 workers on one durable consumer...');
    const fake = await startServer(['--import', 'tsx', FAKE_API], { cpu: CLIENT_CPU });
    const drains: Record<string, DrainRun[]> = { one: [], twoSameCore: [], twoCores: [] };
    const placements: Record<string, (number | string)[]> = { one: [SERVER_CPU], twoSameCore: [SERVER_CPU, SERVER_CPU], twoCores: [SERVER_CPU, CLIENT_CPU] };
    try {
      for (let i = 0; i < DRAIN_RUNS; i++) {
        for (const [key, cpus] of Object.entries(placements)) {
          const stream = `${PREFIX}D${key}${i}`;
          await prefill(stream);
          const r = await drain(fake.url, natsConfig(stream), cpus, workerArgs);
          log(`  ${key} run ${i + 1}: ${Math.round(r.eventsPerSec)} events/s over ${r.seconds.toFixed(2)} s (${r.received} received in ${r.requests} requests, per worker ${r.perWorker.join(' + ')}; wall ${r.wallSeconds.toFixed(1)} s)`);
          if (r.received !== r.events) log(`  WARNING: ${r.received} events received for ${r.events} sent`);
          drains[key]!.push(r);
          await deleteStreams(NATS_URL, stream);
        }
      }
    } finally {
      await fake.stop();
    }

    // Report.
    const seconds = Math.round((Date.now() - started) / 1000);
    const out: string[] = [];
    out.push(`NATS + PostgreSQL, ${new Date().toISOString()}, ${seconds} s, ${machine.cpuModel}, ${machine.nproc} CPUs; CPU busy at start ${busyAtStart.map((b) => `${Math.round(b * 100)}%`).join(', ')}, longest stall ${stalls.maxGapMs} ms`);
    out.push(`roles: ${roles ? 'ingest processes --role ingest, workers --role worker' : 'not available: every process ran with everything (role all), rollups and identity off'}`);
    out.push('');
    out.push(`${'ingest (single track calls, 64 connections)'.padEnd(44)} ${'req/s'.padStart(7)}  ${'of bare'.padStart(7)}  ${'p50 ms'.padStart(6)}  ${'p99 ms'.padStart(6)}  runs (of bare, same round)`);
    for (const r of Object.values(ingest)) {
      const m = r.median;
      const lat = (x: number): string => (Number.isNaN(x) ? '' : x.toFixed(1)).padStart(6);
      const label = r.label === 'JetStream publish' ? `JetStream publish (msgs/s, ${JS_IN_FLIGHT} in flight)` : r.label;
      out.push(`${label.padEnd(44)} ${String(Math.round(m.rps)).padStart(7)}  ${`${Math.round(r.ratio * 100)}%`.padStart(7)}  ${lat(m.p50Ms)}  ${lat(m.p99Ms)}  ${r.runs.map((x, i) => `${Math.round(x.rps)} (${Math.round(r.ratioRuns[i]! * 100)}%)`).join(', ')}`);
    }
    const ratio = ingest.nats1!.ratio;
    out.push(`target: NATS single-message ingest >= ${NATS_SINGLE_TARGET_RATIO * 100}% of bare (median of same-round ratios): ${ratio >= NATS_SINGLE_TARGET_RATIO ? 'met' : 'MISSED'} (${Math.round(ratio * 100)}%)`);
    out.push('');
    out.push(`${'delivery (batched webhook, events/s)'.padEnd(52)} ${'median'.padStart(8)}  runs                   events per worker (median run)`);
    const labels: Record<string, string> = { one: '1 worker (core 0)', twoSameCore: '2 workers (both core 0)', twoCores: '2 workers (cores 0 and 1)' };
    for (const [key, runs] of Object.entries(drains)) {
      out.push(`${labels[key]!.padEnd(52)} ${String(Math.round(median(runs.map((r) => r.eventsPerSec)))).padStart(8)}  ${runs.map((r) => Math.round(r.eventsPerSec)).join(', ').padEnd(22)} ${medianRun(runs, (r) => r.eventsPerSec).perWorker.join(' + ')}`);
    }
    const warning = keptDisturbedWarning('WARNING: runs kept although disturbed');
    if (warning !== '') out.push(warning);
    process.stdout.write(`\n${out.join('\n')}\n`);

    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'latest.json');
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    const nats = { date: new Date().toISOString(), seconds, machine, roles, busyAtStart, stallProbe: stalls, disturbedRuns, jetstream: { inFlight: JS_IN_FLIGHT, bytes: JS_MESSAGE_BYTES }, ingest, drains, table: out };
    writeFileSync(file, `${JSON.stringify({ ...previous, nats }, null, 2)}\n`);
    process.stdout.write(`\nraw results: bench/results/latest.json ("nats")\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await deleteStreams(NATS_URL, PREFIX).catch((err: unknown) => log(`cleanup: streams ${PREFIX}*: ${(err as Error).message}`));
    await adminQuery(DATABASE_URL, `DROP DATABASE IF EXISTS "${DB}" WITH (FORCE)`).catch((err: unknown) => log(`cleanup: database ${DB}: ${(err as Error).message}`));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
