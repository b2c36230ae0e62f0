// What both backends' migration tests store in a schema from before 6-hour sketches, and check afterwards: hourly
// sketches only (sparse and dense, two sources, an hour before 1970), and then one 6-hour sketch per (source, block)
// that has hours, each exactly the merge of its hours.
import assert from 'node:assert/strict';
import { HyperLogLog } from '../../src/rollups/hll.js';
import type { RollupStore, SketchUpdate } from '../../src/rollups/store.js';

export function users(prefix: string, n: number): HyperLogLog {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`).reduce((h, id) => h.add(id), new HyperLogLog());
}

export interface OldHours {
  /** The first hour of the block most hours fall in (blockStart / 6 is the block). */
  blockStart: number;
  hours: { start: number; source: string; hll: HyperLogLog }[];
  sketches: SketchUpdate[];
}

/** `blockStart` must be a multiple of 6: the hours fill that block and the next. */
export function oldHours(blockStart: number): OldHours {
  assert.equal(blockStart % 6, 0);
  const hours = [
    { start: blockStart, source: 'web', hll: users('a', 3) },
    { start: blockStart + 5, source: 'web', hll: users('b', 20_000) },
    { start: blockStart + 6, source: 'web', hll: users('a', 2) },
    { start: blockStart + 1, source: 'ios', hll: users('c', 7) },
    { start: -1, source: 'web', hll: users('d', 1) },
  ];
  return { blockStart, hours, sketches: hours.map((h) => ({ level: 'hour', start: h.start, source: h.source, sketch: h.hll.toBytes() })) };
}

export function merged(...hs: HyperLogLog[]): Uint8Array[] {
  return [hs.reduce((a, h) => a.merge(h), new HyperLogLog()).registers];
}

export async function blockRegisters(store: RollupStore, start: number, source: string): Promise<Uint8Array[]> {
  return (await store.sketches('6h', start, start + 1, source)).map((s) => HyperLogLog.fromBytes(s.sketch).registers);
}

export async function assertBlocksBuilt(store: RollupStore, old: OldHours): Promise<void> {
  const block = old.blockStart / 6;
  const h = old.hours.map((x) => x.hll);
  assert.deepEqual(await blockRegisters(store, block, 'web'), merged(h[0]!, h[1]!));
  assert.deepEqual(await blockRegisters(store, block + 1, 'web'), merged(h[2]!));
  assert.deepEqual(await blockRegisters(store, block, 'ios'), merged(h[3]!));
  assert.deepEqual(await blockRegisters(store, -1, 'web'), merged(h[4]!));
  assert.equal((await store.sketches('6h', -100, block + 100)).length, 4, 'one per (source, block) that has hours, no more');
}
