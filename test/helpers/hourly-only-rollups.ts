// A reference rollup store for comparison tests: it answers every sketch level by merging the hourly sketches the
// level stands for, as if only hours were stored. The stores' coarser sketches (6-hour blocks, days, months) must
// give the same answers as this, for any range in any zone.
import { HyperLogLog } from '../../src/rollups/hll.js';
import { MemoryRollupStore } from '../../src/rollups/memory-store.js';
import { hoursOf, type SketchLevel } from '../../src/rollups/sketch-cover.js';

export class HourlyOnlyRollupStore extends MemoryRollupStore {
  /** How many coarse sketches were asked for: a comparison that never needed one would prove nothing. */
  coarseReads = 0;

  override async sketches(level: SketchLevel, from: number, to: number, source?: string): Promise<{ start: number; sketch: Uint8Array }[]> {
    if (level === 'hour') return super.sketches('hour', from, to, source);
    const out: { start: number; sketch: Uint8Array }[] = [];
    for (let start = from; start < to; start++) {
      const [a, b] = hoursOf({ level, start });
      // One sketch for all sources' hours: the query merges whatever it is given, so the registers are the same.
      const hours = await super.sketches('hour', a, b, source);
      if (hours.length > 0) out.push({ start, sketch: hours.reduce((hll, h) => hll.mergeBytes(h.sketch), new HyperLogLog()).toBytes() });
      this.coarseReads++;
    }
    return out;
  }
}
