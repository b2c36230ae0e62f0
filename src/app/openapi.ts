// The OpenAPI 3.1 document of the query API and the tail, served at GET /openapi.json. Parameters are generated
// from the zod schemas the routes validate with (rollups/query-params.ts, tail-route.ts), so they cannot drift;
// the answers are described here, and query-api.test.ts checks that every query route is listed.
import { z } from 'zod';
import { EVENT_TYPES } from '../core/event.js';
import { ERROR_CODES } from '../core/errors.js';
import { QUERY_PARAMS, type QueryKind } from '../rollups/query-params.js';
import { TAIL_PARAMS, TAIL_PATH } from './tail-route.js';

type Schema = Record<string, unknown>;

const SUMMARIES: Record<QueryKind, string> = {
  count: 'Events per interval, optionally of one event name and type',
  uniques: 'Distinct users (userId, else anonymousId) per interval, estimated with HyperLogLog',
  revenue: 'Sum of numeric properties.revenue per interval',
  'top-events': 'Event names by count',
  'top-pages': 'Page paths by page views',
  'top-referrers': 'Referrer hosts by page views (direct visits and links within the site are not counted)',
  campaigns: 'UTM campaigns (context.campaign.name or utm_campaign) by page views',
  breakdown: "An event's count split by one configured property; values beyond max_values are one \"other\" item",
};

const int = { type: 'integer', minimum: 0 };
const str = { type: 'string' };
const point: Schema = { type: 'object', required: ['t', 'value'], properties: { t: { type: 'string', description: 'Start of the interval, local time with offset (2024-03-10T00:00:00-05:00).' }, value: { type: 'number' } } };
const series: Schema = { type: 'array', items: point };

const frame: Record<string, Schema> = {
  interval: { type: 'string', enum: ['hour', 'day', 'week', 'month'] },
  tz: str,
  from: { type: 'string', format: 'date-time', description: 'Start of the first interval (UTC).' },
  to: { type: 'string', format: 'date-time', description: 'End of the last interval, exclusive (UTC).' },
  exact_edges: { const: false, description: 'Present when tz has an offset that is not whole hours: interval edges were rounded to the hour.' },
};

function object(properties: Record<string, Schema>, required: string[]): Schema {
  return { type: 'object', required, properties };
}

function seriesAnswer(extra: Record<string, Schema> = {}): Schema {
  return object(
    { ...frame, series, total: { type: 'number' }, previous: object({ series, total: { type: 'number' } }, ['series', 'total']), ...extra },
    ['interval', 'tz', 'from', 'to', 'series', 'total', ...Object.keys(extra)],
  );
}

function topAnswer(item: Record<string, Schema>, extra: Record<string, Schema> = {}): Schema {
  const itemSchema = object({ ...item, count: int, previous: { ...int, description: 'Count over the previous range (compare=previous).' } }, [...Object.keys(item), 'count']);
  return object({ ...frame, items: { type: 'array', items: itemSchema }, ...extra }, ['interval', 'tz', 'from', 'to', 'items', ...Object.keys(extra)]);
}

const ANSWERS: Record<QueryKind, Schema> = {
  count: seriesAnswer(),
  uniques: seriesAnswer({ standard_error: { type: 'number', description: 'Relative standard error of each estimate: 1.04/√m, m = 16384 registers (≈ 0.81%).' } }),
  revenue: seriesAnswer(),
  'top-events': topAnswer({ name: str, type: { type: 'string', enum: [...EVENT_TYPES] } }),
  'top-pages': topAnswer({ path: str }),
  'top-referrers': topAnswer({ host: str }),
  campaigns: topAnswer({ campaign: str }),
  breakdown: topAnswer(
    { value: { type: ['string', 'null'], description: 'The property value; null for the other and missing items.' }, kind: { type: 'string', enum: ['value', 'other', 'missing'] } },
    { event: str, property: str },
  ),
};

const errorAnswer: Schema = {
  description: 'An error in the Sluice vocabulary; for a bad parameter, `field` names it.',
  content: {
    'application/json': {
      schema: object(
        {
          success: { const: false },
          error: object({ code: { type: 'string', enum: Object.keys(ERROR_CODES) }, message: str, field: str }, ['code', 'message']),
        },
        ['success', 'error'],
      ),
    },
  },
};

/** Query parameters of a strict zod object, each with its JSON Schema and description. */
function parameters(schema: z.ZodObject): Schema[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const { description, $schema: _s, ...fieldSchema } = z.toJSONSchema(field as z.ZodType, { io: 'input' }) as Schema;
    return { name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, description, schema: fieldSchema };
  });
}

function get(summary: string, params: Schema[], answer: Schema, contentType = 'application/json'): Schema {
  return {
    get: {
      summary,
      security: [{ adminToken: [] }],
      parameters: params,
      responses: { 200: { description: 'OK', content: { [contentType]: { schema: answer } } }, 400: errorAnswer, 401: errorAnswer },
    },
  };
}

export function openApiDocument(): Schema {
  const paths: Record<string, Schema> = {};
  for (const kind of Object.keys(QUERY_PARAMS) as QueryKind[]) {
    paths[`/api/v1/query/${kind}`] = get(SUMMARIES[kind], parameters(QUERY_PARAMS[kind]), ANSWERS[kind]);
  }
  paths['/api/v1/query/status'] = get(
    'How far the rollups have counted: answers include every event up to position',
    [],
    object({ enabled: { type: 'boolean' }, counted_here: { type: 'boolean', description: 'false on an ingest process: the workers count' }, position: int, head: int, lag: int, last_error: { type: ['object', 'null'] } }, ['enabled', 'position', 'head']),
  );
  paths[TAIL_PATH] = get(
    'Newly appended events as Server-Sent Events: one `data:` line per event, JSON {seq, source, type, event}; `id:` is the log position',
    parameters(TAIL_PARAMS),
    { type: 'string' },
    'text/event-stream',
  );
  return {
    openapi: '3.1.0',
    info: { title: 'Sluice query API', version: '1', description: 'Counts, uniques, revenue and top lists from the rollups, and a live tail of the log. See docs/rollups.md.' },
    components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token.' } } },
    paths,
  };
}
