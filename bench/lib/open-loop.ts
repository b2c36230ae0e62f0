// Runs the open-loop generator (bench/load/open-loop.ts) on the client core and returns its result.
import { fileURLToPath } from 'node:url';
import type { OpenLoopResult } from '../load/open-loop.js';
import { CLIENT_CPU, runPinned } from './proc.js';

export type { OpenLoopResult };

const GENERATOR = fileURLToPath(new URL('../load/open-loop.ts', import.meta.url));

export interface OpenLoopOptions {
  url: string;
  template: string;
  auth: string;
  rate: number;
  seconds: number;
  /** Sockets opened before the clock starts. */
  conns: number;
  /** Sockets the generator may open in all. */
  maxConns: number;
  timeoutMs: number;
  /** Unmeasured seconds at the same rate before the run (the generator's default: 1). */
  warmupS?: number;
  /** Write every measured request's messageId and times to this file (see bench/load/open-loop.ts). */
  record?: string;
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const args = ['--import', 'tsx', GENERATOR, '--url', o.url, '--template', o.template, '--auth', o.auth, '--rate', String(Math.round(o.rate)), '--seconds', String(o.seconds),
    '--conns', String(o.conns), '--max-conns', String(o.maxConns), '--timeout-ms', String(o.timeoutMs)];
  if (o.warmupS !== undefined) args.push('--warmup-s', String(o.warmupS));
  if (o.record !== undefined) args.push('--record', o.record);
  const out = await runPinned(CLIENT_CPU, process.execPath, args);
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as OpenLoopResult;
}
