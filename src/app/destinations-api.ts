// Admin API for destinations: state, pause and resume, dead letters and their replay, and replay of history.
import type { FastifyInstance } from 'fastify';
import { SluiceError } from '../core/errors.js';
import type { Log } from '../log/log.js';
import type { DestinationRunner } from '../pipeline/runner/destination-runner.js';

export interface DestinationsApiDeps {
  runners: ReadonlyMap<string, DestinationRunner>;
  log: Log;
  /** Resolves a destination name to its consumer, for dead-letter listing. */
  consumerOf: (name: string) => ReturnType<Log['consumer']>;
}

function parseFrom(value: unknown, now: number): { time: number } | { seq: number } {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return { seq: value };
  if (typeof value === 'string') {
    const rel = /^(\d+)\s*(m|h|d)$/.exec(value.trim());
    if (rel) return { time: now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd'] };
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return { time: t };
  }
  throw new SluiceError('invalid_field', 'from must be a log position (integer), an ISO 8601 time, or a duration like 24h, 30m, 7d', { field: 'from' });
}

export function registerDestinationsApi(admin: FastifyInstance, deps: DestinationsApiDeps): void {
  const runner = (name: string): DestinationRunner => {
    const r = deps.runners.get(name);
    if (r === undefined) throw new SluiceError('not_found', `no destination named ${JSON.stringify(name)}`);
    return r;
  };

  admin.get('/api/v1/destinations', async () => {
    const head = (await deps.log.stats()).headSeq;
    return { head, destinations: await Promise.all([...deps.runners.values()].map((r) => r.status())) };
  });

  admin.get<{ Params: { name: string } }>('/api/v1/destinations/:name', async (req) => {
    const status = await runner(req.params.name).status();
    return { ...status, head: (await deps.log.stats()).headSeq };
  });

  admin.post<{ Params: { name: string } }>('/api/v1/destinations/:name/pause', async (req) => {
    await runner(req.params.name).pause();
    return runner(req.params.name).status();
  });

  admin.post<{ Params: { name: string } }>('/api/v1/destinations/:name/resume', async (req) => {
    await runner(req.params.name).resumeDelivery();
    return runner(req.params.name).status();
  });

  admin.get<{ Params: { name: string }; Querystring: { limit?: string; before?: string } }>('/api/v1/destinations/:name/dead-letters', async (req) => {
    runner(req.params.name);
    const limit = Number(req.query.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new SluiceError('invalid_field', 'limit must be an integer from 1 to 1000', { field: 'limit' });
    const before = req.query.before === undefined ? undefined : Number(req.query.before);
    const consumer = await deps.consumerOf(req.params.name);
    const items = await consumer.deadLetters(limit, before);
    return {
      total: await consumer.deadLetterCount(),
      dead_letters: items.map((d) => ({
        id: d.id,
        seq: d.event.seq,
        source: d.event.source,
        message_id: d.event.messageId,
        reason: d.reason,
        attempt: d.attempt,
        at: new Date(d.at).toISOString(),
        detail: d.detail,
        event: JSON.parse(d.event.body) as unknown,
      })),
    };
  });

  admin.post<{ Params: { name: string }; Body: unknown }>('/api/v1/destinations/:name/dead-letters/replay', async (req) => {
    const r = runner(req.params.name);
    const body = parseBody(req.body);
    const ids = body.ids;
    if (ids !== undefined && (!Array.isArray(ids) || !ids.every((i) => Number.isInteger(i)))) {
      throw new SluiceError('invalid_field', 'ids must be an array of dead-letter ids', { field: 'ids' });
    }
    return r.replayDeadLetters(ids as number[] | undefined);
  });

  admin.post<{ Params: { name: string }; Body: unknown }>('/api/v1/destinations/:name/replay', async (req) => {
    const r = runner(req.params.name);
    const body = parseBody(req.body);
    const from = parseFrom(body.from, Date.now());
    const position = 'seq' in from ? from.seq : await deps.log.positionAt(from.time);
    const consumer = await deps.consumerOf(req.params.name);
    await consumer.seek(position);
    return { from: position, head: (await deps.log.stats()).headSeq, destination: await r.status() };
  });
}

function parseBody(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SluiceError('invalid_json', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SluiceError('invalid_body', 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}
