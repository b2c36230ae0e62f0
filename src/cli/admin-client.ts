// Talks to a running Sluice's admin API, so the CLI works the same against a local or a remote server.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AdminTarget {
  url: string;
  token: string;
}

export class AdminError extends Error {}

/** Token from the flag, else SLUICE_ADMIN_TOKEN, else the admin-token file a local server wrote in its data dir. */
export function resolveTarget(opts: { url?: string; token?: string; dataDir?: string }, env: NodeJS.ProcessEnv): AdminTarget {
  const url = (opts.url ?? env.SLUICE_URL ?? `http://127.0.0.1:${env.PORT ?? 8080}`).replace(/\/+$/, '');
  let token = opts.token ?? env.SLUICE_ADMIN_TOKEN;
  const file = join(opts.dataDir ?? env.SLUICE_DATA_DIR ?? './data', 'admin-token');
  if (token === undefined && existsSync(file)) token = readFileSync(file, 'utf8').trim();
  if (token === undefined) throw new AdminError(`no admin token: pass --token, set SLUICE_ADMIN_TOKEN, or run where ${file} exists`);
  return { url, token };
}

export async function call<T>(target: AdminTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  const text = body === undefined ? (method === 'POST' ? '{}' : undefined) : JSON.stringify(body);
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      // No content type without a body: the server refuses an empty JSON body.
      headers: { authorization: `Bearer ${target.token}`, ...(text === undefined ? {} : { 'content-type': 'application/json' }) },
      body: text,
    });
  } catch (err) {
    throw new AdminError(`cannot reach Sluice at ${target.url}: ${(err as Error).message}`);
  }
  const answer = await res.text();
  if (!res.ok) {
    let message = answer;
    try {
      message = (JSON.parse(answer) as { error?: { message?: string } }).error?.message ?? answer;
    } catch {
      // not JSON: show it as it is
    }
    throw new AdminError(`${method} ${path} answered ${res.status}: ${message}`);
  }
  return JSON.parse(answer) as T;
}

/** Opens a Server-Sent Events stream (the tail) and yields the data of each message until it ends or `signal` aborts. */
export async function* streamEvents(target: AdminTarget, path: string, signal?: AbortSignal): AsyncGenerator<string> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, { headers: { authorization: `Bearer ${target.token}`, accept: 'text/event-stream' }, ...(signal ? { signal } : {}) });
  } catch (err) {
    throw new AdminError(`cannot reach Sluice at ${target.url}: ${(err as Error).message}`);
  }
  if (!res.ok || res.body === null) {
    const text = await res.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // not JSON: show it as it is
    }
    throw new AdminError(`GET ${path} answered ${res.status}: ${message}`);
  }
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      // Messages end with a blank line; `data:` lines of one message are joined by newlines (comments are skipped).
      for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
        const data = buffered
          .slice(0, end)
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''));
        buffered = buffered.slice(end + 2);
        if (data.length > 0) yield data.join('\n');
      }
    }
  } catch (err) {
    if (signal?.aborted) return;
    throw new AdminError(`the stream from ${target.url} broke: ${(err as Error).message}`);
  }
}
