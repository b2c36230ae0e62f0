// Live tail of the log for the dashboard and `sluice query tail`: one poller reads new events (the head, then every
// POLL_MS while someone listens) and hands each to the subscribers whose filter it matches. It is not a consumer:
// it keeps no cursor, so watchers never hold back retention, and a reconnecting watcher resumes at the head.
import type { LoggedEvent, TrackingEvent } from '../core/event.js';
import type { Log } from '../log/log.js';

const POLL_MS = 250;
const PAGE = 1_000;
/** Pages read per tick at most, so a burst cannot stall the event loop; the rest waits for the next tick. */
const MAX_PAGES_PER_TICK = 5;

export interface TailFilter {
  source?: string | undefined;
  type?: string | undefined;
  event?: string | undefined;
  user?: string | undefined;
}

export interface TailedEvent {
  seq: number;
  source: string;
  type: string;
  /** The stored event: a Segment message, or a CloudEvent from the gateway. */
  event: unknown;
}

type Listener = (e: TailedEvent) => void;

function matches(f: TailFilter, logged: LoggedEvent, body: Partial<TrackingEvent> | null): boolean {
  if (f.source !== undefined && logged.source !== f.source) return false;
  if (f.type !== undefined && logged.type !== f.type) return false;
  if (f.event !== undefined && body?.event !== f.event && body?.name !== f.event) return false;
  if (f.user !== undefined && body?.userId !== f.user && body?.anonymousId !== f.user) return false;
  return true;
}

export class TailHub {
  private readonly listeners = new Map<Listener, TailFilter>();
  private after: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly log: Log,
    private readonly onError: (err: unknown) => void,
    private readonly pollMs = POLL_MS,
  ) {}

  /** Starts listening at the current head; returns the function that stops it. */
  async subscribe(filter: TailFilter, listener: Listener): Promise<() => void> {
    if (this.after === null) this.after = (await this.log.stats()).headSeq;
    this.listeners.set(listener, filter);
    this.timer ??= setInterval(() => void this.tick(), this.pollMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  get watchers(): number {
    return this.listeners.size;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
    // The next watcher starts at the head of its own time, not where this one left off.
    this.after = null;
  }

  private async tick(): Promise<void> {
    if (this.busy || this.after === null) return;
    this.busy = true;
    try {
      for (let page = 0; page < MAX_PAGES_PER_TICK && this.listeners.size > 0 && this.after !== null; page++) {
        const events = await this.log.scan(this.after, PAGE);
        if (events.length === 0) break;
        this.after = events[events.length - 1]!.seq;
        for (const e of events) this.dispatch(e);
        if (events.length < PAGE) break;
      }
    } catch (err) {
      this.onError(err);
    } finally {
      this.busy = false;
    }
  }

  private dispatch(logged: LoggedEvent): void {
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(logged.body) as Record<string, unknown>;
    } catch {
      // an unreadable body is still tailed, as its raw text
    }
    for (const [listener, filter] of this.listeners) {
      if (matches(filter, logged, body as Partial<TrackingEvent> | null)) listener({ seq: logged.seq, source: logged.source, type: logged.type, event: body ?? logged.body });
    }
  }
}
