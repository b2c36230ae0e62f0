import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../core/event.js';
import { importUrl, profileUrl, schema } from './config.js';
import { insertId, mapEvent, type Mapped } from './map.js';

const opts = schema.parse({ project_token: 'tok' });
const TIME = Date.parse('2024-06-01T12:00:00.000Z');

const context: JsonObject = {
  ip: '203.0.113.7',
  os: { name: 'Android', version: '14' },
  device: { manufacturer: 'Google', model: 'Pixel 8' },
  app: { version: '2.1.3', build: '42' },
  network: { carrier: 'T-Mobile', wifi: true },
  screen: { width: 1080, height: 2400 },
  page: { url: 'https://example.com/a', referrer: 'https://google.com/' },
  campaign: { source: 'newsletter', medium: 'email', name: 'spring', term: 'shoes', content: 'hero' },
  library: { name: 'analytics-android', version: '4.11.0' },
};

const base = {
  messageId: '5f0adeff-6668-4427-8d02-57d803a2b841',
  userId: 'user-1',
  anonymousId: 'anon-1',
  context,
  timestamp: '2024-06-01T12:00:00.000Z',
  receivedAt: '2024-06-01T12:00:01.000Z',
};

const contextProperties = {
  ip: '203.0.113.7',
  $os: 'Android',
  $os_version: '14',
  $manufacturer: 'Google',
  $model: 'Pixel 8',
  $app_version_string: '2.1.3',
  $app_build_number: '42',
  $carrier: 'T-Mobile',
  $wifi: true,
  $screen_width: 1080,
  $screen_height: 2400,
  $current_url: 'https://example.com/a',
  $referrer: 'https://google.com/',
  utm_source: 'newsletter',
  utm_medium: 'email',
  utm_campaign: 'spring',
  utm_term: 'shoes',
  utm_content: 'hero',
  mp_lib: 'analytics-android',
  $lib_version: '4.11.0',
};

function ok(r: Mapped): { route: string; record: JsonObject } {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r;
}

describe('mixpanel mapping', () => {
  it('track → /import event: time in ms, distinct_id, $user_id, $device_id, $insert_id, context and properties', () => {
    const r = ok(mapEvent({ ...base, type: 'track', event: 'Signed Up', properties: { plan: 'pro', $os: 'overridden' } }, 'x', opts));
    assert.equal(r.route, 'import');
    assert.deepEqual(r.record, {
      event: 'Signed Up',
      properties: {
        ...contextProperties,
        $os: 'overridden',
        plan: 'pro',
        $user_id: 'user-1',
        $device_id: 'anon-1',
        time: TIME,
        distinct_id: 'user-1',
        $insert_id: '5f0adeff-6668-4427-8d02-57d803a2b841',
      },
    });
  });

  it('an anonymous event gets distinct_id $device:<anonymousId>, as Simplified ID Merge would set it', () => {
    const r = ok(mapEvent({ type: 'track', event: 'X', messageId: 'm-1', anonymousId: 'D1', context: {}, timestamp: base.timestamp }, 'x', opts));
    assert.deepEqual(r.record, { event: 'X', properties: { $device_id: 'D1', time: TIME, distinct_id: '$device:D1', $insert_id: 'm-1' } });
  });

  it('system keys win over properties of the same name', () => {
    const r = ok(mapEvent({ ...base, type: 'track', event: 'X', properties: { time: 1, distinct_id: 'spoof', $insert_id: 'spoof' } }, 'x', opts));
    const p = r.record.properties as JsonObject;
    assert.deepEqual([p.time, p.distinct_id, p.$insert_id], [TIME, 'user-1', base.messageId]);
  });

  it('$insert_id: kept when Mixpanel accepts it, else a stable 36-hex-digit hash', () => {
    assert.equal(insertId('5f0adeff-6668-4427-8d02-57d803a2b841'), '5f0adeff-6668-4427-8d02-57d803a2b841');
    const ajs = insertId('ajs-next-1717243200000-7c1e0d4c2b8f4e7a9d3c5b2a1f0e9d8c');
    assert.match(ajs, /^[0-9a-f]{36}$/);
    assert.equal(insertId('ajs-next-1717243200000-7c1e0d4c2b8f4e7a9d3c5b2a1f0e9d8c'), ajs, 'the same every time');
    assert.match(insertId('msg_1'), /^[0-9a-f]{36}$/, 'underscore is not allowed');
    assert.match(insertId('null'), /^[0-9a-f]{36}$/, 'a refused value');
    assert.notEqual(insertId('a.b'), insertId('a,b'));
  });

  it('page → $mp_web_page_view with the page keys of the JavaScript SDK', () => {
    const r = ok(
      mapEvent(
        { ...base, context: {}, type: 'page', name: 'Pricing', properties: { url: 'https://example.com/pricing?plan=pro', path: '/pricing', title: 'Pricing' } },
        'x',
        opts,
      ),
    );
    assert.equal(r.record.event, '$mp_web_page_view');
    assert.deepEqual(r.record.properties, {
      $current_url: 'https://example.com/pricing?plan=pro',
      current_page_title: 'Pricing',
      current_domain: 'example.com',
      current_url_path: '/pricing',
      current_url_protocol: 'https:',
      current_url_search: '?plan=pro',
      url: 'https://example.com/pricing?plan=pro',
      path: '/pricing',
      title: 'Pricing',
      name: 'Pricing',
      $user_id: 'user-1',
      $device_id: 'anon-1',
      time: TIME,
      distinct_id: 'user-1',
      $insert_id: base.messageId,
    });
  });

  it('screen → the screen event name with the screen name as property', () => {
    const r = ok(mapEvent({ ...base, context: {}, type: 'screen', name: 'Checkout' }, 'x', opts));
    assert.equal(r.record.event, 'Loaded a Screen');
    assert.equal((r.record.properties as JsonObject).name, 'Checkout');
  });

  it('identify → /engage $set of the traits, $ip from context or "0"', () => {
    const r = ok(mapEvent({ ...base, type: 'identify', traits: { $email: 'a@example.com', plan: 'pro' } }, 'x', opts));
    assert.equal(r.route, 'engage');
    assert.deepEqual(r.record, { $token: 'tok', $distinct_id: 'user-1', $ip: '203.0.113.7', $set: { $email: 'a@example.com', plan: 'pro' } });
    const noIp = ok(mapEvent({ ...base, context: {}, type: 'identify', traits: {} }, 'x', opts));
    assert.equal(noIp.record.$ip, '0');
  });

  it('group → /groups $set; $group_key from traits.group_type, else the group_key option', () => {
    const r = ok(mapEvent({ ...base, type: 'group', groupId: 'acme', traits: { name: 'Acme', group_type: 'company_id' } }, 'x', opts));
    assert.equal(r.route, 'groups');
    assert.deepEqual(r.record, { $token: 'tok', $group_key: 'company_id', $group_id: 'acme', $set: { name: 'Acme' } });
    const byOption = ok(mapEvent({ ...base, type: 'group', groupId: 'acme', traits: {} }, 'x', opts));
    assert.equal(byOption.record.$group_key, 'company');
  });

  it('fails, with a reason: alias, anonymous identify, track without name, group without id, no timestamp', () => {
    const cases: [JsonObject, RegExp][] = [
      [{ ...base, type: 'alias', previousId: 'old' }, /alias/],
      [{ ...base, userId: undefined, type: 'identify' }, /userId/],
      [{ ...base, type: 'track' }, /name/],
      [{ ...base, type: 'group' }, /groupId/],
      [{ ...base, type: 'track', event: 'X', timestamp: undefined }, /time/],
    ];
    for (const [doc, reason] of cases) {
      const r = mapEvent(doc, 'x', opts);
      assert.ok(!r.ok);
      assert.match(r.reason, reason);
    }
  });
});

describe('mixpanel options', () => {
  it('has defaults, rejects unknown keys and requires project_token', () => {
    assert.deepEqual(schema.parse({ project_token: 't' }), {
      project_token: 't',
      region: 'us',
      timeout_ms: 10_000,
      group_key: 'company',
      page_event_name: '$mp_web_page_view',
      screen_event_name: 'Loaded a Screen',
    });
    assert.equal(schema.safeParse({ project_token: 't', max_in_flight: 2 }).success, false);
    assert.equal(schema.safeParse({ project_token: 't', region: 'au' }).success, false);
    assert.equal(schema.safeParse({}).success, false);
    for (const [key, field] of Object.entries(schema.shape)) assert.ok(field.description, key);
  });

  it('docs/destinations.md documents every option', async () => {
    const docs = await readFile(new URL('../../../docs/destinations.md', import.meta.url), 'utf8');
    const section = docs.split(/^## /m).find((s) => s.startsWith('mixpanel\n')) ?? '';
    for (const key of Object.keys(schema.shape)) assert.match(section, new RegExp(`^\\| \`${key}[.\`]`, 'm'), key);
  });

  it('the region picks the host; strict=1 on /import, verbose=1 on /engage and /groups beside it', () => {
    assert.equal(importUrl(schema.parse({ project_token: 't' })).href, 'https://api.mixpanel.com/import?strict=1');
    assert.equal(importUrl(schema.parse({ project_token: 't', region: 'eu' })).href, 'https://api-eu.mixpanel.com/import?strict=1');
    assert.equal(importUrl(schema.parse({ project_token: 't', region: 'in' })).href, 'https://api-in.mixpanel.com/import?strict=1');
    const custom = schema.parse({ project_token: 't', endpoint: 'http://proxy.local/mp/import?project_id=7' });
    assert.equal(importUrl(custom).href, 'http://proxy.local/mp/import?project_id=7&strict=1');
    assert.equal(profileUrl(custom, 'engage').href, 'http://proxy.local/mp/engage?verbose=1');
    assert.equal(profileUrl(custom, 'groups').href, 'http://proxy.local/mp/groups?verbose=1');
  });
});
