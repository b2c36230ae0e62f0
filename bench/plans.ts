// The tracking-plans benchmark on its own (bench/scenarios/plans.ts): `npm run bench -- plans`, BENCH_ONLY=plans npm
// run bench, or `node --import tsx bench/plans.ts`. About 5 minutes on 2 quiet cores (more when other processes make
// runs be repeated). Builds Sluice, waits for quiet CPUs, probes host stalls, runs the part, prints its table and
// adds it to bench/results/latest.json under "plans" (the other parts' figures there are kept). See BENCHMARKS.md,
// "Tracking plans". BENCH_QUICK=1: one short round of everything, to check the bench works (not to be quoted).
import { hostFacts, prepareHost, printPart, runEntry, storePart } from './part-entry.js';
import { renderTable } from './report.js';
import { runPlansPart } from './scenarios/plans.js';

async function main(): Promise<void> {
  const host = await prepareHost({ wrk: true });
  const part = await runPlansPart();
  const facts = await hostFacts(host);
  printPart(`Sluice tracking-plans benchmark, ${part.date}`, host, facts.seconds, [], 'Tracking plans', renderTable(part.rows));
  storePart('plans', { ...part, ...facts });
}

runEntry(main);
