// The webhook destination's options: the one definition. The target may be written two ways, flat
// (`url`, `method`, `headers`) or as the seed connector wrote it (`http: { endpoint, method, headers }`), so configs
// copied from there keep working. Exactly one form is allowed: two places for the same setting is how configs lie.
import { z } from 'zod';

export const METHODS = ['POST', 'PUT', 'PATCH'] as const;
export const BATCH_FORMATS = ['none', 'json_array', 'ndjson'] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];

// RFC 9110 token characters: a bad name is a config error here rather than a TypeError from fetch at send time.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const targetUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const headerMap = () => z.record(z.string().regex(HEADER_NAME, 'not a valid HTTP header name'), z.string());

export const schema = z
  .strictObject({
    url: targetUrl().optional().describe('Where to send events (http or https). Required unless `http.endpoint` is given.'),
    method: z.enum(METHODS).default('POST').describe('HTTP method of every request.'),
    headers: headerMap()
      .default({})
      .describe('Headers added to every request, e.g. Authorization. Content-Type follows batch_format unless set here.'),
    http: z
      .strictObject({
        endpoint: targetUrl().describe('Where to send events (same as `url`).'),
        method: z.enum(METHODS).optional().describe('HTTP method of every request (default POST).'),
        headers: headerMap().optional().describe('Headers added to every request.'),
      })
      .optional()
      .describe('The seed connector form of url/method/headers. Give either this or the top-level keys, not both.'),
    timeout_ms: z.number().int().positive().default(10_000).describe('How long one request may take, response body included.'),
    batch_format: z
      .enum(BATCH_FORMATS)
      .default('none')
      .describe('none: one request per event, body = the event. json_array: one request per batch, body = [events]. ndjson: one request per batch, one event per line.'),
    max_batch_events: z.number().int().positive().max(10_000).default(100).describe('Most events in one batch (with batch_format none: one batch fans out to this many requests).'),
    max_batch_bytes: z.number().int().positive().default(1_048_576).describe('Most serialized event bytes in one batch.'),
    max_parallel_requests: z.number().int().positive().max(256).default(10).describe('With batch_format none: requests one batch may have in flight at once.'),
  })
  .superRefine((options, ctx) => {
    if (options.http === undefined) {
      if (options.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'url is required (or the nested form http: { endpoint })' });
      return;
    }
    if (options.url !== undefined) ctx.addIssue({ code: 'custom', path: ['http'], message: 'give either url or http.endpoint, not both' });
    // method and headers have defaults, so only a non-default value shows that both forms were used.
    if (options.method !== 'POST') ctx.addIssue({ code: 'custom', path: ['method'], message: 'with http: { endpoint }, set the method as http.method' });
    if (Object.keys(options.headers).length > 0) ctx.addIssue({ code: 'custom', path: ['headers'], message: 'with http: { endpoint }, set headers as http.headers' });
  });

export type Config = z.infer<typeof schema>;

export interface Target {
  url: string;
  method: (typeof METHODS)[number];
  /** Lower-cased names, so a configured Content-Type replaces ours instead of being sent twice. */
  headers: Record<string, string>;
}

/** The target, whichever form the config used. Throws when neither is there (a config that skipped the schema). */
export function resolveTarget(config: Config): Target {
  const url = config.http?.endpoint ?? config.url;
  if (url === undefined) throw new Error('webhook destination: url is required (or the nested form http: { endpoint })');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.http?.headers ?? config.headers)) headers[name.toLowerCase()] = value;
  return { url, method: config.http?.method ?? config.method, headers };
}
