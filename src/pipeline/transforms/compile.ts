// Compiles a destination's `transforms:` list into one Transform. Everything that can be checked is checked here,
// once, at startup: the list against the schema, every Jolt spec, every path. Running it parses nothing.
//
// The input document is never changed: the runner may hand the same one to several destinations. Steps that write
// (default, remove, rename, set, hash) work on a copy taken once, just before the first of them, unless a shift
// already built a fresh document. A list of only filters and drops copies nothing.
import type { JsonObject } from '../../core/event.js';
import type { Transform } from '../../core/transform.js';
import { TransformSpecError } from './errors.js';
import { cloneJson } from './json.js';
import { joltSteps } from './jolt.js';
import { transformListSchema, type ParsedTransform, type TransformConfig } from './schema.js';
import type { Step } from './step.js';
import { hashStep, renameStep, setStep, whereStep } from './verbs.js';

export { TransformSpecError } from './errors.js';

export function compileTransforms(list: TransformConfig[], name = 'transforms'): Transform {
  const parsed = transformListSchema.safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [index, ...field] = issue.path;
    throw new TransformSpecError(typeof index === 'number' ? `${name}[${index}]` : name, field.join('.'), issue.message);
  }
  const steps = parsed.data.flatMap((item, i) => stepsOf(item, `${name}[${i}]`));
  const plan: ((doc: JsonObject) => JsonObject | null)[] = [];
  let owned = false;
  for (const step of steps) {
    if (step.effect === 'mutates' && !owned) {
      plan.push(cloneJson);
      owned = true;
    }
    if (step.effect === 'rebuilds') owned = true;
    plan.push((doc) => step.run(doc));
  }
  return (doc) => {
    let current: JsonObject | null = doc;
    for (const run of plan) {
      current = run(current);
      if (current === null) return null;
    }
    return current;
  };
}

function stepsOf(item: ParsedTransform, itemName: string): Step[] {
  if (item.with !== undefined) return joltSteps(item.with.spec, itemName);
  if (item.rename !== undefined) return [renameStep(item.rename, `${itemName} (rename)`)];
  if (item.set !== undefined) return [setStep(item.set, `${itemName} (set)`)];
  if (item.filter !== undefined) return [whereStep(item.filter.where, true)];
  if (item.drop !== undefined) return [whereStep(item.drop.where, false)];
  if (item.hash !== undefined) return [hashStep(item.hash, `${itemName} (hash)`)];
  throw new TransformSpecError(itemName, '', 'not a transform');
}
