import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogRecord } from '../../core/event.js';
import { mergePacked, packedBodyBytes, packedMessageId, packedReceivedAt, packedSource, packedTransfer, packRecords, packedType, type PackedRecords } from './packed-records.js';

function unpack(records: readonly LogRecord[], pack: (r: readonly LogRecord[]) => PackedRecords = packRecords): LogRecord[] {
  const p = pack(records);
  // What the writer thread receives: a structured clone, the bodies' buffer transferred.
  const q = structuredClone(p, { transfer: [packedTransfer(p)] });
  assert.equal(p.bodies.byteLength, 0, 'the bodies were moved, not copied');
  return Array.from({ length: q.n }, (_, i) => ({
    source: packedSource(q, i),
    messageId: packedMessageId(q, i),
    type: packedType(q, i),
    receivedAt: packedReceivedAt(q, i),
    body: Buffer.from(packedBodyBytes(q, i)).toString('utf8'),
  }));
}

describe('packRecords', () => {
  it('gives back every field of every record, shared or not, empty strings and non-ASCII included', () => {
    const records: LogRecord[] = [
      { source: 'web', messageId: 'a', type: 'track', receivedAt: 1, body: '{"x":"東京 🚀"}' },
      { source: 'ios', messageId: '', type: 'identify', receivedAt: 2, body: '' },
      { source: 'web', messageId: 'ü-3', type: 'page', receivedAt: 1, body: '{}' },
    ];
    assert.deepEqual(unpack(records), records);
  });

  it('sends a source and a receivedAt once when every record shares them', () => {
    const p = packRecords([
      { source: 'web', messageId: 'a', type: 'track', receivedAt: 5, body: '{}' },
      { source: 'web', messageId: 'b', type: 'track', receivedAt: 5, body: '{}' },
    ]);
    assert.equal(p.source, 'web');
    assert.equal(p.receivedAt, 5);
  });

  it('packs nothing into nothing', () => {
    assert.deepEqual(unpack([]), []);
  });
});

describe('mergePacked', () => {
  const records: LogRecord[] = [
    { source: 'web', messageId: 'a', type: 'track', receivedAt: 1, body: '{"x":"東京 🚀"}' },
    { source: 'web', messageId: 'b', type: 'page', receivedAt: 1, body: '' },
    { source: 'ios', messageId: 'ü-3', type: 'identify', receivedAt: 2, body: '{"y":1}' },
    { source: 'web', messageId: 'd', type: 'track', receivedAt: 1, body: JSON.stringify({ pad: 'é'.repeat(3000) }) },
  ];

  it('gives back every record of every pack in order, sources and times differing between packs', () => {
    // Packs from Buffer's shared pool too: the merge copies their bytes, whatever buffer they view.
    const merged = unpack(records, (r) => mergePacked([packRecords(r.slice(0, 2), Buffer.allocUnsafe), packRecords([]), packRecords(r.slice(2), Buffer.allocUnsafe)]));
    assert.deepEqual(merged, records);
  });

  it('sends a source and a receivedAt once when every pack shares them', () => {
    const same = records.filter((r) => r.source === 'web');
    const p = mergePacked([packRecords(same.slice(0, 1)), packRecords(same.slice(1))]);
    assert.equal(p.n, 3);
    assert.equal(p.source, 'web');
    assert.equal(p.receivedAt, 1);
  });
});
