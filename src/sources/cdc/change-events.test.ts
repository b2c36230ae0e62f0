import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CaptureTarget, changeEvents, changeType, INVALID_OUTBOX_ROW, jsonRow, type Relation } from './change-events.js';
import { outboxDefaults } from './config.js';

const users: Relation = { schema: 'public', name: 'users', keyColumns: ['id'] };
const invoices: Relation = { schema: 'billing', name: 'invoices', keyColumns: ['tenant', 'number'] };
const outbox: Relation = { schema: 'public', name: 'outbox', keyColumns: ['id'] };
const other: Relation = { schema: 'public', name: 'sessions', keyColumns: ['id'] };
const txn = { commitLsn: '00000000/016B3748', xid: 731, commitTime: Date.UTC(2026, 10, 22, 6, 0, 0) };
const target: CaptureTarget = {
  capture: 'app',
  tables: new Set(['public.users', 'billing.invoices']),
  outboxes: new Map([['public.outbox', outboxDefaults({ table: 'outbox', subject_column: 'aggregate' })]]),
};

describe('change events', () => {
  it('names types after the table, with the schema when it is not public', () => {
    assert.equal(changeType(users, 'update'), 'db.users.updated');
    assert.equal(changeType(invoices, 'delete'), 'db.billing.invoices.deleted');
  });

  it('an insert carries the row, its key as subject, and an id that is the same on every replay', () => {
    const [ev] = changeEvents({ tag: 'insert', relation: users, new: { id: 42, email: 'a@b.c' } }, txn, 3, target);
    assert.deepEqual(ev, {
      specversion: '1.0',
      id: '00000000/016B3748/3',
      source: '/sluice/cdc/app',
      type: 'db.users.inserted',
      time: '2026-11-22T06:00:00.000Z',
      subject: '42',
      datacontenttype: 'application/json',
      data: { schema: 'public', table: 'users', op: 'insert', key: { id: 42 }, row: { id: 42, email: 'a@b.c' }, old: null, lsn: txn.commitLsn, xid: 731 },
    });
    assert.deepEqual(changeEvents({ tag: 'insert', relation: users, new: { id: 42, email: 'a@b.c' } }, txn, 3, target)[0], ev);
  });

  it('a delete keeps the old key; a composite key becomes a JSON subject', () => {
    const [ev] = changeEvents({ tag: 'delete', relation: invoices, key: { tenant: 't1', number: 7 }, old: null }, txn, 0, target);
    assert.equal(ev!.type, 'db.billing.invoices.deleted');
    assert.equal(ev!.subject, '{"tenant":"t1","number":7}');
    assert.deepEqual((ev!.data as Record<string, unknown>).old, { tenant: 't1', number: 7 });
    assert.equal((ev!.data as Record<string, unknown>).row, null);
  });

  it('tables outside the capture yield nothing; truncates of captured tables yield one event each', () => {
    assert.deepEqual(changeEvents({ tag: 'insert', relation: other, new: { id: 1 } }, txn, 0, target), []);
    const evs = changeEvents({ tag: 'truncate', relations: [users, other] }, txn, 5, target);
    assert.deepEqual(evs.map((e) => [e.type, e.id]), [['db.users.truncated', '00000000/016B3748/5.0']]);
  });

  it('an outbox insert becomes the event it describes; its updates and deletes are ignored', () => {
    const row = { id: 'evt-9', type: 'order.paid', payload: { total: 3 }, aggregate: 'o-1' };
    const [ev] = changeEvents({ tag: 'insert', relation: outbox, new: row }, txn, 0, target);
    assert.deepEqual(ev, { specversion: '1.0', id: 'evt-9', source: '/sluice/outbox/app/public.outbox', type: 'order.paid', time: '2026-11-22T06:00:00.000Z', subject: 'o-1', datacontenttype: 'application/json', data: { total: 3 } });
    assert.deepEqual(changeEvents({ tag: 'update', relation: outbox, key: null, old: null, new: row }, txn, 1, target), []);
    assert.deepEqual(changeEvents({ tag: 'delete', relation: outbox, key: { id: 'evt-9' }, old: null }, txn, 2, target), []);
  });

  it('a text payload holding JSON is parsed; an outbox row without a type is kept as an invalid-row event, not dropped', () => {
    const [parsed] = changeEvents({ tag: 'insert', relation: outbox, new: { id: 1, type: 't', payload: '{"a":1}' } }, txn, 0, target);
    assert.deepEqual(parsed!.data, { a: 1 });
    const [bad] = changeEvents({ tag: 'insert', relation: outbox, new: { id: 2, type: null, payload: {} } }, txn, 4, target);
    assert.equal(bad!.type, INVALID_OUTBOX_ROW);
    assert.match(String((bad!.data as { problem: string }).problem), /string type/);
  });

  it('column values become JSON: bytea as base64, timestamps as ISO, big numbers kept as strings', () => {
    assert.deepEqual(jsonRow({ b: Buffer.from([1, 2]), t: new Date(Date.UTC(2026, 0, 1)), n: '9007199254740993', x: undefined, arr: [new Date(0)] }), {
      b: 'AQI=',
      t: '2026-01-01T00:00:00.000Z',
      n: '9007199254740993',
      x: null,
      arr: ['1970-01-01T00:00:00.000Z'],
    });
  });
});
