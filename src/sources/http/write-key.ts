// Where a Segment-compatible client puts its write key: HTTP Basic (the key as username, with or without the
// trailing colon), a `writeKey` field in the body (analytics.js with text/plain), or a `writeKey` query parameter.

// The last header decoded: an SDK sends the same Authorization header on every request.
let lastHeader: string | undefined;
let lastKey: string | undefined;

export function writeKeyFromHeader(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  if (authorization === lastHeader) return lastKey;
  lastKey = decodeBasic(authorization);
  lastHeader = authorization;
  return lastKey;
}

function decodeBasic(authorization: string): string | undefined {
  const m = /^\s*basic\s+(\S+)\s*$/i.exec(authorization);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return key === '' ? undefined : key;
}

export function writeKeyFromQuery(query: unknown): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const v = (query as Record<string, unknown>).writeKey;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function writeKeyFromBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const v = (body as Record<string, unknown>).writeKey;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Shows enough of a key to tell keys apart in logs and errors, never the whole key. */
export function redactKey(key: string): string {
  return key.length <= 4 ? '****' : `${key.slice(0, 4)}…`;
}
