// The one definition of the rollups' configuration; the app embeds it under `rollups:`. docs/rollups.md explains it.
import { z } from 'zod';
import { lingerMsSchema } from '../log/linger.js';

const breakdownSchema = z.strictObject({
  event: z.string().min(1).describe('The track event (or page/screen name) whose count is broken down.'),
  property: z.string().min(1).describe('The top-level property of `properties` whose values split the count.'),
  max_values: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(50)
    .describe('Distinct values kept, first seen first; later new values are counted in an "other" bucket.'),
});

export const rollupsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the rollups consumer (counts, uniques, revenue) behind the query API.'),
    max_batch_events: z.number().int().min(1).max(10_000).default(1_000).describe('Events read and applied in one transaction.'),
    linger_ms: lingerMsSchema('counted (each one rewrites the unique-user sketches)', 'Counts'),
    breakdowns: z.array(breakdownSchema).default([]).describe('Counts of an event split by the values of one property (e.g. Order Completed by plan).'),
  })
  .refine((r) => new Set(r.breakdowns.map((b) => `${b.event}\u0000${b.property}`)).size === r.breakdowns.length, {
    message: 'each (event, property) pair may be listed once',
    path: ['breakdowns'],
  })
  .prefault({});

export type RollupsConfig = z.infer<typeof rollupsSchema>;
export type BreakdownConfig = RollupsConfig['breakdowns'][number];
