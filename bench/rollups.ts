// The rollups benchmark on its own (bench/scenarios/rollups.ts): `npm run bench -- rollups`, BENCH_ONLY=rollups npm
// run bench, or `node --import tsx bench/rollups.ts`. About 3 minutes on a quiet 2-core machine. Builds Sluice, waits
// for quiet CPUs, probes host stalls, runs the part, prints its table and adds it to bench/results/latest.json under
// "rollups" (the other parts' figures there are kept). See BENCHMARKS.md, "Rollups".
// Knobs: BENCH_QUICK=1 (small and short, to check the bench works), BENCH_ROLLUPS_INGEST=latest (take the ingest
// batch figure from latest.json instead of measuring it), BENCH_ROLLUPS_KEEP=1 (keep the data dir, for profiling),
// BENCH_CPU_PROF=DIR (profile the consumer runs).
import { hostFacts, prepareHost, printPart, runEntry, storePart } from './part-entry.js';
import { renderMarkdown, renderTable } from './report.js';
import { buildRollupsRows, ROLLUPS_PLAN, ROLLUPS_TARGETS, runRollups } from './scenarios/rollups.js';

async function main(): Promise<void> {
  const host = await prepareHost({ wrk: false });
  const results = await runRollups();
  const rows = buildRollupsRows(results);
  const facts = await hostFacts(host);
  const date = new Date().toISOString();
  printPart(`Sluice rollups benchmark, ${date}`, host, facts.seconds, [`ingest figure: ${results.ingest.source}`], 'Rollups', renderTable(rows));
  storePart('rollups', { date, ...facts, plan: ROLLUPS_PLAN, targets: ROLLUPS_TARGETS, rows, markdown: renderMarkdown(rows), raw: results });
}

runEntry(main);
