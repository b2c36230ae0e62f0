import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DedupeIndex, fingerprint, type StoredPair } from './dedupe-index.js';

function indexOver(stored: Map<number, StoredPair>, windowMs = 1000, now = 0): DedupeIndex {
  return new DedupeIndex(windowMs, (seq) => stored.get(seq), now);
}

test('finds what was added, across growth of the table', () => {
  const stored = new Map<number, StoredPair>();
  const idx = indexOver(stored);
  for (let i = 1; i <= 20_000; i++) {
    const p = { source: i % 2 ? 'web' : 'api', messageId: `m-${i}` };
    assert.equal(idx.has(p.source, p.messageId), false);
    stored.set(i, p);
    idx.add(p.source, p.messageId, i);
  }
  assert.equal(idx.size, 20_000);
  for (let i = 1; i <= 20_000; i += 997) assert.ok(idx.has(i % 2 ? 'web' : 'api', `m-${i}`));
  assert.equal(idx.has('web', 'm-2'), false, 'the same messageId from another source is another event');
});

test('a fingerprint collision never makes a new event a duplicate: matches are confirmed against the log', () => {
  // Find two different pairs with the same fingerprint.
  const seen = new Map<number, string>();
  let a = '';
  let b = '';
  for (let i = 0; !b; i++) {
    const id = `c-${i}`;
    const fp = fingerprint('web', id);
    const other = seen.get(fp);
    if (other !== undefined) [a, b] = [other, id];
    else seen.set(fp, id);
  }
  const stored = new Map<number, StoredPair>([[1, { source: 'web', messageId: a }]]);
  const idx = indexOver(stored);
  idx.add('web', a, 1);
  assert.equal(fingerprint('web', a), fingerprint('web', b));
  assert.equal(idx.has('web', b), false);
  assert.equal(idx.has('web', a), true);
});

test('a pair is remembered at least one window and forgotten after two', () => {
  const stored = new Map<number, StoredPair>([[1, { source: 's', messageId: 'x' }]]);
  const idx = indexOver(stored, 1000, 0);
  idx.add('s', 'x', 1);
  idx.rotateIfDue(999);
  assert.ok(idx.has('s', 'x'));
  idx.rotateIfDue(1000);
  assert.ok(idx.has('s', 'x'), 'still there in the previous generation');
  idx.rotateIfDue(2000);
  assert.equal(idx.has('s', 'x'), false);
});

test('after two idle windows a single rotation forgets everything', () => {
  const stored = new Map<number, StoredPair>([[1, { source: 's', messageId: 'x' }]]);
  const idx = indexOver(stored, 1000, 0);
  idx.add('s', 'x', 1);
  idx.rotateIfDue(2500);
  assert.equal(idx.has('s', 'x'), false);
});

test('positions four billion apart are kept exactly: the generation that cannot hold the offset ends early', () => {
  const far = 2 ** 32 + 5;
  const stored = new Map<number, StoredPair>([
    [1, { source: 's', messageId: 'near' }],
    [far, { source: 's', messageId: 'far' }],
  ]);
  const idx = indexOver(stored);
  idx.add('s', 'near', 1);
  idx.add('s', 'far', far);
  assert.ok(idx.has('s', 'near'), 'the first generation is still looked up');
  assert.ok(idx.has('s', 'far'), 'the far position is read back exactly, not modulo 2^32');
  assert.equal(idx.has('s', 'other'), false);
});

test('a growth is moved a few entries per add, and every pair is found while it is', () => {
  // The whole table moved inside one add stalled every commit: 171 ms at 6.3 million events, doubling each growth.
  const stored = new Map<number, StoredPair>();
  const idx = indexOver(stored);
  const add = (i: number): void => {
    const p = { source: 'web', messageId: `g-${i}` };
    stored.set(i, p);
    idx.add(p.source, p.messageId, i);
  };
  let i = 0;
  while (!idx.moving.current) add(++i);
  const grownAt = i;
  assert.ok(grownAt > 3000, `the first growth comes at 3/4 of 4,096 slots (came after ${grownAt} adds)`);
  let movingFor = 0;
  while (idx.moving.current) {
    add(++i);
    movingFor++;
    // Lookups in the middle of the move: pairs added before the growth, the one just added, and one never added.
    assert.ok(idx.has('web', `g-${1 + ((i * 7919) % grownAt)}`), `pair ${i}: an older pair is found mid-move`);
    assert.ok(idx.has('web', `g-${i}`));
    assert.equal(idx.has('web', `g-x${i}`), false);
  }
  assert.ok(movingFor > 100, `the move was spread over ${movingFor} adds, not done in one`);
  for (let j = 1; j <= i; j++) assert.ok(idx.has('web', `g-${j}`), `pair ${j} is found once the move is done`);
  assert.equal(idx.size, i);
});

test('a generation retired in the middle of a move finishes it as new pairs are added, and is still looked up', () => {
  const stored = new Map<number, StoredPair>();
  const idx = indexOver(stored, 1000, 0);
  let i = 0;
  const add = (): void => {
    i++;
    const p = { source: 'web', messageId: `r-${i}` };
    stored.set(i, p);
    idx.add(p.source, p.messageId, i);
  };
  while (!idx.moving.current) add();
  idx.rotateIfDue(1000);
  assert.deepEqual(idx.moving, { current: false, previous: true }, 'the rotation came in the middle of the move');
  const retiredUpTo = i;
  while (idx.moving.previous) {
    add();
    assert.ok(idx.has('web', `r-${1 + ((i * 7919) % retiredUpTo)}`), 'a pair of the retired generation is found mid-move');
    assert.ok(i < retiredUpTo * 4, 'the retired generation finishes its move');
  }
  for (let j = 1; j <= i; j++) assert.ok(idx.has('web', `r-${j}`), `pair ${j} is found`);
});

test('an outgrown table and a forgotten generation give their memory back at once, not at a full collection', (t) => {
  // Memory is given back by transferring the arrays' buffers (dedupe-index.ts): watch which buffers go.
  const given: ArrayBuffer[] = [];
  const original = globalThis.structuredClone;
  globalThis.structuredClone = ((value: unknown, options?: StructuredSerializeOptions) => {
    for (const b of options?.transfer ?? []) given.push(b as ArrayBuffer);
    return original(value, options);
  }) as typeof structuredClone;
  t.after(() => (globalThis.structuredClone = original));

  const stored = new Map<number, StoredPair>();
  const idx = indexOver(stored, 1000, 0);
  let seq = 0;
  const add = (): void => {
    seq++;
    stored.set(seq, { source: 'web', messageId: `m-${seq}` });
    idx.add('web', `m-${seq}`, seq);
  };
  // The first table (4,096 slots) grows at 3/4 full; its entries move 8 slots per add, 512 adds.
  while (!idx.moving.current) add();
  assert.equal(given.length, 0, 'nothing given back while the move goes on');
  while (idx.moving.current) add();
  assert.deepEqual(given.map((b) => b.byteLength), [0, 0], 'the outgrown arrays, detached');
  // Still finds what the outgrown table held.
  assert.ok(idx.has('web', 'm-1'));

  // Two rotations: the first generation is forgotten, and its arrays go with it.
  given.length = 0;
  idx.rotateIfDue(1000);
  assert.equal(given.length, 2, 'the empty previous generation');
  idx.rotateIfDue(2000);
  assert.equal(given.length, 4, 'then the generation that held the pairs');
  assert.equal(idx.has('web', 'm-1'), false);
});
