// PostgreSQL change capture end to end, against the local PostgreSQL (wal_level=logical; scripts/ensure-services.sh):
// row changes and outbox rows become CloudEvents in the log, a function maps them to identify calls, and changes made
// while Sluice is stopped (gracefully or by kill -9) arrive after it restarts, each stored once.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { eventually } from '../helpers/eventually.js';
import { allEvents, type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.js';

const ADMIN_URL = process.env.SLUICE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `sluice_cdc_${process.pid}_${Date.now().toString(36)}`;
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const CAPTURE = `t${process.pid}_${Date.now().toString(36)}`;

const MAP_USERS = `
export default async (event: any, ctx: any): Promise<void> => {
  const row = event.data.row;
  ctx.identify({ userId: String(row.id), traits: { email: row.email, plan: row.plan } });
};
`;

/** A captured change as stored: a CloudEvent whose data describes the row. */
interface Change {
  id: string;
  source: string;
  subject?: string;
  data: { table: string; key: Record<string, unknown> | null; row: Record<string, unknown> | null };
}
type Logged = Awaited<ReturnType<typeof allEvents>>[number];
const cloud = (events: Logged[]) => events.filter((e) => typeof e.event.specversion === 'string');

describe('PostgreSQL change capture', () => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  const db = new pg.Client({ connectionString: DB_URL });
  const dir = tempDataDir();
  const config = join(dir, 'sluice.yaml');
  let server: ServerProcess | undefined;

  before(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB}`);
    await db.connect();
    await db.query(`CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, plan text, created_at timestamptz DEFAULT now(), avatar bytea)`);
    await db.query(`CREATE TABLE outbox (id text PRIMARY KEY, type text, payload jsonb, aggregate_id text)`);
    await db.query(`CREATE TABLE audit (id serial PRIMARY KEY, note text)`); // not captured
    await db.query(`CREATE TABLE events_nopk (note text)`);
    mkdirSync(join(dir, 'functions'));
    writeFileSync(join(dir, 'functions', 'users.ts'), MAP_USERS);
    writeFileSync(
      config,
      `
change_capture:
  - name: ${CAPTURE}
    url: "${DB_URL}"
    source: app-db
    tables: [users]
    outbox: [{ table: public.outbox, data_column: payload, subject_column: aggregate_id }]
functions:
  - name: users
    file: functions/users.ts
    subscribe: { types: [db.users.inserted, db.users.updated] }
`,
    );
  });

  after(async () => {
    await server?.kill();
    await db.end();
    await admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [`sluice_${CAPTURE}`]).catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.end();
  });

  it('turns inserts, updates, deletes and outbox rows into CloudEvents, and a function maps them to identify calls', async () => {
    server = await startServer({ dataDir: dir, args: ['--config', config] });
    await db.query(`INSERT INTO users (email, plan, avatar) VALUES ('ada@example.com', 'free', '\\x0102ff')`);
    await db.query(`UPDATE users SET plan = 'pro' WHERE email = 'ada@example.com'`);
    await db.query('BEGIN');
    await db.query(`INSERT INTO outbox VALUES ('evt-1', 'order.paid', '{"orderId": "o-1", "total": 42.5}', 'o-1')`);
    await db.query(`INSERT INTO audit (note) VALUES ('not captured')`);
    await db.query('COMMIT');
    await db.query(`INSERT INTO users (email) VALUES ('gone@example.com')`);
    await db.query(`DELETE FROM users WHERE email = 'gone@example.com'`);

    let seen: Logged[] = [];
    const events = await eventually('five change events and three identify calls', async () => {
      seen = await allEvents(server!);
      return cloud(seen).length >= 5 && seen.filter((e) => e.event.type === 'identify').length >= 3 ? seen : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}; saw ${JSON.stringify(seen.map((e) => e.event.type))}\n${server!.output()}`);
    });
    const changes = cloud(events);
    // In commit order; the audit table, written in the outbox row's transaction, is not captured.
    assert.deepEqual(
      changes.map((e) => e.event.type),
      ['db.users.inserted', 'db.users.updated', 'order.paid', 'db.users.inserted', 'db.users.deleted'],
    );
    assert.ok(changes.every((e) => e.source === 'app-db'));

    const inserted = changes[0]!.event as unknown as Change;
    assert.equal(inserted.source, `/sluice/cdc/${CAPTURE}`);
    assert.equal(inserted.subject, '1');
    assert.equal(inserted.data.table, 'users');
    assert.equal(inserted.data.row!.email, 'ada@example.com');
    assert.equal(inserted.data.row!.avatar, Buffer.from([1, 2, 255]).toString('base64'), 'bytea arrives as base64');
    assert.match(String(inserted.data.row!.created_at), /^\d{4}-\d\d-\d\dT/, 'timestamps arrive as ISO strings');
    const updated = changes[1]!.event as unknown as Change;
    assert.equal(updated.data.row!.plan, 'pro');
    const deleted = changes[4]!.event as unknown as Change;
    assert.equal(deleted.data.row, null);
    assert.deepEqual(deleted.data.key, { id: 2 });

    const outbox = changes[2]!.event;
    assert.equal(outbox.id, 'evt-1', "an outbox row's id is the CloudEvent id");
    assert.equal(outbox.subject, 'o-1');
    assert.deepEqual(outbox.data, { orderId: 'o-1', total: 42.5 });

    const identifies = events.filter((e) => e.event.type === 'identify').map((e) => e.event as { userId: string; traits: Record<string, unknown> });
    assert.ok(identifies.some((i) => i.userId === '1' && i.traits.plan === 'pro'), 'the function mapped the update to identify');

    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { change_capture: { name: string; state: string }[] };
    assert.equal(ready.change_capture[0]!.state, 'streaming');
  });

  it('keeps changes made while Sluice is stopped, or killed, for when it comes back; each is stored once', async () => {
    const before = cloud(await allEvents(server!)).length;
    assert.equal(await server!.stop(), 0);
    await db.query(`INSERT INTO users (email) VALUES ('while-stopped@example.com')`);
    await db.query(`INSERT INTO outbox VALUES ('evt-2', 'order.refunded', '{"orderId": "o-1"}', 'o-1')`);

    server = await startServer({ dataDir: dir, args: ['--config', config] });
    const afterRestart = await eventually('the changes made while stopped', async () => {
      const c = cloud(await allEvents(server!));
      return c.length >= before + 2 ? c : undefined;
    });
    assert.deepEqual(afterRestart.slice(before).map((e) => e.event.type), ['db.users.inserted', 'order.refunded']);

    // kill -9 right after a burst: whatever was not confirmed to PostgreSQL is streamed again and deduplicated.
    for (let i = 0; i < 50; i++) await db.query(`INSERT INTO users (email) VALUES ('burst-${i}@example.com')`);
    await server!.kill();
    await db.query(`INSERT INTO users (email) VALUES ('while-dead@example.com')`);
    server = await startServer({ dataDir: dir, args: ['--config', config] });
    const final = await eventually('the burst and the change made while killed', async () => {
      const c = cloud(await allEvents(server!));
      return c.some((e) => (e.event as { data?: { row?: { email?: string } } }).data?.row?.email === 'while-dead@example.com') ? c : undefined;
    });
    const emails = final.map((e) => (e.event as { data?: { row?: { email?: string } } }).data?.row?.email).filter((x) => x !== undefined);
    for (let i = 0; i < 50; i++) assert.equal(emails.filter((m) => m === `burst-${i}@example.com`).length, 1, `burst-${i} stored exactly once`);
    const ids = final.map((e) => `${String(e.event.source)} ${String(e.event.id)}`);
    assert.equal(new Set(ids).size, ids.length, 'no change is stored twice');
  });

  it('answers keep-alives while idle from the first second, so PostgreSQL does not cut a stream that has confirmed nothing yet', async () => {
    // wal_sender_timeout is per connection: 1 s here, so a stream that sent no status would be cut within ~1 s.
    const idle = `idle_${CAPTURE}`;
    const idleConfig = join(dir, 'idle.yaml');
    const url = `${DB_URL}?options=${encodeURIComponent('-c wal_sender_timeout=1000')}`;
    writeFileSync(idleConfig, `change_capture: [{ name: ${idle}, url: "${url}", tables: [audit] }]\n`);
    const idleServer = await startServer({ dataDir: tempDataDir(), args: ['--config', idleConfig] });
    try {
      const activePid = async (): Promise<number | null> =>
        (await admin.query<{ active_pid: number | null }>('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [`sluice_${idle}`])).rows[0]?.active_pid ?? null;
      const first = await eventually('the idle capture streaming', async () => (await activePid()) ?? undefined);
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(await activePid(), first, 'the same walsender still streams after four timeouts: keep-alives were answered');
      const ready = (await (await fetch(`${idleServer.url}/readyz`)).json()) as { change_capture: { state: string; lastError: string | null }[] };
      assert.equal(ready.change_capture[0]!.state, 'streaming');
      assert.equal(ready.change_capture[0]!.lastError, null);
    } finally {
      await idleServer.kill();
      await admin.query('SELECT pg_drop_replication_slot($1)', [`sluice_${idle}`]).catch(() => undefined);
    }
  });

  it('refuses to start, naming the problem, when a table is missing or has no primary key (publishing it would break its updates)', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `change_capture: [{ name: bad_${CAPTURE}, url: "${DB_URL}", tables: [events_nopk, missing_table] }]\n`);
    await assert.rejects(startServer({ dataDir: tempDataDir(), args: ['--config', bad] }), (err: Error) => {
      assert.match(err.message, /table public\.events_nopk has no primary key: add one or run ALTER TABLE public\.events_nopk REPLICA IDENTITY FULL/);
      assert.match(err.message, /table public\.missing_table does not exist/);
      return true;
    });
    const slots = await admin.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [`sluice_bad_${CAPTURE}`]);
    assert.equal(slots.rowCount, 0, 'no slot is left holding WAL for a capture that never ran');
  });
});
