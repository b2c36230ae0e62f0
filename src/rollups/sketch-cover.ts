// Which stored sketches make up a run of hours: whole UTC months where the run holds them, then whole UTC days, then
// whole 6-hour blocks (00:00, 06:00, 12:00, 18:00 UTC), then single hours. A local day in New York (04:00 or 05:00
// to 04:00 or 05:00 UTC) spans two UTC days, so no day sketch fits it, but three 6-hour blocks and 5 or 6 single
// hours do: 9 merges instead of 24. A local day in Kolkata (18:00 to 18:00 UTC, periods.ts) is four blocks; a local
// month is mostly whole UTC days. Merging the cover gives the same registers as merging every hour (merge is
// idempotent), so the answer is the same whichever levels are used.

export const SKETCH_LEVELS = ['hour', '6h', 'day', 'month'] as const;
export type SketchLevel = (typeof SKETCH_LEVELS)[number];

/** Hours in a '6h' block. 6 divides 24, so blocks never straddle a UTC day, and zone offsets mostly fall on them. */
export const BLOCK_HOURS = 6;

/** A stored sketch: `start` counts hours, 6-hour blocks, days or months since 1970-01 (UTC) depending on the level. */
export interface SketchKey {
  level: SketchLevel;
  start: number;
}

/** Hours since the epoch at which the month `month` (months since 1970-01) begins. */
export function monthStartHour(month: number): number {
  return Date.UTC(1970 + Math.floor(month / 12), ((month % 12) + 12) % 12, 1) / 3_600_000;
}

export function monthOfHour(hour: number): number {
  const d = new Date(hour * 3_600_000);
  return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
}

export function dayOfHour(hour: number): number {
  return Math.floor(hour / 24);
}

export function blockOfHour(hour: number): number {
  return Math.floor(hour / BLOCK_HOURS);
}

/** Every stored sketch an hour's users go into: its own, and its 6-hour block's, day's and month's. */
export function sketchKeysOfHour(hour: number): SketchKey[] {
  return [
    { level: 'hour', start: hour },
    { level: '6h', start: blockOfHour(hour) },
    { level: 'day', start: dayOfHour(hour) },
    { level: 'month', start: monthOfHour(hour) },
  ];
}

/** The fewest stored sketches whose hours are exactly [from, to). */
export function coverHours(from: number, to: number): SketchKey[] {
  const out: SketchKey[] = [];
  let h = from;
  while (h < to) {
    const month = monthOfHour(h);
    if (monthStartHour(month) === h && monthStartHour(month + 1) <= to) {
      out.push({ level: 'month', start: month });
      h = monthStartHour(month + 1);
    } else if (h % 24 === 0 && h + 24 <= to) {
      out.push({ level: 'day', start: h / 24 });
      h += 24;
    } else if (h % BLOCK_HOURS === 0 && h + BLOCK_HOURS <= to) {
      out.push({ level: '6h', start: h / BLOCK_HOURS });
      h += BLOCK_HOURS;
    } else {
      out.push({ level: 'hour', start: h });
      h += 1;
    }
  }
  return out;
}

/** The hours [from, to) a stored sketch stands for. */
export function hoursOf(key: SketchKey): [number, number] {
  if (key.level === 'hour') return [key.start, key.start + 1];
  if (key.level === '6h') return [key.start * BLOCK_HOURS, (key.start + 1) * BLOCK_HOURS];
  if (key.level === 'day') return [key.start * 24, key.start * 24 + 24];
  return [monthStartHour(key.start), monthStartHour(key.start + 1)];
}
