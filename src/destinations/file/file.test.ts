// The file destination against real files in a temporary directory.
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DestinationContext, OutgoingEvent } from '../../core/destination.js';
import { create, readArchive, schema, type } from './index.js';
import { scanMembers } from './gzip-members.js';
import { archivePath, hourOf } from './partition.js';

const NOW = Date.parse('2024-05-01T15:30:00Z');
const warnings: object[] = [];
const ctx: DestinationContext = {
  log: { info() {}, warn: (o) => warnings.push(o), error() {} },
  now: () => NOW,
};

let n = 0;
function ev(receivedAt: string, extra: Record<string, unknown> = {}): OutgoingEvent {
  n++;
  return { seq: n, messageId: `m-${n}`, source: 'web', doc: { type: 'track', messageId: `m-${n}`, event: 'E', context: {}, timestamp: receivedAt, receivedAt, ...extra } };
}

describe('file destination', () => {
  let root: string;
  let dirNo = 0;
  const freshDir = () => join(root, `d${++dirNo}`);
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-file-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('exports its type and a strict schema with defaults', () => {
    assert.equal(type, 'file');
    assert.deepEqual(schema.parse({ directory: '/x' }), { directory: '/x', prefix: '', partition_by: 'received_at' });
    assert.equal(schema.safeParse({ directory: '/x', batch: {} }).success, false);
    assert.equal(schema.safeParse({ directory: '/x', prefix: '../up' }).success, false);
    assert.equal(schema.safeParse({}).success, false);
  });

  it('docs/destinations.md documents every option', async () => {
    const docs = await readFile(new URL('../../../docs/destinations.md', import.meta.url), 'utf8');
    const section = docs.split(/^## /m).find((s) => s.startsWith('file\n')) ?? '';
    for (const key of Object.keys(schema.shape)) assert.match(section, new RegExp(`^\\| \`${key}[.\`]`, 'm'), key);
  });

  it('hours: UTC hour of receivedAt, or of timestamp / CloudEvent time; the archiving hour when there is none', () => {
    const doc = { receivedAt: '2024-05-01T23:59:59.999+02:00', timestamp: '2024-04-30T08:00:00Z' };
    assert.equal(hourOf(doc, 'received_at', NOW), '2024-05-01T21');
    assert.equal(hourOf(doc, 'timestamp', NOW), '2024-04-30T08');
    assert.equal(hourOf({ specversion: '1.0', time: '2024-02-03T04:05:06Z' }, 'timestamp', NOW), '2024-02-03T04');
    assert.equal(hourOf({ specversion: '1.0' }, 'received_at', NOW), '2024-05-01T15');
    assert.equal(hourOf({ receivedAt: 'not a time' }, 'received_at', NOW), '2024-05-01T15');
    assert.equal(archivePath('/a/b/', 'web-', '2024-05-01T21'), '/a/b/2024/05/01/web-events-2024-05-01T21.ndjson.gz');
  });

  it('a batch over two hours: one file per hour, events in order, each file a valid gzip stream', async () => {
    const directory = freshDir();
    const d = create(schema.parse({ directory, prefix: 'web-' }), ctx);
    const batch = [ev('2024-05-01T10:59:59Z'), ev('2024-05-01T11:00:00Z'), ev('2024-05-01T10:00:00Z'), ev('2024-05-01T11:30:00Z')];
    assert.deepEqual(await d.send(batch, new AbortController().signal), { kind: 'ok' });
    assert.deepEqual(await readdir(join(directory, '2024', '05', '01')), ['web-events-2024-05-01T10.ndjson.gz', 'web-events-2024-05-01T11.ndjson.gz']);
    const ten = await readArchive(join(directory, '2024/05/01/web-events-2024-05-01T10.ndjson.gz'));
    const eleven = await readArchive(join(directory, '2024/05/01/web-events-2024-05-01T11.ndjson.gz'));
    assert.deepEqual(ten.events, [batch[0]?.doc, batch[2]?.doc]);
    assert.deepEqual(eleven.events, [batch[1]?.doc, batch[3]?.doc]);
    assert.equal(ten.complete && eleven.complete, true);
    await d.close?.();
  });

  it('each send appends one gzip member; gunzip reads the concatenation whole', async () => {
    const directory = freshDir();
    const d = create(schema.parse({ directory }), ctx);
    const sends = [[ev('2024-05-01T12:01:00Z'), ev('2024-05-01T12:02:00Z')], [ev('2024-05-01T12:03:00Z')], [ev('2024-05-01T12:04:00Z')]];
    for (const batch of sends) assert.equal((await d.send(batch, new AbortController().signal)).kind, 'ok');
    const path = join(directory, '2024/05/01/events-2024-05-01T12.ndjson.gz');
    const raw = await readFile(path);
    assert.equal(scanMembers(raw).members.length, 3);
    const lines = gunzipSync(raw).toString().trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(lines, sends.flat().map((e) => e.doc));
  });

  it('partition_by timestamp files by when the event happened', async () => {
    const directory = freshDir();
    const d = create(schema.parse({ directory, partition_by: 'timestamp' }), ctx);
    const late = ev('2024-05-01T12:00:00Z', { timestamp: '2024-04-29T22:10:00Z' });
    assert.equal((await d.send([late], new AbortController().signal)).kind, 'ok');
    assert.deepEqual((await readArchive(join(directory, '2024/04/29/events-2024-04-29T22.ndjson.gz'))).events, [late.doc]);
  });

  it('concurrent sends to one hour never interleave: every member stays whole', async () => {
    const directory = freshDir();
    const d = create(schema.parse({ directory }), ctx);
    const batches = Array.from({ length: 8 }, () => Array.from({ length: 50 }, () => ev('2024-05-01T13:00:00Z', { pad: 'x'.repeat(500) })));
    const results = await Promise.all(batches.map((b) => d.send(b, new AbortController().signal)));
    assert.ok(results.every((r) => r.kind === 'ok'));
    const archive = await readArchive(join(directory, '2024/05/01/events-2024-05-01T13.ndjson.gz'));
    assert.equal(archive.complete, true);
    assert.deepEqual(new Set(archive.events.map((e) => e.messageId)), new Set(batches.flat().map((e) => e.messageId)));
  });

  it('after a crash mid-write: readers skip the cut-short member; the next process cuts it off before appending', async () => {
    const directory = freshDir();
    const before = [ev('2024-05-01T14:00:00Z'), ev('2024-05-01T14:10:00Z')];
    assert.equal((await create(schema.parse({ directory }), ctx).send(before, new AbortController().signal)).kind, 'ok');
    const path = join(directory, '2024/05/01/events-2024-05-01T14.ndjson.gz');
    // The crash: half of the next member reached the disk, and the send was never acknowledged.
    const torn = [ev('2024-05-01T14:20:00Z'), ev('2024-05-01T14:30:00Z')];
    const tornMember = gzipSync(torn.map((e) => `${JSON.stringify(e.doc)}\n`).join(''));
    await appendFile(path, tornMember.subarray(0, Math.floor(tornMember.length / 2)));
    const damaged = await readArchive(path);
    assert.equal(damaged.complete, false);
    assert.deepEqual(damaged.events, before.map((e) => e.doc));

    // A new process; the runner resends the unacknowledged batch.
    warnings.length = 0;
    const restarted = create(schema.parse({ directory }), ctx);
    assert.equal((await restarted.send(torn, new AbortController().signal)).kind, 'ok');
    const repaired = await readArchive(path);
    assert.equal(repaired.complete, true);
    assert.deepEqual(repaired.events, [...before, ...torn].map((e) => e.doc));
    assert.equal(warnings.length, 1);
    assert.ok(gunzipSync(await readFile(path)).length > 0, 'plain gunzip reads the repaired file');
  });

  it('a batch sent again (at least once) is archived twice; messageId tells the copies apart', async () => {
    const directory = freshDir();
    const d = create(schema.parse({ directory }), ctx);
    const batch = [ev('2024-05-01T16:00:00Z'), ev('2024-05-01T16:05:00Z')];
    await d.send(batch, new AbortController().signal);
    await d.send(batch, new AbortController().signal);
    const { events } = await readArchive(join(directory, '2024/05/01/events-2024-05-01T16.ndjson.gz'));
    assert.equal(events.length, 4);
    assert.equal(new Set(events.map((e) => e.messageId)).size, 2);
  });

  it('a file that cannot be written: its events retry, the other hours are written (partial)', async () => {
    const directory = freshDir();
    // A directory where the 18:00 file should be makes opening it fail.
    await mkdir(join(directory, '2024/05/01/events-2024-05-01T18.ndjson.gz'), { recursive: true });
    const d = create(schema.parse({ directory }), ctx);
    const batch = [ev('2024-05-01T17:00:00Z'), ev('2024-05-01T18:00:00Z'), ev('2024-05-01T17:30:00Z'), ev('2024-05-01T18:30:00Z')];
    const r = await d.send(batch, new AbortController().signal);
    assert.equal(r.kind, 'partial');
    assert.deepEqual(r.failures.map((f) => [f.index, f.permanent]), [[1, false], [3, false]]);
    assert.match(r.failures[0]?.reason ?? '', /EISDIR/);
    assert.deepEqual((await readArchive(join(directory, '2024/05/01/events-2024-05-01T17.ndjson.gz'))).events, [batch[0]?.doc, batch[2]?.doc]);

    const all = await d.send([batch[1] as OutgoingEvent], new AbortController().signal);
    assert.equal(all.kind, 'retry');
  });
});
