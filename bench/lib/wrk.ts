// Closed-loop load with wrk: N keep-alive connections, each sending its next request as soon as the last is answered.
// It measures capacity (requests per second at saturation). wrk is C with a LuaJIT request builder: at the bare
// node:http ceiling (~30k req/s), building a body with a fresh messageId per event, it used ~55% of its core while
// the server used ~98% of its own, so the ceilings are the server's limit, not the client's. (autocannon, a Node
// client, reached a similar rate with one fixed body; varying the body takes a JS callback per request.)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MSGID_TOKEN } from './bodies.js';
import { CLIENT_CPU, runPinned } from './proc.js';

const SCRIPT = fileURLToPath(new URL('../wrk/post.lua', import.meta.url));

export interface WrkResult {
  rps: number;
  requests: number;
  seconds: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** connect/read/write errors, non-2xx responses (status) and requests over the 2 s timeout (timeout). */
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  /** Responses by status; only when asked for (statuses: true). */
  statuses: Record<string, number>;
  retryAfterMissing: number;
}

export interface WrkOptions {
  url: string;
  template: string;
  auth: string;
  connections: number;
  seconds: number;
  /** Count responses by status (costs the client some speed; for the overload runs). */
  statuses?: boolean;
  timeoutS?: number;
}

export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const seed = String(Math.floor(Math.random() * 2 ** 31));
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, `--timeout`, `${o.timeoutS ?? 2}s`, '-s', SCRIPT, o.url, '--', o.template, MSGID_TOKEN, o.auth, seed];
  const out = await runPinned(CLIENT_CPU, 'wrk', args, { BENCH_WRK_STATUSES: o.statuses ? '1' : '0' });
  const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (line === undefined) throw new Error(`wrk printed no summary:\n${out}`);
  const raw = JSON.parse(line.slice('WRK_JSON '.length)) as {
    requests: number;
    duration_us: number;
    errors: WrkResult['errors'];
    latency_us: { p50: number; p90: number; p99: number; max: number };
    statuses: Record<string, number>;
    retry_after_missing: number;
  };
  const seconds = raw.duration_us / 1e6;
  const ms = (us: number): number => us / 1000;
  return {
    rps: raw.requests / seconds,
    requests: raw.requests,
    seconds,
    latencyMs: { p50: ms(raw.latency_us.p50), p90: ms(raw.latency_us.p90), p99: ms(raw.latency_us.p99), max: ms(raw.latency_us.max) },
    errors: raw.errors,
    statuses: raw.statuses,
    retryAfterMissing: raw.retry_after_missing,
  };
}
