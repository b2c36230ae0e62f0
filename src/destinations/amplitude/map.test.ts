import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../core/event.js';
import { schema } from './config.js';
import { mapEvent } from './map.js';

const opts = schema.parse({ api_key: 'k' });

const context: JsonObject = {
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
  locale: 'en-US',
  app: { name: 'Shop', version: '2.1.3', build: '42' },
  os: { name: 'iOS', version: '17.0' },
  device: { type: 'ios', manufacturer: 'Apple', model: 'iPhone15,2', advertisingId: 'AEBE52E7-03EE-455A-B3C4-E57283966239' },
  network: { carrier: 'Verizon' },
  location: { country: 'United States', region: 'California', city: 'San Francisco', latitude: 37.77, longitude: -122.39 },
  library: { name: 'analytics-ios', version: '4.1.0' },
  traits: { plan: 'pro' },
};

const base = {
  messageId: 'msg-0001',
  userId: 'user-12345',
  anonymousId: 'anon-67890',
  context,
  timestamp: '2024-06-01T12:00:00.000Z',
  receivedAt: '2024-06-01T12:00:01.000Z',
};

function mapped(doc: JsonObject): JsonObject {
  const r = mapEvent(doc, 'outgoing-id', opts);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.event;
}

const deviceFields = {
  user_id: 'user-12345',
  device_id: 'anon-67890',
  time: Date.parse('2024-06-01T12:00:00.000Z'),
  insert_id: 'msg-0001',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
  app_version: '2.1.3',
  platform: 'iOS',
  os_name: 'iOS',
  os_version: '17.0',
  device_manufacturer: 'Apple',
  device_model: 'iPhone15,2',
  carrier: 'Verizon',
  country: 'United States',
  region: 'California',
  city: 'San Francisco',
  location_lat: 37.77,
  location_lng: -122.39,
  language: 'en-US',
  idfa: 'AEBE52E7-03EE-455A-B3C4-E57283966239',
  library: 'analytics-ios/4.1.0',
};

describe('amplitude mapping', () => {
  it('track: event name, properties, context traits, device and revenue keys', () => {
    const event = mapped({
      ...base,
      type: 'track',
      event: 'Order Completed',
      properties: { revenue: 9.98, price: 4.99, quantity: 2, product_id: 'sku-1', revenue_type: 'Purchase', currency: 'EUR', coupon: 'X' },
    });
    assert.deepEqual(event, {
      event_type: 'Order Completed',
      ...deviceFields,
      event_properties: { revenue: 9.98, price: 4.99, quantity: 2, product_id: 'sku-1', revenue_type: 'Purchase', currency: 'EUR', coupon: 'X' },
      user_properties: { plan: 'pro' },
      price: 4.99,
      quantity: 2,
      revenue: 9.98,
      productId: 'sku-1',
      revenueType: 'Purchase',
      currency: 'EUR',
    });
  });

  it('track without revenue or price carries no revenue keys; without context only the ids, time and insert_id', () => {
    const event = mapped({ type: 'track', event: 'Clicked', messageId: 'm1', anonymousId: 'anon-1', properties: { quantity: 3 }, context: {}, timestamp: '2024-06-01T12:00:00.000Z' });
    assert.deepEqual(event, { event_type: 'Clicked', device_id: 'anon-1', time: 1717243200000, insert_id: 'm1', event_properties: { quantity: 3 } });
  });

  it('identify: $identify with the traits under user_properties.$set', () => {
    const event = mapped({ ...base, type: 'identify', traits: { email: 'a@example.com', plan: 'team' } });
    assert.deepEqual(event, { event_type: '$identify', ...deviceFields, user_properties: { $set: { email: 'a@example.com', plan: 'team' } } });
  });

  it('group: $groupidentify; the type from traits.group_type, else the group_type option', () => {
    const fromTraits = mapped({ ...base, type: 'group', groupId: 'acme', traits: { group_type: 'org', name: 'Acme', employees: 50 } });
    assert.deepEqual(fromTraits, { event_type: '$groupidentify', ...deviceFields, groups: { org: 'acme' }, group_properties: { $set: { name: 'Acme', employees: 50 } } });
    const fromOption = mapped({ ...base, type: 'group', groupId: 'acme', traits: { name: 'Acme' } });
    assert.deepEqual(fromOption.groups, { company: 'acme' });
    assert.deepEqual(fromOption.group_properties, { $set: { name: 'Acme' } });
  });

  it('page: [Amplitude] Page Viewed with the page keys of the Browser SDK', () => {
    const event = mapped({
      ...base,
      context: { ...context, device: undefined, userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' },
      type: 'page',
      name: 'Pricing',
      properties: { url: 'https://example.com/pricing?plan=pro', path: '/pricing', title: 'Pricing - Example', referrer: 'https://google.com/' },
    });
    assert.equal(event.event_type, '[Amplitude] Page Viewed');
    assert.equal(event.platform, 'Web');
    assert.deepEqual(event.event_properties, {
      url: 'https://example.com/pricing?plan=pro',
      path: '/pricing',
      title: 'Pricing - Example',
      referrer: 'https://google.com/',
      name: 'Pricing',
      '[Amplitude] Page Location': 'https://example.com/pricing?plan=pro',
      '[Amplitude] Page URL': 'https://example.com/pricing',
      '[Amplitude] Page Domain': 'example.com',
      '[Amplitude] Page Path': '/pricing',
      '[Amplitude] Page Title': 'Pricing - Example',
    });
  });

  it('screen: [Amplitude] Screen Viewed with [Amplitude] Screen Name', () => {
    const event = mapped({ ...base, type: 'screen', name: 'Checkout', properties: { step: 2 } });
    assert.equal(event.event_type, '[Amplitude] Screen Viewed');
    assert.deepEqual(event.event_properties, { step: 2, name: 'Checkout', '[Amplitude] Screen Name': 'Checkout' });
  });

  it('the page and screen event types are options', () => {
    const custom = schema.parse({ api_key: 'k', page_event_type: 'Page View', screen_event_type: 'Screen View' });
    const page = mapEvent({ ...base, type: 'page' }, 'x', custom);
    const screen = mapEvent({ ...base, type: 'screen' }, 'x', custom);
    assert.ok(page.ok && screen.ok);
    assert.equal(page.event.event_type, 'Page View');
    assert.equal(screen.event.event_type, 'Screen View');
  });

  it('fails, with a reason, what Amplitude cannot take: alias, no ids, a track without name, a group without id', () => {
    const reasons = [
      { ...base, type: 'alias', previousId: 'old' },
      { ...base, userId: undefined, anonymousId: undefined, type: 'track', event: 'X' },
      { ...base, type: 'track' },
      { ...base, type: 'group' },
      { ...base, type: 'unknown' },
    ].map((doc) => {
      const r = mapEvent(doc, 'x', opts);
      assert.ok(!r.ok);
      return r.reason;
    });
    assert.match(reasons[0] ?? '', /alias/);
    assert.match(reasons[1] ?? '', /user_id or a device_id/);
    assert.match(reasons[2] ?? '', /event_type/);
    assert.match(reasons[3] ?? '', /groupId/);
    assert.match(reasons[4] ?? '', /unknown event type/);
  });

  it('maps what transforms left: fields of the wrong type are left out, and the outgoing messageId stands in', () => {
    const event = mapped({ type: 'track', event: 'X', userId: 'user-1', timestamp: 'not a date', context: { ip: 42, os: 'linux' }, properties: 'nope' });
    assert.deepEqual(event, { event_type: 'X', user_id: 'user-1', insert_id: 'outgoing-id', event_properties: {} });
  });
});

describe('amplitude options', () => {
  it('has defaults, rejects unknown keys and requires api_key', () => {
    assert.deepEqual(schema.parse({ api_key: 'k' }), {
      api_key: 'k',
      endpoint: 'https://api2.amplitude.com/2/httpapi',
      timeout_ms: 10_000,
      group_type: 'company',
      page_event_type: '[Amplitude] Page Viewed',
      screen_event_type: '[Amplitude] Screen Viewed',
    });
    assert.equal(schema.safeParse({ api_key: 'k', batch: 10 }).success, false);
    assert.equal(schema.safeParse({ api_key: 'k', options: { min_id_length: 3, other: 1 } }).success, false);
    assert.equal(schema.safeParse({}).success, false);
    assert.equal(schema.safeParse({ api_key: 'k', endpoint: 'ftp://x' }).success, false);
  });

  it('docs/destinations.md documents every option', async () => {
    const docs = await readFile(new URL('../../../docs/destinations.md', import.meta.url), 'utf8');
    const section = docs.split(/^## /m).find((s) => s.startsWith('amplitude\n')) ?? '';
    for (const key of Object.keys(schema.shape)) assert.match(section, new RegExp(`^\\| \`${key}[.\`]`, 'm'), key);
  });

  it('describes every field', () => {
    for (const [key, field] of Object.entries(schema.shape)) assert.ok(field.description, key);
  });
});
