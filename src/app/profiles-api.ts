// The profiles API: GET /api/v1/profiles/:id (any userId or anonymousId of the person) answers the stitched profile
// and its recent timeline; DELETE deletes the person and suppresses their future events; GET /api/v1/privacy counts
// what suppression dropped. Registered inside the admin API's scope (admin token).
import type { FastifyInstance } from 'fastify';
import { SluiceError } from '../core/errors.js';
import type { IdentityStatus } from '../identity/identity-consumer.js';
import type { IdentityStore } from '../identity/store.js';
import type { PrivacyService } from './privacy.js';

export interface ProfilesApiDeps {
  store: IdentityStore;
  privacy: PrivacyService;
  /** The running identity consumer; null when stitching is disabled. */
  identity: { status(): Promise<IdentityStatus> } | null;
}

const DEFAULT_TIMELINE = 100;
const MAX_TIMELINE = 1_000;

function noProfile(id: string): SluiceError {
  return new SluiceError('not_found', `no profile holds the id ${JSON.stringify(id)} (as a userId or an anonymousId)`);
}

export function registerProfilesApi(admin: FastifyInstance, deps: ProfilesApiDeps): void {
  admin.get<{ Params: { id: string }; Querystring: { limit?: string } }>('/api/v1/profiles/:id', async (request) => {
    const limit = Number(request.query.limit ?? DEFAULT_TIMELINE);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TIMELINE) {
      throw new SluiceError('invalid_field', `limit must be an integer from 1 to ${MAX_TIMELINE}`, { field: 'limit' });
    }
    const p = await deps.store.profile(request.params.id);
    if (p === null) throw noProfile(request.params.id);
    const events = await deps.store.timeline(p.profileId, limit);
    const status = await deps.identity?.status();
    return {
      profile: {
        id: p.canonicalId,
        user_ids: p.userIds,
        anonymous_ids: p.anonymousIds,
        traits: p.traits,
        first_seen: new Date(p.firstSeen).toISOString(),
        last_seen: new Date(p.lastSeen).toISOString(),
      },
      // Newest first. Events not yet stitched (see `lag`) join the timeline once the identity consumer reaches them.
      events: events.map((e) => ({ seq: e.seq, source: e.source, event: JSON.parse(e.body) as unknown })),
      stitched_through: status?.position ?? (await deps.store.position()),
      lag: status?.lag ?? null,
    };
  });

  admin.delete<{ Params: { id: string } }>('/api/v1/profiles/:id', async (request) => {
    const result = await deps.privacy.forget(request.params.id);
    if (result === null) throw noProfile(request.params.id);
    request.log.info({ userIds: result.userIds.length, anonymousIds: result.anonymousIds.length, events: result.events }, 'person deleted and suppressed');
    return {
      deleted: {
        user_ids: result.userIds,
        anonymous_ids: result.anonymousIds,
        events: result.events,
        dead_letters: result.deadLetters,
        rejects: result.rejects,
        uncounted_from_rollups: result.uncounted,
      },
      suppressed_ids: result.userIds.length + result.anonymousIds.length,
    };
  });

  admin.get('/api/v1/privacy', async () => {
    const s = await deps.privacy.stats();
    return {
      suppressed_ids: s.suppressedIds,
      suppressed_events: s.suppressedEvents,
      refused_merges: await deps.store.refusedMerges(),
    };
  });
}
