// Child processes pinned to one core with taskset: the server under test on core 0, the load generator on core 1,
// so they never compete for a core and the figures say what one core of server buys.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const SERVER_CPU = 0;
export const CLIENT_CPU = 1;

export interface Server {
  pid: number;
  url: string;
  /** Everything the server printed, for a post-mortem when a run fails. */
  output: string[];
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Starts `node ...args` on `cpu` and waits for its "listening on http://..." line. taskset execs node, so the pid is
 * node's own (its /proc/PID/status is the server's memory), and the affinity covers every thread it starts, the
 * SQLite writer thread included.
 */
export async function startServer(args: readonly string[], opts: { cpu: number | string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Server> {
  const child = spawn('taskset', ['-c', String(opts.cpu), process.execPath, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${opts.timeoutMs ?? 20_000} ms:\n${output.join('')}`)), opts.timeoutMs ?? 20_000);
    const onData = (chunk: Buffer): void => {
      output.push(chunk.toString());
      const m = /listening on (http:\/\/\S+)/.exec(output.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output.join('')}`));
    });
  });
  return {
    pid: child.pid!,
    url,
    output,
    async stop() {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(killer);
    },
  };
}

/** Runs a command pinned to `cpu` and collects its output; rejects on a non-zero exit. */
export function runPinned(cpu: number | string, cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', String(cpu), cmd, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${err}${out}`))));
  });
}

/** Resident memory of a process in MB, from /proc/PID/status (VmRSS), or NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the samples (MB). */
export function sampleRss(pid: number, everyMs = 250): { stop(): number[] } {
  const samples: number[] = [rssMb(pid)];
  const timer = setInterval(() => samples.push(rssMb(pid)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push(rssMb(pid));
      return samples.filter((x) => !Number.isNaN(x));
    },
  };
}

/** CPU time a process has used, all its threads, in seconds (utime + stime from /proc/PID/stat; USER_HZ is 100). */
export function cpuSeconds(pid: number): number {
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
