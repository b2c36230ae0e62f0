// Tracking plans per source: each source's plan file is read, checked and compiled once, at start (and by
// `sluice validate`), with every problem listed under the source's config path.
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ViolationReader, ViolationStore } from '../core/plan.js';
import type { PlanTelemetry } from '../core/telemetry.js';
import { type CompiledPlan, compilePlan } from '../plans/compile.js';
import { createPlanGate, type PlanEnforcement } from '../plans/enforcer.js';
import { loadPlanFile, PlanFileError } from '../plans/plan-file.js';
import { ViolationRecorder } from '../plans/recorder.js';
import type { PlanGate, PlanReports } from '../sources/plan-gate.js';
import type { SluiceConfig } from './config-schema.js';

export interface SourcePlan {
  source: string;
  /** Absolute path of the plan file. */
  file: string;
  enforcement: PlanEnforcement;
  compiled: CompiledPlan;
  gate: PlanGate;
}

/** What the server needs of plans: the tracking API's gates and reports, the admin API's listing. */
export interface PlansApiDeps {
  bySource: ReadonlyMap<string, SourcePlan>;
  reports: PlanReports;
  violations: ViolationReader;
}

/** The directory plan files (and function files) are relative to: the config file's, else the working directory. */
export function configBaseDir(configPath: string | undefined): string {
  return configPath === undefined ? process.cwd() : dirname(resolve(configPath));
}

export function loadSourcePlans(config: Readonly<SluiceConfig>, baseDir: string): { plans: Map<string, SourcePlan>; problems: string[] } {
  const plans = new Map<string, SourcePlan>();
  const problems: string[] = [];
  config.sources.forEach((source, i) => {
    const tp = source.tracking_plan;
    if (tp === undefined) return;
    const file = resolve(baseDir, tp.file);
    try {
      const compiled = compilePlan(loadPlanFile(file), file);
      const enforcement: PlanEnforcement = { mode: tp.mode, unplanned_events: tp.unplanned_events };
      plans.set(source.name, { source: source.name, file, enforcement, compiled, gate: createPlanGate(compiled, enforcement) });
    } catch (err) {
      if (!(err instanceof PlanFileError)) throw err;
      problems.push(...err.problems.map((p) => `sources[${i}].tracking_plan (${tp.file}): ${p}`));
    }
  });
  return { plans, problems };
}

/** What the tracking API needs: each source's gate. */
export function gatesBySource(plans: ReadonlyMap<string, SourcePlan>): Map<string, PlanGate> {
  return new Map([...plans].map(([name, p]) => [name, p.gate]));
}

/** The running side of plans: findings counted and stored in the configured store, violations read back. */
export function planServices(bySource: ReadonlyMap<string, SourcePlan>, store: ViolationStore, telemetry: PlanTelemetry, logger: Logger): PlansApiDeps & { flush(): Promise<void> } {
  const recorder = new ViolationRecorder({
    telemetry,
    store: (rows) => store.record(rows),
    onStoreError: (err, rows) => logger.warn({ err, rows }, 'plan violations not stored (they are still counted in metrics)'),
  });
  return { bySource, reports: recorder, violations: store, flush: () => recorder.flush() };
}
