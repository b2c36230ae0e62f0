// Turns ajv's errors into plan violations a person can act on: a kind from the closed list, the path from the
// message's root (`properties.items[2].sku`), a sentence, and the offending value.
import type { ErrorObject } from 'ajv';
import type { PlanViolation, PlanViolationKind } from '../core/plan.js';

/** A violation with the JSON Pointer (inside the payload) omit mode uses to remove it. */
export interface PayloadViolation extends PlanViolation {
  pointer: string;
}

const BRANCHING = new Set(['anyOf', 'oneOf', 'not']);

function unescape(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escape(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Walks a JSON Pointer through the data: the display path, and the value found there (undefined when absent). */
export function resolvePointer(root: string, data: unknown, pointer: string): { path: string; value: unknown } {
  let path = root;
  let value: unknown = data;
  if (pointer === '') return { path, value };
  for (const raw of pointer.slice(1).split('/')) {
    const seg = unescape(raw);
    if (Array.isArray(value)) {
      path += `[${seg}]`;
      value = value[Number(seg)];
    } else {
      path += /^[A-Za-z_$][\w$-]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[seg] : undefined;
    }
  }
  return { path, value };
}

/** A short description of a value for a message: `the string "12"`, `number 3`, `an object`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function kindOf(e: ErrorObject): PlanViolationKind {
  if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') return 'unplanned_property';
  if (e.keyword === 'required') return 'missing_required';
  if (e.keyword === 'type') return 'type_mismatch';
  return 'invalid_value';
}

function pointerOf(e: ErrorObject): string {
  const p = e.params as { additionalProperty?: string; unevaluatedProperty?: string; missingProperty?: string };
  const key = p.additionalProperty ?? p.unevaluatedProperty ?? (e.keyword === 'required' ? p.missingProperty : undefined);
  return key === undefined ? e.instancePath : `${e.instancePath}/${escape(key)}`;
}

function sentence(kind: PlanViolationKind, e: ErrorObject, path: string, value: unknown): string {
  switch (kind) {
    case 'unplanned_property':
      return `${path} is not in the plan`;
    case 'missing_required':
      return `${path} is required`;
    case 'type_mismatch':
      return `${path} must be ${String((e.params as { type: string }).type).replace(/,/g, ' or ')}, got ${describeValue(value)}`;
    default: {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      const rule = allowed !== undefined ? `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` : (e.message ?? `breaks ${e.keyword}`);
      return `${path} ${rule}, got ${describeValue(value)}`;
    }
  }
}

/**
 * One violation per ajv error, except inside a failed anyOf/oneOf/not: there the branch errors are noise (each
 * branch explains why it did not match) and the combinator's own error stands for them.
 */
export function toViolations(errors: readonly ErrorObject[], root: 'properties' | 'traits', data: unknown): PayloadViolation[] {
  const branches = errors.filter((e) => BRANCHING.has(e.keyword)).map((e) => `${e.schemaPath}/`);
  const out: PayloadViolation[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (branches.some((b) => e.schemaPath.startsWith(b))) continue;
    if (e.keyword === 'if') continue; // the then/else branch's own errors say what is wrong
    const kind = kindOf(e);
    const pointer = pointerOf(e);
    const key = `${kind} ${pointer}`;
    if (seen.has(key)) continue; // the same key refused twice (e.g. additionalProperties and a nested rule)
    seen.add(key);
    const { path, value } = resolvePointer(root, data, pointer);
    const v: PayloadViolation = { kind, path, message: sentence(kind, e, path, value), pointer };
    if (kind !== 'missing_required') v.value = value;
    out.push(v);
  }
  return out;
}
