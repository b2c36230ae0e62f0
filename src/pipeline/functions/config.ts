// The one definition of a function's configuration: strict (unknown keys are errors), defaults here, units in names.
// docs/functions.md describes the same fields; the app embeds this schema in its config under `functions:`.
import { z } from 'zod';
import { uniqueNames } from '../../core/unique-names.js';

const pattern = z
  .string()
  .min(1)
  .regex(/^[^*]*\*?$/, 'a name, or a prefix ending in * (user.*); * alone matches every name')
  .describe('An exact name, or a prefix followed by * (user.* matches user.created and user.deleted.v2).');

const subscriptionSchema = z
  .strictObject({
    types: z.array(pattern).min(1).optional().describe('CloudEvent types to run on (the gateway\'s events).'),
    events: z.array(pattern).min(1).optional().describe('Segment track event names to run on.'),
    sources: z.array(z.string().min(1)).min(1).optional().describe('Sluice source names to take events from; all sources when absent.'),
  })
  .refine((s) => s.types !== undefined || s.events !== undefined, { message: 'subscribe to CloudEvent types, track events, or both' })
  .describe('Which stored events the function runs on. Events it does not match are skipped (acknowledged).');

const retrySchema = z
  .strictObject({
    max_attempts: z.number().int().min(1).max(100).default(5).describe('Attempts per event, the first included, before it goes to the dead letters.'),
    initial_backoff_ms: z.number().int().min(0).default(1_000).describe('Upper bound of the first retry delay; it doubles with each attempt (full jitter).'),
    max_backoff_ms: z.number().int().min(0).default(60_000).describe('Upper bound of any retry delay.'),
  })
  .refine((r) => r.max_backoff_ms >= r.initial_backoff_ms, { message: 'max_backoff_ms must be at least initial_backoff_ms', path: ['max_backoff_ms'] })
  .describe('How a failed attempt (throw, timeout, out of memory, emit failure) is retried.');

export const functionSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (starting with a letter or digit)')
    .max(100)
    .describe('Function name: its log consumer is function:<name>, and it is part of every emitted messageId.'),
  file: z
    .string()
    .regex(/\.(ts|mts|js|mjs|cjs)$/, 'a .ts, .mts, .js, .mjs or .cjs file')
    .describe('The module, relative to the config file: `export default async (event, ctx) => { … }`. Imports are bundled; Node built-ins are not available.'),
  subscribe: subscriptionSchema,
  start_at: z.enum(['now', 'earliest']).default('now').describe('Where a new function begins: at the next event (now), or at the oldest retained one (earliest, a backfill).'),
  timeout_ms: z.number().int().min(10).max(300_000).default(5_000).describe('Wall-clock limit of one invocation; past it the function is stopped and its worker replaced.'),
  memory_mb: z.number().int().min(16).max(4_096).default(64).describe('JavaScript heap limit of the function\'s worker thread.'),
  retry: retrySchema.prefault({}),
  secrets: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _'))
    .default([])
    .describe('Names of secrets handed to the function as ctx.secrets; values come from the app (environment), never from this file.'),
});

export type FunctionConfig = z.infer<typeof functionSchema>;
export type Subscription = FunctionConfig['subscribe'];

/** Function names must be unique: each owns a consumer. For the app's config-level check. */
export const functionsSchema = z
  .array(functionSchema)
  .default([])
  .superRefine(uniqueNames('function'))
  .describe('User functions run on stored events; they may emit tracking calls back into the log.');
