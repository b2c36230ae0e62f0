import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readArchive } from './archive.js';
import { scanMembers } from './gzip-members.js';

const line = (n: number) => `${JSON.stringify({ messageId: `m-${n}`, n })}\n`;
const member = (from: number, to: number) => gzipSync(Array.from({ length: to - from }, (_, i) => line(from + i)).join(''));

describe('gzip members', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-gz-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('concatenated members are one valid gzip stream, and the walk finds each of them', () => {
    const a = member(0, 3);
    const b = member(3, 5);
    const file = Buffer.concat([a, b]);
    assert.equal(gunzipSync(file).toString(), [0, 1, 2, 3, 4].map(line).join(''));
    const scan = scanMembers(file);
    assert.equal(scan.damage, undefined);
    assert.equal(scan.validBytes, file.length);
    assert.deepEqual(scan.members.map((m) => m.toString()), [[0, 1, 2].map(line).join(''), [3, 4].map(line).join('')]);
  });

  it('a member cut short anywhere: the complete members before it are kept, validBytes ends at them', () => {
    const a = member(0, 2);
    const b = member(2, 50);
    for (const cut of [1, 5, 10, 11, Math.floor(b.length / 2), b.length - 8, b.length - 1]) {
      const scan = scanMembers(Buffer.concat([a, b.subarray(0, cut)]));
      assert.equal(scan.members.length, 1, `cut at ${cut}`);
      assert.equal(scan.validBytes, a.length);
      assert.ok(scan.damage !== undefined, `cut at ${cut}`);
    }
  });

  it('a tail of zeros or a corrupted trailer is damage, not data', () => {
    const a = member(0, 2);
    assert.match(scanMembers(Buffer.concat([a, Buffer.alloc(64)])).damage ?? '', /not a gzip member at byte/);
    const bad = Buffer.from(member(2, 4));
    bad.writeUInt32LE((bad.readUInt32LE(bad.length - 8) ^ 1) >>> 0, bad.length - 8);
    const scan = scanMembers(Buffer.concat([a, bad]));
    assert.match(scan.damage ?? '', /checksum mismatch/);
    assert.equal(scan.validBytes, a.length);
  });

  it('reads members whose header carries a file name (as the gzip tool writes)', () => {
    const plain = member(0, 2);
    const named = Buffer.concat([plain.subarray(0, 10), Buffer.from('events.ndjson\0'), plain.subarray(10)]);
    named[3] = (named[3] ?? 0) | 0x08;
    const scan = scanMembers(Buffer.concat([named, member(2, 3)]));
    assert.equal(scan.damage, undefined);
    assert.equal(scan.members.map((m) => m.toString()).join(''), [0, 1, 2].map(line).join(''));
  });

  it('readArchive: events of every complete member, a cut-short final member tolerated and reported', async () => {
    const a = member(0, 2);
    const b = member(2, 4);
    const path = join(dir, 'torn.ndjson.gz');
    await writeFile(path, Buffer.concat([a, b, member(4, 9).subarray(0, 20)]));
    assert.throws(() => gunzipSync(Buffer.concat([a, b, member(4, 9).subarray(0, 20)])), /unexpected end of file/);
    const archive = await readArchive(path);
    assert.deepEqual(archive.events.map((e) => e.n), [0, 1, 2, 3]);
    assert.equal(archive.complete, false);
    assert.equal(archive.validBytes, a.length + b.length);
    assert.equal(archive.totalBytes, a.length + b.length + 20);

    await writeFile(path, Buffer.concat([a, b]));
    const whole = await readArchive(path);
    assert.equal(whole.complete, true);
    assert.equal(whole.damage, undefined);
  });
});
