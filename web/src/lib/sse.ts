// Reads a text/event-stream through fetch rather than EventSource, so the admin token travels in the Authorization
// header instead of the URL (where proxies and access logs would keep it).
import { apiFetch, type Params } from './api.js';
import { sseParser } from './sse-parser.js';

/** Resolves when the server ends the stream; rejects on an HTTP error, a network error or an abort. */
export async function readEvents(path: string, params: Params, signal: AbortSignal, onOpen: () => void, onData: (data: string) => void): Promise<void> {
  const res = await apiFetch(path, params, { signal, headers: { accept: 'text/event-stream' } });
  onOpen();
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const push = sseParser(onData);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    push(value);
  }
}
