import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrackingEvent } from '../core/event.js';
import { campaignOf, cleanKey, eventHour, eventName, normalizePath, pagePath, propertyLabel, referrerHost, revenueOf, userOf } from './extract.js';

function ev(fields: Partial<TrackingEvent>): TrackingEvent {
  return { type: 'track', messageId: 'm', context: {}, timestamp: '2024-05-01T10:30:00.000Z', receivedAt: '2024-05-01T12:00:00.000Z', ...fields };
}

test('the hour is the event’s timestamp, not when it arrived', () => {
  assert.equal(eventHour(ev({}), Date.parse('2024-05-01T12:00:00Z')), Date.parse('2024-05-01T10:00:00Z') / 3_600_000);
  assert.equal(eventHour(ev({ timestamp: 'garbage' }), Date.parse('2024-05-01T12:00:00Z')), Date.parse('2024-05-01T12:00:00Z') / 3_600_000);
});

test('names: track event, page or screen name, else empty', () => {
  assert.equal(eventName(ev({ event: 'Signed Up' })), 'Signed Up');
  assert.equal(eventName(ev({ type: 'page', name: 'Home' })), 'Home');
  assert.equal(eventName(ev({ type: 'screen', name: 'Cart' })), 'Cart');
  assert.equal(eventName(ev({ type: 'identify', event: 'ignored' })), '');
});

test('the user is userId, else anonymousId', () => {
  assert.equal(userOf(ev({ userId: 'u1', anonymousId: 'a1' })), 'u1');
  assert.equal(userOf(ev({ anonymousId: 'a1' })), 'a1');
  assert.equal(userOf(ev({ userId: '  ', anonymousId: 'a1' })), 'a1');
  assert.equal(userOf(ev({})), undefined);
});

test('paths are normalized: no query, fragment, repeated or trailing slash', () => {
  assert.equal(normalizePath('/a//b/?x=1#top'), '/a/b');
  assert.equal(normalizePath('pricing'), '/pricing');
  assert.equal(normalizePath('/'), '/');
  assert.equal(normalizePath(''), '/');
  assert.equal(normalizePath('/Docs/'), '/Docs', 'case is kept: paths are case-sensitive');
});

test('page path: properties.path, then context.page.path, then the URL', () => {
  assert.equal(pagePath(ev({ type: 'page', properties: { path: '/a/', url: 'https://x.com/b' } })), '/a');
  assert.equal(pagePath(ev({ type: 'page', context: { page: { path: '/c' } } })), '/c');
  assert.equal(pagePath(ev({ type: 'page', properties: { url: 'https://x.com/d/e/?q=1' } })), '/d/e');
  assert.equal(pagePath(ev({ type: 'page', properties: { url: 'not a url' } })), undefined);
  assert.equal(pagePath(ev({ type: 'page' })), undefined);
});

test('referrer host: lower case without www; none for links within the site or bad URLs', () => {
  assert.equal(referrerHost(ev({ properties: { referrer: 'https://WWW.Google.com/search?q=x' } })), 'google.com');
  assert.equal(referrerHost(ev({ context: { page: { referrer: 'https://news.ycombinator.com/' } } })), 'news.ycombinator.com');
  assert.equal(referrerHost(ev({ properties: { referrer: 'https://www.shop.com/a', url: 'https://shop.com/b' } })), undefined);
  assert.equal(referrerHost(ev({ properties: { referrer: '' } })), undefined);
  assert.equal(referrerHost(ev({ properties: { referrer: 'android-app://' } })), undefined);
});

test('campaign: context.campaign.name, else utm_campaign in the URL or search', () => {
  assert.equal(campaignOf(ev({ context: { campaign: { name: 'spring' } }, properties: { url: 'https://x.com/?utm_campaign=other' } })), 'spring');
  assert.equal(campaignOf(ev({ properties: { url: 'https://x.com/?utm_source=a&utm_campaign=launch%202024' } })), 'launch 2024');
  assert.equal(campaignOf(ev({ context: { page: { search: '?utm_campaign=fall' } } })), 'fall');
  assert.equal(campaignOf(ev({ properties: { url: 'https://x.com/' } })), undefined);
});

test('revenue: finite numbers only', () => {
  assert.equal(revenueOf(ev({ properties: { revenue: 19.99 } })), 19.99);
  assert.equal(revenueOf(ev({ properties: { revenue: -5 } })), -5);
  assert.equal(revenueOf(ev({ properties: { revenue: '19.99' } })), undefined);
  assert.equal(revenueOf(ev({})), undefined);
});

test('breakdown labels: strings as they are, other scalars spelled out, absent is null', () => {
  assert.equal(propertyLabel(ev({ properties: { plan: 'pro' } }), 'plan'), 'pro');
  assert.equal(propertyLabel(ev({ properties: { seats: 5 } }), 'seats'), '5');
  assert.equal(propertyLabel(ev({ properties: { trial: false } }), 'trial'), 'false');
  assert.equal(propertyLabel(ev({ properties: { tags: ['a'] } }), 'tags'), '["a"]');
  assert.equal(propertyLabel(ev({ properties: { plan: null } }), 'plan'), null);
  assert.equal(propertyLabel(ev({}), 'plan'), null);
});

test('keys lose control characters (NUL marks the store’s own buckets) and are bounded', () => {
  assert.equal(cleanKey('a\u0000b\nc'), 'abc');
  assert.equal(cleanKey('x'.repeat(2000)).length, 500);
});
