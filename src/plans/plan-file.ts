// The tracking plan file (YAML or JSON): per track event, and for identify, page, screen and group, a JSON Schema of
// the payload with a description and an owner. This zod schema is the file's one definition; the JSON Schemas inside
// are checked by ajv when the plan is compiled (compile.ts). See docs/tracking-plans.md.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A JSON Schema of an object (properties or traits); its details are checked by ajv, not here. */
const payloadSchema = z
  .record(z.string(), z.unknown())
  .refine((s) => s.type === undefined || s.type === 'object', { message: 'must describe an object (type: object) or leave type out' })
  .describe('JSON Schema (draft-07) of the payload; keys not listed under its `properties` are unplanned unless additionalProperties says otherwise.');

const documented = {
  description: z.string().optional().describe('What the call means and when it is sent.'),
  owner: z.string().optional().describe('Team or person who owns it; defaults to the plan-level owner.'),
};

const withProperties = z.strictObject({ ...documented, properties: payloadSchema.optional() });
const withTraits = z.strictObject({ ...documented, traits: payloadSchema.optional() });

export const planFileSchema = z.strictObject({
  version: z.literal(1).default(1).describe('Format version.'),
  name: z.string().optional().describe('Name of the plan.'),
  description: z.string().optional(),
  owner: z.string().optional().describe('Default owner of every entry.'),
  events: z.record(z.string().min(1, 'an event name is not empty'), withProperties).default({}).describe('Track events by name.'),
  identify: withTraits.optional().describe('Traits of identify calls.'),
  page: withProperties.optional().describe('Properties of page calls.'),
  screen: withProperties.optional().describe('Properties of screen calls.'),
  group: withTraits.optional().describe('Traits of group calls.'),
});

export type TrackingPlan = z.infer<typeof planFileSchema>;
export type JsonSchema = Record<string, unknown>;
export type PlanEntry = z.infer<typeof withProperties>;
export type TraitsEntry = z.infer<typeof withTraits>;

/** The plan's sections that are not track events, with the payload field each governs. */
export const CALL_SECTIONS = [
  ['identify', 'traits'],
  ['page', 'properties'],
  ['screen', 'properties'],
  ['group', 'traits'],
] as const;
export type CallSection = (typeof CALL_SECTIONS)[number][0];

export class PlanFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`tracking plan ${file} is invalid\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PlanFileError';
  }
}

/** A readable path: events["Order Completed"].properties.type */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out || '(root)';
}

export function parsePlan(text: string, file: string): TrackingPlan {
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON: one parser reads both
  } catch (err) {
    throw new PlanFileError(file, [`not valid YAML or JSON: ${(err as Error).message}`]);
  }
  const parsed = planFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new PlanFileError(file, parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  return parsed.data;
}

export function loadPlanFile(file: string): TrackingPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlanFileError(file, [`cannot read it: ${(err as Error).message}`]);
  }
  return parsePlan(text, file);
}
