// One HTTP request over node:http / node:https with keep-alive agents shared by every destination. Not fetch: undici's
// fetch measured ~500–700 µs of CPU per request on the benchmark machine (a ReadableStream per request and per
// response, AbortSignal plumbing), node:http with a keep-alive Agent ~107 µs for the same body. A per-event webhook
// pays that on the main thread for every event, where it also delays ingest and every other destination.
import http from 'node:http';
import https from 'node:https';

export interface RawReply {
  status: number;
  body: string;
  retryAfter: string | null;
}

export interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
}

/** Rejected with this when `timeoutMs` passed before the whole response was read. */
export class RequestTimeout extends Error {}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** Resolves with the status and the whole body for any status; rejects on a network error, timeout or abort. */
export function request(r: RawRequest, signal: AbortSignal): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const url = new URL(r.url);
    const secure = url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...r.headers };
    const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
    if (body !== undefined) headers['content-length'] = body.length;
    const req = (secure ? https : http).request(url, { method: r.method, headers, agent: secure ? agents.https : agents.http, signal });
    // The timeout bounds the whole exchange, as AbortSignal.timeout did with fetch, not only socket inactivity.
    const timer = setTimeout(() => req.destroy(new RequestTimeout(`timed out after ${r.timeoutMs} ms`)), r.timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    req.once('error', fail);
    req.once('response', (res) => {
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (chunk: string) => (text += chunk));
      res.once('error', fail);
      res.once('end', () => {
        clearTimeout(timer);
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, body: text, retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
      });
    });
    req.end(body);
  });
}
