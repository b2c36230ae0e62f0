// The postgres destination against a real PostgreSQL (SLUICE_TEST_POSTGRES_URL, default the local trust-auth one).
// Each run works in its own schema and drops it at the end.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Destination, DestinationContext, OutgoingEvent } from '../../core/destination.js';
import { create, schema, type } from './index.js';

const URL = process.env.SLUICE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `sluice_test_${process.pid}_${Date.now().toString(36)}`;

const ctx: DestinationContext = {
  log: { info() {}, warn() {}, error() {} },
  now: () => Date.now(),
};

let n = 0;
function track(extra: Record<string, unknown> = {}, source = 'web'): OutgoingEvent {
  n++;
  const doc = {
    type: 'track',
    messageId: `m-${n}`,
    event: 'Order Completed',
    userId: `u-${n % 7}`,
    properties: { total: n * 1.5, items: [{ sku: 'a' }] },
    context: { library: { name: 'analytics.js' } },
    timestamp: '2024-05-01T12:00:00.000Z',
    receivedAt: '2024-05-01T12:00:01.250Z',
    ...extra,
  };
  return { seq: n, messageId: `m-${n}`, source, doc };
}

const signal = () => new AbortController().signal;

describe('postgres destination', () => {
  const admin = new pg.Client({ connectionString: URL });
  const open: Destination[] = [];
  function make(options: Record<string, unknown> = {}): Destination {
    const d = create(schema.parse({ url: URL, schema: SCHEMA, ...options }), ctx);
    open.push(d);
    return d;
  }
  const count = async (table = 'sluice_events') => Number((await admin.query(`SELECT count(*) AS n FROM "${SCHEMA}"."${table}"`)).rows[0].n);

  before(async () => {
    await admin.connect();
  });
  after(async () => {
    for (const d of open) await d.close?.();
    await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await admin.end();
  });

  it('exports its type', () => {
    assert.equal(type, 'postgres');
  });

  it('creates the schema and a typed table on the first send, keyed on (source, message_id)', async () => {
    const d = make();
    const batch = [track(), track()];
    assert.deepEqual(await d.send(batch, signal()), { kind: 'ok' });
    const cols = await admin.query<{ column_name: string; data_type: string; is_nullable: string }>(
      'SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [SCHEMA, 'sluice_events'],
    );
    const types = Object.fromEntries(cols.rows.map((c) => [c.column_name, `${c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}`]));
    assert.deepEqual(types, {
      message_id: 'text not null',
      source: 'text not null',
      type: 'text',
      event: 'text',
      user_id: 'text',
      anonymous_id: 'text',
      group_id: 'text',
      previous_id: 'text',
      name: 'text',
      timestamp: 'timestamp with time zone',
      received_at: 'timestamp with time zone',
      sent_at: 'timestamp with time zone',
      original_timestamp: 'timestamp with time zone',
      properties: 'jsonb',
      traits: 'jsonb',
      context: 'jsonb',
      raw: 'jsonb not null',
    });
    const key = await admin.query<{ col: string }>(
      `SELECT a.attname AS col FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
      [`"${SCHEMA}".sluice_events`],
    );
    assert.deepEqual(key.rows.map((r) => r.col), ['source', 'message_id']);

    const row = (await admin.query(`SELECT * FROM "${SCHEMA}".sluice_events WHERE message_id = $1`, [batch[0]?.messageId])).rows[0] as Record<string, unknown>;
    assert.equal(row.type, 'track');
    assert.equal(row.event, 'Order Completed');
    assert.ok(row.timestamp instanceof Date);
    assert.equal((row.received_at as Date).toISOString(), '2024-05-01T12:00:01.250Z');
    assert.equal(row.sent_at, null);
    assert.deepEqual(row.properties, batch[0]?.doc.properties);
    assert.deepEqual(row.raw, batch[0]?.doc);
  });

  it('redelivery of the same batch inserts nothing new; duplicates inside one batch are stored once', async () => {
    const d = make();
    const batch = [track(), track(), track()];
    await d.send(batch, signal());
    const before = await count();
    assert.deepEqual(await d.send(batch, signal()), { kind: 'ok' });
    assert.deepEqual(await make().send(batch, signal()), { kind: 'ok' }, 'a new process redelivering');
    assert.equal(await count(), before);

    const twice = track();
    assert.deepEqual(await d.send([twice, twice], signal()), { kind: 'ok' });
    assert.equal(await count(), before + 1);
    const sameIdOtherSource = { ...twice, source: 'ios' };
    await d.send([sameIdOtherSource], signal());
    assert.equal(await count(), before + 2, 'the key is (source, message_id)');
  });

  it('bad rows are isolated: the good ones are inserted, the bad ones fail for good', async () => {
    const d = make();
    const batch = Array.from({ length: 10 }, () => track());
    batch[3] = track({ timestamp: 'the day before yesterday' });
    batch[7] = track({ event: 'nul \u0000 inside' });
    const before = await count();
    const r = await d.send(batch, signal());
    assert.equal(r.kind, 'partial');
    assert.deepEqual(r.failures.map((f) => [f.index, f.permanent]), [[3, true], [7, true]]);
    assert.match(r.failures[0]?.reason ?? '', /^22007 /);
    assert.match(r.failures[1]?.reason ?? '', /^22021 /);
    assert.equal(await count(), before + 8);
    const stored = await admin.query(`SELECT message_id FROM "${SCHEMA}".sluice_events WHERE message_id = ANY($1)`, [batch.map((e) => e.messageId)]);
    assert.deepEqual(new Set(stored.rows.map((x: { message_id: string }) => x.message_id)), new Set(batch.filter((_, i) => i !== 3 && i !== 7).map((e) => e.messageId)));
  });

  it('a CloudEvent keeps what applies in typed columns and the whole document in raw', async () => {
    const d = make();
    const doc = { specversion: '1.0', id: 'ce-42', source: '/billing', type: 'com.acme.invoice.paid', time: '2024-05-02T08:30:00Z', data: { amount: 99 } };
    assert.deepEqual(await d.send([{ seq: 1, messageId: 'ce-42', source: 'backend', doc }], signal()), { kind: 'ok' });
    const row = (await admin.query(`SELECT * FROM "${SCHEMA}".sluice_events WHERE source = 'backend' AND message_id = 'ce-42'`)).rows[0] as Record<string, unknown>;
    assert.equal(row.type, 'cloudevent');
    assert.equal(row.event, 'com.acme.invoice.paid');
    assert.equal((row.timestamp as Date).toISOString(), '2024-05-02T08:30:00.000Z');
    assert.equal(row.received_at, null);
    assert.deepEqual(row.properties, { amount: 99 });
    assert.deepEqual(row.raw, doc);
  });

  it('uses a table made beforehand and does not create one when create_table is false', async () => {
    const d = make({ table: 'not_there', create_table: false });
    const r = await d.send([track()], signal());
    assert.equal(r.kind, 'retry');
    assert.match(r.reason, /not_there does not exist and create_table is false/);
    await admin.query(`CREATE TABLE "${SCHEMA}".not_there (LIKE "${SCHEMA}".sluice_events INCLUDING ALL)`);
    assert.deepEqual(await d.send([track()], signal()), { kind: 'ok' });
    assert.equal(await count('not_there'), 1);
  });

  it('a statement that outlasts timeout_ms (a locked table) is retried', async () => {
    const d = make({ timeout_ms: 300 });
    await d.send([track()], signal());
    const locker = new pg.Client({ connectionString: URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${SCHEMA}".sluice_events IN ACCESS EXCLUSIVE MODE`);
      const started = Date.now();
      const r = await d.send([track()], signal());
      assert.equal(r.kind, 'retry');
      assert.match(r.reason, /^57014 /);
      assert.ok(Date.now() - started < 3000);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    assert.deepEqual(await d.send([track()], signal()), { kind: 'ok' }, 'the connection is usable afterwards');
  });

  it('connection refused is retried', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const d = create(schema.parse({ url: `postgres://postgres@127.0.0.1:${port}/test`, timeout_ms: 1000 }), ctx);
    open.push(d);
    const r = await d.send([track()], signal());
    assert.equal(r.kind, 'retry');
    assert.match(r.reason, /ECONNREFUSED/);
  });

  it('throughput: batches of 1,000 through one unnest() INSERT each', async () => {
    const d = make({ table: 'throughput' });
    await d.send([track()], signal());
    const batches = Array.from({ length: 20 }, () => Array.from({ length: 1000 }, () => track({ context: { page: { url: 'https://example.com/'.padEnd(120, 'x') }, userAgent: 'Mozilla/5.0'.padEnd(150, ' ') } })));
    const started = process.hrtime.bigint();
    for (const batch of batches) assert.deepEqual(await d.send(batch, signal()), { kind: 'ok' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`postgres destination: ${Math.round(20_000 / seconds)} rows/s (20 batches of 1,000, one connection, sequential)`);
    assert.equal(await count('throughput'), 20_001);
  });
});
