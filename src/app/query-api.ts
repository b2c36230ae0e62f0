// The query API (/api/v1/query/*), the live tail (/api/v1/tail) and their OpenAPI document (/openapi.json). The
// routes need the admin token like the rest of the admin API; the tail alone also takes it as ?token=.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '../core/errors.js';
import type { Log } from '../log/log.js';
import { QUERIES } from '../rollups/queries.js';
import { parseParams, type QueryKind } from '../rollups/query-params.js';
import type { RollupsStatus } from '../rollups/rollups-consumer.js';
import type { RollupStore } from '../rollups/store.js';
import { openApiDocument } from './openapi.js';
import { TailHub } from './tail.js';
import { registerTailRoute, TAIL_PATH } from './tail-route.js';

export interface QueryApiDeps {
  store: RollupStore;
  log: Log;
  /** The running rollups consumer; null when rollups are disabled (queries then answer from what was counted). */
  rollups: { status(): Promise<RollupsStatus> } | null;
  /** Rollups are enabled but counted by other processes (role ingest): status says so instead of "disabled". */
  countedElsewhere?: boolean;
  now?: () => number;
}

function bearer(request: FastifyRequest): string | undefined {
  return /^\s*bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** `isAdminToken` is the admin API's own (constant-time) check, so there is one notion of the admin token. */
export function registerQueryApi(app: FastifyInstance, deps: QueryApiDeps, isAdminToken: (token: string | undefined) => boolean): void {
  const now = deps.now ?? Date.now;
  const document = openApiDocument();
  app.get('/openapi.json', async () => document);

  app.register(async (api) => {
    api.addHook('onRequest', async (request) => {
      if (isAdminToken(bearer(request))) return;
      if (request.routeOptions.url === TAIL_PATH && isAdminToken((request.query as { token?: string }).token)) return;
      throw new SluiceError('forbidden', 'send the admin token as "Authorization: Bearer <token>"');
    });

    for (const kind of Object.keys(QUERIES) as QueryKind[]) {
      api.get(`/api/v1/query/${kind}`, async (request) => {
        const run = QUERIES[kind] as (store: RollupStore, params: unknown, now: number) => Promise<object>;
        return run(deps.store, parseParams(kind, request.query), now());
      });
    }

    api.get('/api/v1/query/status', async () => {
      const head = (await deps.log.stats()).headSeq;
      if (deps.rollups === null) return { enabled: deps.countedElsewhere === true, ...(deps.countedElsewhere ? { counted_here: false } : {}), position: await deps.store.position(), head };
      const s = await deps.rollups.status();
      return { enabled: true, position: s.position, head, lag: s.lag, last_error: s.lastError };
    });

    const hub = new TailHub(deps.log, (err) => app.log.warn({ err }, 'tail could not read the log'));
    api.addHook('onClose', async () => hub.stop());
    registerTailRoute(api, hub);
  });
}
