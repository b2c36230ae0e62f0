// The file destination's options: the one definition.
import { z } from 'zod';

export const schema = z.strictObject({
  directory: z.string().min(1).describe('Where the archive lives; files go to <directory>/<YYYY>/<MM>/<DD>/. Created when missing.'),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, _ . - only (it is part of a file name)')
    .default('')
    .describe('Put in front of every file name: <prefix>events-<YYYY-MM-DDTHH>.ndjson.gz.'),
  partition_by: z
    .enum(['received_at', 'timestamp'])
    .default('received_at')
    .describe('Which UTC hour an event is filed under: when Sluice received it, or when it happened (timestamp, or a CloudEvent\'s time).'),
});

export type Config = z.infer<typeof schema>;
