// The options every destination has, whatever its type: which events, how they are batched, how many requests may be
// out, how failures are retried, where a new destination starts, and the transforms. The runner owns them; each
// destination's own schema owns the rest of its entry.
import { z } from 'zod';
import { transformListSchema } from '../transforms/schema.js';

export const destinationCommonSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (starting with a letter or digit)').describe('Unique name; the consumer is named destination:<name>.'),
  type: z.string().describe('amplitude, mixpanel, segment, http (aliases webhook, http-sink), file or postgres.'),
  enabled: z.boolean().default(true).describe('A disabled destination keeps its cursor and receives nothing.'),
  topic: z.string().optional().describe('Deliver only events of this source (the connector-config spelling of filter.sources).'),
  secrets: z
    .array(z.strictObject({ name: z.string().describe('Environment variable or secrets-file entry.') }))
    .optional()
    .describe('Secrets this destination uses, checked at start-up (the connector-config spelling).'),
  filter: z
    .strictObject({
      types: z.array(z.string()).optional().describe('Event types to deliver: track, identify, page, screen, group, alias, cloudevent.'),
      events: z.array(z.string()).optional().describe('Track event names (or CloudEvent types) to deliver.'),
      sources: z.array(z.string()).optional().describe('Sources whose events are delivered.'),
      valid_only: z.boolean().optional().describe("Deliver only events that follow their source's tracking plan (not marked context.sluice.plan.valid: false)."),
    })
    .prefault({})
    .describe('Which events this destination receives; absent lists match everything.'),
  batch: z
    .strictObject({
      max_events: z.number().int().positive().default(500).describe('Events per request, at most (the destination may allow fewer).'),
      max_bytes: z.number().int().positive().default(1_000_000).describe('Stored bytes per request, at most.'),
      max_wait_ms: z.number().int().nonnegative().default(200).describe('How long a partial batch waits for more events.'),
    })
    .prefault({}),
  max_in_flight: z.number().int().positive().default(4).describe('Requests out at once.'),
  retry: z
    .strictObject({
      max_attempts: z.number().int().positive().default(10).describe('Attempts before an event is dead-lettered.'),
      max_elapsed_ms: z.number().int().positive().default(24 * 3_600_000).describe('Retrying stops after this long.'),
      initial_backoff_ms: z.number().int().positive().default(1000).describe('Backoff ceiling for the first retry (full jitter below it).'),
      max_backoff_ms: z.number().int().positive().default(300_000).describe('Backoff ceiling, at most.'),
    })
    .prefault({}),
  start_at: z.enum(['now', 'earliest']).default('now').describe('Where a new destination starts: new events only, or the whole retained log (backfill).'),
  payload: z.enum(['event', 'data']).optional().describe("What transforms see: the stored event, or a CloudEvent's data (default: data for http-sink, else event)."),
  transforms: transformListSchema.default([]),
});

export type DestinationCommonConfig = z.infer<typeof destinationCommonSchema>;
export const DESTINATION_COMMON_KEYS: readonly string[] = Object.keys(destinationCommonSchema.shape);
