// The delivery ceiling: a keep-alive HTTP client with nothing else to do, posting one fixed request body (one the
// runner sent, captured by the fake API) to the fake API as fast as CONCURRENCY requests in flight allow. Same core,
// same server, same bytes as the runner: what is left between the two is the runner's own work (reading the log,
// parsing, transforming or mapping, serializing, settling). `--client http` (node:http with a keep-alive Agent) is the
// client Sluice's destinations use; `--client fetch` (Node's fetch, undici, default pool) is what they used before.
// Warms up, then times RUNS windows of SECONDS each. Prints one JSON line (CeilingResult).
// Usage: node post-client.ts --url URL --body FILE --concurrency C --seconds S --runs R [--warmup-s W]
//          [--client fetch|http] [--content-type T]
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

export interface CeilingResult {
  client: string;
  concurrency: number;
  bodyBytes: number;
  /** Requests per second of each timed window. */
  rpsRuns: number[];
  /** CPU time of the client process per request, in µs, over the timed windows. */
  cpuUsPerRequest: number;
  non2xx: number;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    body: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '2' },
    runs: { type: 'string', default: '3' },
    'warmup-s': { type: 'string', default: '1' },
    client: { type: 'string', default: 'fetch' },
    'content-type': { type: 'string', default: 'application/json' },
  },
});
if (values.url === undefined || values.body === undefined) throw new Error('usage: --url URL --body FILE [--concurrency C] [--seconds S] [--runs R]');
const url = values.url;
const body = readFileSync(values.body, 'utf8');
const concurrency = Number(values.concurrency);
const headers = { 'content-type': values['content-type'] };

let completed = 0;
let non2xx = 0;
let stop = false;

async function viaFetch(): Promise<void> {
  while (!stop) {
    const res = await fetch(url, { method: 'POST', headers, body });
    await res.text();
    if (res.status < 200 || res.status >= 300) non2xx++;
    completed++;
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
function postHttp(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
async function viaHttp(): Promise<void> {
  while (!stop) {
    const status = await postHttp();
    if (status < 200 || status >= 300) non2xx++;
    completed++;
  }
}

const loops = Array.from({ length: concurrency }, () => (values.client === 'http' ? viaHttp() : viaFetch()));
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));
await sleep(Number(values['warmup-s']));
const rpsRuns: number[] = [];
const cpu0 = process.cpuUsage();
const count0 = completed;
non2xx = 0;
for (let i = 0; i < Number(values.runs); i++) {
  const before = completed;
  const t = performance.now();
  await sleep(Number(values.seconds));
  rpsRuns.push(Math.round(((completed - before) * 1000) / (performance.now() - t)));
}
const cpu = process.cpuUsage(cpu0);
const requests = completed - count0;
stop = true;
await Promise.all(loops);
const result: CeilingResult = {
  client: values.client === 'http' ? 'node:http keep-alive Agent' : 'fetch (undici)',
  concurrency,
  bodyBytes: Buffer.byteLength(body),
  rpsRuns,
  cpuUsPerRequest: Math.round(((cpu.user + cpu.system) / requests) * 10) / 10,
  non2xx,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
