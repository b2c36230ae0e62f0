// Starts the real `sluice start` command in a child process and reads its start-up lines, as a user would.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/**
 * The Node flags of the `sluice` command's shebang (`#!/usr/bin/env -S node --max-old-space-size=...`): the server is
 * started with them, as a user's is, since they change what its worker threads get (src/core/worker-heap.ts).
 */
export const CLI_NODE_FLAGS: readonly string[] = (/^#!.*\bnode\b(.*)$/.exec(readFileSync(CLI, 'utf8').split('\n', 1)[0]!)?.[1] ?? '')
  .split(' ')
  .filter(Boolean);

export interface ServerProcess {
  url: string;
  writeKey: string;
  adminToken: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export function tempDataDir(prefix = 'sluice-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startServer(opts: { dataDir?: string; env?: Record<string, string>; args?: string[] } = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const child = spawn(process.execPath, [...CLI_NODE_FLAGS, '--import', 'tsx', CLI, 'start', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...(opts.args ?? [])], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${out}`)), 20_000);
    const check = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  const writeKey = /write key: (\S+)/.exec(out)?.[1] ?? '';
  const adminToken = /admin token: (\S+)/.exec(out)?.[1] ?? opts.env?.SLUICE_ADMIN_TOKEN ?? '';
  return {
    url,
    writeKey,
    adminToken,
    dataDir,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Reads every event in the log through the admin API. */
export async function allEvents(server: Pick<ServerProcess, 'url' | 'adminToken'>): Promise<{ seq: number; source: string; event: Record<string, unknown> }[]> {
  const out: { seq: number; source: string; event: Record<string, unknown> }[] = [];
  let after = 0;
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/events?after=${after}&limit=10000`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    if (res.status !== 200) throw new Error(`events API answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { events: { seq: number; source: string; event: Record<string, unknown> }[] };
    out.push(...page.events);
    if (page.events.length < 10000) return out;
    after = page.events[page.events.length - 1]!.seq;
  }
}

/** The Authorization header Segment's SDKs send: HTTP Basic with the write key as the username and no password. */
export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}
