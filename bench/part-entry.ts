// What a bench part with its own entry point (bench/plans.ts, bench/rollups.ts) does around its measurements: check
// the tools, build Sluice, wait for quiet CPUs and probe host stalls before; print the header and keep the figures
// under the part's name in bench/results/latest.json after (the other parts' figures there are kept).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBusy, machineInfo, type MachineInfo, stallProbe, waitQuiet } from './lib/machine.js';
import { wrkAvailable } from './lib/wrk.js';
import { disturbedRuns, keptDisturbedWarning, log } from './scenarios/common.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface PartHost {
  started: number;
  machine: MachineInfo;
  busyStart: number[];
  stalls: { maxGapMs: number; gapsOver1ms: number };
}

const percents = (busy: number[]): string => busy.map((b) => `${Math.round(b * 100)}%`).join(', ');

function exitWith(message: string): never {
  process.stderr.write(message);
  process.exit(2);
}

/** Checks the tools, builds Sluice, waits for quiet CPUs and probes host stalls. `wrk`: the part loads with wrk. */
export async function prepareHost(opts: { wrk: boolean }): Promise<PartHost> {
  const started = Date.now();
  if (opts.wrk && !wrkAvailable()) {
    exitWith('bench: wrk is not installed. It is the closed-loop load generator; install it with:\n  apt-get update && apt-get install -y wrk\n');
  }
  if (spawnSync('taskset', ['-V']).error !== undefined) exitWith('bench: taskset (util-linux) is missing; it pins the server and the client to their cores.\n');
  const nproc = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim());
  if (!(nproc >= 2)) exitWith(`bench: needs at least 2 CPUs (server on core 0, client on core 1); this machine has ${nproc}.\n`);
  log('building Sluice (npm run build)...');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) throw new Error('npm run build failed');

  const machine = machineInfo();
  const busyStart = await waitQuiet(60_000, (b) => log(`  waiting for the CPUs to be quiet (busy: ${percents(b)})...`));
  if (busyStart.some((b) => b > 0.15)) log(`WARNING: starting with the CPUs busy (${percents(busyStart)}): figures will be low and noisy.`);
  log('probing host scheduling stalls (3 s)...');
  const stalls = await stallProbe(3);
  log(`  longest stall of a busy thread: ${stalls.maxGapMs} ms (${stalls.gapsOver1ms} over 1 ms)`);
  return { started, machine, busyStart, stalls };
}

/** The host facts stored beside a part's figures, measured when the part is done. */
export async function hostFacts(host: PartHost): Promise<{ seconds: number; machine: MachineInfo; stallProbe: PartHost['stalls']; cpuBusyBefore: number[]; cpuBusyAfter: number[]; disturbedRuns: typeof disturbedRuns }> {
  const cpuBusyAfter = await cpuBusy(500);
  const seconds = Math.round((Date.now() - host.started) / 1000);
  return { seconds, machine: host.machine, stallProbe: host.stalls, cpuBusyBefore: host.busyStart, cpuBusyAfter, disturbedRuns };
}

/** Prints the header (title, machine, noise), `extra` lines, then the part's table under `name`. */
export function printPart(title: string, host: PartHost, seconds: number, extra: string[], name: string, table: string): void {
  const { machine } = host;
  process.stdout.write(`\n${title}, ${seconds} s\n`);
  process.stdout.write(`${machine.cpuModel}, ${machine.nproc} CPUs, node ${machine.node}, disk ${machine.disk}\n`);
  process.stdout.write(`host stall probe: longest ${host.stalls.maxGapMs} ms; CPU busy before start: ${percents(host.busyStart)}\n`);
  for (const line of extra) process.stdout.write(`${line}\n`);
  process.stdout.write(`runs repeated because other processes used the CPUs: ${disturbedRuns.filter((d) => d.retried).length}\n`);
  const warning = keptDisturbedWarning('WARNING: runs kept although disturbed (treat with care)');
  if (warning !== '') process.stdout.write(`${warning}\n`);
  process.stdout.write(`\n${name}\n${table}\n`);
}

/** Stores `value` under `key` in bench/results/latest.json, keeping the other keys. */
export function storePart(key: string, value: unknown): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(file, `${JSON.stringify({ ...previous, [key]: value }, null, 2)}\n`);
  process.stdout.write(`\nraw results: bench/results/latest.json ("${key}")\n`);
}

/** Runs an entry's main, printing its failure and exiting 1. */
export function runEntry(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
