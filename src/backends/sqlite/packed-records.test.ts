import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogRecord } from '../../core/event.js';
import { packRecords, packedBody, packedMessageId, packedReceivedAt, packedSource, packedType } from './packed-records.js';

function unpack(records: readonly LogRecord[]): LogRecord[] {
  const p = packRecords(records);
  // What the writer thread receives: a structured clone.
  const q = structuredClone(p);
  return Array.from({ length: q.n }, (_, i) => ({
    source: packedSource(q, i),
    messageId: packedMessageId(q, i),
    type: packedType(q, i),
    receivedAt: packedReceivedAt(q, i),
    body: packedBody(q, i),
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
