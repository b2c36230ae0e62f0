// What the figures were measured on, and how noisy that machine was: the description BENCHMARKS.md needs, a check
// that nothing else is using the CPUs, and a probe of the host's own scheduling stalls.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLIENT_CPU, runPinned, SERVER_CPU } from './proc.js';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGb: number;
  disk: string;
  node: string;
  kernel: string;
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  // The device and filesystem under /tmp, where every data dir lives, and whether the kernel thinks it spins.
  const [source = 'unknown', fstype = ''] = sh('findmnt', ['-n', '-o', 'SOURCE,FSTYPE', '--target', '/tmp']).split(/\s+/);
  const dev = source.replace('/dev/', '');
  const vendor = sh('cat', [`/sys/block/${dev}/device/vendor`]);
  const kind = vendor === '0x1af4' ? 'virtio block device' : 'block device';
  return {
    nproc: Number(sh('nproc', [])),
    cpuModel: `${model} (${cpus().length} vCPU)`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    disk: `${source} (${kind}, ${fstype})`,
    node: process.version,
    kernel: sh('uname', ['-r']),
  };
}

/** Busy share of each CPU over `ms` (from /proc/stat), measured while the bench itself is idle. */
export async function cpuBusy(ms = 1000): Promise<number[]> {
  const read = (): number[][] =>
    readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => l.trim().split(/\s+/).slice(1).map(Number));
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  return b.map((row, i) => {
    const d = row.map((v, j) => v - (a[i]?.[j] ?? 0));
    const total = d.reduce((s, v) => s + v, 0);
    const idle = (d[3] ?? 0) + (d[4] ?? 0);
    return total === 0 ? 0 : 1 - idle / total;
  });
}

/**
 * Waits (up to `maxMs`) until no CPU is more than 15% busy, so that a test suite or build someone else started does
 * not get measured as Sluice being slow. Returns the last reading; the caller records it with the results.
 */
export async function waitQuiet(maxMs: number, onWait: (busy: number[]) => void): Promise<number[]> {
  const deadline = Date.now() + maxMs;
  let busy = await cpuBusy(500);
  let told = false;
  while (busy.some((b) => b > 0.15) && Date.now() < deadline) {
    if (!told) onWait(busy);
    told = true;
    busy = await cpuBusy(1000);
  }
  return busy;
}

const JITTER = fileURLToPath(new URL('../probes/jitter.ts', import.meta.url));

/** Runs the stall probe on both cores at once, as a benchmark loads them, and returns the worse of the two. */
export async function stallProbe(seconds: number): Promise<{ maxGapMs: number; gapsOver1ms: number }> {
  const runs = await Promise.all([SERVER_CPU, CLIENT_CPU].map((cpu) => runPinned(cpu, process.execPath, ['--import', 'tsx', JITTER, String(seconds)])));
  const parsed = runs.map((o) => JSON.parse(o.trim()) as { maxGapMs: number; gapsOver1ms: number });
  return { maxGapMs: Math.max(...parsed.map((p) => p.maxGapMs)), gapsOver1ms: Math.max(...parsed.map((p) => p.gapsOver1ms)) };
}

function busyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!; // the "cpu" line: all CPUs together
  const [user = 0, nice = 0, system = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  // Process time only: irq and softirq (much of it the loopback traffic and disk completions the benchmark itself
  // causes) belong to no process, so they cannot be told apart and are left out.
  return user + nice + system;
}

/** utime+stime+cutime+cstime of a process (its threads, and its children once reaped), in clock ticks. */
function ownTicks(stat: string): number {
  const f = stat.split(') ')[1]!.split(' '); // after the command name, which may hold spaces
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/**
 * Services a scenario drives (nats-server, PostgreSQL's postmaster) whose work is the benchmark's own: their CPU, and
 * their children's, counts as ours. (Another client of the same service is then not seen as a disturbance.)
 */
const serviceRoots = new Set<number>();
export function countAsOurs(pid: number): void {
  serviceRoots.add(pid);
}

/** CPU ticks used by this process and all its live descendants (the server, wrk, the generator), reaped ones included, and by kernel threads. */
function ourTicks(): number {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      procs.set(Number(entry), { ppid: Number(stat.split(') ')[1]!.split(' ')[1]), ticks: ownTicks(stat) });
    } catch {
      // the process ended between readdir and read
    }
  }
  let total = 0;
  for (const [pid, p] of procs) {
    // Kernel threads (children of kthreadd, pid 2) do the journaling, writeback and network work the benchmark's own
    // fsyncs and sockets cause: count them as ours, or every run would look disturbed by its own I/O.
    if (p.ppid === 2) {
      total += p.ticks;
      continue;
    }
    // Count a process if it is this one or descends from it. Reaped children are already in our cutime/cstime.
    for (let cur: number | undefined = pid, hops = 0; cur !== undefined && cur > 1 && hops < 64; cur = procs.get(cur)?.ppid, hops++) {
      if (cur === process.pid || serviceRoots.has(cur)) {
        total += p.ticks;
        break;
      }
    }
  }
  return total;
}

/**
 * CPU time the hypervisor gave other guests while this one wanted it (the "steal" column of /proc/stat, all CPUs),
 * in cores, from now until stop(). A VM host that is oversubscribed slows every thread of the benchmark alike, which
 * no process-level measure here can see.
 */
export function stolenCpu(): { stop(): number } {
  const t0 = performance.now();
  const steal0 = stealTicks();
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000;
      return Math.max(0, (stealTicks() - steal0) / 100 / seconds);
    },
  };
}

function stealTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  return Number(line.trim().split(/\s+/)[8] ?? 0); // cpu user nice system idle iowait irq softirq steal
}

/**
 * Measures CPU used by processes that are not part of the benchmark while a run is going, in cores (0.3 = 30% of
 * one core). A test suite started by someone else mid-run shows up here, so that run can be repeated.
 */
export function foreignCpu(): { stop(): number } {
  const t0 = performance.now();
  const busy0 = busyTicks();
  const ours0 = ourTicks();
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000;
      const foreign = busyTicks() - busy0 - (ourTicks() - ours0);
      return Math.max(0, foreign / 100 / seconds); // USER_HZ is 100 on Linux
    },
  };
}
