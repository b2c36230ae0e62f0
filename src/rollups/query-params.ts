// The query API's parameters: one zod schema per query, the only definition of each parameter. The API validates
// with them and the OpenAPI document is generated from them. Times are resolved here into whole periods.
import { z } from 'zod';
import { EVENT_TYPES } from '../core/event.js';
import { SluiceError } from '../core/errors.js';
import { edgesAreExact, HOUR_MS, type Interval, INTERVALS, type Period, periodsBefore, periodsCovering } from './periods.js';
import { type TimeZone, timeZone } from './time-zone.js';

const RELATIVE = /^(\d+)(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS, w: 7 * 24 * HOUR_MS } as const;
/** Bounds the work of one query: hours scanned and points returned. */
export const MAX_RANGE_DAYS = 1_100;
export const MAX_POINTS = 10_000;

const time = (what: string, fallback: string) =>
  z
    .string()
    .regex(/^(\d+[mhdw]|now|\d{4}-\d{2}-\d{2}.*)$/, { error: `${what} must be an ISO 8601 time, "now", or a duration ago like 30m, 24h, 7d, 4w` })
    .optional()
    .describe(`${what[0]!.toUpperCase()}${what.slice(1)}: an ISO 8601 time, "now", or a duration ago (30m, 24h, 7d, 4w). Default ${fallback}.`);

const common = {
  since: time('since', '7d'),
  until: time('until', 'now'),
  interval: z
    .enum(INTERVALS, { error: `interval must be one of ${INTERVALS.join(', ')}` })
    .optional()
    .describe('Width of each point: hour, day, week (Monday first) or month, in `tz`. Default hour for ranges up to 48 hours, else day. The range is widened to whole intervals.'),
  tz: z.string().min(1).optional().describe('IANA time zone for day, week and month edges (e.g. Europe/Paris). Default UTC.'),
  source: z.string().min(1).optional().describe('Only events of this source (its configured name). Default all sources.'),
  compare: z.enum(['previous'], { error: 'compare must be "previous"' }).optional().describe('previous: add the same number of intervals just before the range.'),
};

const limit = (max: number, fallback: number) =>
  z.coerce
    .number({ error: `limit must be an integer from 1 to ${max}` })
    .int({ error: `limit must be an integer from 1 to ${max}` })
    .min(1, { error: `limit must be an integer from 1 to ${max}` })
    .max(max, { error: `limit must be an integer from 1 to ${max}` })
    .optional()
    .describe(`How many items, at most (1 to ${max}). Default ${fallback}.`);

const eventName = z.string().min(1).describe('Event name: a track event, or a page or screen name.');

export const QUERY_PARAMS = {
  count: z.strictObject({
    ...common,
    event: eventName.optional(),
    type: z.enum(EVENT_TYPES, { error: `type must be one of ${EVENT_TYPES.join(', ')}` }).optional().describe('Only messages of this type.'),
  }),
  uniques: z.strictObject(common),
  revenue: z.strictObject({ ...common, event: eventName.optional() }),
  'top-events': z.strictObject({ ...common, limit: limit(1000, 10) }),
  'top-pages': z.strictObject({ ...common, limit: limit(1000, 10) }),
  'top-referrers': z.strictObject({ ...common, limit: limit(1000, 10) }),
  campaigns: z.strictObject({ ...common, limit: limit(1000, 10) }),
  breakdown: z.strictObject({
    ...common,
    event: eventName,
    property: z.string().min(1).describe('The property the count is broken down by, as configured under rollups.breakdowns.'),
    limit: limit(10_000, 100),
  }),
} as const;

export type QueryKind = keyof typeof QUERY_PARAMS;
export type QueryParams<K extends QueryKind> = z.infer<(typeof QUERY_PARAMS)[K]>;

/** Parses a query string against a query's schema; the first problem becomes a 400 naming the parameter. */
export function parseParams<K extends QueryKind>(kind: K, raw: unknown): QueryParams<K> {
  return parseQueryString(QUERY_PARAMS[kind], raw) as QueryParams<K>;
}

/** Validates a query string with a strict zod object; the first problem becomes a SluiceError naming the parameter. */
export function parseQueryString<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const field = issue.keys[0]!;
    throw new SluiceError('invalid_field', `unknown parameter ${field}`, { field });
  }
  const field = String(issue.path[0] ?? '');
  if (issue.code === 'invalid_type' && (raw as Record<string, unknown> | undefined)?.[field] === undefined) {
    throw new SluiceError('missing_field', `${field} is required`, { field });
  }
  const message = issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  throw new SluiceError('invalid_field', message, { field });
}

/** The time part of a query, resolved: the periods to answer and, with compare=previous, those before them. */
export interface TimeFrame {
  interval: Interval;
  tz: string;
  zone: TimeZone;
  periods: Period[];
  previous: Period[] | null;
  /** False in zones whose offset is not whole hours: local edges are then rounded to hours (docs/rollups.md). */
  exactEdges: boolean;
}

export function parseTime(value: string | undefined, fallback: number, now: number, field: string): number {
  if (value === undefined) return fallback;
  if (value === 'now') return now;
  const rel = RELATIVE.exec(value);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new SluiceError('invalid_field', `${field} is not a valid time: ${value}`, { field });
  return t;
}

export function resolveTimeFrame(p: z.infer<z.ZodObject<typeof common>>, now: number): TimeFrame {
  const until = parseTime(p.until, now, now, 'until');
  const since = parseTime(p.since, now - 7 * UNIT_MS.d, now, 'since');
  if (since >= until) throw new SluiceError('invalid_field', 'since must be before until', { field: 'since' });
  if (until - since > MAX_RANGE_DAYS * UNIT_MS.d) throw new SluiceError('invalid_field', `the range may span at most ${MAX_RANGE_DAYS} days`, { field: 'since' });
  const tz = p.tz ?? 'UTC';
  let zone: TimeZone;
  try {
    zone = timeZone(tz);
  } catch {
    throw new SluiceError('invalid_field', `tz is not a known IANA time zone: ${tz}`, { field: 'tz' });
  }
  const interval: Interval = p.interval ?? (until - since <= 48 * HOUR_MS ? 'hour' : 'day');
  if ((until - since) / UNIT_MS[interval === 'hour' ? 'h' : 'd'] > MAX_POINTS) {
    throw new SluiceError('invalid_field', `more than ${MAX_POINTS} ${interval}s: choose a wider interval or a shorter range`, { field: 'interval' });
  }
  const periods = periodsCovering(since, until, interval, zone);
  const previous = p.compare === 'previous' ? periodsBefore(periods[0]!.from, periods.length, interval, zone) : null;
  const from = (previous ?? periods)[0]!.from;
  const exactEdges = edgesAreExact(from, periods[periods.length - 1]!.to, interval, zone);
  return { interval, tz, zone, periods, previous, exactEdges };
}
