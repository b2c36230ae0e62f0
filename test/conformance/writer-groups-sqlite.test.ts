// How the SQLite log's writer groups writes into commits (src/backends/sqlite/writer-client.ts): writes no HTTP client
// waits on are held back while appends are arriving, to ride with the next append instead of costing an fsync alone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import { packedMessageId, packRecords } from '../../src/backends/sqlite/packed-records.js';
import { groupOps, type Pending } from '../../src/backends/sqlite/writer-client.js';

function record(id: string, body = '{}'): { source: string; messageId: string; type: string; receivedAt: number; body: string } {
  return { source: 'web', messageId: id, type: 'track', receivedAt: Date.now(), body };
}

/** A log in a fresh directory, removed after the test, that records each commit's writes and rows in `groups`. */
function openLog(t: TestContext): { log: SqliteLog; groups: { ops: number; rows: number }[]; newBuffers: number[]; packedEarly: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-groups-'));
  const groups: { ops: number; rows: number }[] = [];
  const newBuffers: number[] = [];
  const packedEarly: number[] = [];
  const log = new SqliteLog({
    path: join(dir, 'sluice.db'), dedupe_window_ms: 60_000, retention_ms: 60_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 1 << 20,
    onCommit: ({ ops, rows, newBuffers: n, packedEarly: early }) => {
      groups.push({ ops, rows });
      newBuffers.push(n);
      packedEarly.push(early);
    },
  });
  t.after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { log, groups, newBuffers, packedEarly };
}

test('under appends, a write without one waits for the next append and commits with it; alone, it commits at once', async (t) => {
  const { log, groups } = openLog(t);
  await log.append([record('a')]);
  groups.length = 0;

  // An append was just committed: the state write is held; the append 2 ms later takes it along.
  const state = log.setState('k', 'v');
  await new Promise((r) => setTimeout(r, 2));
  await Promise.all([state, log.append([record('b')])]);
  assert.deepEqual(groups, [{ ops: 2, rows: 1 }], 'one commit for both');

  // No append for a while: a state write is not held for one.
  await new Promise((r) => setTimeout(r, 100));
  groups.length = 0;
  const started = performance.now();
  await log.setState('k', 'w');
  assert.deepEqual(groups, [{ ops: 1, rows: 0 }]);
  assert.ok(performance.now() - started < 1_000, 'committed without waiting for an append that does not come');
});

test("the appends of one group commit together, each answered with its own records' positions, duplicates across them included", async (t) => {
  const { log, groups } = openLog(t);
  await log.append([record('first')]);
  groups.length = 0;

  // Issued in the same turn of the event loop: one group. 'x' repeats in the second and third requests and 'first'
  // repeats an earlier commit; a state write rides along between them.
  const [a, state, b, c] = await Promise.all([
    log.append([record('a1'), record('a2')]),
    log.setState('k', 'v'),
    log.append([record('x'), record('first'), record('b2')]),
    log.append([record('x'), record('c2')]),
  ]);
  assert.deepEqual(groups, [{ ops: 4, rows: 7 }], 'one commit for the three appends and the state write');
  assert.equal(state, undefined);
  assert.deepEqual(a, { seqs: [2, 3], stored: 2, duplicates: 0 });
  assert.deepEqual(b, { seqs: [4, null, 5], stored: 2, duplicates: 1 });
  assert.deepEqual(c, { seqs: [null, 6], stored: 1, duplicates: 1 });

  // Appends too large to travel as one op (the writer client packs up to 64 K body characters per op): still one
  // commit, each answered with its own positions, a duplicate across two ops found.
  groups.length = 0;
  const big = JSON.stringify({ pad: 'p'.repeat(40_000) });
  const [d, e, f] = await Promise.all([
    log.append([record('d1', big), record('d2')]),
    log.append([record('e1', big), record('d1', big)]),
    log.append([record('f1'), record('e1')]),
  ]);
  assert.deepEqual(groups, [{ ops: 3, rows: 6 }]);
  assert.deepEqual(d, { seqs: [7, 8], stored: 2, duplicates: 0 });
  assert.deepEqual(e, { seqs: [9, null], stored: 1, duplicates: 1 });
  assert.deepEqual(f, { seqs: [10, null], stored: 1, duplicates: 1 });

  const consumer = await log.consumer('check');
  const read = await consumer.read(100);
  assert.deepEqual(read.map((d) => [d.event.seq, d.event.messageId]), [[1, 'first'], [2, 'a1'], [3, 'a2'], [4, 'x'], [5, 'b2'], [6, 'c2'], [7, 'd1'], [8, 'd2'], [9, 'e1'], [10, 'f1']]);
  assert.equal(read.find((x) => x.event.messageId === 'e1')?.event.body, big);
  assert.equal(await log.getState('k'), 'v');
});

test('a group packs its appends into ops of up to 64 K body characters, appends first, and notes where each result is', () => {
  const pending = (records: ReturnType<typeof record>[] | null, op: Pending['op'] = null): Pending => ({
    op, records, packed: null, slab: null, rows: records?.length ?? 0, bytes: records?.reduce((n, r) => n + r.body.length, 0) ?? 0,
    resultOp: -1, resultAt: 0, resolve: () => {}, reject: () => {},
  });
  const big = 'b'.repeat(40_000);
  const group = [
    pending([record('s1'), record('s2')]),
    pending(null, { k: 'state', key: 'k', value: 'v' }),
    pending([record('s3')]),
    pending([record('big1', big)]),
    pending([record('big2', big), record('s4')]),
    pending([record('s5')]),
  ];
  const ops = groupOps(group);
  const packed = ops.map((o) => (o.k === 'append' ? (o as { packed: { n: number } }).packed.n : o.k));
  // Small appends share an op; the first 40 K one still fits the first op; the second starts a new one, and s5 rides
  // with it; the state write comes after the appends.
  assert.deepEqual(packed, [4, 3, 'state']);
  assert.deepEqual(group.map((p) => [p.resultOp, p.resultAt]), [[0, 0], [2, 0], [0, 2], [0, 3], [1, 0], [1, 2]]);
  // The packed copy is what travels: no pending append holds its records until the commit.
  assert.deepEqual(group.map((p) => p.records), [null, null, null, null, null, null]);
});

test('appends packed as they were queued share ops with the others, in order, each result where noted', () => {
  const big = 'b'.repeat(30_000);
  const pending = (records: ReturnType<typeof record>[], early: boolean): Pending => ({
    op: null, records: early ? null : records, packed: early ? packRecords(records, Buffer.allocUnsafe) : null, slab: null, rows: records.length,
    bytes: records.reduce((n, r) => n + r.body.length, 0), resultOp: -1, resultAt: 0, resolve: () => {}, reject: () => {},
  });
  const group = [
    pending([record('s1')], false),
    pending([record('big1', big), record('s2')], true),
    pending([record('s3'), record('s4')], false),
    pending([record('big2', big)], true),
    pending([record('big3', big)], true),
    pending([record('s5')], false),
  ];
  const ops = groupOps(group);
  const ids = ops.map((o) => {
    const p = (o as Extract<typeof o, { k: 'append' }>).packed;
    return Array.from({ length: p.n }, (_, i) => packedMessageId(p, i));
  });
  // big3 would take the first op past 64 K characters: it starts the second, and s5 rides with it.
  assert.deepEqual(ids, [['s1', 'big1', 's2', 's3', 's4', 'big2'], ['big3', 's5']]);
  assert.deepEqual(group.map((p) => [p.resultOp, p.resultAt]), [[0, 0], [0, 1], [0, 3], [0, 5], [1, 0], [1, 1]]);
  assert.deepEqual(group.map((p) => [p.records, p.packed]), Array.from({ length: 6 }, () => [null, null]), 'nothing held until the commit');
});

test('a request of 4 K body characters or more is packed as it is queued, a smaller one when its group is sent', async (t) => {
  const { log, groups, packedEarly } = openLog(t);
  await log.append([record('warm')]);
  groups.length = 0;
  packedEarly.length = 0;
  const large = JSON.stringify({ pad: 'l'.repeat(5_000) });
  const [small, big] = await Promise.all([log.append([record('small')]), log.append([record('big1', large), record('big2')])]);
  assert.deepEqual(groups, [{ ops: 2, rows: 3 }], 'one commit for both');
  assert.deepEqual(packedEarly, [1], 'only the large request was packed as it was queued');
  assert.deepEqual([small.seqs, big.seqs], [[2], [3, 4]]);
  const read = await (await log.consumer('check')).read(10);
  assert.equal(read.find((d) => d.event.messageId === 'big1')?.event.body, large);
});

test('bodies travel to the writer as UTF-8 bytes and are stored as the text they are, whatever their characters', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bodies-'));
  const path = join(dir, 'sluice.db');
  const log = new SqliteLog({ path, dedupe_window_ms: 60_000, retention_ms: 60_000, keep_rejects: 1000, maxRowsPerCommit: 10_000, maxQueuedBytes: 1 << 20 });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bodies = [
    '{"ascii":"plain"}',
    JSON.stringify({ wide: 'Été ✓ 東京 🚀', nul: '\u0000', escaped: '\ud800' }),
    '',
    JSON.stringify({ pad: 'é'.repeat(40_000) }), // past 64 K bytes (not characters): ops are cut by characters
    '{"after":"the big one"}',
  ];
  // Two requests in one group, as concurrent requests are.
  await Promise.all([log.append(bodies.slice(0, 3).map((b, i) => record(`m${i}`, b))), log.append(bodies.slice(3).map((b, i) => record(`m${i + 3}`, b)))]);
  await log.close();
  const db = new Database(path, { readonly: true });
  const rows = db.prepare('SELECT message_id, typeof(body) AS kind, body FROM events ORDER BY seq').all() as { message_id: string; kind: string; body: string }[];
  db.close();
  assert.deepEqual(rows.map((r) => r.kind), ['text', 'text', 'text', 'text', 'text']);
  assert.deepEqual(rows.map((r) => r.body), bodies.map((b) => b.replace('\ud800', '\ufffd')));
});

test('the buffers bodies travel in are reused group after group without mixing one group into another', async (t) => {
  const { log, groups, newBuffers } = openLog(t);
  const expected = new Map<string, string>();
  // Groups of different sizes, one after the other: each packs into buffers the writer handed back from earlier ones.
  for (let g = 0; g < 30; g++) {
    const requests = Array.from({ length: 1 + (g % 4) }, (_, r) =>
      Array.from({ length: 1 + ((g * 7 + r) % 5) }, (_, i) => {
        const id = `g${g}-r${r}-i${i}`;
        // Now and then a body larger than a spare buffer, which must get one of its own.
        const size = g % 10 === 5 && r === 0 && i === 0 ? 200_000 : ((g * 131 + i * 17) % 9) * 1000;
        const body = JSON.stringify({ id, pad: String.fromCharCode(97 + ((g + i) % 26)).repeat(size) });
        expected.set(id, body);
        return record(id, body);
      }),
    );
    await Promise.all(requests.map((rs) => log.append(rs)));
  }
  assert.ok(groups.length >= 30, 'one commit or more per round');
  // Each round's appends pack into buffers handed back by the round before; new ones only at first and for the
  // three bodies larger than a spare buffer (and the round after each, whose spare went with it).
  const made = newBuffers.reduce((a, b) => a + b, 0);
  assert.ok(made <= 12, `${made} body buffers allocated over ${groups.length} commits`);
  const consumer = await log.consumer('check');
  const read = await consumer.read(1000);
  assert.equal(read.length, expected.size);
  for (const d of read) assert.equal(d.event.body, expected.get(d.event.messageId), d.event.messageId);
});
