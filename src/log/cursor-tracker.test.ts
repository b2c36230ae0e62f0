import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CursorTracker } from './cursor-tracker.js';

function handedOut(from: number, positions: readonly number[]): CursorTracker {
  const t = new CursorTracker(from);
  for (const p of positions) t.handOut(p);
  return t;
}

describe('CursorTracker', () => {
  it('starts with the cursor and the read position where it was told', () => {
    const t = new CursorTracker(7);
    assert.equal(t.cursor, 7);
    assert.equal(t.readPos, 7);
    assert.equal(t.outstanding(), 0);
  });

  it('moves the cursor over settlements in order', () => {
    const t = handedOut(0, [1, 2, 3]);
    assert.equal(t.readPos, 3);
    assert.equal(t.outstanding(), 3);
    assert.equal(t.settle(1), true);
    assert.equal(t.cursor, 1);
    assert.equal(t.settle(2), true);
    assert.equal(t.settle(3), true);
    assert.equal(t.cursor, 3);
    assert.equal(t.outstanding(), 0);
  });

  it('settled out of order, the cursor waits for the gap and then jumps over the settled run', () => {
    const t = handedOut(0, [1, 2, 3, 4, 5]);
    assert.equal(t.settle(2), false);
    assert.equal(t.settle(4), false);
    assert.equal(t.settle(5), false);
    assert.equal(t.cursor, 0, 'an unsettled 1 holds the cursor');
    assert.equal(t.outstanding(), 2);
    assert.deepEqual([1, 2, 3, 4, 5].map((s) => t.isOutstanding(s)), [true, false, true, false, false]);

    assert.equal(t.settle(1), true);
    assert.equal(t.cursor, 2, 'over 1 and the already settled 2, stopping at 3');
    assert.equal(t.settle(3), true);
    assert.equal(t.cursor, 5);
    assert.equal(t.outstanding(), 0);
  });

  it('follows the positions handed out, gaps included', () => {
    const t = handedOut(10, [13, 20, 21, 40]);
    t.settle(21);
    t.settle(13);
    assert.equal(t.cursor, 13);
    t.settle(20);
    assert.equal(t.cursor, 21);
    assert.ok(t.isOutstanding(40));
    assert.ok(!t.isOutstanding(41), 'not handed out yet');
    t.settle(40);
    assert.equal(t.cursor, 40);
  });

  it('ignores settling twice and settling what is already behind the cursor', () => {
    const t = handedOut(5, [6, 7, 8]);
    assert.equal(t.settle(5), false, 'at the starting cursor');
    assert.equal(t.settle(3), false, 'behind the cursor');
    assert.equal(t.settle(7), false);
    assert.equal(t.settle(7), false, 'again');
    assert.equal(t.outstanding(), 2);
    t.settle(6);
    assert.equal(t.cursor, 7);
    assert.equal(t.settle(6), false, 'now behind the cursor');
    assert.equal(t.settle(8), true);
    assert.equal(t.cursor, 8);
    assert.equal(t.outstanding(), 0);
  });

  it('stays correct across compaction of a long run of settled positions', () => {
    const t = new CursorTracker(0);
    for (let s = 1; s <= 5000; s++) t.handOut(s);
    // Settle everything but 4000, in reverse order, then 4000.
    for (let s = 5000; s >= 1; s--) if (s !== 4000) t.settle(s);
    assert.equal(t.cursor, 3999);
    assert.equal(t.outstanding(), 1);
    t.handOut(5001);
    assert.equal(t.settle(4000), true);
    assert.equal(t.cursor, 5000);
    assert.ok(t.isOutstanding(5001));
    t.settle(5001);
    assert.equal(t.cursor, 5001);
    assert.equal(t.outstanding(), 0);
  });
});
