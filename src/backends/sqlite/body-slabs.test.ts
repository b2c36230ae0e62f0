import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodySlabs, SLAB_BYTES } from './body-slabs.js';

describe('BodySlabs', () => {
  it('carves requests one after another from a slab, never overlapping one still held', () => {
    const slabs = new BodySlabs(4);
    const a = slabs.take(100);
    const b = slabs.take(200);
    assert.equal(a.slab, b.slab);
    a.bytes.fill(1);
    b.bytes.fill(2);
    assert.ok(a.bytes.every((x) => x === 1), 'writing the second left the first alone');
    assert.equal(b.bytes.byteOffset, a.bytes.byteOffset + 100);
  });

  it('starts a slab again once everything carved from it is released, and reuses a full one from the free list', () => {
    const slabs = new BodySlabs(4);
    const half = SLAB_BYTES / 2;
    const a = slabs.take(half);
    const b = slabs.take(half);
    slabs.release(a.slab!);
    // The slab is full and still holds b: the next request needs another slab.
    const c = slabs.take(half);
    assert.notEqual(c.slab, a.slab);
    assert.equal(slabs.allocated, 2);
    slabs.release(b.slab!);
    // The first slab is empty and no longer current: it waits in the free list and comes back when c's slab fills.
    const d = slabs.take(half);
    assert.equal(d.slab, c.slab);
    const e = slabs.take(half);
    assert.equal(e.slab, a.slab, 'reused, not allocated');
    assert.equal(e.bytes.byteOffset, 0);
    assert.equal(slabs.allocated, 2);
  });

  it('keeps at most the given number of free slabs', () => {
    const slabs = new BodySlabs(1);
    const taken = Array.from({ length: 4 }, () => slabs.take(SLAB_BYTES));
    assert.equal(slabs.allocated, 4);
    for (const t of taken) slabs.release(t.slab!);
    // One is current and one is free; the other two were let go.
    slabs.take(SLAB_BYTES);
    slabs.take(SLAB_BYTES);
    assert.equal(slabs.allocated, 4);
    slabs.take(SLAB_BYTES);
    assert.equal(slabs.allocated, 5);
  });

  it('gives a request larger than a slab a buffer of its own', () => {
    const slabs = new BodySlabs(4);
    const big = slabs.take(SLAB_BYTES + 1);
    assert.equal(big.slab, null);
    assert.equal(big.bytes.byteLength, SLAB_BYTES + 1);
    assert.equal(slabs.allocated, 0);
  });
});
