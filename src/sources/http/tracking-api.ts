// The Segment-compatible HTTP Tracking API: /v1/{track,identify,page,screen,group,alias}, /v1/batch, /v1/import,
// analytics.js's short paths, and the settings analytics.js loads. Receive, check, append; nothing else.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../core/errors.js';
import type { EventType } from '../../core/event.js';
import type { IngestLimits } from '../../core/limits.js';
import type { IngestTelemetry } from '../../core/telemetry.js';
import type { Log } from '../../log/log.js';
import type { PlanGate, PlanReports } from '../plan-gate.js';
import type { RejectEntry, RejectLog } from '../reject-log.js';
import { parseGuardedJson } from './json-guard.js';
import { type IngestContext, type IngestPrivacy, type Prepared, prepareBatch, prepareSingle, type Rejection } from './ingest.js';
import { PlanBlockedError } from './plan-check.js';
import { analyticsJsSettings } from './settings.js';
import { redactKey, writeKeyFromBody, writeKeyFromHeader, writeKeyFromQuery } from './write-key.js';

export interface TrackingApiOptions {
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
  /** True while the server is past its capacity: tracking requests are then answered 429 before their body is read. */
  overloaded?: () => boolean;
}

const SINGLE_ROUTES: [string, EventType][] = [
  ['track', 'track'], ['t', 'track'],
  ['identify', 'identify'], ['i', 'identify'],
  ['page', 'page'], ['p', 'page'],
  ['screen', 'screen'], ['s', 'screen'],
  ['group', 'group'], ['g', 'group'],
  ['alias', 'alias'], ['a', 'alias'],
];
const BATCH_ROUTES = ['batch', 'b', 'import'];
const SUCCESS = '{"success":true}';

function decodeHeaderAnonymousId(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8').trim();
  return decoded === '' ? undefined : decoded;
}

export function registerTrackingApi(app: FastifyInstance, opts: TrackingApiOptions): void {
  const { limits } = opts;

  function recordRejects(source: string | null, rejections: readonly Rejection[], at: number): void {
    const entries: RejectEntry[] = [];
    for (const r of rejections) {
      opts.telemetry.rejected(r.code, 1);
      entries.push({ at, source, code: r.code, field: r.field, index: r.index, message: r.message, sample: r.sample });
    }
    opts.rejects.record(entries);
  }

  /** Refuses the whole request: counted, logged in the reject log, answered with the code's status. */
  function refuse(reply: FastifyReply, err: SluiceError, source: string | null, sample: string | null): FastifyReply {
    recordRejects(source, [{ index: err.index ?? null, code: err.code, field: err.field ?? null, message: err.message, sample }], Date.now());
    return reply.code(err.status).send({ success: false, error: err.toJSON() });
  }

  async function handle(request: FastifyRequest, reply: FastifyReply, type: EventType | 'batch'): Promise<FastifyReply> {
    const receivedAt = Date.now();
    const raw = request.body;
    const buf = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
    let key = writeKeyFromHeader(request.headers.authorization) ?? writeKeyFromQuery(request.query);
    let source = key === undefined ? undefined : opts.writeKeys.get(key);
    if (key !== undefined && source === undefined) {
      return refuse(reply, new SluiceError('unauthorized', `unknown write key ${redactKey(key)}`), null, null);
    }
    if (buf.length === 0) return refuse(reply, new SluiceError('invalid_json', 'the body is empty; send a JSON object'), source ?? null, null);
    if (type !== 'batch' && buf.length > limits.max_message_bytes) {
      return refuse(reply, new SluiceError('message_too_large', `the message is ${buf.length} bytes; the limit is ${limits.max_message_bytes}`), source ?? null, null);
    }
    let body: unknown;
    try {
      body = parseGuardedJson(buf, limits.max_depth, limits.max_string_bytes);
    } catch (err) {
      if (err instanceof SluiceError) return refuse(reply, err, source ?? null, buf.subarray(0, 512).toString('utf8'));
      throw err;
    }
    if (source === undefined) {
      key = writeKeyFromBody(body);
      source = key === undefined ? undefined : opts.writeKeys.get(key);
      if (source === undefined) {
        const why = key === undefined ? 'no write key: send it as the Basic auth username, a writeKey field or a writeKey query parameter' : `unknown write key ${redactKey(key)}`;
        return refuse(reply, new SluiceError('unauthorized', why), null, null);
      }
    }

    const ctx: IngestContext = {
      source,
      limits,
      receivedAt,
      ip: request.ip,
      anonymizeIp: opts.anonymizeIp,
      headerAnonymousId: decodeHeaderAnonymousId(request.headers.anonymousid),
      plan: opts.plans?.get(source),
      privacy: opts.privacy,
    };
    let prepared: Prepared;
    try {
      prepared = type === 'batch' ? prepareBatch(body, ctx) : prepareSingle(body, type, ctx);
    } catch (err) {
      if (err instanceof PlanBlockedError) opts.planReports?.report(source, [err.finding], receivedAt);
      if (err instanceof SluiceError) return refuse(reply, err, source, buf.subarray(0, 512).toString('utf8'));
      throw err;
    }
    if (prepared.rejections.length > 0) recordRejects(source, prepared.rejections, receivedAt);
    // Suppressed messages are answered as accepted: the client must not retry them, and nothing tells it why.
    if (prepared.suppressed !== undefined) opts.privacy?.suppressed(source, prepared.suppressed);
    if (prepared.records.length === 0 && prepared.suppressed !== undefined && prepared.rejections.length === 0) {
      return reply.type('application/json').send(SUCCESS);
    }
    if (prepared.records.length === 0) {
      if (prepared.findings !== undefined) opts.planReports?.report(source, prepared.findings, receivedAt);
      return reply.code(400).send({
        success: false,
        error: { code: 'invalid_body', message: `no item of the batch was accepted; see rejected` },
        rejected: prepared.rejections.map(publicRejection),
      });
    }

    const result = await opts.log.append(prepared.records);
    countReceived(source, prepared, result.seqs);
    // Findings of duplicates are not reported again: the first copy's were.
    if (prepared.findings !== undefined) opts.planReports?.report(source, prepared.findings.filter((f) => f.record === null || result.seqs[f.record] !== null), receivedAt);
    if (prepared.rejections.length === 0) return reply.type('application/json').send(SUCCESS);
    return reply.send({ success: true, accepted: prepared.records.length, rejected: prepared.rejections.map(publicRejection) });
  }

  function countReceived(source: string, prepared: Prepared, seqs: readonly (number | null)[]): void {
    let dups = 0;
    let runType = prepared.types[0]!;
    let run = 0;
    for (let i = 0; i < seqs.length; i++) {
      if (seqs[i] === null) {
        dups++;
        continue;
      }
      const t = prepared.types[i]!;
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

  const overloaded = opts.overloaded;
  const shed =
    overloaded === undefined
      ? undefined
      : (_req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
          if (!overloaded()) return done();
          // A shed request is retried by the SDK; it is counted, not kept in the reject log.
          opts.telemetry.rejected('overloaded', 1);
          void reply
            .code(429)
            .header('retry-after', '1')
            .send({ success: false, error: new SluiceError('overloaded', 'the server is past its capacity; retry after the Retry-After seconds').toJSON() });
        };
  const routeOpts = shed === undefined ? {} : { onRequest: shed };
  for (const [path, type] of SINGLE_ROUTES) {
    app.post(`/v1/${path}`, routeOpts, (req, reply) => handle(req, reply, type));
  }
  for (const path of BATCH_ROUTES) {
    app.post(`/v1/${path}`, routeOpts, (req, reply) => handle(req, reply, 'batch'));
  }

  app.get<{ Params: { writeKey: string } }>('/v1/projects/:writeKey/settings', async (request, reply) => {
    const key = request.params.writeKey;
    if (!opts.writeKeys.has(key)) {
      return reply.code(401).send({ success: false, error: new SluiceError('unauthorized', `unknown write key ${redactKey(key)}`).toJSON() });
    }
    return analyticsJsSettings(key, request.host, request.protocol);
  });
}

function publicRejection(r: Rejection): { index: number | null; code: string; field: string | null; message: string } {
  return { index: r.index, code: r.code, field: r.field, message: r.message };
}
