// Finding the bad rows of a batch that Postgres refused as a whole: split it in halves and insert each, down to
// single rows. The good rows end up inserted; a single row that is still refused is a permanent failure. Costs
// about 2·k·log2(n) statements for k bad rows in n, and nothing when the batch is clean.
import type { EventFailure } from '../../core/destination.js';
import { classify, describeError } from './errors.js';

/** Inserts the rows at these batch indexes, in one statement: all of them or none. */
export type InsertRows = (indexes: readonly number[]) => Promise<void>;

/** Inserts what can be inserted; returns the indexes that were not, in order. */
export async function insertIsolating(indexes: readonly number[], insert: InsertRows): Promise<EventFailure[]> {
  try {
    await insert(indexes);
    return [];
  } catch (err) {
    const reason = describeError(err);
    if (classify(err) === 'retry') return indexes.map((index) => ({ index, permanent: false, reason }));
    if (indexes.length === 1) return [{ index: indexes[0] as number, permanent: true, reason }];
    const mid = Math.ceil(indexes.length / 2);
    const left = await insertIsolating(indexes.slice(0, mid), insert);
    // The database became unavailable halfway: leave the rest for the retry instead of hammering it.
    if (left.some((f) => !f.permanent)) {
      const stopped = left.find((f) => !f.permanent)?.reason ?? reason;
      return [...left, ...indexes.slice(mid).map((index) => ({ index, permanent: false, reason: stopped }))];
    }
    return [...left, ...(await insertIsolating(indexes.slice(mid), insert))];
  }
}
