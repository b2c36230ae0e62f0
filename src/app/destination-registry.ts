// The destination types Sluice knows, and the validation of a destination entry: the runner's common options and
// the type's own options are checked by their own schemas, and every problem is reported with its path.
import type { z } from 'zod';
import type { Destination, DestinationContext } from '../core/destination.js';
import { DESTINATION_COMMON_KEYS, type DestinationCommonConfig, destinationCommonSchema } from '../pipeline/runner/schema.js';

export interface DestinationModule {
  readonly type: string;
  readonly aliases?: readonly string[];
  readonly schema: z.ZodType;
  create(config: never, ctx: DestinationContext): Destination;
}

export interface DestinationEntry {
  common: DestinationCommonConfig;
  options: unknown;
  module: DestinationModule;
}

function issuesOf(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((i) => `${[prefix, ...i.path.map(String)].join('.')}: ${i.message}`);
}

export function findModule(modules: readonly DestinationModule[], type: string): DestinationModule | undefined {
  return modules.find((m) => m.type === type || m.aliases?.includes(type));
}

/** Splits each raw entry into common and type-specific options and validates both. */
export function validateDestinations(
  raw: readonly unknown[],
  modules: readonly DestinationModule[],
  secrets: Readonly<Record<string, string | undefined>>,
): { entries: DestinationEntry[]; problems: string[] } {
  const entries: DestinationEntry[] = [];
  const problems: string[] = [];
  const names = new Set<string>();
  raw.forEach((value, i) => {
    const prefix = `destinations.${i}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${prefix}: a destination is an object with at least name and type`);
      return;
    }
    const common: Record<string, unknown> = {};
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) (DESTINATION_COMMON_KEYS.includes(k) ? common : own)[k] = v;
    const parsedCommon = destinationCommonSchema.safeParse(common);
    if (!parsedCommon.success) {
      problems.push(...issuesOf(parsedCommon.error, prefix));
      return;
    }
    const c = parsedCommon.data;
    for (const [j, s] of (c.secrets ?? []).entries()) {
      if (secrets[s.name] === undefined) problems.push(`${prefix}.secrets.${j}.name: secret ${s.name} is not set in the environment or the secrets file`);
    }
    if (names.has(c.name)) problems.push(`${prefix}.name: another destination is already named ${c.name}`);
    names.add(c.name);
    const module = findModule(modules, c.type);
    if (module === undefined) {
      const known = modules.flatMap((m) => [m.type, ...(m.aliases ?? [])]).join(', ');
      problems.push(`${prefix}.type: unknown destination type ${JSON.stringify(c.type)}; known: ${known}`);
      return;
    }
    const parsedOwn = module.schema.safeParse(own);
    if (!parsedOwn.success) {
      problems.push(...issuesOf(parsedOwn.error, prefix));
      return;
    }
    entries.push({ common: c, options: parsedOwn.data, module });
  });
  return { entries, problems };
}
