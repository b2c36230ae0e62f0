// Where plan findings go: counted at once (metrics), and folded into per-(source, event, path, kind) aggregates that
// are written about once a second, so a producer sending thousands of bad events costs one upsert per distinct
// problem, not one row per event. Implements sources/plan-gate.ts's PlanReports.
import type { ViolationRow } from '../core/plan.js';
import type { PlanTelemetry } from '../core/telemetry.js';
import type { PlanFinding, PlanReports } from '../sources/plan-gate.js';

/**
 * The `event` label of an unplanned event's violation: its name is whatever a client sent, and a label per name would
 * let any client grow the metrics without bound. The stored aggregates keep the name.
 */
export const UNPLANNED_EVENT_LABEL = '(unplanned)';
const EXAMPLE_CHARS = 200;

export interface RecorderOptions {
  telemetry: PlanTelemetry;
  /** Writes aggregates (upsert: counts add up, first_seen keeps the oldest). */
  store: (rows: ViolationRow[]) => Promise<unknown>;
  onStoreError?: (err: unknown, rows: number) => void;
  flushMs?: number;
  /** Distinct aggregates waiting before a flush is forced. */
  maxPending?: number;
}

/** Array positions folded, so `items[0].sku` and `items[7].sku` are one aggregate. */
export function foldPath(path: string): string {
  // An index is followed by `.`, `[` or the end; `[1]` inside a quoted key (`["x[1]"]`) is followed by a quote.
  return path.replace(/\[\d+\](?=[.[]|$)/g, '[]');
}

function example(value: unknown): string | null {
  if (value === undefined) return null;
  try {
    const s = JSON.stringify(value);
    return s === undefined ? null : s.slice(0, EXAMPLE_CHARS);
  } catch {
    return null;
  }
}

export class ViolationRecorder implements PlanReports {
  private pending = new Map<string, ViolationRow>();
  private timer: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly opts: RecorderOptions) {
    this.flushMs = opts.flushMs ?? 1000;
    this.maxPending = opts.maxPending ?? 1000;
  }

  report(source: string, findings: readonly PlanFinding[], at: number): void {
    // Counted per request, one increment per (event, kind): a batch of 50 bad items is a few metric updates, not 50+.
    const counts = new Map<string, { event: string; kind: string; n: number }>();
    for (const f of findings) {
      for (const v of f.violations) {
        const label = v.kind === 'unplanned_event' ? UNPLANNED_EVENT_LABEL : f.event;
        const countKey = `${label}\u0000${v.kind}`;
        const count = counts.get(countKey);
        if (count === undefined) counts.set(countKey, { event: label, kind: v.kind, n: 1 });
        else count.n++;
        const path = foldPath(v.path);
        const key = `${source}\u0000${f.type}\u0000${f.event}\u0000${path}\u0000${v.kind}`;
        const row = this.pending.get(key);
        if (row === undefined) {
          this.pending.set(key, { source, type: f.type, event: f.event, path, kind: v.kind, message: v.message, example: example(v.value), first_seen: at, last_seen: at, count: 1 });
        } else {
          row.count++;
          row.last_seen = Math.max(row.last_seen, at);
          row.message = v.message;
          if (v.value !== undefined) row.example = example(v.value);
        }
      }
    }
    for (const c of counts.values()) this.opts.telemetry.planViolations(source, c.event, c.kind, c.n);
    if (this.pending.size >= this.maxPending) void this.flush();
    else if (this.timer === null && this.pending.size > 0) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending; resolves when it is durable (or was dropped, reported through onStoreError). */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.size === 0) return this.inFlight;
    const rows = [...this.pending.values()];
    this.pending = new Map();
    const write = this.opts.store(rows).then(
      () => {},
      (err: unknown) => this.opts.onStoreError?.(err, rows.length),
    );
    this.inFlight = Promise.all([this.inFlight, write]).then(() => {});
    return this.inFlight;
  }
}
