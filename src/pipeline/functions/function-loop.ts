// One function's consumer loop: read what its cursor has not settled, skip what the subscription does not match,
// run the rest one at a time, emit what the function called, acknowledge. A failed attempt is retried with backoff,
// then dead-lettered with the reason; nothing a function does stops the loop.
import { SluiceError } from '../../core/errors.js';
import type { Consumer, Delivery } from '../../log/log.js';
import { fullJitterDelay } from '../backoff.js';
import { type Emit, type EmitCause, finalizeCalls } from './emitted.js';
import type { FunctionLogger, LoadedFunction } from './loaded-function.js';
import type { FailureKind, RunResult } from './sandbox.js';
import { type SelectedEvent, selectEvent } from './subscription.js';

const READ_BATCH = 50;
/** A read waits this long for a notification of new events; stop() cuts it short. */
const READ_WAIT_MS = 5_000;
const READ_ERROR_PAUSE_MS = 1_000;

export interface LoopDeps {
  emit: Emit;
  logger: FunctionLogger;
  random: () => number;
}

export interface FunctionCounters {
  /** Events the function ran on (attempts, retries included). */
  invocations: number;
  /** Attempts that failed: a throw, a timeout, out of memory, a crash or a failed emit. */
  failures: number;
  timeouts: number;
  outOfMemory: number;
  deadLettered: number;
  /** Calls handed to Emit (a redelivered cause counts again; the log stores them once). */
  emitted: number;
  /** Events acknowledged without running: the subscription did not match them. */
  skipped: number;
}

export interface LastFailure {
  /** ISO 8601. */
  at: string;
  seq: number;
  messageId: string;
  attempt: number;
  reason: string;
}

type Failure = FailureKind | 'emit' | 'unreadable';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

export class FunctionLoop {
  readonly counters: FunctionCounters = { invocations: 0, failures: 0, timeouts: 0, outOfMemory: 0, deadLettered: 0, emitted: 0, skipped: 0 };
  lastFailure: LastFailure | null = null;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    readonly fn: LoadedFunction,
    private readonly consumer: Consumer,
    private readonly deps: LoopDeps,
  ) {}

  private get name(): string {
    return this.fn.config.name;
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops reading; an invocation in progress is cut off and its event left unsettled (delivered again next start). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.fn.close();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let deliveries: Delivery[];
      const readAt = Date.now();
      try {
        deliveries = await this.consumer.read(READ_BATCH, { waitMs: READ_WAIT_MS, signal: this.abort.signal });
        // Empty long before the wait was over: the log is closing under us. Pause rather than spin.
        if (deliveries.length === 0 && Date.now() - readAt < READ_WAIT_MS / 2) await sleep(READ_ERROR_PAUSE_MS, this.abort.signal);
      } catch (err) {
        if (this.stopping) return;
        this.deps.logger.warn({ function: this.name, err: (err as Error).message }, 'reading the log failed; trying again');
        await sleep(READ_ERROR_PAUSE_MS, this.abort.signal);
        continue;
      }
      const skipped: Delivery[] = [];
      for (const d of deliveries) {
        if (this.stopping) break;
        try {
          let selected: SelectedEvent | null;
          try {
            selected = selectEvent(this.fn.config.subscribe, this.name, d.event);
          } catch (err) {
            await this.fail(d, `the stored event could not be read: ${(err as Error).message}`, 'unreadable', true);
            continue;
          }
          if (selected === null) skipped.push(d);
          else await this.invoke(d, selected);
        } catch (err) {
          // Settling failed (storage): the delivery stays unsettled and comes back when the consumer is next opened.
          this.deps.logger.error({ function: this.name, seq: d.event.seq, err: (err as Error).message }, 'could not settle an event');
        }
      }
      if (skipped.length > 0) {
        this.counters.skipped += skipped.length;
        await this.consumer.ack(skipped).catch((err: unknown) => this.deps.logger.error({ function: this.name, err: (err as Error).message }, 'could not acknowledge skipped events'));
      }
    }
  }

  private async invoke(d: Delivery, selected: SelectedEvent): Promise<void> {
    const cause: EmitCause = { source: d.event.source, messageId: d.event.messageId, function: this.name };
    this.counters.invocations++;
    const result = await this.fn.run(d.event.body);
    this.forwardLogs(d, result);
    if (result.failure === 'stopped' || (this.stopping && result.error !== undefined)) return;
    if (result.error !== undefined) return this.fail(d, result.error, result.failure ?? 'error', false);

    const calls = finalizeCalls(result.calls, cause, selected.time);
    if (calls.length > 0) {
      try {
        await this.deps.emit(calls, cause);
      } catch (err) {
        // An invalid call will be invalid every time: no point retrying it. Anything else (storage) may pass later.
        const permanent = err instanceof SluiceError && !err.retryable;
        return this.fail(d, `emitting the function's calls failed: ${(err as Error).message}`, 'emit', permanent);
      }
      this.counters.emitted += calls.length;
    }
    await this.consumer.ack([d]);
  }

  private forwardLogs(d: Delivery, result: RunResult): void {
    const where = { function: this.name, version: this.fn.version, seq: d.event.seq, messageId: d.event.messageId };
    for (const line of result.logs) this.deps.logger[line.level](where, line.message);
  }

  private async fail(d: Delivery, reason: string, kind: Failure, permanent: boolean): Promise<void> {
    this.counters.failures++;
    if (kind === 'timeout') this.counters.timeouts++;
    if (kind === 'memory') this.counters.outOfMemory++;
    this.lastFailure = { at: new Date().toISOString(), seq: d.event.seq, messageId: d.event.messageId, attempt: d.attempt, reason };
    const where = { function: this.name, version: this.fn.version, seq: d.event.seq, messageId: d.event.messageId, attempt: d.attempt, failure: kind, reason };
    const retry = this.fn.config.retry;
    if (permanent || d.attempt >= retry.max_attempts) {
      await this.consumer.deadLetter(d, reason, { function: this.name, version: this.fn.version, failure: kind });
      this.counters.deadLettered++;
      this.deps.logger.error(where, 'function gave up on an event; it is in the dead letters');
      return;
    }
    const delayMs = fullJitterDelay(d.attempt, retry, this.deps.random);
    this.deps.logger.warn({ ...where, delayMs }, 'function failed on an event; retrying');
    await this.consumer.retry(d, delayMs);
  }
}
