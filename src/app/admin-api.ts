// The admin API (/api/v1/...): protected by the admin token, separate from write keys.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '../core/errors.js';
import type { Log } from '../log/log.js';
import type { RejectLog } from '../sources/reject-log.js';
import { registerDestinationsApi } from './destinations-api.js';
import type { FunctionsRunner } from '../pipeline/functions/runner.js';
import type { Pipeline } from './pipeline.js';
import { type QueryApiDeps, registerQueryApi } from './query-api.js';
import { registerPlansApi } from './plans-api.js';
import { type ProfilesApiDeps, registerProfilesApi } from './profiles-api.js';
import type { PlansApiDeps } from './plans.js';

export interface AdminApiDeps {
  adminToken: string;
  log: Log;
  rejects: RejectLog;
  pipeline: Pipeline;
  functions: FunctionsRunner;
  query?: QueryApiDeps;
  plans?: PlansApiDeps;
  profiles?: ProfilesApiDeps;
}

function tokenOf(request: FastifyRequest): string | undefined {
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return m?.[1];
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function registerAdminApi(app: FastifyInstance, deps: AdminApiDeps): void {
  if (deps.query !== undefined) registerQueryApi(app, deps.query, (token) => token !== undefined && sameToken(token, deps.adminToken));
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => {
      const token = tokenOf(request);
      if (token === undefined || !sameToken(token, deps.adminToken)) {
        throw new SluiceError('forbidden', 'send the admin token as "Authorization: Bearer <token>"');
      }
    });

    admin.get<{ Querystring: { limit?: string; source?: string; code?: string } }>('/api/v1/rejects', async (request) => {
      const q = request.query;
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new SluiceError('invalid_field', 'limit must be an integer from 1 to 10000', { field: 'limit' });
      }
      const query: { limit: number; source?: string; code?: string } = { limit };
      if (q.source !== undefined) query.source = q.source;
      if (q.code !== undefined) query.code = q.code;
      return { rejects: await deps.rejects.list(query) };
    });

    admin.get<{ Querystring: { after?: string; limit?: string; since?: string } }>('/api/v1/events', async (request) => {
      // since (ISO time or ms): start at the first event received then; `after` pages on from there.
      const since = request.query.since === undefined ? undefined : /^\d+$/.test(request.query.since) ? Number(request.query.since) : Date.parse(request.query.since);
      if (since !== undefined && Number.isNaN(since)) throw new SluiceError('invalid_field', 'since must be an ISO time or milliseconds', { field: 'since' });
      const after = since !== undefined && request.query.after === undefined ? await deps.log.positionAt(since) : Number(request.query.after ?? 0);
      const limit = Number(request.query.limit ?? 100);
      if (!Number.isInteger(after) || after < 0) throw new SluiceError('invalid_field', 'after must be a non-negative integer', { field: 'after' });
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new SluiceError('invalid_field', 'limit must be an integer from 1 to 10000', { field: 'limit' });
      const events = await deps.log.scan(after, limit);
      return { events: events.map((e) => ({ seq: e.seq, source: e.source, event: JSON.parse(e.body) as unknown })) };
    });

    admin.get('/api/v1/log', async () => deps.log.stats());
    admin.get('/api/v1/functions', async () => ({ functions: deps.functions.status() }));
    if (deps.plans !== undefined) registerPlansApi(admin, deps.plans);
    if (deps.profiles !== undefined) registerProfilesApi(admin, deps.profiles);
    registerDestinationsApi(admin, { runners: deps.pipeline.runners, log: deps.log, consumerOf: (name) => deps.pipeline.consumerOf(name) });
  });
}
