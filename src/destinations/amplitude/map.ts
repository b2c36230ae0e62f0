// One stored Segment event → one Amplitude HTTP V2 event. Field names are the "Event array keys" of
// https://amplitude.com/docs/apis/analytics/http-v2; the choices per Segment type are in docs/destinations.md.
// One event in, at most one event out: the response's event indices then map straight back to the batch.
import type { JsonObject } from '../../core/event.js';
import { defined, num, obj, put, str, timeMs } from '../shared/read.js';

export interface MapOptions {
  group_type: string;
  page_event_type: string;
  screen_event_type: string;
}

export type Mapped = { ok: true; event: JsonObject } | { ok: false; reason: string };

const fail = (reason: string): Mapped => ({ ok: false, reason });

export function mapEvent(doc: JsonObject, messageId: string, opts: MapOptions): Mapped {
  const user_id = str(doc, 'userId');
  const device_id = str(doc, 'anonymousId');
  if (user_id === undefined && device_id === undefined) {
    return fail('Amplitude needs a user_id or a device_id, and the event has neither userId nor anonymousId');
  }
  const properties = obj(doc, 'properties') ?? {};
  const traits = obj(doc, 'traits') ?? {};
  const context = obj(doc, 'context');
  // Each event object is built once, key by key in the order Amplitude's docs list them, leaving out what is absent:
  // no intermediate objects to spread and copy (this runs for every event a runner delivers).
  const common = (event_type: string): JsonObject => {
    const event: JsonObject = { event_type };
    put(event, 'user_id', user_id);
    put(event, 'device_id', device_id);
    put(event, 'time', timeMs(doc, 'timestamp'));
    // Amplitude drops an event whose insert_id it saw in the past 7 days: a resend never counts twice.
    event.insert_id = str(doc, 'messageId') ?? messageId;
    if (context !== undefined) putContextFields(event, context);
    return event;
  };

  switch (doc.type) {
    case 'track': {
      const event_type = str(doc, 'event');
      if (event_type === undefined) return fail('a track event needs a name (event) to become an Amplitude event_type');
      const event = common(event_type);
      event.event_properties = properties;
      put(event, 'user_properties', obj(context, 'traits'));
      putRevenueFields(event, properties);
      return { ok: true, event };
    }
    case 'page': {
      const event = common(opts.page_event_type);
      event.event_properties = { ...named(doc, properties), ...pageFields(doc, properties) };
      put(event, 'user_properties', obj(context, 'traits'));
      return { ok: true, event };
    }
    case 'screen': {
      const screen = str(doc, 'name') === undefined ? {} : { '[Amplitude] Screen Name': str(doc, 'name') };
      const event = common(opts.screen_event_type);
      event.event_properties = { ...named(doc, properties), ...screen };
      put(event, 'user_properties', obj(context, 'traits'));
      return { ok: true, event };
    }
    case 'identify': {
      // User property operations are honoured on $identify events only.
      const event = common('$identify');
      event.user_properties = { $set: traits };
      return { ok: true, event };
    }
    case 'group': {
      const groupId = str(doc, 'groupId');
      if (groupId === undefined) return fail('a group event needs a groupId to become an Amplitude group_value');
      // The group type is a routing key, not a property of the group: traits.group_type picks it, else the option.
      const { group_type: traitType, ...groupTraits } = traits;
      const groupType = typeof traitType === 'string' && traitType !== '' ? traitType : opts.group_type;
      const event = common('$groupidentify');
      event.groups = { [groupType]: groupId };
      event.group_properties = { $set: groupTraits };
      return { ok: true, event };
    }
    case 'alias':
      return fail('alias is not sent to Amplitude: the HTTP V2 API has no alias; Amplitude merges users through its User Mapping API');
    default:
      return fail(`unknown event type ${JSON.stringify(doc.type)}`);
  }
}

/** Segment's context spec → Amplitude's device, location and library keys, where present. */
function putContextFields(event: JsonObject, context: JsonObject): void {
  // Each sub-object is looked up once; a missing one reads as undefined, and so does every field under it.
  const device = obj(context, 'device');
  const os = obj(context, 'os');
  const location = obj(context, 'location');
  const library = obj(context, 'library');
  const deviceType = str(device, 'type')?.toLowerCase();
  const userAgent = str(context, 'userAgent');
  put(event, 'ip', str(context, 'ip'));
  put(event, 'user_agent', userAgent);
  put(event, 'app_version', str(context, 'app.version'));
  put(event, 'platform', platform(deviceType, userAgent));
  put(event, 'os_name', str(os, 'name'));
  put(event, 'os_version', str(os, 'version'));
  put(event, 'device_manufacturer', str(device, 'manufacturer'));
  put(event, 'device_model', str(device, 'model'));
  put(event, 'carrier', str(context, 'network.carrier'));
  put(event, 'country', str(location, 'country'));
  put(event, 'region', str(location, 'region'));
  put(event, 'city', str(location, 'city'));
  put(event, 'location_lat', num(location, 'latitude'));
  put(event, 'location_lng', num(location, 'longitude'));
  put(event, 'language', str(context, 'locale'));
  if (deviceType === 'ios') put(event, 'idfa', str(device, 'advertisingId'));
  if (deviceType === 'android') put(event, 'adid', str(device, 'advertisingId'));
  const libraryName = str(library, 'name');
  const libraryVersion = str(library, 'version');
  if (libraryName !== undefined) event.library = libraryVersion === undefined ? libraryName : `${libraryName}/${libraryVersion}`;
}

/** Amplitude's SDKs say iOS, Android or Web; a browser is recognised by its user agent. */
function platform(deviceType: string | undefined, userAgent: string | undefined): string | undefined {
  if (deviceType === 'ios') return 'iOS';
  if (deviceType === 'android') return 'Android';
  return userAgent === undefined ? undefined : 'Web';
}

/** Revenue keys are read from the track properties; Amplitude counts revenue only with a price or a revenue. */
function putRevenueFields(event: JsonObject, p: JsonObject): void {
  const price = num(p, 'price');
  const revenue = num(p, 'revenue');
  if (price === undefined && revenue === undefined) return;
  const quantity = num(p, 'quantity');
  put(event, 'price', price);
  if (quantity !== undefined && Number.isInteger(quantity)) event.quantity = quantity;
  put(event, 'revenue', revenue);
  put(event, 'productId', str(p, 'productId') ?? str(p, 'product_id'));
  put(event, 'revenueType', str(p, 'revenueType') ?? str(p, 'revenue_type'));
  put(event, 'currency', str(p, 'currency'));
}

/** Segment puts the page or screen name beside the properties; Amplitude has only properties. */
function named(doc: JsonObject, properties: JsonObject): JsonObject {
  const name = str(doc, 'name');
  return name === undefined || 'name' in properties ? properties : { ...properties, name };
}

/** The page keys Amplitude's Browser SDK sends with [Amplitude] Page Viewed, so its default page charts work. */
function pageFields(doc: JsonObject, p: JsonObject): JsonObject {
  const location = str(p, 'url') ?? str(doc, 'context.page.url');
  const url = parseUrl(location);
  return defined({
    '[Amplitude] Page Location': location,
    '[Amplitude] Page URL': url === undefined ? undefined : `${url.origin}${url.pathname}`,
    '[Amplitude] Page Domain': url?.hostname,
    '[Amplitude] Page Path': str(p, 'path') ?? str(doc, 'context.page.path') ?? url?.pathname,
    '[Amplitude] Page Title': str(p, 'title') ?? str(doc, 'context.page.title'),
  });
}

function parseUrl(value: string | undefined): URL | undefined {
  if (value === undefined || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}
