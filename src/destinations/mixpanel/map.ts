// One stored Segment event → one Mixpanel record: an event for /import, or a profile update for /engage or /groups.
// Field names: https://developer.mixpanel.com/reference/import-events (event, properties.time, distinct_id,
// $insert_id, ip), the Simplified ID Merge guide ($user_id, $device_id) and the /engage and /groups references.
// The choices per Segment type are in docs/destinations.md.
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../core/event.js';
import { bool, copyInto, defined, num, obj, put, str, timeMs } from '../shared/read.js';

export interface MapOptions {
  project_token: string;
  group_key: string;
  page_event_name: string;
  screen_event_name: string;
}

export type Route = 'import' | 'engage' | 'groups';
export type Mapped = { ok: true; route: Route; record: JsonObject } | { ok: false; reason: string };

const fail = (reason: string): Mapped => ({ ok: false, reason });

export function mapEvent(doc: JsonObject, messageId: string, opts: MapOptions): Mapped {
  const properties = obj(doc, 'properties') ?? {};
  const traits = obj(doc, 'traits') ?? {};
  switch (doc.type) {
    case 'track': {
      const name = str(doc, 'event');
      return name === undefined ? fail('a track event needs a name (event) to become a Mixpanel event') : importEvent(name, doc, messageId, properties);
    }
    case 'page':
      return importEvent(opts.page_event_name, doc, messageId, { ...pageProperties(doc, properties), ...named(doc, properties) });
    case 'screen':
      return importEvent(opts.screen_event_name, doc, messageId, named(doc, properties));
    case 'identify': {
      const userId = str(doc, 'userId');
      // Mixpanel advises against profiles for anonymous users, and a profile of "$device:…" would never merge.
      if (userId === undefined) return fail('identify without a userId: Mixpanel profiles are kept for identified users only');
      // Without $ip Mixpanel would place the profile where Sluice runs; "0" tells it there is no location.
      return { ok: true, route: 'engage', record: { $token: opts.project_token, $distinct_id: userId, $ip: str(doc, 'context.ip') ?? '0', $set: traits } };
    }
    case 'group': {
      const groupId = str(doc, 'groupId');
      if (groupId === undefined) return fail('a group event needs a groupId to become a Mixpanel $group_id');
      const { group_type: traitKey, ...groupTraits } = traits;
      const groupKey = typeof traitKey === 'string' && traitKey !== '' ? traitKey : opts.group_key;
      return { ok: true, route: 'groups', record: { $token: opts.project_token, $group_key: groupKey, $group_id: groupId, $set: groupTraits } };
    }
    case 'alias':
      return fail('alias is not sent to Mixpanel: with Simplified ID Merge an event carrying both $user_id and $device_id merges the identities');
    default:
      return fail(`unknown event type ${JSON.stringify(doc.type)}`);
  }
}

function importEvent(event: string, doc: JsonObject, messageId: string, properties: JsonObject): Mapped {
  const time = timeMs(doc, 'timestamp');
  if (time === undefined) return fail('Mixpanel requires a time, and the event has no valid timestamp');
  const userId = str(doc, 'userId');
  const deviceId = str(doc, 'anonymousId');
  // What Simplified ID Merge would derive itself; /import wants distinct_id on every event ('' for no user).
  const distinct_id = userId ?? (deviceId === undefined ? '' : `$device:${deviceId}`);
  // One object, filled in the order a spread of each part would give (later parts override earlier keys): no
  // intermediate objects, as this runs for every event a runner delivers.
  const out: JsonObject = {};
  const context = obj(doc, 'context');
  if (context !== undefined) putContextProperties(out, context);
  copyInto(out, properties);
  put(out, '$user_id', userId);
  put(out, '$device_id', deviceId);
  out.time = time;
  out.distinct_id = distinct_id;
  out.$insert_id = insertId(str(doc, 'messageId') ?? messageId);
  return { ok: true, route: 'import', record: { event, properties: out } };
}

const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;
/** Values Mixpanel refuses as distinct_id and, by the same list, as $insert_id. */
const REFUSED_IDS = new Set(['00000000-0000-0000-0000-000000000000', 'anon', 'anonymous', 'nil', 'none', 'null', 'n/a', 'na', 'undefined', 'unknown', '<nil>', '0', '-1', 'true', 'false', '[]', '{}']);

/**
 * Mixpanel's $insert_id is at most 36 bytes of letters, digits and "-". A messageId that is not (analytics.js sends
 * "ajs-next-" + 32 hex digits) becomes the first 36 hex digits of its SHA-256: the same every time, so a resent
 * event is still deduplicated.
 */
export function insertId(messageId: string): string {
  if (INSERT_ID.test(messageId) && !REFUSED_IDS.has(messageId.toLowerCase())) return messageId;
  return createHash('sha256').update(messageId).digest('hex').slice(0, 36);
}

/** Segment's context spec → Mixpanel's default property names, where present. Event properties override them. */
function putContextProperties(out: JsonObject, context: JsonObject): void {
  // Each sub-object is looked up once; a missing one reads as undefined, and so does every field under it.
  const os = obj(context, 'os');
  const device = obj(context, 'device');
  const app = obj(context, 'app');
  const network = obj(context, 'network');
  const screen = obj(context, 'screen');
  const page = obj(context, 'page');
  const campaign = obj(context, 'campaign');
  const library = obj(context, 'library');
  put(out, 'ip', str(context, 'ip'));
  put(out, '$os', str(os, 'name'));
  put(out, '$os_version', str(os, 'version'));
  put(out, '$manufacturer', str(device, 'manufacturer'));
  put(out, '$model', str(device, 'model'));
  put(out, '$app_version_string', str(app, 'version'));
  put(out, '$app_build_number', str(app, 'build'));
  put(out, '$carrier', str(network, 'carrier'));
  put(out, '$wifi', bool(network, 'wifi'));
  put(out, '$screen_width', num(screen, 'width'));
  put(out, '$screen_height', num(screen, 'height'));
  put(out, '$current_url', str(page, 'url'));
  put(out, '$referrer', str(page, 'referrer'));
  put(out, 'utm_source', str(campaign, 'source'));
  put(out, 'utm_medium', str(campaign, 'medium'));
  put(out, 'utm_campaign', str(campaign, 'name'));
  put(out, 'utm_term', str(campaign, 'term'));
  put(out, 'utm_content', str(campaign, 'content'));
  put(out, 'mp_lib', str(library, 'name'));
  put(out, '$lib_version', str(library, 'version'));
}

/** The page keys Mixpanel's JavaScript SDK sends with $mp_web_page_view, so its page reports work. */
function pageProperties(doc: JsonObject, p: JsonObject): JsonObject {
  const location = str(p, 'url') ?? str(doc, 'context.page.url');
  const url = location !== undefined && URL.canParse(location) ? new URL(location) : undefined;
  return defined({
    $current_url: location,
    current_page_title: str(p, 'title') ?? str(doc, 'context.page.title'),
    current_domain: url?.hostname,
    current_url_path: str(p, 'path') ?? str(doc, 'context.page.path') ?? url?.pathname,
    current_url_protocol: url?.protocol,
    current_url_search: url === undefined ? str(p, 'search') : url.search,
  });
}

/** Segment puts the page or screen name beside the properties; Mixpanel has only properties. */
function named(doc: JsonObject, properties: JsonObject): JsonObject {
  const name = str(doc, 'name');
  return name === undefined || 'name' in properties ? properties : { ...properties, name };
}
