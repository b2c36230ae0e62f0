// UTC offsets of IANA time zones at any instant, from the tz database that ships with Node's ICU (Intl). Queries
// turn hourly UTC rows into local days, weeks and months with these offsets, so DST is followed as the zone does.
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MAX_CACHED_DAYS = 20_000;

export class TimeZone {
  private readonly format: Intl.DateTimeFormat | null;
  /** Per UTC day: the offset when it is the same at both ends of the day, else null (a transition that day). */
  private readonly days = new Map<number, number | null>();

  /** Throws a RangeError when the zone is not known. */
  constructor(readonly name: string) {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    this.format =
      canonical === 'UTC' || canonical === 'Etc/UTC'
        ? null
        : new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  }

  /** Minutes to add to UTC to get the local wall clock (e.g. 330 for Asia/Kolkata, −300 for New York in winter). */
  offsetMinutes(ms: number): number {
    if (this.format === null) return 0;
    const day = Math.floor(ms / DAY_MS);
    let constant = this.days.get(day);
    if (constant === undefined) {
      const start = this.exactOffset(day * DAY_MS);
      // Zones change offset at most a few times a year and never twice in one day, so equal ends mean no change.
      constant = start === this.exactOffset((day + 1) * DAY_MS - 1) ? start : null;
      if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
      this.days.set(day, constant);
    }
    return constant ?? this.exactOffset(ms);
  }

  private exactOffset(ms: number): number {
    const p: Record<string, number> = {};
    for (const part of this.format!.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return Math.round((wall - Math.floor(ms / 1000) * 1000) / MINUTE_MS);
  }
}

const zones = new Map<string, TimeZone>();

/** One TimeZone per name, so its cache of offsets serves every query. */
export function timeZone(name: string): TimeZone {
  let z = zones.get(name);
  if (z === undefined) {
    z = new TimeZone(name);
    if (zones.size > 1000) zones.clear();
    zones.set(name, z);
  }
  return z;
}

/** `2024-03-10T00:00:00-05:00`: a wall-clock time (given as if it were UTC) with the offset in force. */
export function formatLocal(wallMs: number, offsetMinutes: number): string {
  const base = new Date(wallMs).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${base}Z`;
  const abs = Math.abs(offsetMinutes);
  return `${base}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
