// What the rollups read from one stored event: its hour, name, user, and for page views the path, referrer host and
// campaign. Pure functions of the event; every rule is listed in docs/rollups.md.
import type { JsonObject, TrackingEvent } from '../core/event.js';
import { hourOf } from './periods.js';

const MAX_KEY_CHARS = 500;

function obj(v: unknown): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Keys are labels, not data: bounded in length and free of control characters (NUL marks the store's sentinels). */
export function cleanKey(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, MAX_KEY_CHARS);
}

/** The hour the event happened (its skew-corrected `timestamp`), so a late event lands in its own hour. */
export function eventHour(e: TrackingEvent, receivedAtMs: number): number {
  const t = Date.parse(e.timestamp);
  return hourOf(Number.isNaN(t) ? receivedAtMs : t);
}

/** A track's `event`, a page's or screen's `name`, else ''. */
export function eventName(e: TrackingEvent): string {
  if (e.type === 'track') return cleanKey(e.event ?? '');
  if (e.type === 'page' || e.type === 'screen') return cleanKey(e.name ?? '');
  return '';
}

/** userId, else anonymousId: someone seen first anonymously and then signed in counts as two. */
export function userOf(e: TrackingEvent): string | undefined {
  return str(e.userId) ?? str(e.anonymousId);
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** `/a//b/?x=1#y` → `/a/b`: no query or fragment, no repeated or trailing slash, always a leading one. */
export function normalizePath(raw: string): string {
  let p = raw.split(/[?#]/, 1)[0]!.trim();
  p = `/${p}`.replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return cleanKey(p);
}

function pageUrl(e: TrackingEvent): URL | undefined {
  const props = obj(e.properties);
  const page = obj(obj(e.context)?.page);
  const raw = str(props?.url) ?? str(page?.url);
  return raw === undefined ? undefined : parseUrl(raw);
}

/** properties.path, else context.page.path, else the path of properties.url (or context.page.url). */
export function pagePath(e: TrackingEvent): string | undefined {
  const props = obj(e.properties);
  const page = obj(obj(e.context)?.page);
  const path = str(props?.path) ?? str(page?.path);
  if (path !== undefined) return normalizePath(path);
  const url = pageUrl(e);
  return url === undefined ? undefined : normalizePath(url.pathname);
}

function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^www\./, '');
}

/** The referrer's host without `www.`; none for direct visits, unparseable referrers, and links within the site. */
export function referrerHost(e: TrackingEvent): string | undefined {
  const raw = str(obj(e.properties)?.referrer) ?? str(obj(obj(e.context)?.page)?.referrer);
  const ref = raw === undefined ? undefined : parseUrl(raw);
  if (ref === undefined || ref.hostname === '') return undefined;
  const host = hostOf(ref);
  const self = pageUrl(e);
  if (self !== undefined && hostOf(self) === host) return undefined;
  return cleanKey(host);
}

/** context.campaign.name, else utm_campaign in the page's URL (or its `search`). */
export function campaignOf(e: TrackingEvent): string | undefined {
  const name = str(obj(obj(e.context)?.campaign)?.name);
  if (name !== undefined) return cleanKey(name);
  const fromUrl = pageUrl(e)?.searchParams.get('utm_campaign');
  if (fromUrl) return cleanKey(fromUrl);
  const search = str(obj(e.properties)?.search) ?? str(obj(obj(e.context)?.page)?.search);
  const fromSearch = search === undefined ? null : new URLSearchParams(search).get('utm_campaign');
  return fromSearch ? cleanKey(fromSearch) : undefined;
}

/** properties.revenue when it is a finite number. */
export function revenueOf(e: TrackingEvent): number | undefined {
  const r = obj(e.properties)?.revenue;
  return typeof r === 'number' && Number.isFinite(r) ? r : undefined;
}

/** A property's value as a breakdown label: strings as they are, numbers and booleans spelled out, others as JSON; null when absent. */
export function propertyLabel(e: TrackingEvent, property: string): string | null {
  const v = obj(e.properties)?.[property];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return cleanKey(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return cleanKey(JSON.stringify(v));
}
