// The one definition of a destination's `transforms:` list. Each item is one transform: a Jolt chain (written as the
// seed connector wrote it, `uses: …jolt` + `with: { spec: [...] }`) or one verb (rename, set, filter, drop, hash).
// Jolt specs are checked when the list is compiled (compile.ts), where their errors can name the key at fault.
// Items are one strict object with every kind optional plus an exactly-one rule, rather than a z.union: a union
// reports "Invalid input" for a mistake inside a branch, this reports the field and the path.
import { z } from 'zod';
import { dotPathProblem } from './paths.js';

const dotPath = () =>
  z.string().superRefine((text, ctx) => {
    const problem = dotPathProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const matcherSchema = z.union([
  scalar.describe('Equal to this value (strict: 42 is not "42"); null also matches a missing value.'),
  z.array(scalar).min(1).describe('Equal to any of these values.'),
  z.strictObject({ exists: z.boolean().describe('true: present and not null; false: missing or null.') }),
  z.strictObject({ not: z.union([scalar, z.array(scalar).min(1)]).describe('Equal to none of these values.') }),
]);

const conditionObjectSchema = z
  .record(dotPath(), matcherSchema)
  .refine((entries) => Object.keys(entries).length > 0, 'a condition needs at least one path')
  .describe('Dot path -> matcher; every entry must match (and).');

export const conditionSchema = z
  .union([conditionObjectSchema, z.array(conditionObjectSchema).min(1)])
  .describe('One condition object (all entries match), or a list of them (any one matches).');

export const JOLT_OPERATIONS = ['shift', 'default', 'remove'] as const;

// The name part (after any "owner/" and before any "@version") ends with "jolt": jolt, infinyon/jolt@0.4.1.
const JOLT_USES = /^(?:[^\s/@]+\/)*[^\s/@]*jolt(?:@[^\s@]+)?$/;

const joltOperationSchema = z.strictObject({
  operation: z.enum(JOLT_OPERATIONS).describe('shift: move values to new paths; default: fill missing keys; remove: delete keys.'),
  spec: z.record(z.string(), z.unknown()).describe('The Jolt spec of this operation (see docs/transforms.md).'),
});

const joltWithSchema = z.strictObject({
  spec: z.array(joltOperationSchema).min(1).describe('Jolt operations, applied in order.'),
});

const renameSchema = z.strictObject({
  from: dotPath().describe('Dot path to move; a missing value makes the rename a no-op.'),
  to: dotPath().describe('Dot path to move it to; replaces what is there, creates missing objects.'),
});

const setSchema = z.strictObject({
  path: dotPath().describe('Dot path to write; replaces what is there, creates missing objects.'),
  value: z.json().describe('Any JSON value, written as is (a fresh copy per event).'),
});

const whereSchema = z.strictObject({ where: conditionSchema.describe('The condition; see docs/transforms.md.') });

export const HASH_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;

const hashSchema = z.strictObject({
  paths: z.array(dotPath()).min(1).describe('Dot paths of identifiers to replace with their HMAC; missing or null values are skipped.'),
  key: z.string().min(16, 'use a secret of at least 16 characters').describe('The HMAC secret. Anyone with it can test guesses against the hashes: keep it out of the repository.'),
  algorithm: z.enum(HASH_ALGORITHMS).default('sha256').describe('Hash function of the HMAC.'),
});

const KINDS = ['rename', 'set', 'filter', 'drop', 'hash'] as const;

export const transformSchema = z
  .strictObject({
    uses: z.string().regex(JOLT_USES, 'must name a Jolt transform, e.g. "jolt" or "infinyon/jolt@0.4.1"').optional().describe('Jolt: the transform name, e.g. infinyon/jolt@0.4.1 (any name ending in "jolt").'),
    with: joltWithSchema.optional().describe('Jolt: { spec: [operations] }.'),
    rename: renameSchema.optional().describe('Move a value from one dot path to another.'),
    set: setSchema.optional().describe('Write a fixed value at a dot path.'),
    filter: whereSchema.optional().describe('Keep only documents that match; the others are dropped.'),
    drop: whereSchema.optional().describe('Drop documents that match.'),
    hash: hashSchema.optional().describe('Replace identifiers by their keyed HMAC (hex).'),
  })
  .superRefine((item, ctx) => {
    const present = KINDS.filter((kind) => item[kind] !== undefined);
    const jolt = item.uses !== undefined || item.with !== undefined;
    if (jolt) {
      if (item.uses === undefined) ctx.addIssue({ code: 'custom', path: ['uses'], message: 'a Jolt transform needs uses (e.g. "jolt")' });
      if (item.with === undefined) ctx.addIssue({ code: 'custom', path: ['with'], message: 'a Jolt transform needs with: { spec: [...] }' });
    }
    if (present.length + (jolt ? 1 : 0) !== 1) {
      ctx.addIssue({ code: 'custom', message: `each transform is exactly one of: uses/with (Jolt), ${KINDS.join(', ')}${present.length > 0 ? ` (found ${[...(jolt ? ['uses/with'] : []), ...present].join(', ')})` : ''}` });
    }
  })
  .describe('One transform: a Jolt chain or one verb.');

export const transformListSchema = z.array(transformSchema).describe('Transforms applied in order; see docs/transforms.md.');

export type Condition = z.input<typeof conditionSchema>;
export type Matcher = z.input<typeof matcherSchema>;
export type JoltOperation = z.input<typeof joltOperationSchema>;
export type RenameOptions = z.input<typeof renameSchema>;
export type SetOptions = z.input<typeof setSchema>;
export type HashOptions = z.input<typeof hashSchema>;

/** One item of a `transforms:` list, as written (defaults may be left out). The schema checks it is exactly one kind. */
export type TransformConfig = z.input<typeof transformSchema>;

/** A list item after validation: defaults filled in. */
export type ParsedTransform = z.output<typeof transformSchema>;
