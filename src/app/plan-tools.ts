// What `sluice plan …` does: infer a draft plan from the log, diff a plan against the log, generate a typed client.
// Events are read through the admin API (GET /api/v1/events?since=…), so the tools work against a local or a remote
// Sluice alike, whatever its log backend; the CLI hands in the HTTP call.
import { writeFileSync } from 'node:fs';
import { generateTsClient } from '../plans/codegen/ts-client.js';
import { compilePlan } from '../plans/compile.js';
import { DriftFinder, type Drift } from '../plans/diff.js';
import { type ObservedEvent, PlanInferrer } from '../plans/infer.js';
import { CALL_SECTIONS, loadPlanFile } from '../plans/plan-file.js';
import { planToYaml } from '../plans/plan-yaml.js';

export { formatDrift, hasDrift } from '../plans/diff.js';
export { PlanFileError } from '../plans/plan-file.js';

/** GET on the admin API, parsed JSON. */
export type AdminGet = <T>(path: string) => Promise<T>;

export interface ReadOptions {
  /** Milliseconds since the epoch. */
  since: number;
  source?: string | undefined;
  /** Stop after this many events (of the source, when one is given). */
  maxEvents: number;
}

const PAGE = 10_000;

/** "7d", "24h", "30m" ago, or an ISO 8601 time. */
export function parseSince(value: string, now = Date.now()): number {
  const rel = /^(\d+)\s*(m|h|d)$/.exec(value.trim());
  if (rel) return now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd'];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`--since must be a duration like 7d, 24h, 30m or an ISO 8601 time, got ${JSON.stringify(value)}`);
  return t;
}

/** Pages through the log from `since`; returns how many events were handed over and whether it stopped early. */
export async function readEvents(get: AdminGet, opts: ReadOptions, onEvent: (e: ObservedEvent) => void): Promise<{ events: number; truncated: boolean }> {
  let path = `/api/v1/events?since=${opts.since}&limit=${PAGE}`;
  let n = 0;
  for (;;) {
    const page = await get<{ events: { seq: number; source: string; event: ObservedEvent }[] }>(path);
    for (const e of page.events) {
      if (opts.source !== undefined && e.source !== opts.source) continue;
      if (n >= opts.maxEvents) return { events: n, truncated: true };
      onEvent(e.event);
      n++;
    }
    if (page.events.length < PAGE) return { events: n, truncated: false };
    path = `/api/v1/events?after=${page.events[page.events.length - 1]!.seq}&limit=${PAGE}`;
  }
}

export interface InferOptions extends ReadOptions {
  /** Where to write the YAML; undefined returns it only. */
  out?: string | undefined;
  name?: string | undefined;
}

export async function runPlanInfer(get: AdminGet, opts: InferOptions): Promise<{ yaml: string; events: number; truncated: boolean; planned: number }> {
  const inferrer = new PlanInferrer();
  const read = await readEvents(get, opts, (e) => inferrer.add(e));
  const plan = inferrer.plan(opts.name);
  const scope = opts.source === undefined ? 'all sources' : `source ${opts.source}`;
  const header = [
    `Draft tracking plan inferred by \`sluice plan infer\` from ${read.events} event(s) of ${scope}`,
    `received since ${new Date(opts.since).toISOString()}${read.truncated ? ' (stopped at --max-events)' : ''}.`,
    'Review it: describe each entry, name its owner, narrow types (enums, formats, ranges) before enforcing it.',
  ].join('\n');
  const yaml = planToYaml(plan, header);
  compilePlan(plan, opts.out ?? '(inferred)'); // what we write must load
  if (opts.out !== undefined) writeFileSync(opts.out, yaml);
  return { yaml, events: read.events, truncated: read.truncated, planned: Object.keys(plan.events).length };
}

export async function runPlanDiff(get: AdminGet, planFile: string, opts: ReadOptions): Promise<Drift & { truncated: boolean }> {
  const compiled = compilePlan(loadPlanFile(planFile), planFile);
  const finder = new DriftFinder(compiled);
  const read = await readEvents(get, opts, (e) => finder.add(e));
  return { ...finder.drift(), truncated: read.truncated };
}

export function runPlanCodegen(planFile: string, lang: string, out: string | undefined): { code: string; functions: number } {
  if (lang !== 'ts') throw new Error(`--lang ${lang} is not supported; ts is`);
  const plan = loadPlanFile(planFile);
  compilePlan(plan, planFile); // a plan that would not load at start gets no client either
  const code = generateTsClient(plan, planFile);
  if (out !== undefined) writeFileSync(out, code);
  return { code, functions: Object.keys(plan.events).length + CALL_SECTIONS.filter(([s]) => plan[s] !== undefined).length };
}

/** `sluice plan validate`: the plan loads and compiles; returns its size. */
export function runPlanValidate(planFile: string): { events: number; calls: string[] } {
  const compiled = compilePlan(loadPlanFile(planFile), planFile);
  return { events: compiled.events.size, calls: Object.keys(compiled.sections) };
}
