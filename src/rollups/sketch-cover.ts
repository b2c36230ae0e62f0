// Which stored sketches make up a run of hours: whole UTC months where the run holds them, then whole UTC days, then
// single hours. A local day in New York or Kolkata spans two UTC days, so it is mostly hours; a local month is
// mostly whole UTC days. Merging the cover gives the same registers as merging every hour (merge is idempotent).

export const SKETCH_LEVELS = ['hour', 'day', 'month'] as const;
export type SketchLevel = (typeof SKETCH_LEVELS)[number];

/** A stored sketch: `start` counts hours, days or months since 1970-01 (UTC) depending on the level. */
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
  if (key.level === 'day') return [key.start * 24, key.start * 24 + 24];
  return [monthStartHour(key.start), monthStartHour(key.start + 1)];
}
