// The postgres destination's options: the one definition. `url` is accepted as another name for
// connection_string (what most hosted Postgres providers call it); exactly one of them is required.
import { z } from 'zod';

// Unquoted-style identifiers only: the names are quoted in SQL anyway, this keeps them readable and typo-proof.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const identifier = () => z.string().regex(IDENTIFIER, 'letters, digits and _, not starting with a digit, at most 63 characters');
const connectionString = () => z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://');

export const schema = z
  .strictObject({
    connection_string: connectionString()
      .optional()
      .describe('postgres://user:password@host:port/database (query parameters such as sslmode allowed). Required unless url is given.'),
    url: connectionString().optional().describe('Another name for connection_string; give one of the two.'),
    schema: identifier().default('public').describe('Schema of the events table.'),
    table: identifier().default('sluice_events').describe('Name of the events table.'),
    create_table: z.boolean().default(true).describe('Create the schema and table on the first send when they do not exist.'),
    timeout_ms: z.number().int().positive().default(10_000).describe('Longest a connection attempt or one statement may take.'),
  })
  .superRefine((options, ctx) => {
    if (options.connection_string === undefined && options.url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['connection_string'], message: 'connection_string (or url) is required' });
    } else if (options.connection_string !== undefined && options.url !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give either connection_string or url, not both' });
    }
  });

export type Config = z.infer<typeof schema>;

/** The connection string, whichever name the config used. Throws when neither is there (a config that skipped the schema). */
export function connectionStringOf(config: Config): string {
  const value = config.connection_string ?? config.url;
  if (value === undefined) throw new Error('postgres destination: connection_string (or url) is required');
  return value;
}
