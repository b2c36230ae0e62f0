// Times the query API as the dashboard calls it: one request at a time over one keep-alive connection (the
// dashboard's few parallel requests each wait on the same server core), from writing the request to reading the
// whole answer. Reads one query per line on stdin (a QuerySpec as JSON), runs it --warmup times untimed and --runs
// times timed, and prints its QueryTiming as one JSON line; the bench measures other processes' CPU use around each
// query and sends it again when they disturbed it. Ends when stdin ends.
// Usage: node query-client.ts --url BASE --token T --runs N --warmup W
import http from 'node:http';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

export interface QuerySpec {
  /** Short label, e.g. "count 24h". */
  label: string;
  path: string;
  params: Record<string, string>;
}

export interface QueryTiming {
  label: string;
  url: string;
  runs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  bytes: number;
  /** Responses other than 200 (any makes the figure void). */
  failures: number;
  /** A few figures from the answer, to show it was about the data: a total, or the first items. */
  answer: string;
}

const { values } = parseArgs({ options: { url: { type: 'string' }, token: { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string', default: '3' } } });
if (values.url === undefined || values.token === undefined || values.runs === undefined) throw new Error('usage: --url BASE --token T --runs N [--warmup W]');
const base = values.url;
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const headers = { authorization: `Bearer ${values.token}` };

function get(url: string): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function summary(body: string): string {
  const a = JSON.parse(body) as { total?: number; items?: Record<string, unknown>[]; series?: unknown[] };
  if (a.total !== undefined) return `total ${a.total}, ${a.series?.length ?? 0} points`;
  if (a.items !== undefined) {
    const first = a.items.slice(0, 3).map((it) => `${String(Object.values(it)[0] ?? '(missing)')}: ${String(it.count)}`);
    return `${a.items.length} items; ${first.join(', ')}`;
  }
  return body.slice(0, 80);
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

async function time(spec: QuerySpec): Promise<QueryTiming> {
  const url = `${spec.path}?${new URLSearchParams(spec.params).toString()}`;
  const times: number[] = [];
  let failures = 0;
  let bytes = 0;
  let answer = '';
  for (let i = 0; i < warmup + runs; i++) {
    const r = await get(`${base}${url}`);
    if (r.status !== 200) {
      failures++;
      if (failures === 1) process.stderr.write(`${spec.label}: HTTP ${r.status} ${r.body.slice(0, 300)}\n`);
    }
    if (i < warmup) continue;
    times.push(r.ms);
    bytes = r.body.length;
    if (answer === '' && r.status === 200) answer = summary(r.body);
  }
  const sorted = [...times].sort((a, b) => a - b);
  // Nearest rank: the smallest sample with at least p of the samples at or below it.
  const at = (p: number): number => round2(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!);
  return {
    label: spec.label,
    url,
    runs: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: round2(sorted[sorted.length - 1]!),
    mean: round2(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    bytes,
    failures,
    answer,
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(await time(JSON.parse(line) as QuerySpec))}\n`);
}
agent.destroy();
