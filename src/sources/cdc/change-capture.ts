// One PostgreSQL change capture: streams the slot's changes (pgoutput), turns each transaction into CloudEvents,
// appends them to the log, and only then confirms the transaction's commit LSN to PostgreSQL. Whatever happens
// between (Sluice killed, the log full, the database restarted), the slot still holds the unconfirmed changes and
// streams them again; the events' ids are derived from the commit LSN, so the log's dedupe stores them once.
import type { Logger } from 'pino';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { CLOUDEVENT_TYPE } from '../../core/cloudevent.js';
import type { LogRecord } from '../../core/event.js';
import type { IngestTelemetry } from '../../core/telemetry.js';
import type { Log } from '../../log/log.js';
import { cloudEventMessageId } from '../cloudevents/attributes.js';
import { type CaptureTarget, changeEvents, type RowChange, type Transaction } from './change-events.js';
import { type ChangeCaptureConfig, publicationName, qualify, slotName } from './config.js';
import { CaptureSetupError, type PreparedCapture, prepareCapture } from './replication-setup.js';

/** A big transaction is appended in pieces this size; it is confirmed once, after its last piece. */
const APPEND_CHUNK = 1000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

export type CaptureState = 'starting' | 'streaming' | 'retrying' | 'stopped';

export interface CaptureStatus {
  name: string;
  state: CaptureState;
  /** Commit LSN of the last transaction appended and confirmed. */
  confirmedLsn: string | null;
  /** Events appended since start (duplicates of replayed transactions excluded). */
  events: number;
  lastError: string | null;
}

export interface ChangeCaptureOptions {
  config: ChangeCaptureConfig;
  log: Log;
  telemetry: IngestTelemetry;
  logger: Logger;
}

function targetOf(c: ChangeCaptureConfig): CaptureTarget {
  const name = (t: string): string => {
    const q = qualify(t);
    return `${q.schema}.${q.table}`;
  };
  return { capture: c.name, tables: new Set(c.tables.map(name)), outboxes: new Map(c.outbox.map((o) => [name(o.table), o])) };
}

export class ChangeCapture {
  private readonly cfg: ChangeCaptureConfig;
  private readonly source: string;
  private readonly target: CaptureTarget;
  private service: LogicalReplicationService | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly st: CaptureStatus;
  /** The slot's confirmed_flush_lsn when this process started streaming: the keep-alive answer until we confirm one. */
  private slotLsn: string | null = null;

  constructor(private readonly opts: ChangeCaptureOptions) {
    this.cfg = opts.config;
    this.source = opts.config.source ?? opts.config.name;
    this.target = targetOf(opts.config);
    this.st = { name: opts.config.name, state: 'starting', confirmedLsn: null, events: 0, lastError: null };
  }

  status(): CaptureStatus {
    return { ...this.st };
  }

  /**
   * Checks PostgreSQL and creates the slot, then streams in the background. A setup problem the user must fix
   * (wal_level, a missing table) fails start-up with its explanation; a database that cannot be reached yet does not:
   * the capture retries with backoff while the rest of Sluice runs.
   */
  async start(): Promise<void> {
    try {
      this.noteSlot(await prepareCapture(this.cfg));
    } catch (err) {
      if (err instanceof CaptureSetupError) throw new Error(`change capture ${this.cfg.name}: ${err.message}`);
      this.failed(err);
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.st.state = 'stopped';
    this.wake?.();
    await this.service?.stop().catch(() => undefined);
    await this.loop;
  }

  /**
   * Remembers where the slot already stands, so keep-alives are answered before this run confirms a transaction of
   * its own: an idle stream that sent no status would be cut by PostgreSQL's wal_sender_timeout.
   */
  private noteSlot(prepared: PreparedCapture): void {
    if (this.st.confirmedLsn === null) this.slotLsn = prepared.confirmedLsn;
  }

  private failed(err: unknown): void {
    this.st.state = 'retrying';
    this.st.lastError = err instanceof Error ? err.message : String(err);
    this.opts.logger.warn({ err, capture: this.cfg.name }, 'change capture interrupted; retrying');
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        if (attempt > 0) this.noteSlot(await prepareCapture(this.cfg));
        await this.stream(() => (attempt = 0));
      } catch (err) {
        if (this.stopped) break;
        this.failed(err);
      }
      if (this.stopped) break;
      attempt++;
      const ceiling = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt, 16));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Streams until the connection ends or an append fails; the caller retries. */
  private stream(onStreaming: () => void): Promise<void> {
    // Acknowledgements are ours alone: the library's automatic ones (and its timer's) would confirm changes that are
    // received but not yet in the log, and a crash then would lose them.
    const service = new LogicalReplicationService(
      { connectionString: this.cfg.url },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    this.service = service;
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [publicationName(this.cfg)] });
    let txn: Transaction | null = null;
    let ordinal = 0;
    let pending: LogRecord[] = [];

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const end = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        void service.stop().catch(() => undefined);
        if (this.service === service) this.service = null;
        if (err === undefined || this.stopped) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      const append = async (): Promise<void> => {
        if (pending.length === 0) return;
        const records = pending;
        pending = [];
        const result = await this.opts.log.append(records);
        let dups = 0;
        for (const s of result.seqs) if (s === null) dups++;
        if (records.length > dups) this.opts.telemetry.received(this.source, CLOUDEVENT_TYPE, records.length - dups);
        if (dups > 0) this.opts.telemetry.duplicates(this.source, dups);
        this.st.events += records.length - dups;
      };

      service.on('start', () => {
        this.st.state = 'streaming';
        this.st.lastError = null;
        onStreaming();
        this.opts.logger.info({ capture: this.cfg.name }, 'change capture streaming');
      });
      service.on('error', (err) => end(err));
      service.on('heartbeat', (_lsn, _ts, shouldRespond) => {
        // Answer keep-alives with what is durable, so PostgreSQL neither times us out nor frees unconfirmed WAL.
        // Before our first confirmation the slot's own confirmed_flush_lsn is that answer: it confirms nothing new.
        const durable = this.st.confirmedLsn ?? this.slotLsn;
        if (shouldRespond && durable !== null) void service.acknowledge(durable).catch(end);
      });
      service.on('data', async (_lsn: string, msg: { tag: string } & Record<string, unknown>) => {
        if (settled) return;
        try {
          switch (msg.tag) {
            case 'begin':
              txn = { commitLsn: String(msg.commitLsn), xid: Number(msg.xid), commitTime: Number((msg.commitTime as bigint) / 1000n) };
              ordinal = 0;
              pending = [];
              return;
            case 'insert':
            case 'update':
            case 'delete':
            case 'truncate': {
              if (txn === null) return;
              const receivedAt = Date.now();
              for (const ev of changeEvents(msg as unknown as RowChange, txn, ordinal++, this.target)) {
                pending.push({ source: this.source, messageId: cloudEventMessageId(ev), type: CLOUDEVENT_TYPE, receivedAt, body: JSON.stringify(ev) });
              }
              if (pending.length >= APPEND_CHUNK) await append();
              return;
            }
            case 'commit': {
              await append();
              const lsn = String(msg.commitEndLsn);
              await service.acknowledge(lsn);
              this.st.confirmedLsn = lsn;
              txn = null;
              return;
            }
            default:
              return; // relation, type, origin, message: the parser keeps what it needs from them
          }
        } catch (err) {
          end(err); // nothing after this is confirmed; the slot streams it again after the retry
        }
      });
      service.subscribe(plugin, slotName(this.cfg)).then(
        () => end(new Error('replication stream ended')),
        (err: unknown) => end(err),
      );
    });
  }
}
