// The one definition of Sluice's configuration: strict (unknown keys are errors), defaults here, units in names.
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { identitySchema } from '../identity/config.js';
import { functionsSchema } from '../pipeline/functions/config.js';
import { rollupsSchema } from '../rollups/config.js';
import { changeCaptureSchema } from '../sources/cdc/config.js';
import { webhooksSchema } from '../sources/webhooks/config.js';

const sourceSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (starting with a letter or digit)').describe('Source name, used in metrics and queries.'),
  write_keys: z.array(z.string().min(8, 'a write key has at least 8 characters')).min(1).describe('Write keys that send to this source.'),
  tracking_plan: z
    .strictObject({
      file: z.string().describe('The plan (YAML or JSON, docs/tracking-plans.md), relative to the config file.'),
      mode: z.enum(['allow', 'omit', 'block']).default('allow').describe('A planned call that breaks its schema: allow (store, flag), omit (drop the offending properties, flag) or block (refuse it).'),
      unplanned_events: z.enum(['allow', 'block']).default('allow').describe('A track event the plan does not name: allow (store, flag) or block (refuse it).'),
    })
    .optional()
    .describe("Checks this source's calls against a tracking plan; violations are counted, stored and marked on the event."),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('0.0.0.0').describe('Address to listen on.'),
      port: z.number().int().min(0).max(65535).default(8080).describe('Port to listen on (PORT overrides).'),
      trusted_proxies: z.array(z.string()).default([]).describe('Addresses or CIDRs whose X-Forwarded-For is believed.'),
      shutdown_timeout_ms: z.number().int().positive().default(10_000).describe('How long a graceful shutdown may take before exit.'),
      max_event_loop_lag_ms: z.number().int().positive().default(100).describe('Past this event-loop lag (two 10 ms ticks in a row) the CPU is over capacity: requests to the collecting endpoints (tracking API, CloudEvents, webhooks) get 429 with Retry-After, unread, until it recovers.'),
      max_inflight_requests: z.number().int().positive().default(256).describe('Requests to the collecting endpoints (tracking API, CloudEvents, webhooks) being read, parsed or awaiting their commit, at most; past it new ones get 429 with Retry-After, unread.'),
      max_inflight_body_bytes: z.number().int().positive().default(2 * 1024 * 1024).describe("Body bytes (Content-Length) of those requests, at most; past it new ones get 429, unread. Bounds the memory that waiting requests hold: their parsed events take several times their body size. 2 MB is ~90 batches of 50 events in flight, more than one core can parse while the last commit lands."),
    })
    .prefault({}),
  role: z
    .enum(['all', 'ingest', 'worker'])
    .default('all')
    .describe('What this process runs (SLUICE_ROLE and --role override): all (everything, the default), ingest (the HTTP sources and the admin API, no consumers) or worker (the consumers and change capture, no tracking routes). ingest and worker need log.backend nats (docs/scaling.md).'),
  data_dir: z.string().default('./data').describe('Where the embedded store lives (SLUICE_DATA_DIR overrides).'),
  admin_token: z.string().min(16).optional().describe('Token for the admin API (SLUICE_ADMIN_TOKEN overrides); generated when absent.'),
  sources: z.array(sourceSchema).default([]).describe('Named sources and their write keys.'),
  webhooks: webhooksSchema,
  limits: z
    .strictObject({
      max_message_bytes: z.number().int().positive().default(DEFAULT_LIMITS.max_message_bytes).describe('One message, serialized after normalization (Segment: 32 KB).'),
      max_batch_bytes: z.number().int().positive().default(DEFAULT_LIMITS.max_batch_bytes).describe('One request body, after gzip decoding (Segment: 500 KB).'),
      max_batch_items: z.number().int().positive().default(DEFAULT_LIMITS.max_batch_items).describe('Items in one batch (Segment: 2,500).'),
      max_depth: z.number().int().min(2).default(DEFAULT_LIMITS.max_depth).describe('Nesting of objects and arrays; the body itself is depth 1.'),
      max_string_bytes: z.number().int().positive().default(DEFAULT_LIMITS.max_string_bytes).describe('Any one string, key or value, as encoded in the body.'),
    })
    .prefault({}),
  log: z
    .strictObject({
      backend: z.enum(['sqlite', 'nats']).default('sqlite').describe('Where the log lives: sqlite (embedded, the default) or nats (NATS JetStream, shared by several processes; docs/backends.md).'),
      dedupe_window_hours: z.number().positive().default(24).describe('A (source, messageId) seen within this window is stored once. The embedded log keeps one to two windows of keys in memory at 11–21 bytes per event, up to 32 for a while after its table grows (at a sustained 1,000 events/s and 24 h: 1–3.6 GB); shorten it for high sustained rates. It counts in the resident memory of the server: the overload runs of the ingest benchmark start with ~2 million events in the window, 32–48 MB of it (BENCHMARKS.md).'),
      retention_hours: z.number().positive().default(168).describe('Events older than this are dropped once every consumer has read them.'),
      max_rows_per_commit: z.number().int().positive().default(10_000).describe('Rows one group commit may carry.'),
      max_queued_bytes: z.number().int().positive().default(8 * 1024 * 1024).describe('Event bytes waiting for the disk before requests get 429 (tracking requests are shed unread from ¾ of it). Bounds memory and the wait under overload: 8 MB is ~0.3 s of batch ingest at capacity.'),
      keep_rejects: z.number().int().positive().default(100_000).describe('Rows the reject log keeps.'),
      nats: z
        .strictObject({
          url: z.string().min(1).default('nats://127.0.0.1:4222').describe('NATS server(s), comma-separated (NATS_URL overrides).'),
          stream: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -').default('SLUICE').describe('The events stream; the dead-letter and retry streams are named after it (<stream>_DEAD, <stream>_RETRIES).'),
          replicas: z.number().int().min(1).max(5).default(1).describe('Copies of each stream in a NATS cluster (1 on a single server; 3 to survive losing a server).'),
          max_age_hours: z.number().min(0).default(0).describe('A hard age limit the server enforces whether consumers have read the events or not (JetStream max_age); 0: none, retention_hours applies.'),
          ack_wait_seconds: z.number().positive().default(30).describe('How long an event handed to a worker that stops answering (it died) stays with it before another worker gets it.'),
          max_ack_pending: z.number().int().positive().default(10_000).describe('Events one consumer may have out (being sent or waiting for a retry) across all its workers; past it, it gets no more until some settle.'),
          publish_timeout_ms: z.number().int().positive().default(5_000).describe('How long an append waits for the server to acknowledge before the client gets 503.'),
        })
        .prefault({})
        .describe('Used when backend is nats.'),
    })
    .prefault({}),
  store: z
    .strictObject({
      backend: z.enum(['sqlite', 'postgres']).default('sqlite').describe('Where rollups, the reject log and plan violations live: sqlite (embedded, in the log\'s database) or postgres.'),
      url: z.string().optional().describe('PostgreSQL connection URL, postgres://user:password@host:5432/db (DATABASE_URL overrides). Required for postgres.'),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, 'lower-case letters, digits and _ (starting with a letter or _)')
        .default('sluice')
        .describe('PostgreSQL schema holding Sluice\'s tables; created and migrated at start (safe with several processes starting at once).'),
      pool_size: z.number().int().positive().default(10).describe('PostgreSQL connections per process.'),
      startup_timeout_ms: z.number().int().positive().default(30_000).describe('How long start waits for PostgreSQL to answer before giving up.'),
      claims_retention_hours: z
        .number()
        .positive()
        .default(24)
        .describe('With a log shared by several workers, how long the log positions rollups counted are remembered so a redelivered event is not counted twice; keep it above the consumer\'s ack wait times max deliveries.'),
    })
    .prefault({}),
  secrets_file: z.string().optional().describe('A file of NAME=value lines that ${{ secrets.NAME }} may name (SLUICE_SECRETS_FILE overrides); the environment wins over it.'),
  destinations: z.array(z.record(z.string(), z.unknown())).default([]).describe('Where events go; each entry is checked against its type (docs/destinations.md).'),
  functions: functionsSchema,
  change_capture: changeCaptureSchema,
  rollups: rollupsSchema,
  identity: identitySchema,
  counting_thread: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe('Run the rollups and identity consumers on a thread of their own instead of the one that answers HTTP requests (embedded default only: log.backend and store.backend sqlite). They then use a second core when there is one, and do not hold requests back.'),
      nice: z
        .number()
        .int()
        .min(0)
        .max(19)
        .default(19)
        .describe("That thread's nice value (Linux). Above 0, ingest gets the CPU first when both want it, and counts and profiles lag while it is saturated (the lag is in GET /api/v1/query/status and the profile API); 19 (the default) gives counting about what ingest leaves idle, 10 about a tenth of a saturated core, 0 an equal share."),
    })
    .prefault({}),
  privacy: z
    .strictObject({
      anonymize_ip: z.boolean().default(false).describe('Zero the last octet (IPv4) or 80 bits (IPv6) of context.ip.'),
      hash_fields: z
        .array(z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a dotted path such as traits.email'))
        .default([])
        .describe('Dotted paths (e.g. traits.email, context.traits.email, properties.phone) whose values are replaced at ingest by their salted SHA-256 HMAC (hex).'),
      salt: z
        .string()
        .min(16)
        .optional()
        .describe('Secret salt of hash_fields and of the suppression hashes of deleted people (use ${{ secrets.NAME }}); generated and kept in the data dir when absent. Changing it changes every hash.'),
    })
    .prefault({}),
});

export type SluiceConfig = z.infer<typeof configSchema>;
