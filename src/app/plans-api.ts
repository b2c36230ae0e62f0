// Admin routes for tracking plans: which sources enforce which plan, and the violations found, aggregated per
// (source, event, path, kind) with counts, first and last seen, and an example value.
import type { FastifyInstance } from 'fastify';
import { SluiceError } from '../core/errors.js';
import { PLAN_VIOLATION_KINDS, type ViolationQuery } from '../core/plan.js';
import type { PlansApiDeps } from './plans.js';

type ViolationsQuery = { source?: string; event?: string; type?: string; kind?: string; limit?: string };

export function registerPlansApi(admin: FastifyInstance, deps: PlansApiDeps): void {
  admin.get('/api/v1/plans', async () => ({
    plans: [...deps.bySource.values()].map((p) => ({
      source: p.source,
      file: p.file,
      name: p.compiled.plan.name ?? null,
      mode: p.enforcement.mode,
      unplanned_events: p.enforcement.unplanned_events,
      events: [...p.compiled.events.keys()],
      calls: Object.keys(p.compiled.sections),
    })),
  }));

  admin.get<{ Querystring: ViolationsQuery }>('/api/v1/plans/violations', async (request) => {
    const q = request.query;
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new SluiceError('invalid_field', 'limit must be an integer from 1 to 10000', { field: 'limit' });
    if (q.kind !== undefined && !(PLAN_VIOLATION_KINDS as readonly string[]).includes(q.kind)) {
      throw new SluiceError('invalid_field', `kind must be one of ${PLAN_VIOLATION_KINDS.join(', ')}`, { field: 'kind' });
    }
    const query: ViolationQuery = { limit };
    if (q.source !== undefined) query.source = q.source;
    if (q.event !== undefined) query.event = q.event;
    if (q.type !== undefined) query.type = q.type;
    if (q.kind !== undefined) query.kind = q.kind;
    const rows = await deps.violations.list(query);
    return { violations: rows.map((r) => ({ ...r, first_seen: new Date(r.first_seen).toISOString(), last_seen: new Date(r.last_seen).toISOString() })) };
  });
}
