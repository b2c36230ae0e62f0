// npm run bench -- overload: the overload part of the ingest bench alone, in about a minute and a half on a quiet
// machine. For single track calls, then 50-event batches, on a fresh server each: capacity (closed loop, as in the
// ingest part), then twice that offered open loop over 1,000 sockets, then 1,000 connections closed loop, with the
// server's RSS sampled. Same knobs as the ingest part (bench/scenarios/plan.ts) and the same rows in its table.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchTemplate, singleTemplate } from './lib/bodies.js';
import { AUTH, startSluice } from './lib/sluice.js';
import { hostFacts, prepareHost, printPart, runEntry, storePart } from './part-entry.js';
import { type OverloadResults, overloadRows, renderMarkdown, renderTable } from './report.js';
import { bareOverConnections } from './scenarios/ceilings.js';
import { capacity, log, settle } from './scenarios/common.js';
import { measureOverload } from './scenarios/sluice.js';

async function one(kind: 'single' | 'batch', template: string): Promise<{ capacityRps: number; rpsRuns: number[] } & OverloadResults> {
  const path = kind === 'single' ? '/v1/track' : '/v1/batch';
  const bareOverConns = await bareOverConnections(template, path, kind === 'batch');
  const server = await startSluice();
  const url = `${server.url}${path}`;
  const label = `Sluice ${kind}`;
  try {
    const cap = await capacity(url, template, AUTH, label, server.pid);
    await settle(server.pid);
    return { capacityRps: cap.median.rps, rpsRuns: cap.rpsRuns, bareOverConns, ...(await measureOverload(server.pid, url, template, label, cap.median.rps)) };
  } finally {
    await server.stop();
    rmSync(server.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const host = await prepareHost({ wrk: true });
  const tmp = mkdtempSync(join(tmpdir(), 'sluice-bench-bodies-'));
  const single = join(tmp, 'single.json');
  const batch = join(tmp, 'batch.json');
  writeFileSync(single, singleTemplate());
  writeFileSync(batch, batchTemplate());
  try {
    log('Sluice: single track calls, capacity then overload...');
    const s = await one('single', single);
    log('Sluice: batches, capacity then overload...');
    const b = await one('batch', batch);
    const rows = [...overloadRows('Overload, single', s), ...overloadRows('Overload, batch', b)];
    const facts = await hostFacts(host);
    const extra = [`capacity (accepted req/s, median of runs): single ${Math.round(s.capacityRps)} (${s.rpsRuns.join(', ')}), batch ${Math.round(b.capacityRps)} (${b.rpsRuns.join(', ')})`];
    printPart('Sluice overload', host, facts.seconds, extra, 'Overload', renderTable(rows));
    process.stdout.write(`\n${renderMarkdown(rows)}\n`);
    storePart('overload', { ...facts, single: s, batch: b });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

runEntry(main);
