// The admin and query API as the dashboard sees it: typed answers, and one error type for every failure.
import { loadToken } from './auth.js';

export interface Point {
  /** Bucket start: ISO string, or epoch milliseconds (seconds are accepted too). */
  t: string | number;
  value: number;
}
export interface SeriesResult {
  interval?: string;
  tz?: string;
  series: Point[];
  total: number;
  previous?: { series?: Point[]; total?: number } | number;
}
export interface UniquesResult extends SeriesResult {
  standard_error?: number;
}
export interface TopEvent {
  name: string;
  type: string;
  count: number;
}
export interface Items<T> {
  items: T[];
}
export interface BreakdownItem {
  value: string | null;
  /** other: values past the configured max_values; missing: events without the property. */
  kind?: 'value' | 'other' | 'missing';
  count: number;
}
export interface QueryStatus {
  enabled: boolean;
  position: number;
  head: number;
  lag?: number;
}
export interface DestinationStatus {
  name: string;
  type: string;
  paused: boolean;
  position: number;
  lag: number;
  inFlight: number;
  retrying: number;
  deadLetters: number;
  delivered: number;
  lastError: { at: number; reason: string } | null;
}
export interface DestinationsResult {
  head: number;
  destinations: DestinationStatus[];
}

export type Params = Record<string, string | number | undefined>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Listeners told when the server refuses the token, so the app can ask for it again. */
const unauthorized = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
}

export function apiUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

export async function apiFetch(path: string, params: Params = {}, init: RequestInit = {}, token = loadToken()): Promise<Response> {
  const res = await fetch(apiUrl(path, params), { ...init, headers: { authorization: `Bearer ${token ?? ''}`, ...init.headers } });
  if (res.ok) return res;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401) for (const fn of unauthorized) fn();
  throw new ApiError(res.status, message);
}

export async function apiGet<T>(path: string, params: Params = {}, token?: string): Promise<T> {
  const res = await apiFetch(path, params, {}, token);
  return (await res.json()) as T;
}
