// The tracking API's one request, free of any HTTP framework: write key, guarded JSON parse, validation and
// normalization (ingest.ts), append, and the answer. Fastify's routes (tracking-api.ts) and the raw node:http fast
// path (app/fast-ingest.ts) both call it, so both answer exactly the same way.
import type { IncomingHttpHeaders } from 'node:http';
import { SluiceError } from '../../core/errors.js';
import type { EventType, LogRecord } from '../../core/event.js';
import type { IngestLimits } from '../../core/limits.js';
import type { IngestTelemetry } from '../../core/telemetry.js';
import type { AppendResult, Log } from '../../log/log.js';
import type { PlanFinding, PlanGate, PlanReports } from '../plan-gate.js';
import type { RejectEntry, RejectLog } from '../reject-log.js';
import { type IngestContext, type IngestPrivacy, type Prepared, prepareBatch, prepareSingle, type Rejection } from './ingest.js';
import { parseGuardedJson } from './json-guard.js';
import { MessageSpans } from './message-spans.js';
import { PlanBlockedError } from './plan-check.js';
import { redactKey, writeKeyFromBody, writeKeyFromHeader } from './write-key.js';

export interface TrackingHandlerOptions {
  /** Write key → source name. */
  writeKeys: ReadonlyMap<string, string>;
  limits: IngestLimits;
  anonymizeIp: boolean;
  /** Hashed fields and suppressed ids; absent: neither. */
  privacy?: IngestPrivacy;
  log: Log;
  rejects: RejectLog;
  telemetry: IngestTelemetry;
  /** Source name → its tracking plan; sources without one are not checked. */
  plans?: ReadonlyMap<string, PlanGate>;
  /** Where plan findings go (stored or refused messages; never duplicates). */
  planReports?: PlanReports;
}

export type TrackingKind = EventType | 'batch';

/** What an accepted request's answer needs once its records are appended (one type per record, in order). */
interface Accepted {
  source: string;
  receivedAt: number;
  types: EventType[];
  rejections: Rejection[];
  findings?: PlanFinding[];
}

export interface TrackingRequest {
  kind: TrackingKind;
  /** The body, gzip already decoded. */
  body: Buffer;
  authorization: string | undefined;
  /** The writeKey query parameter, when there is one. */
  queryWriteKey: string | undefined;
  /** Rudder's AnonymousId header, base64 as sent. */
  anonymousIdHeader: string | string[] | undefined;
  /** The client's address, proxies already resolved. */
  ip: string | undefined;
  /** A historical backfill (`/v1/import`, `sluice import`): the connection's address is the importing machine's, not the user's, so it is not kept as context.ip. */
  historical: boolean;
  /** Milliseconds since the epoch when the request arrived. */
  receivedAt: number;
}

/**
 * The request as the handler sees it, from what either HTTP path has read: one place, so the fast path and the
 * Fastify routes cannot drift apart in which headers they pass on.
 */
export function trackingRequest(path: string, kind: TrackingKind, body: Buffer, headers: IncomingHttpHeaders, queryWriteKey: string | undefined, ip: string | undefined): TrackingRequest {
  return { kind, body, authorization: headers.authorization, queryWriteKey, anonymousIdHeader: headers.anonymousid, ip, historical: HISTORICAL_PATHS.has(path), receivedAt: Date.now() };
}

export interface TrackingResponse {
  status: number;
  /** JSON. */
  body: string;
}

/** Paths of the tracking API (analytics.js's one-letter short forms included) and what each receives. */
export const TRACKING_PATHS: ReadonlyMap<string, TrackingKind> = new Map<string, TrackingKind>([
  ['/v1/track', 'track'], ['/v1/t', 'track'],
  ['/v1/identify', 'identify'], ['/v1/i', 'identify'],
  ['/v1/page', 'page'], ['/v1/p', 'page'],
  ['/v1/screen', 'screen'], ['/v1/s', 'screen'],
  ['/v1/group', 'group'], ['/v1/g', 'group'],
  ['/v1/alias', 'alias'], ['/v1/a', 'alias'],
  ['/v1/batch', 'batch'], ['/v1/b', 'batch'], ['/v1/import', 'batch'],
]);

/** Paths whose requests are historical backfills (see TrackingRequest.historical). */
export const HISTORICAL_PATHS: ReadonlySet<string> = new Set(['/v1/import']);

export const SUCCESS_BODY = '{"success":true}';
const SAMPLE_BYTES = 512;

function decodeHeaderAnonymousId(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8').trim();
  return decoded === '' ? undefined : decoded;
}

function publicRejection(r: Rejection): { index: number | null; code: string; field: string | null; message: string } {
  return { index: r.index, code: r.code, field: r.field, message: r.message };
}

/** The answer that refuses a whole request, in the error vocabulary of docs/errors.md. */
export function errorResponse(err: SluiceError): TrackingResponse {
  return { status: err.status, body: JSON.stringify({ success: false, error: err.toJSON() }) };
}

/**
 * Builds the handler. It resolves with the answer for everything it can judge; it rejects only when the log refuses
 * the append (SluiceError 'overloaded' or 'storage_unavailable': the caller answers 429/503 with Retry-After) or on a
 * bug.
 */
/** Answers one tracking request: the framework-free core both HTTP paths call. */
export type TrackingHandler = (req: TrackingRequest) => Promise<TrackingResponse>;

export function createTrackingHandler(opts: TrackingHandlerOptions): TrackingHandler {
  const { limits } = opts;

  function recordRejects(source: string | null, rejections: readonly Rejection[], at: number): void {
    const entries: RejectEntry[] = [];
    for (const r of rejections) {
      opts.telemetry.rejected(r.code, 1);
      entries.push({ at, source, code: r.code, field: r.field, index: r.index, message: r.message, sample: r.sample });
    }
    opts.rejects.record(entries);
  }

  /** Refuses the whole request: counted, kept in the reject log, answered with the code's status. */
  function refuse(err: SluiceError, source: string | null, sample: string | null): TrackingResponse {
    recordRejects(source, [{ index: err.index ?? null, code: err.code, field: err.field ?? null, message: err.message, sample }], Date.now());
    return errorResponse(err);
  }

  function countReceived(source: string, types: readonly EventType[], seqs: readonly (number | null)[]): void {
    let dups = 0;
    let runType = types[0]!;
    let run = 0;
    for (let i = 0; i < seqs.length; i++) {
      if (seqs[i] === null) {
        dups++;
        continue;
      }
      const t = types[i]!;
      if (t !== runType) {
        if (run > 0) opts.telemetry.received(source, runType, run);
        runType = t;
        run = 0;
      }
      run++;
    }
    if (run > 0) opts.telemetry.received(source, runType, run);
    if (dups > 0) opts.telemetry.duplicates(source, dups);
  }

  /** Answers what an append of `accepted` returned. */
  function answer(a: Accepted, result: AppendResult): TrackingResponse {
    countReceived(a.source, a.types, result.seqs);
    // Findings of duplicates are not reported again: the first copy's were.
    if (a.findings !== undefined) opts.planReports?.report(a.source, a.findings.filter((f) => f.record === null || result.seqs[f.record] !== null), a.receivedAt);
    if (a.rejections.length === 0) return { status: 200, body: SUCCESS_BODY };
    return { status: 200, body: JSON.stringify({ success: true, accepted: a.types.length, rejected: a.rejections.map(publicRejection) }) };
  }

  /**
   * The request judged, up to the append: the answer, or the records to append and what the answer needs after. It
   * runs synchronously and the append's continuation holds only the latter: an async function's suspended frame kept
   * the request's bytes, its parsed body and its records until the commit, so each young-generation collection copied
   * those of every request in flight, then promoted them for a full collection to free.
   */
  function judge(req: TrackingRequest): TrackingResponse | { records: LogRecord[]; accepted: Accepted } {
    const { body: buf, kind, receivedAt } = req;
    let key = writeKeyFromHeader(req.authorization) ?? req.queryWriteKey;
    let source = key === undefined ? undefined : opts.writeKeys.get(key);
    if (key !== undefined && source === undefined) return refuse(new SluiceError('unauthorized', `unknown write key ${redactKey(key)}`), null, null);
    if (buf.length === 0) return refuse(new SluiceError('invalid_json', 'the body is empty; send a JSON object'), source ?? null, null);
    if (kind !== 'batch' && buf.length > limits.max_message_bytes) {
      return refuse(new SluiceError('message_too_large', `the message is ${buf.length} bytes; the limit is ${limits.max_message_bytes}`), source ?? null, null);
    }
    let body: unknown;
    const spans = new MessageSpans();
    try {
      body = parseGuardedJson(buf, limits.max_depth, limits.max_string_bytes, spans, kind === 'batch' ? 'batch' : 'single');
    } catch (err) {
      if (err instanceof SluiceError) return refuse(err, source ?? null, buf.subarray(0, SAMPLE_BYTES).toString('utf8'));
      throw err;
    }
    if (source === undefined) {
      key = writeKeyFromBody(body);
      source = key === undefined ? undefined : opts.writeKeys.get(key);
      if (source === undefined) {
        const why = key === undefined ? 'no write key: send it as the Basic auth username, a writeKey field or a writeKey query parameter' : `unknown write key ${redactKey(key)}`;
        return refuse(new SluiceError('unauthorized', why), null, null);
      }
    }

    const ctx: IngestContext = {
      source,
      limits,
      receivedAt,
      ip: req.historical ? undefined : req.ip,
      anonymizeIp: opts.anonymizeIp,
      headerAnonymousId: decodeHeaderAnonymousId(req.anonymousIdHeader),
      plan: opts.plans?.get(source),
      privacy: opts.privacy,
      spans,
    };
    let prepared: Prepared;
    try {
      prepared = kind === 'batch' ? prepareBatch(body, ctx) : prepareSingle(body, kind, ctx);
    } catch (err) {
      if (err instanceof PlanBlockedError) opts.planReports?.report(source, [err.finding], receivedAt);
      if (err instanceof SluiceError) return refuse(err, source, buf.subarray(0, SAMPLE_BYTES).toString('utf8'));
      throw err;
    }
    if (prepared.rejections.length > 0) recordRejects(source, prepared.rejections, receivedAt);
    // Suppressed messages are answered as accepted: the client must not retry them, and nothing tells it why.
    if (prepared.suppressed !== undefined) opts.privacy?.suppressed(source, prepared.suppressed);
    if (prepared.records.length === 0 && prepared.suppressed !== undefined && prepared.rejections.length === 0) return { status: 200, body: SUCCESS_BODY };
    if (prepared.records.length === 0) {
      if (prepared.findings !== undefined) opts.planReports?.report(source, prepared.findings, receivedAt);
      return {
        status: 400,
        body: JSON.stringify({
          success: false,
          error: { code: 'invalid_body', message: 'no item of the batch was accepted; see rejected' },
          rejected: prepared.rejections.map(publicRejection),
        }),
      };
    }

    const accepted: Accepted = { source, receivedAt, types: prepared.types, rejections: prepared.rejections };
    if (prepared.findings !== undefined) accepted.findings = prepared.findings;
    return { records: prepared.records, accepted };
  }

  return function handle(req: TrackingRequest): Promise<TrackingResponse> {
    // A bug that throws is a rejection, as it was when this was an async function: the callers answer 500 for it.
    try {
      const judged = judge(req);
      if (!('accepted' in judged)) return Promise.resolve(judged);
      const { accepted } = judged;
      return opts.log.append(judged.records).then((result) => answer(accepted, result));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
