// How a store with daily counter rows beside the hourly ones sums a run of hours [from, to): whole UTC days from the
// daily rows, and the hours at the edges from the hourly rows — added, or, when an edge holds most of its UTC day,
// that whole day added and the few hours outside the range subtracted. A 30-day range in New York (days starting at
// 04:00 or 05:00 UTC) then reads 30 daily rows and ~10 hourly rows per key instead of ~720 hourly ones. Exact for any
// run of whole hours, so for every zone: periods are runs of hours (periods.ts), including in half-hour zones.
//
// Subtracting is only allowed where every row counts something (n ≥ 1): then a key's sum is 0 exactly when it has
// no row in the range, so the store can drop zero sums and answer as if it had read the hours. Revenue may hold
// zero or negative amounts, so it is only ever added.
import type { HourRange } from './store.js';

export const HOURS_PER_DAY = 24;

export interface DayCover {
  /** Whole UTC days [from, to) (days since the epoch) read from the daily rows; empty when from === to. */
  days: { from: number; to: number };
  /** Hour runs added, and subtracted, from the hourly rows. */
  plus: HourRange[];
  minus: HourRange[];
}

function run(from: number, to: number): HourRange[] {
  return from < to ? [{ from, to }] : [];
}

/** The cover of the hours [from, to) that reads the fewest hourly rows; `subtract` allows the day-minus-hours form. */
export function coverWithDays(from: number, to: number, subtract: boolean): DayCover {
  const firstDay = Math.floor(from / HOURS_PER_DAY);
  const lastDay = Math.floor((to - 1) / HOURS_PER_DAY);
  if (to <= from) return { days: { from: 0, to: 0 }, plus: [], minus: [] };
  if (firstDay === lastDay) {
    // Inside one UTC day: its hours, or the day less the hours around them.
    const around = HOURS_PER_DAY - (to - from);
    if (around === 0 || (subtract && around < to - from)) {
      return { days: { from: firstDay, to: firstDay + 1 }, plus: [], minus: [...run(firstDay * HOURS_PER_DAY, from), ...run(to, (firstDay + 1) * HOURS_PER_DAY)] };
    }
    return { days: { from: 0, to: 0 }, plus: [{ from, to }], minus: [] };
  }
  const plus: HourRange[] = [];
  const minus: HourRange[] = [];
  let daysFrom = firstDay + 1;
  let daysTo = lastDay;
  // The head: hours [from, end of firstDay); before it in the same day, from − start of firstDay hours.
  const headStart = firstDay * HOURS_PER_DAY;
  const headEnd = headStart + HOURS_PER_DAY;
  if (from === headStart) daysFrom = firstDay;
  else if (subtract && from - headStart < headEnd - from) {
    daysFrom = firstDay;
    minus.push({ from: headStart, to: from });
  } else plus.push({ from, to: headEnd });
  // The tail: hours [start of lastDay, to); after it in the same day, end of lastDay − to hours.
  const tailStart = lastDay * HOURS_PER_DAY;
  const tailEnd = tailStart + HOURS_PER_DAY;
  if (to === tailEnd) daysTo = lastDay + 1;
  else if (subtract && tailEnd - to < to - tailStart) {
    daysTo = lastDay + 1;
    minus.push({ from: to, to: tailEnd });
  } else plus.push({ from: tailStart, to });
  return { days: { from: daysFrom, to: daysTo }, plus, minus };
}
