// PostgreSQL for tests: the shared server at 127.0.0.1:5432 (SLUICE_TEST_DATABASE_URL overrides), one schema per test
// with a random name, dropped afterwards, so tests running at once never see each other's rows.
// When the server is unreachable the PostgreSQL tests are skipped with a loud message, except in CI (CI=true),
// where a missing service is a failure.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.SLUICE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let probe: Promise<string | undefined> | undefined;

/** Why PostgreSQL tests cannot run here, or undefined when they can. Throws in CI. */
export async function postgresSkipReason(): Promise<string | undefined> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (err) {
      const reason = `PostgreSQL at ${PG_URL} is unreachable (${(err as Error).message}); start it or set SLUICE_TEST_DATABASE_URL`;
      if (process.env.CI === 'true') throw new Error(`${reason}. In CI the PostgreSQL tests must run, not skip.`);
      process.stderr.write(`\n*** SKIPPING PostgreSQL tests: ${reason} ***\n\n`);
      return reason;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return probe;
}

export function randomSchemaName(prefix = 'sluice_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Drops the schema and everything in it. */
export async function dropSchema(schema: string, url = PG_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
