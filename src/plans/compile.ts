// Compiles a plan once, at start: per track event and per call section, a check that only answers yes or no (run on
// every message: a Shape for conforms.ts's interpreter, or ajv's compiled check when the schema uses a keyword the
// interpreter does not handle) and a validator that lists every violation (run only on a message the check refused).
// Every problem of every schema is listed at once, with its path in the file, like a config error.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from './ajv.js';
import { closeSchema } from './closed-schema.js';
import { conforms, type Interned, type Shape, toShape } from './conforms.js';
import { CALL_SECTIONS, type CallSection, formatPath, type JsonSchema, PlanFileError, type TrackingPlan } from './plan-file.js';
import { type PayloadViolation, toViolations } from './violations.js';

export interface CompiledPayload {
  field: 'properties' | 'traits';
  /** The yes/no check, as data for conforms(); null when the schema is outside its subset (then `validate`). */
  shape: Shape | null;
  /** Ajv's yes/no check, compiled only for a schema `shape` cannot express. Stops at the first problem, says nothing. */
  validate: ValidateFunction | null;
  /** Every error reported; null when the entry gives no schema (any payload is planned). What is wrong with a payload the check refused. */
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
  if (entry.describe === null) return null;
  const data = payload ?? {};
  if (entry.shape !== null ? conforms(entry.shape, data) : entry.validate!(data)) return null;
  // The check and the describing validator accept the same payloads; should they ever disagree, the message is let
  // through unflagged rather than reported with no violation to show.
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
  const interned: Interned = new Map();
  const none = (field: 'properties' | 'traits'): CompiledPayload => ({ field, shape: null, validate: null, describe: null });

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
      const shape = toShape(closed, interned);
      return { field, shape, validate: shape === null ? checking.compile(closed) : null, describe };
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
