// One stored Segment event → one Amplitude HTTP V2 event. Field names are the "Event array keys" of
// https://amplitude.com/docs/apis/analytics/http-v2; the choices per Segment type are in docs/destinations.md.
// One event in, at most one event out: the response's event indices then map straight back to the batch.
import type { JsonObject } from '../../core/event.js';
import { defined, num, obj, str, timeMs } from '../shared/read.js';

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
  const common = {
    user_id,
    device_id,
    time: timeMs(doc, 'timestamp'),
    // Amplitude drops an event whose insert_id it saw in the past 7 days: a resend never counts twice.
    insert_id: str(doc, 'messageId') ?? messageId,
    ...contextFields(doc),
  };
  const properties = obj(doc, 'properties') ?? {};
  const traits = obj(doc, 'traits') ?? {};
  const contextTraits = obj(doc, 'context.traits');

  switch (doc.type) {
    case 'track': {
      const event_type = str(doc, 'event');
      if (event_type === undefined) return fail('a track event needs a name (event) to become an Amplitude event_type');
      return ok({ event_type, ...common, event_properties: properties, user_properties: contextTraits, ...revenueFields(properties) });
    }
    case 'page':
      return ok({ event_type: opts.page_event_type, ...common, event_properties: { ...named(doc, properties), ...pageFields(doc, properties) }, user_properties: contextTraits });
    case 'screen': {
      const screen = str(doc, 'name') === undefined ? {} : { '[Amplitude] Screen Name': str(doc, 'name') };
      return ok({ event_type: opts.screen_event_type, ...common, event_properties: { ...named(doc, properties), ...screen }, user_properties: contextTraits });
    }
    case 'identify':
      // User property operations are honoured on $identify events only.
      return ok({ event_type: '$identify', ...common, user_properties: { $set: traits } });
    case 'group': {
      const groupId = str(doc, 'groupId');
      if (groupId === undefined) return fail('a group event needs a groupId to become an Amplitude group_value');
      // The group type is a routing key, not a property of the group: traits.group_type picks it, else the option.
      const { group_type: traitType, ...groupTraits } = traits;
      const groupType = typeof traitType === 'string' && traitType !== '' ? traitType : opts.group_type;
      return ok({ event_type: '$groupidentify', ...common, groups: { [groupType]: groupId }, group_properties: { $set: groupTraits } });
    }
    case 'alias':
      return fail('alias is not sent to Amplitude: the HTTP V2 API has no alias; Amplitude merges users through its User Mapping API');
    default:
      return fail(`unknown event type ${JSON.stringify(doc.type)}`);
  }
}

function ok(event: Record<string, unknown>): Mapped {
  return { ok: true, event: defined(event) };
}

/** Segment's context spec → Amplitude's device, location and library keys, where present. */
function contextFields(doc: JsonObject): JsonObject {
  const deviceType = str(doc, 'context.device.type')?.toLowerCase();
  const advertisingId = str(doc, 'context.device.advertisingId');
  const libraryName = str(doc, 'context.library.name');
  const libraryVersion = str(doc, 'context.library.version');
  return defined({
    ip: str(doc, 'context.ip'),
    user_agent: str(doc, 'context.userAgent'),
    app_version: str(doc, 'context.app.version'),
    platform: platform(deviceType, str(doc, 'context.userAgent')),
    os_name: str(doc, 'context.os.name'),
    os_version: str(doc, 'context.os.version'),
    device_manufacturer: str(doc, 'context.device.manufacturer'),
    device_model: str(doc, 'context.device.model'),
    carrier: str(doc, 'context.network.carrier'),
    country: str(doc, 'context.location.country'),
    region: str(doc, 'context.location.region'),
    city: str(doc, 'context.location.city'),
    location_lat: num(doc, 'context.location.latitude'),
    location_lng: num(doc, 'context.location.longitude'),
    language: str(doc, 'context.locale'),
    idfa: deviceType === 'ios' ? advertisingId : undefined,
    adid: deviceType === 'android' ? advertisingId : undefined,
    library: libraryName === undefined ? undefined : libraryVersion === undefined ? libraryName : `${libraryName}/${libraryVersion}`,
  });
}

/** Amplitude's SDKs say iOS, Android or Web; a browser is recognised by its user agent. */
function platform(deviceType: string | undefined, userAgent: string | undefined): string | undefined {
  if (deviceType === 'ios') return 'iOS';
  if (deviceType === 'android') return 'Android';
  return userAgent === undefined ? undefined : 'Web';
}

/** Revenue keys are read from the track properties; Amplitude counts revenue only with a price or a revenue. */
function revenueFields(p: JsonObject): JsonObject {
  const price = num(p, 'price');
  const revenue = num(p, 'revenue');
  if (price === undefined && revenue === undefined) return {};
  const quantity = num(p, 'quantity');
  return defined({
    price,
    quantity: quantity !== undefined && Number.isInteger(quantity) ? quantity : undefined,
    revenue,
    productId: str(p, 'productId') ?? str(p, 'product_id'),
    revenueType: str(p, 'revenueType') ?? str(p, 'revenue_type'),
    currency: str(p, 'currency'),
  });
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
