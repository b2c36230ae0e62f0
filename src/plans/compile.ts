// Compiles a plan once, at start: per track event and per call section, a validator that only answers yes or no
// (run on every message) and one that lists every violation (run only on a message the first refused). Every
// problem of every schema is listed at once, with its path in the file, like a config error.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from './ajv.js';
import { closeSchema } from './closed-schema.js';
import { CALL_SECTIONS, type CallSection, formatPath, type JsonSchema, PlanFileError, type TrackingPlan } from './plan-file.js';
import { type PayloadViolation, toViolations } from './violations.js';

export interface CompiledPayload {
  field: 'properties' | 'traits';
  /** Null when the entry gives no schema: any payload is planned. Stops at the first problem and says nothing. */
  validate: ValidateFunction | null;
  /** The same schema with every error reported: what is wrong with a payload `validate` refused. */
  describe: ValidateFunction | null;
}

export interface CompiledPlan {
  plan: TrackingPlan;
  file: string;
  events: ReadonlyMap<string, CompiledPayload>;
  sections: Readonly<Partial<Record<CallSection, CompiledPayload>>>;
}

/** Violations of one payload (properties or traits; absent counts as `{}`), or null when it follows the entry. */
export function checkPayload(entry: CompiledPayload, payload: unknown): PayloadViolation[] | null {
  if (entry.validate === null || entry.describe === null) return null;
  const data = payload ?? {};
  if (entry.validate(data)) return null;
  // Both validators accept the same payloads; should they ever disagree, the message is let through unflagged
  // rather than reported with no violation to show.
  if (entry.describe(data)) return null;
  return toViolations(entry.describe.errors ?? [], entry.field, data);
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
  const checking = createAjv('check');
  const describing = createAjv('describe');
  const problems: string[] = [];
  const none = (field: 'properties' | 'traits'): CompiledPayload => ({ field, validate: null, describe: null });

  function compile(schema: JsonSchema | undefined, field: 'properties' | 'traits', where: PropertyKey[]): CompiledPayload {
    if (schema === undefined) return none(field);
    // A $schema line copied from a draft-07 file is fine at the root; ajv would otherwise look the URI up.
    const { $schema: _ignored, ...rest } = schema;
    const closed = closeSchema({ type: 'object', ...rest });
    if (!describing.validateSchema(closed)) {
      problems.push(...schemaProblems(describing.errors, [...where, field]));
      return none(field);
    }
    try {
      const describe = describing.compile(closed);
      return { field, validate: checking.compile(closed), describe };
    } catch (err) {
      problems.push(`${formatPath([...where, field])}: ${(err as Error).message}`);
      return none(field);
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
