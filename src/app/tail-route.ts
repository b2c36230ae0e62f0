// GET /api/v1/tail: newly appended events as Server-Sent Events, filtered. A browser's EventSource cannot send
// headers, so this route alone also takes the admin token as ?token= (query-api.ts checks it).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseQueryString } from '../rollups/query-params.js';
import type { TailHub } from './tail.js';

export const TAIL_PATH = '/api/v1/tail';
const HEARTBEAT_MS = 15_000;
/** A watcher that reads slower than events arrive is cut off past this much unsent data; EventSource reconnects. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export const TAIL_PARAMS = z.strictObject({
  source: z.string().min(1).optional().describe('Only events of this source.'),
  type: z.string().min(1).optional().describe('Only events of this stored type (track, page, identify, … or cloudevent).'),
  event: z.string().min(1).optional().describe('Only events with this name (a track event, or a page or screen name).'),
  user: z.string().min(1).optional().describe('Only events whose userId or anonymousId is this.'),
  token: z.string().optional().describe('The admin token, for clients that cannot send an Authorization header (EventSource).'),
});

export function registerTailRoute(api: FastifyInstance, hub: TailHub): void {
  const open = new Set<() => void>();
  api.addHook('preClose', async () => {
    for (const end of open) end();
  });

  // No HEAD twin: a HEAD request would otherwise open a stream that never ends.
  api.get(TAIL_PATH, { exposeHeadRoute: false }, async (request, reply) => {
    const { token: _token, ...filter } = parseQueryString(TAIL_PARAMS, request.query);
    const res = reply.raw;
    let unsubscribe: (() => void) | null = null;
    let heartbeat: NodeJS.Timeout | null = null;
    const end = (): void => {
      open.delete(end);
      unsubscribe?.();
      if (heartbeat !== null) clearInterval(heartbeat);
      if (!res.writableEnded) res.end();
    };
    reply.hijack();
    // Headers set earlier by hooks (CORS) are on the reply; a hijacked reply sends only what is written here.
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n: watching for new events\n\n');
    open.add(end);
    request.raw.on('close', end);
    heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    unsubscribe = await hub.subscribe(filter, (e) => {
      if (res.writableLength > MAX_BUFFERED_BYTES) return end();
      res.write(`id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`);
    });
    // The client may have gone while we subscribed.
    if (!open.has(end)) unsubscribe();
  });
}
