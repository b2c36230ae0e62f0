// The Mixpanel destination's own options: the one definition (docs/destinations.md describes the same fields).
// Runner options (filter, batching, retries, transforms, max in flight) belong to the runner, not here.
import { z } from 'zod';

/** Mixpanel's ingestion hosts by data residency. */
export const REGION_HOSTS = { us: 'https://api.mixpanel.com', eu: 'https://api-eu.mixpanel.com', in: 'https://api-in.mixpanel.com' } as const;

export const schema = z.strictObject({
  project_token: z
    .string()
    .min(1)
    .describe('Project token. Authenticates /import (as the Basic auth user name) and is the $token of profile updates.'),
  region: z.enum(['us', 'eu', 'in']).default('us').describe('Data residency of the project: picks api, api-eu or api-in.mixpanel.com.'),
  endpoint: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Import API URL, instead of the region\'s https://<host>/import. /engage and /groups are resolved beside it.'),
  timeout_ms: z.number().int().positive().default(10_000).describe('How long one request may take before it is abandoned and retried.'),
  group_key: z
    .string()
    .min(1)
    .default('company')
    .describe('$group_key of a group call whose traits carry no group_type; a group key set up in the Mixpanel project.'),
  page_event_name: z.string().min(1).default('$mp_web_page_view').describe('Event name of page calls (the name Mixpanel\'s JavaScript SDK uses).'),
  screen_event_name: z.string().min(1).default('Loaded a Screen').describe('Event name of screen calls.'),
});

export type Config = z.infer<typeof schema>;

export function importUrl(config: Config): URL {
  const url = new URL(config.endpoint ?? `${REGION_HOSTS[config.region]}/import`);
  // Strict mode makes Mixpanel validate each event and name the ones it refused.
  url.searchParams.set('strict', '1');
  return url;
}

/** /engage or /groups beside the import endpoint, answering with JSON {status, error}. */
export function profileUrl(config: Config, path: 'engage' | 'groups'): URL {
  const url = new URL(path, importUrl(config));
  url.searchParams.set('verbose', '1');
  return url;
}
