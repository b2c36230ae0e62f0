// Main-thread side of the counting thread (counting-worker.ts): starts it, carries its writes to the writer, wakes it
// when events are appended, answers for its consumers' status, and starts it again if it dies.
import type { Worker } from 'node:worker_threads';
import { SluiceError } from '../../core/errors.js';
import type { IdentityConfig } from '../../identity/config.js';
import type { IdentityStatus, IdentityTelemetry } from '../../identity/identity-consumer.js';
import type { RollupsConfig } from '../../rollups/config.js';
import type { RollupsStatus } from '../../rollups/rollups-consumer.js';
import type { CountingInit, CountingName, FromCounting, ToCounting } from './counting-protocol.js';
import { spawnWorker } from './spawn-worker.js';
import type { SqliteLog } from './sqlite-log.js';

export interface CountingLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface CountingOptions {
  log: SqliteLog;
  nice: number;
  rollups: RollupsConfig | null;
  identity: IdentityConfig | null;
  logger: CountingLogger;
  telemetry: IdentityTelemetry;
}

/** After the thread died unexpectedly, wait this long before starting it again (doubling up to the max). */
const RESTART_MS = 1_000;
const MAX_RESTART_MS = 30_000;

/**
 * The thread's heap. The old generation's limit is 256 MB, which makes V8 grow it by ~1.3× what survives rather than
 * up to 4× (its factor when the limit is gigabytes). A batch holds at most MAX_BATCH_BODY_CHARS of event bodies
 * (src/log/slices.ts), so a batch fits well inside it; should the thread still run out, it is started again. The young
 * generation is 16 MB: with 8 the thread took ~20% more CPU per event to catch up after a batch load (12.8 s against
 * 10.7–10.9 s for ~1.7 million events, ad-hoc alternated runs, BENCHMARKS.md 2026-12-05), and counting, not ingest,
 * bounds the batch rate the whole pipeline sustains. (Until 2026-12-05 the sluice command's flags overrode these
 * limits; src/core/worker-heap.ts.)
 */
const COUNTING_HEAP = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 256 };

export class CountingThread {
  private worker!: Worker;
  private alive = false;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private readonly statusWaits = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextStatusId = 1;
  /** The thread said its last read found nothing: the next append wakes it. */
  private waiting = false;
  /** Events were appended since the thread was last woken (so a 'waiting' that crossed them wakes it at once). */
  private appended = false;
  private readonly unlisten: () => void;
  private restartMs = RESTART_MS;
  private restartTimer: NodeJS.Timeout | null = null;
  readonly rollups: { status(): Promise<RollupsStatus> } | null;
  readonly identity: { status(): Promise<IdentityStatus> } | null;

  private constructor(private readonly o: CountingOptions) {
    this.rollups = o.rollups === null ? null : { status: () => this.status('rollups') as Promise<RollupsStatus> };
    this.identity = o.identity === null ? null : { status: () => this.status('identity') as Promise<IdentityStatus> };
    this.unlisten = o.log.onAppend(() => {
      if (!this.waiting) {
        this.appended = true;
        return;
      }
      this.waiting = false;
      this.appended = false;
      this.send({ k: 'wake' });
    });
  }

  /** Starts the thread; resolves once its consumers are open (their cursors exist), rejects if they could not be. */
  static async start(o: CountingOptions): Promise<CountingThread> {
    const t = new CountingThread(o);
    try {
      await t.spawn();
    } catch (err) {
      t.unlisten();
      throw err;
    }
    return t;
  }

  private spawn(): Promise<void> {
    const init: CountingInit = { path: this.o.log.path, nice: this.o.nice, rollups: this.o.rollups, identity: this.o.identity };
    const worker = spawnWorker('counting-worker', init, COUNTING_HEAP);
    this.worker = worker;
    this.alive = true;
    this.waiting = false;
    this.appended = true; // whatever came while no thread ran: its first read finds it anyway
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      worker.on('message', (m: FromCounting) => {
        if (m.k === 'started' && !settled) {
          settled = true;
          this.restartMs = RESTART_MS;
          resolve();
        } else if (m.k === 'failed' && !settled) {
          settled = true;
          reject(new Error(`the counting thread could not start: ${m.message}`));
          void worker.terminate();
        } else this.onMessage(m);
      });
      worker.on('error', (err) => {
        this.o.logger.error({ err }, 'the counting thread (rollups, identity) failed');
        if (!settled) {
          settled = true;
          reject(err);
        }
      });
      worker.on('exit', (code) => {
        this.alive = false;
        for (const w of this.statusWaits.values()) w.reject(new Error('the counting thread stopped'));
        this.statusWaits.clear();
        if (!settled) {
          settled = true;
          reject(new Error(`the counting thread exited with code ${code} while starting`));
        } else if (!this.stopping) this.restartLater(code);
      });
    });
  }

  /** An unexpected exit loses nothing (positions are stored with what they counted); counting resumes where it was. */
  private restartLater(code: number): void {
    const ms = this.restartMs;
    this.restartMs = Math.min(MAX_RESTART_MS, ms * 2);
    this.o.logger.error({ code, restartInMs: ms }, 'the counting thread exited; starting it again');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.spawn().catch((err: unknown) => {
        this.o.logger.error({ err }, 'the counting thread could not start again');
        if (!this.stopping) this.restartLater(1);
      });
    }, ms);
  }

  private send(m: ToCounting): void {
    this.worker.postMessage(m);
  }

  private onMessage(m: FromCounting): void {
    switch (m.k) {
      case 'submit':
        this.o.log.submit(m.op).then(
          (value) => this.send({ k: 'result', id: m.id, ok: true, value }),
          (err: unknown) => this.send({ k: 'result', id: m.id, ok: false, code: String((err as { code?: unknown }).code ?? 'error'), message: (err as Error).message }),
        );
        return;
      case 'waiting':
        if (this.appended) {
          this.appended = false;
          this.send({ k: 'wake' });
        } else this.waiting = true;
        return;
      case 'log':
        this.o.logger[m.level]({ component: 'counting', ...m.obj }, m.msg);
        return;
      case 'identity':
        this.o.telemetry.merged(m.merged);
        this.o.telemetry.mergeRefused(m.refused);
        this.o.telemetry.blockedIds(m.blocked);
        return;
      case 'status': {
        const w = this.statusWaits.get(m.id);
        this.statusWaits.delete(m.id);
        if (m.ok) w?.resolve(m.value);
        else w?.reject(new Error(m.message));
        return;
      }
      case 'started':
      case 'failed':
      case 'stopped':
        return;
    }
  }

  private status(which: CountingName): Promise<unknown> {
    if (!this.alive) return Promise.reject(new SluiceError('storage_unavailable', 'the counting thread is not running; it is being started again after a failure'));
    return new Promise((resolve, reject) => {
      const id = this.nextStatusId++;
      this.statusWaits.set(id, { resolve, reject });
      this.send({ k: 'status', id, which });
    });
  }

  /** Stops reading; the batches being applied commit with their positions, then the thread ends. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.unlisten();
      if (this.restartTimer !== null) clearTimeout(this.restartTimer);
      if (!this.alive) return; // died, and was waiting to be started again
      const worker = this.worker;
      await new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        this.send({ k: 'stop' });
      });
    })();
    return this.stopped;
  }
}
