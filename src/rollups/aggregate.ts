// Folds a batch of log events into the increments the store applies at once: counters summed per key, one
// HyperLogLog per (source, hour), and the same users merged per 6-hour block, UTC day and month (sketch-cover.ts). Pure: same events, same batch.
import { type LoggedEvent, type TrackingEvent, isEventType } from '../core/event.js';
import { forEachInSlices } from '../log/slices.js';
import type { BreakdownConfig } from './config.js';
import { campaignOf, eventHour, eventName, pagePath, propertyLabel, referrerHost, revenueOf, userOf } from './extract.js';
import { HLL_PRECISION, HyperLogLog } from './hll.js';
import { type SketchLevel, sketchKeysOfHour } from './sketch-cover.js';
import { type BreakdownIncrement, type CounterIncrement, type CounterMetric, REVENUE_SCALE, type RollupBatch, type SketchUpdate } from './store.js';

/** The stored event when it is a Segment message (the CloudEvents gateway's events are not counted). */
export function segmentEvent(e: LoggedEvent): TrackingEvent | null {
  if (!isEventType(e.type)) return null;
  try {
    const parsed = JSON.parse(e.body) as unknown;
    return typeof parsed === 'object' && parsed !== null && isEventType((parsed as { type?: unknown }).type) ? (parsed as TrackingEvent) : null;
  } catch {
    return null;
  }
}

class Batch {
  readonly counters = new Map<string, CounterIncrement>();
  readonly breakdowns = new Map<string, BreakdownIncrement>();
  readonly sketches = new Map<string, { level: SketchLevel; start: number; source: string; hll: HyperLogLog }>();

  constructor(private readonly precision: number) {}

  count(metric: CounterMetric, hour: number, source: string, n: number, k1: string, k2 = '', k3 = ''): void {
    const key = [metric, hour, source, k1, k2, k3].join('\u0000');
    const row = this.counters.get(key);
    if (row === undefined) this.counters.set(key, { metric, hour, source, k1, k2, k3, n });
    else row.n += n;
  }

  breakdown(b: BreakdownConfig, hour: number, source: string, value: string | null): void {
    const key = [hour, source, b.event, b.property, value ?? '\u0000'].join('\u0000');
    const row = this.breakdowns.get(key);
    if (row === undefined) this.breakdowns.set(key, { hour, source, event: b.event, property: b.property, value, maxValues: b.max_values, n: 1 });
    else row.n++;
  }

  sketch(level: SketchLevel, start: number, source: string): HyperLogLog {
    const key = `${level}\u0000${start}\u0000${source}`;
    let s = this.sketches.get(key);
    if (s === undefined) {
      s = { level, start, source, hll: new HyperLogLog(this.precision) };
      this.sketches.set(key, s);
    }
    return s.hll;
  }

}

export interface AggregateOptions {
  breakdowns: readonly BreakdownConfig[];
  precision?: number;
}

/** Everything a run of consecutive log events adds to the rollups. `events` must be non-empty and in log order. */
export function aggregate(events: readonly LoggedEvent[], opts: AggregateOptions): RollupBatch {
  const folding = new Folding(opts);
  for (const e of events) folding.add(e);
  return folding.finish(events);
}

/** The same as aggregate(), yielding to the event loop between slices of events (log/slices.ts says why). */
export async function aggregateInSlices(events: readonly LoggedEvent[], opts: AggregateOptions): Promise<RollupBatch> {
  const folding = new Folding(opts);
  await forEachInSlices(events, (e) => folding.add(e));
  return folding.finish(events);
}

class Folding {
  private readonly batch: Batch;
  private readonly breakdownsOf = new Map<string, BreakdownConfig[]>();
  // Users per (source, hour): hashing each distinct id once per batch, not once per event.
  private readonly users = new Map<string, { source: string; hour: number; ids: Set<string> }>();

  constructor(opts: AggregateOptions) {
    this.batch = new Batch(opts.precision ?? HLL_PRECISION);
    for (const b of opts.breakdowns) this.breakdownsOf.set(b.event, [...(this.breakdownsOf.get(b.event) ?? []), b]);
  }

  add(logged: LoggedEvent): void {
    const { batch } = this;
    const e = segmentEvent(logged);
    if (e === null) return;
    const source = logged.source;
    const hour = eventHour(e, logged.receivedAt);
    const name = eventName(e);
    batch.count('events', hour, source, 1, e.type, name);

    if (e.type === 'page') {
      const path = pagePath(e);
      if (path !== undefined) batch.count('pages', hour, source, 1, path);
      const host = referrerHost(e);
      if (host !== undefined) batch.count('referrers', hour, source, 1, host);
      const campaign = campaignOf(e);
      if (campaign !== undefined) batch.count('campaigns', hour, source, 1, campaign);
    }

    const revenue = revenueOf(e);
    if (revenue !== undefined) batch.count('revenue', hour, source, Math.round(revenue * REVENUE_SCALE), name);

    if (name !== '') for (const b of this.breakdownsOf.get(name) ?? []) batch.breakdown(b, hour, source, propertyLabel(e, b.property));

    const user = userOf(e);
    if (user !== undefined) {
      const key = `${source}\u0000${hour}`;
      let u = this.users.get(key);
      if (u === undefined) this.users.set(key, (u = { source, hour, ids: new Set() }));
      u.ids.add(user);
    }
  }

  /** The batch of everything added; `events` is the run that was added, for its first and last position. */
  finish(events: readonly LoggedEvent[]): RollupBatch {
    const { batch } = this;
    for (const { source, hour, ids } of this.users.values()) {
      const h = batch.sketch('hour', hour, source);
      for (const id of ids) h.add(id);
      for (const key of sketchKeysOfHour(hour)) if (key.level !== 'hour') batch.sketch(key.level, key.start, source).merge(h);
    }
    const sketches: SketchUpdate[] = [...batch.sketches.values()].map(({ level, start, source, hll }) => ({ level, start, source, sketch: hll.toBytes() }));
    return {
      firstSeq: events[0]!.seq,
      lastSeq: events[events.length - 1]!.seq,
      counters: [...batch.counters.values()],
      breakdowns: [...batch.breakdowns.values()],
      sketches,
    };
  }
}
