// The Segment destination's own options: the one definition (docs/destinations.md describes the same fields).
// Runner options (filter, batching, retries, transforms, max in flight) belong to the runner, not here.
import { z } from 'zod';

export const schema = z.strictObject({
  write_key: z.string().min(1).describe('Write key of the receiving source; sent as the Basic auth user name with an empty password.'),
  endpoint: z
    .url({ protocol: /^https?$/ })
    .default('https://api.segment.io/v1/batch')
    .describe('Batch endpoint of any Segment-compatible API, e.g. https://events.eu1.segmentapis.com/v1/batch or another Sluice.'),
  timeout_ms: z.number().int().positive().default(10_000).describe('How long one request may take before it is abandoned and retried.'),
});

export type Config = z.infer<typeof schema>;
