// The tracking-plan check alone, outside the server: the cost per event of what the ingest path adds on a source
// with a plan (one map lookup and one compiled ajv validation per message, src/plans/enforcer.ts), for the valid
// events of syntheticBatchBody, cycling through all 50 events of syntheticPlan(50). No HTTP, no storage, so none of
// their noise: bench/scenarios/plans.ts reads it beside the server's CPU time per event.
// Prints {"nsPerEvent":..,"checks":..,"violations":..}. Usage: node --import tsx plan-check.ts SECONDS
import { compilePlan } from '../../src/plans/compile.js';
import { createPlanGate } from '../../src/plans/enforcer.js';
import { syntheticBatchBody, syntheticPlan } from '../../src/plans/synthetic.js';
import type { JsonObject } from '../../src/core/event.js';

const seconds = Number(process.argv[2] ?? 2);
const gate = createPlanGate(compilePlan(syntheticPlan(50), 'syntheticPlan(50)'), { mode: 'block', unplanned_events: 'allow' });
// Ten parsed batches, so the validators see distinct objects as they would request after request.
const items = Array.from({ length: 10 }, (_, b) => (JSON.parse(syntheticBatchBody(50, { messageId: `m-${b}` })) as { batch: { event: string; properties: JsonObject }[] }).batch).flat();

/** Checks for `ms` of wall time; the cost is counted in this process's CPU time, so time the scheduler gave to another process on the core is not counted. */
function spin(ms: number): { checks: number; violations: number; cpuNs: number } {
  let checks = 0;
  let violations = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // 500 checks between clock reads keep the clock's own cost out of the figure.
    for (const m of items) if (gate.check('track', m.event, m.properties) !== null) violations++;
    checks += items.length;
  }
  const cpu = process.cpuUsage(cpu0);
  return { checks, violations, cpuNs: (cpu.user + cpu.system) * 1000 };
}

spin(1000); // V8 optimizes each event's validator separately
const r = spin(seconds * 1000);
process.stdout.write(`${JSON.stringify({ nsPerEvent: Math.round(r.cpuNs / r.checks), checks: r.checks, violations: r.violations })}\n`);
