// Delivery on NATS with 1 or 2 workers: a fresh stream pre-filled with DRAIN_EVENTS track events (prefill.ts), then
// N Sluice processes sharing the destination's durable consumer drain it to a batched webhook on the local fake API
// (bench/delivery/fake-api.ts). The rate is events over the span from the first to the last request the fake API
// received, so process start-up is not in it; the count the fake API holds afterwards must be exactly
// DRAIN_EVENTS (an event delivered twice would show up here).
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { log } from '../scenarios/common.js';
import { destinationConfigs } from '../scenarios/delivery.js';
import { runPinned, SERVER_CPU } from '../lib/proc.js';
import { startSluice, type SluiceServer } from '../lib/sluice.js';
import { DRAIN_EVENTS, DRAIN_TIMEOUT_MS, NATS_URL } from './plan.js';

const PREFILL = fileURLToPath(new URL('./prefill.ts', import.meta.url));
const PATH = '/batch';

export interface DrainRun {
  workers: number;
  events: number;
  /** Events the fake API received (must equal events), and per worker (each posts to its own path). */
  received: number;
  perWorker: number[];
  requests: number;
  /** First to last request the fake API received, in seconds. */
  seconds: number;
  eventsPerSec: number;
  /** Worker start to the last event, in seconds (start-up, consumer set-up and JIT included). */
  wallSeconds: number;
}

interface PathStats {
  requests: number;
  events: number;
  firstMs: number;
  lastMs: number;
}

export async function prefill(stream: string): Promise<void> {
  const out = await runPinned(SERVER_CPU, process.execPath, ['--import', 'tsx', PREFILL, '--stream', stream, '--events', String(DRAIN_EVENTS), '--url', NATS_URL]);
  log(`  prefilled ${stream}: ${out.trim()}`);
}

async function delivered(api: string, n: number): Promise<PathStats[]> {
  const body = (await (await fetch(`${api}/__/stats`)).json()) as { paths: Record<string, PathStats> };
  return Array.from({ length: n }, (_, i) => body.paths[`${PATH}-w${i}`] ?? { requests: 0, events: 0, firstMs: Infinity, lastMs: -Infinity });
}

/**
 * One drain. `config` has the backends (log on NATS with `stream`, store on PostgreSQL); `cpus` pins each worker
 * (one entry per worker); `args` are the workers' extra `sluice start` arguments (--role worker when available).
 * The workers share one destination (one durable consumer); each posts to its own path, so the fake API tells how
 * the work was shared.
 */
export async function drain(api: string, config: Record<string, unknown>, cpus: readonly (number | string)[], args: readonly string[]): Promise<DrainRun> {
  await fetch(`${api}/__/reset`, { method: 'POST', body: JSON.stringify({ record: false }) });
  // A new destination starts at new events by default; this one backfills the pre-filled stream.
  const destination = (i: number): Record<string, unknown> => ({ ...destinationConfigs(api).webhookBatched, url: `${api}${PATH}-w${i}`, start_at: 'earliest' });
  const t0 = performance.now();
  const workers: SluiceServer[] = [];
  try {
    // Started together, so that no worker has drained much before the other is up.
    const starting = cpus.map((cpu, i) => startSluice({ ...config, destinations: [destination(i)] }, { cpu, args }));
    for (const s of await Promise.allSettled(starting)) if (s.status === 'fulfilled') workers.push(s.value);
    if (workers.length < cpus.length) throw new Error(`a worker did not start: ${(await Promise.allSettled(starting)).map((s) => (s.status === 'rejected' ? String(s.reason) : '')).join(' ')}`);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    let stats = await delivered(api, cpus.length);
    while (stats.reduce((a, s) => a + s.events, 0) < DRAIN_EVENTS) {
      if (Date.now() > deadline) throw new Error(`the workers delivered ${stats.reduce((a, s) => a + s.events, 0)} of ${DRAIN_EVENTS} events within ${DRAIN_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 50));
      stats = await delivered(api, cpus.length);
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    // A moment for anything delivered twice to arrive as well.
    await new Promise((r) => setTimeout(r, 1000));
    const after = await delivered(api, cpus.length);
    const seconds = (Math.max(...stats.map((s) => s.lastMs)) - Math.min(...stats.map((s) => s.firstMs))) / 1000;
    return {
      workers: cpus.length,
      events: DRAIN_EVENTS,
      received: after.reduce((a, s) => a + s.events, 0),
      perWorker: after.map((s) => s.events),
      requests: after.reduce((a, s) => a + s.requests, 0),
      seconds,
      eventsPerSec: DRAIN_EVENTS / seconds,
      wallSeconds,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    for (const w of workers) rmSync(w.dir, { recursive: true, force: true });
  }
}
