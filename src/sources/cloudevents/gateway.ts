// The CloudEvents gateway: POST /v1/events takes domain events from backends (user.created, order.paid) in the HTTP
// binding's structured, binary or batched mode, authenticated by write key like the tracking API. Receive, check,
// append; functions (src/pipeline/functions/) turn the stored events into tracking calls later.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CLOUDEVENT_TYPE } from '../../core/cloudevent.js';
import { SluiceError } from '../../core/errors.js';
import type { IngestLimits } from '../../core/limits.js';
import type { IngestTelemetry } from '../../core/telemetry.js';
import type { Log } from '../../log/log.js';
import type { Rejection } from '../http/ingest.js';
import { admitted, type RequestAdmission } from '../http/shed.js';
import { redactKey, writeKeyFromHeader, writeKeyFromQuery } from '../http/write-key.js';
import type { RejectLog } from '../reject-log.js';
import { prepareCloudEvents, type PreparedCloudEvents } from './prepare.js';

export interface CloudEventsGatewayOptions {
  /** Write key → source name: the same keys as the tracking API. */
  writeKeys: ReadonlyMap<string, string>;
  limits: IngestLimits;
  log: Log;
  rejects: RejectLog;
  telemetry: IngestTelemetry;
  /** Past capacity, requests are answered 429 before their body is read, as on the tracking API. */
  admission?: RequestAdmission;
}

export const CLOUDEVENTS_PATH = '/v1/events';
const SUCCESS = '{"success":true}';
const SAMPLE_BYTES = 512;

function publicRejection(r: Rejection): { index: number | null; code: string; field: string | null; message: string } {
  return { index: r.index, code: r.code, field: r.field, message: r.message };
}

export function registerCloudEventsGateway(app: FastifyInstance, opts: CloudEventsGatewayOptions): void {
  function recordRejects(source: string | null, rejections: readonly Rejection[], at: number): void {
    for (const r of rejections) opts.telemetry.rejected(r.code, 1);
    opts.rejects.record(rejections.map((r) => ({ at, source, code: r.code, field: r.field, index: r.index, message: r.message, sample: r.sample })));
  }

  /** Refuses the whole request: counted, kept in the reject log, answered with the code's status. */
  function refuse(reply: FastifyReply, err: SluiceError, source: string | null, sample: string | null): FastifyReply {
    recordRejects(source, [{ index: err.index ?? null, code: err.code, field: err.field ?? null, message: err.message, sample }], Date.now());
    return reply.code(err.status).send({ success: false, error: err.toJSON() });
  }

  /** Write key from Basic auth or the writeKey query parameter; a CloudEvent body has no place for one. */
  function authenticate(request: FastifyRequest): string | SluiceError {
    const key = writeKeyFromHeader(request.headers.authorization) ?? writeKeyFromQuery(request.query);
    if (key === undefined) return new SluiceError('unauthorized', 'no write key: send it as the Basic auth username or a writeKey query parameter');
    return opts.writeKeys.get(key) ?? new SluiceError('unauthorized', `unknown write key ${redactKey(key)}`);
  }

  function countStored(source: string, seqs: readonly (number | null)[]): void {
    let dups = 0;
    for (const s of seqs) if (s === null) dups++;
    if (seqs.length - dups > 0) opts.telemetry.received(source, CLOUDEVENT_TYPE, seqs.length - dups);
    if (dups > 0) opts.telemetry.duplicates(source, dups);
  }

  app.post(CLOUDEVENTS_PATH, admitted(opts.admission), async (request, reply) => {
    const receivedAt = Date.now();
    const source = authenticate(request);
    if (source instanceof SluiceError) return refuse(reply, source, null, null);
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

    let prepared: PreparedCloudEvents;
    try {
      prepared = prepareCloudEvents({ headers: request.headers, body }, { source, limits: opts.limits, receivedAt });
    } catch (err) {
      if (err instanceof SluiceError) return refuse(reply, err, source, body.subarray(0, SAMPLE_BYTES).toString('utf8'));
      throw err;
    }
    if (prepared.rejections.length > 0) recordRejects(source, prepared.rejections, receivedAt);
    if (prepared.records.length === 0 && prepared.rejections.length > 0) {
      return reply.code(400).send({
        success: false,
        error: { code: 'invalid_body', message: 'no event of the batch was accepted; see rejected' },
        rejected: prepared.rejections.map(publicRejection),
      });
    }
    if (prepared.records.length > 0) {
      // Overloaded or unavailable storage throws a SluiceError: the app's error handler answers 429 or 503.
      const result = await opts.log.append(prepared.records);
      countStored(source, result.seqs);
    }
    if (prepared.rejections.length === 0) return reply.type('application/json').send(SUCCESS);
    return reply.send({ success: true, accepted: prepared.records.length, rejected: prepared.rejections.map(publicRejection) });
  });
}
