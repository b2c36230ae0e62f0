// Compiles a plan once, at start: one ajv validator per track event and per call section. Every problem of every
// schema is listed at once, with its path in the file, like a config error.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from './ajv.js';
import { closeSchema } from './closed-schema.js';
import { CALL_SECTIONS, type CallSection, formatPath, type JsonSchema, PlanFileError, type TrackingPlan } from './plan-file.js';
import { type PayloadViolation, toViolations } from './violations.js';

export interface CompiledPayload {
  field: 'properties' | 'traits';
  /** Null when the entry gives no schema: any payload is planned. */
  validate: ValidateFunction | null;
}

export interface CompiledPlan {
  plan: TrackingPlan;
  file: string;
  events: ReadonlyMap<string, CompiledPayload>;
  sections: Readonly<Partial<Record<CallSection, CompiledPayload>>>;
}

/** Violations of one payload (properties or traits; absent counts as `{}`), or null when it follows the entry. */
export function checkPayload(entry: CompiledPayload, payload: unknown): PayloadViolation[] | null {
  if (entry.validate === null) return null;
  const data = payload ?? {};
  if (entry.validate(data)) return null;
  return toViolations(entry.validate.errors ?? [], entry.field, data);
}

/** One problem per place in the schema: a bad value fails several meta-schema branches, the first one says it best. */
function schemaProblems(errors: readonly ErrorObject[] | null | undefined, where: readonly PropertyKey[]): string[] {
  const byPlace = new Map<string, string>();
  for (const e of errors ?? []) {
    if (byPlace.has(e.instancePath)) continue;
    const inner = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
    const detail = allowed === undefined ? '' : `: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
    byPlace.set(e.instancePath, `${formatPath([...where, ...inner])}: ${e.message ?? e.keyword}${detail}`);
  }
  return [...byPlace.values()];
}

export function compilePlan(plan: TrackingPlan, file: string): CompiledPlan {
  const ajv = createAjv();
  const problems: string[] = [];

  function compile(schema: JsonSchema | undefined, field: 'properties' | 'traits', where: PropertyKey[]): CompiledPayload {
    if (schema === undefined) return { field, validate: null };
    // A $schema line copied from a draft-07 file is fine at the root; ajv would otherwise look the URI up.
    const { $schema: _ignored, ...rest } = schema;
    const closed = closeSchema({ type: 'object', ...rest });
    if (!ajv.validateSchema(closed)) {
      problems.push(...schemaProblems(ajv.errors, [...where, field]));
      return { field, validate: null };
    }
    try {
      return { field, validate: ajv.compile(closed) };
    } catch (err) {
      problems.push(`${formatPath([...where, field])}: ${(err as Error).message}`);
      return { field, validate: null };
    }
  }

  const events = new Map<string, CompiledPayload>();
  for (const [name, entry] of Object.entries(plan.events)) events.set(name, compile(entry.properties, 'properties', ['events', name]));
  const sections: Partial<Record<CallSection, CompiledPayload>> = {};
  for (const [section, field] of CALL_SECTIONS) {
    const entry = plan[section];
    if (entry === undefined) continue;
    sections[section] = compile((entry as Partial<Record<'properties' | 'traits', JsonSchema>>)[field], field, [section]);
  }
  if (problems.length > 0) throw new PlanFileError(file, problems);
  return { plan, file, events, sections };
}
