// The one definition of identity stitching's configuration; the app embeds it under `identity:`. docs/identity.md
// explains it.
import { z } from 'zod';
import { lingerMsSchema } from '../log/linger.js';

/**
 * Ids that SDKs and buggy code send when they have none: never treated as an identity, so they never merge anyone.
 * Compared trimmed and case-insensitively. `identity.blocked_values` adds to this list.
 */
export const BUILTIN_BLOCKED_IDS = ['', 'null', 'undefined', '0', 'anonymous', '[object Object]', 'NaN', 'none', 'nil', '-1'] as const;

export const identitySchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the identity consumer: stitch ids into profiles and index events by id for the profile API.'),
    blocked_values: z.array(z.string()).default([]).describe(`Extra ids that never identify anyone (added to the built-in ${BUILTIN_BLOCKED_IDS.filter((v) => v !== '').map((v) => `"${v}"`).join(', ')} and the empty string; case-insensitive).`),
    max_user_ids_per_profile: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1)
      .describe('userIds one profile may hold. A link that would exceed it is refused (counted and logged), so a shared or bogus anonymousId cannot merge many people. Raise it to let alias join two userIds.'),
    max_batch_events: z.number().int().min(1).max(10_000).default(200).describe('Events read and stitched in one transaction. Stitching runs in the writer thread that commits appends, so a batch holds appends back while it runs: ~4 µs per event, ~1 ms for 200.'),
    linger_ms: lingerMsSchema('stitched', 'Profiles'),
  })
  .prefault({});

export type IdentityConfig = z.infer<typeof identitySchema>;
