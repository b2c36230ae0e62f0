// What a NATS bench run leaves behind, removed: its JetStream streams (each bench stream and its _DEAD / _RETRIES
// companions, all named with the run's prefix) and its PostgreSQL database. Runs never touch another run's or a
// test's names: the prefix and the database name carry the bench's pid.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';

export async function deleteStreams(natsUrl: string, prefix: string): Promise<string[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const s of jsm.streams.list()) if (s.config.name.startsWith(prefix)) names.push(s.config.name);
    for (const n of names) await jsm.streams.delete(n);
    return names;
  } finally {
    await nc.close();
  }
}

/** The server's URL with another database name. */
export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Runs one statement on the server's maintenance database (CREATE / DROP DATABASE cannot run in a transaction). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
