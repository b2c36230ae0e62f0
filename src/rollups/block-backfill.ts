// Builds the 6-hour sketches (sketch-cover.ts) of a store written before that level existed, from its hourly ones:
// both backends' migrations call it. Exact: a block's sketch is the merge of its hours, which is what the consumer
// writes for new hours, so queries answer the same before and after the migration.
import type { HourRange } from './store.js';
import { HyperLogLog } from './hll.js';
import { BLOCK_HOURS, blockOfHour } from './sketch-cover.js';

export interface StoredSketch {
  start: number;
  source: string;
  sketch: Uint8Array;
}

/** Hours read per step: bounded memory whatever the store's size (a month of one source's hours is ≤ 12 MB). */
const STEP_HOURS = 30 * 24;

/** Runs of hours covering [min, max] that start on block edges (so no block is split between two reads). */
export function backfillSteps(min: number, max: number): HourRange[] {
  const out: HourRange[] = [];
  for (let from = blockOfHour(min) * BLOCK_HOURS; from <= max; from += STEP_HOURS) out.push({ from, to: from + STEP_HOURS });
  return out;
}

/** One sketch per (source, 6-hour block) of the given hour sketches: the merge of that block's hours. */
export function blocksOfHours(hours: Iterable<StoredSketch>): StoredSketch[] {
  const blocks = new Map<string, { start: number; source: string; hll: HyperLogLog }>();
  for (const row of hours) {
    const start = blockOfHour(row.start);
    const key = `${row.source}\u0000${start}`;
    const block = blocks.get(key);
    if (block === undefined) blocks.set(key, { start, source: row.source, hll: HyperLogLog.fromBytes(row.sketch) });
    else block.hll.mergeBytes(row.sketch);
  }
  return [...blocks.values()].map((b) => ({ start: b.start, source: b.source, sketch: b.hll.toBytes() }));
}
