// Webhook sources: POST /v1/webhooks/<name> takes what third-party apps post (Stripe events, signed or unsigned
// payloads), checks the signature over the raw bytes, and appends the payload (and for Stripe the tracking calls
// mapped from it) to the log. The route has its own content parser, whatever the rest of the app parses: the body
// must reach the check as the exact bytes the sender signed (only Content-Encoding is undone, by the app's hook).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../core/errors.js';
import type { IngestLimits } from '../../core/limits.js';
import type { IngestTelemetry } from '../../core/telemetry.js';
import type { Log } from '../../log/log.js';
import type { IngestPrivacy, Rejection } from '../http/ingest.js';
import { admitted, type RequestAdmission } from '../http/shed.js';
import type { RejectLog } from '../reject-log.js';
import type { WebhookConfig } from './config.js';
import { type PreparedWebhook, prepareWebhook } from './prepare.js';
import { SignatureError, verifyHmacSignature, verifyStripeSignature } from './signature.js';

export interface WebhooksOptions {
  hooks: readonly WebhookConfig[];
  limits: IngestLimits;
  log: Log;
  rejects: RejectLog;
  telemetry: IngestTelemetry;
  /** Hashed fields and deleted people's ids, applied to the calls mapped from a Stripe event; absent: neither. */
  privacy?: IngestPrivacy | undefined;
  /** Past capacity, deliveries are answered 429 before their body is read; Stripe retries any non-2xx later. */
  admission?: RequestAdmission;
  /** Milliseconds since the epoch; injected so tolerance windows are testable. */
  now?: () => number;
}

export const WEBHOOKS_PATH = '/v1/webhooks/:source';
const SAMPLE_BYTES = 512;

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/** Throws SignatureError unless the request is signed as the hook's kind requires. */
function verify(hook: WebhookConfig, headers: Record<string, string | string[] | undefined>, body: Buffer, nowMs: number): void {
  switch (hook.kind) {
    case 'stripe':
      return verifyStripeSignature(headerValue(headers['stripe-signature']), body, hook.secret!, hook.tolerance_s, nowMs);
    case 'hmac':
      return verifyHmacSignature(headerValue(headers[hook.header!.toLowerCase()]), body, hook.secret!, { header: hook.header!, algorithm: hook.algorithm, encoding: hook.encoding, prefix: hook.prefix });
    case 'unsigned':
      return; // allowed only with allow_unsigned: true, which the config schema insists on
  }
}

export function registerWebhooks(app: FastifyInstance, opts: WebhooksOptions): void {
  const hooks = new Map(opts.hooks.map((h) => [h.name, h]));
  const now = opts.now ?? Date.now;

  function recordRejects(source: string | null, rejections: readonly Rejection[], at: number): void {
    for (const r of rejections) opts.telemetry.rejected(r.code, 1);
    opts.rejects.record(rejections.map((r) => ({ at, source, code: r.code, field: r.field, index: r.index, message: r.message, sample: r.sample })));
  }

  function refuse(reply: FastifyReply, err: SluiceError, source: string | null, sample: string | null): FastifyReply {
    recordRejects(source, [{ index: null, code: err.code, field: err.field ?? null, message: err.message, sample }], Date.now());
    return reply.code(err.status).send({ success: false, error: err.toJSON() });
  }

  function countStored(source: string, prepared: PreparedWebhook, seqs: readonly (number | null)[]): void {
    let dups = 0;
    seqs.forEach((seq, i) => {
      if (seq === null) dups++;
      else opts.telemetry.received(source, prepared.types[i]!, 1);
    });
    if (dups > 0) opts.telemetry.duplicates(source, dups);
  }

  // An encapsulated scope: its parser applies to this route only, and every content type arrives as a Buffer.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.limits.max_batch_bytes }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { source: string } }>(WEBHOOKS_PATH, admitted(opts.admission), handle);
  });

  async function handle(request: FastifyRequest<{ Params: { source: string } }>, reply: FastifyReply): Promise<FastifyReply> {
    const receivedAt = now();
    const hook = hooks.get(request.params.source);
    if (hook === undefined) {
      const known = [...hooks.keys()];
      const hint = known.length === 0 ? 'none is configured (webhooks: in sluice.yaml)' : `configured: ${known.join(', ')}`;
      return refuse(reply, new SluiceError('not_found', `no webhook source named ${JSON.stringify(request.params.source)}; ${hint}`), null, null);
    }
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      verify(hook, request.headers, body, receivedAt);
    } catch (err) {
      if (!(err instanceof SignatureError)) throw err;
      // No sample: an unverified body is not ours to keep.
      return refuse(reply, new SluiceError('invalid_signature', err.message), hook.name, null);
    }
    let prepared: PreparedWebhook;
    try {
      prepared = prepareWebhook({ headers: request.headers, body }, hook, opts.limits, receivedAt, opts.privacy);
    } catch (err) {
      if (err instanceof SluiceError) return refuse(reply, err, hook.name, body.subarray(0, SAMPLE_BYTES).toString('utf8'));
      throw err;
    }
    if (prepared.suppressed !== undefined) {
      // A deleted person's delivery: acknowledged (the sender must not retry it), stored nowhere, counted.
      opts.privacy?.suppressed(hook.name, prepared.suppressed);
      return reply.send({ success: true, stored: 0, duplicate: false });
    }
    if (prepared.rejections.length > 0) recordRejects(hook.name, prepared.rejections, receivedAt);
    const result = await opts.log.append(prepared.records);
    countStored(hook.name, prepared, result.seqs);
    // Stripe only needs a 2xx; `duplicate` tells a person replaying by hand that nothing new was stored.
    return reply.send({ success: true, stored: result.stored, duplicate: result.seqs[0] === null });
  }
}
