// The everyday verbs. Each compiles its options once into a step; steps that change the document do so in place,
// on a copy the compiled pipeline owns (see compile.ts).
import { createHmac } from 'node:crypto';
import { TransformError } from '../../core/transform.js';
import { compileCondition } from './condition.js';
import { cloneJson, describeValue } from './json.js';
import { deleteAt, getAt, parseDotPath, setAt } from './paths.js';
import type { Condition, HashOptions, RenameOptions, SetOptions } from './schema.js';
import type { Step } from './step.js';

export function renameStep(options: RenameOptions, name: string): Step {
  const from = parseDotPath(options.from);
  const to = parseDotPath(options.to);
  return {
    effect: 'mutates',
    run(doc) {
      const value = getAt(doc, from);
      if (value === undefined) return doc;
      deleteAt(doc, from);
      const problem = setAt(doc, to, value);
      if (problem !== undefined) throw new TransformError(name, `cannot move "${options.from}" here: ${problem}`, options.to);
      return doc;
    },
  };
}

export function setStep(options: SetOptions, name: string): Step {
  const path = parseDotPath(options.path);
  const value = options.value;
  return {
    effect: 'mutates',
    run(doc) {
      const problem = setAt(doc, path, cloneJson(value));
      if (problem !== undefined) throw new TransformError(name, `cannot set: ${problem}`, options.path);
      return doc;
    },
  };
}

export function whereStep(where: Condition, keep: boolean): Step {
  const matches = compileCondition(where);
  return { effect: 'reads', run: (doc) => (matches(doc) === keep ? doc : null) };
}

export function hashStep(options: HashOptions, name: string): Step {
  const targets = options.paths.map((text) => ({ text, path: parseDotPath(text) }));
  const { key } = options;
  const algorithm = options.algorithm ?? 'sha256';
  return {
    effect: 'mutates',
    run(doc) {
      for (const { text, path } of targets) {
        const value = getAt(doc, path);
        if (value === undefined || value === null) continue;
        // Fail closed: an identifier we cannot hash must not travel on in clear.
        if (typeof value !== 'string' && typeof value !== 'number') throw new TransformError(name, `expected a string or number to hash, found ${describeValue(value)}`, text);
        setAt(doc, path, createHmac(algorithm, key).update(String(value)).digest('hex'));
      }
      return doc;
    },
  };
}
