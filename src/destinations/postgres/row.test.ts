import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { EventFailure } from '../../core/destination.js';
import { insertIsolating } from './bisect.js';
import { classify } from './errors.js';
import { schema } from './options.js';
import { COLUMNS, type Row, toColumnArrays, toRow } from './row.js';
import { createTableSql, insertSql } from './sql.js';

const named = (row: Row) => Object.fromEntries(COLUMNS.map(([name], i) => [name, row[i]]));

describe('postgres rows and SQL', () => {
  it('options: defaults, url as another name for connection_string, one of them required', () => {
    assert.deepEqual(schema.parse({ url: 'postgres://u@h/db' }), { url: 'postgres://u@h/db', schema: 'public', table: 'sluice_events', create_table: true, timeout_ms: 10_000 });
    assert.equal(schema.safeParse({ connection_string: 'postgresql://h/db' }).success, true);
    const none = schema.safeParse({});
    assert.deepEqual(none.error?.issues.map((i) => [i.path.join('.'), i.message]), [['connection_string', 'connection_string (or url) is required']]);
    const both = schema.safeParse({ url: 'postgres://a/b', connection_string: 'postgres://a/b' });
    assert.deepEqual(both.error?.issues.map((i) => i.path.join('.')), ['url']);
    assert.equal(schema.safeParse({ url: 'mysql://a/b' }).success, false);
    assert.equal(schema.safeParse({ url: 'postgres://a/b', table: 'events; drop table x' }).success, false);
    assert.equal(schema.safeParse({ url: 'postgres://a/b', batch: {} }).success, false);
  });

  it('docs/destinations.md documents every option', async () => {
    const docs = await readFile(new URL('../../../docs/destinations.md', import.meta.url), 'utf8');
    const section = docs.split(/^## /m).find((s) => s.startsWith('postgres\n')) ?? '';
    for (const key of Object.keys(schema.shape)) assert.match(section, new RegExp(`^\\| \`${key}[.\`]`, 'm'), key);
  });

  it('a Segment track message fills the typed columns; the key comes from the log, the document goes to raw', () => {
    const doc = {
      type: 'track',
      messageId: 'rewritten-by-a-transform',
      event: 'Signed Up',
      userId: 'u1',
      anonymousId: 'a1',
      properties: { plan: 'pro' },
      context: { ip: '1.2.3.4' },
      timestamp: '2024-05-01T12:00:00.000Z',
      receivedAt: '2024-05-01T12:00:01.000Z',
      sentAt: '2024-05-01T12:00:00.500Z',
    };
    const row = named(toRow({ seq: 1, messageId: 'm1', source: 'web', doc }));
    assert.deepEqual(row, {
      message_id: 'm1',
      source: 'web',
      type: 'track',
      event: 'Signed Up',
      user_id: 'u1',
      anonymous_id: 'a1',
      group_id: null,
      previous_id: null,
      name: null,
      timestamp: '2024-05-01T12:00:00.000Z',
      received_at: '2024-05-01T12:00:01.000Z',
      sent_at: '2024-05-01T12:00:00.500Z',
      original_timestamp: null,
      properties: '{"plan":"pro"}',
      traits: null,
      context: '{"ip":"1.2.3.4"}',
      raw: JSON.stringify(doc),
    });
  });

  it('a CloudEvent: type cloudevent, its type as event, time as timestamp, data as properties, attributes as context', () => {
    const doc = { specversion: '1.0', id: 'ce-1', source: '/orders', type: 'com.acme.order.paid', time: '2024-05-01T10:00:00Z', subject: 'order/9', data: { total: 12 } };
    const row = named(toRow({ seq: 1, messageId: 'ce-1', source: 'backend', doc }));
    assert.equal(row.type, 'cloudevent');
    assert.equal(row.event, 'com.acme.order.paid');
    assert.equal(row.timestamp, '2024-05-01T10:00:00Z');
    assert.equal(row.received_at, null);
    assert.deepEqual(JSON.parse(row.properties ?? ''), { total: 12 });
    assert.deepEqual(JSON.parse(row.context ?? ''), { specversion: '1.0', id: 'ce-1', source: '/orders', type: 'com.acme.order.paid', time: '2024-05-01T10:00:00Z', subject: 'order/9' });
    assert.equal(row.raw, JSON.stringify(doc));
  });

  it('rows become one array per column', () => {
    const rows = [toRow({ seq: 1, messageId: 'a', source: 's', doc: { type: 'page' } }), toRow({ seq: 2, messageId: 'b', source: 's', doc: { type: 'screen' } })];
    const cols = toColumnArrays(rows);
    assert.equal(cols.length, COLUMNS.length);
    assert.deepEqual(cols[0], ['a', 'b']);
    assert.deepEqual(cols[2], ['page', 'screen']);
  });

  it('the table and the INSERT are made from the same column list, with quoted names', () => {
    assert.match(createTableSql('my_schema', 'ev'), /^CREATE TABLE IF NOT EXISTS "my_schema"\."ev" \(\n {2}"message_id" text NOT NULL,/);
    assert.match(createTableSql('s', 't'), /PRIMARY KEY \(source, message_id\)/);
    const insert = insertSql('s', 't');
    assert.match(insert, /SELECT \* FROM unnest\(\$1::text\[\], .*\$17::jsonb\[\]\) ON CONFLICT DO NOTHING$/);
  });

  it('errors: bad values are data errors, the rest retry', () => {
    const e = (code: string) => Object.assign(new Error('x'), { code });
    for (const code of ['22007', '22P02', '22021', '23502', '23514', '54000']) assert.equal(classify(e(code)), 'data', code);
    for (const code of ['23505', '40001', '40P01', '57P01', '57014', '08006', '53300', '42P01', '42501', '28P01']) assert.equal(classify(e(code)), 'retry', code);
    assert.equal(classify(e('ECONNREFUSED')), 'retry');
    assert.equal(classify(new Error('Connection terminated unexpectedly')), 'retry');
  });
});

describe('bisecting a refused batch', () => {
  const dataError = Object.assign(new Error('invalid input syntax for type timestamp'), { code: '22007' });

  async function run(size: number, bad: Set<number>, down?: { after: number }): Promise<{ failures: EventFailure[]; inserted: number[]; statements: number }> {
    const inserted: number[] = [];
    let statements = 0;
    const failures = await insertIsolating(
      Array.from({ length: size }, (_, i) => i),
      async (indexes) => {
        statements++;
        if (down !== undefined && statements > down.after) throw Object.assign(new Error('terminating connection'), { code: '57P01' });
        if (indexes.some((i) => bad.has(i))) throw dataError;
        inserted.push(...indexes);
      },
    );
    return { failures, inserted: inserted.sort((a, b) => a - b), statements };
  }

  it('a clean batch is one statement', async () => {
    const r = await run(100, new Set());
    assert.deepEqual(r.failures, []);
    assert.equal(r.statements, 1);
    assert.equal(r.inserted.length, 100);
  });

  it('finds exactly the bad rows; every other row is inserted once', async () => {
    const r = await run(100, new Set([0, 41, 99]));
    assert.deepEqual(r.failures.map((f) => [f.index, f.permanent]), [[0, true], [41, true], [99, true]]);
    assert.match(r.failures[0]?.reason ?? '', /^22007 invalid input syntax/);
    assert.deepEqual(r.inserted, Array.from({ length: 100 }, (_, i) => i).filter((i) => ![0, 41, 99].includes(i)));
    assert.ok(r.statements <= 2 * 3 * Math.ceil(Math.log2(100)) + 1, `${r.statements} statements`);
  });

  it('a retryable error halfway stops the bisection: the rest is left to retry, not marked permanent', async () => {
    const r = await run(8, new Set([6]), { after: 2 });
    assert.ok(r.failures.every((f) => !f.permanent));
    assert.deepEqual(new Set([...r.inserted, ...r.failures.map((f) => f.index)]), new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    assert.equal(r.inserted.length + r.failures.length, 8);
  });
});
