// The dashboard in headless Chromium against a real `sluice start`: sign-in, the events-per-hour chart and headline
// numbers checked against what was sent (and against the query API), visitor-supplied strings shown as text, the
// explorer's breakdown, the live tail and the destinations table. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { artifact, type Browser, browserSkipReason, eventually, launchBrowser, signIn } from '../helpers/browser.js';
import { type ServerProcess, startServer } from '../helpers/server-process.js';

const TOKEN = 'admin-token-for-dashboard-tests';
const WRITE_KEY = 'dashboard-test-write-key';
const HOSTILE = '<img src=x onerror="window.__xss=1">';

const skip = browserSkipReason();

/** What the test sends, and so what the dashboard must show for the last 24 hours. */
function seedBatch(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const plans = ['pro', 'pro', 'free', 'pro', 'team', 'free'];
  plans.forEach((plan, i) => out.push({ type: 'track', userId: `u${i % 3}`, event: 'Signed Up', properties: { plan } }));
  [10, 20, 12.5].forEach((revenue, i) => out.push({ type: 'track', userId: `u${i}`, event: 'Order Completed', properties: { revenue } }));
  for (const path of ['/pricing', '/pricing', '/pricing', '/docs']) {
    out.push({ type: 'page', anonymousId: 'visitor-9', properties: { path, url: `https://shop.example${path}`, referrer: 'https://news.example.org/story', title: HOSTILE } });
  }
  out.push({ type: 'track', userId: 'u0', event: HOSTILE, properties: {} });
  return out;
}

describe('dashboard', { skip }, () => {
  let sluice: ServerProcess;
  let browser: Browser;
  let refusing: Server;
  let page: Page;
  const seeded = seedBatch();

  before(async () => {
    // A webhook that refuses everything (400), so the destinations table has dead letters to show.
    refusing = createServer((_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"no"}'));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'sluice-dashboard-'));
    const config = join(dir, 'sluice.yaml');
    writeFileSync(
      config,
      `sources:
  - name: web
    write_keys: [${WRITE_KEY}]
rollups:
  breakdowns:
    - { event: Signed Up, property: plan }
destinations:
  - name: archive
    type: file
    directory: ${join(dir, 'archive')}
  - name: crm
    type: webhook
    url: http://127.0.0.1:${(refusing.address() as AddressInfo).port}/hook
`,
    );
    sluice = await startServer({ dataDir: join(dir, 'data'), args: ['--config', config], env: { SLUICE_ADMIN_TOKEN: TOKEN } });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => assert.fail(`the dashboard threw: ${err.message}`));

    const res = await fetch(`${sluice.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeKey: WRITE_KEY, batch: seeded }) });
    assert.equal(res.status, 200, await res.text());
  });
  after(async () => {
    await browser?.close();
    refusing?.close();
    assert.equal(await sluice?.stop(), 0, `graceful stop exits 0; output:\n${sluice?.output()}`);
  });

  async function query<T>(path: string): Promise<T> {
    const res = await fetch(`${sluice.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = await res.text();
    assert.equal(res.status, 200, `${path}: ${body}`);
    return JSON.parse(body) as T;
  }

  test('a wrong token is refused; the right one opens the overview', async () => {
    // The rollups consumer counts asynchronously: wait until the query API has every seeded event.
    const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    await eventually('the rollups to count the seeded events', async () => {
      const c = await query<{ total: number }>(`/api/v1/query/count?since=24h&interval=hour&tz=${encodeURIComponent(tz)}`);
      return c.total === seeded.length ? c : undefined;
    });
    await page.goto(`${sluice.url}/`);
    await page.fill('input[name="token"]', 'not-the-token');
    await page.click('button[type="submit"]');
    await page.waitForSelector('text=That token was refused.');
    await page.screenshot({ path: artifact('dashboard-sign-in.png') });
    await signIn(page, sluice.url, TOKEN);
    assert.equal(await page.evaluate(() => localStorage.getItem('sluice_admin_token')), TOKEN);
  });

  test('the events-per-hour chart plots what the query API answers, and the headline numbers match what was sent', async () => {
    const chart = page.locator(`[data-chart="events"][data-total="${seeded.length}"]`);
    await chart.waitFor();
    await page.waitForSelector('[data-chart="events"] canvas');
    const plotted = JSON.parse((await chart.getAttribute('data-series'))!) as [string, number][];
    assert.equal(plotted.length, 25, 'one bar per hour of the last 24 hours (widened to whole hours)');
    assert.equal(plotted.reduce((s, [, v]) => s + v, 0), seeded.length);

    const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const api = await query<{ series: { t: string; value: number }[] }>(`/api/v1/query/count?since=24h&interval=hour&tz=${encodeURIComponent(tz)}`);
    const nonZero = (s: [string, number][]): [string, number][] => s.filter(([, v]) => v > 0);
    assert.deepEqual(nonZero(plotted), nonZero(api.series.map((p) => [new Date(p.t).toISOString(), p.value])));

    const stat = (name: string): Promise<string> => page.locator(`[data-stat="${name}"] .stat-value`).innerText();
    assert.equal(await stat('events'), String(seeded.length));
    await page.waitForFunction(() => document.querySelector('[data-stat="uniques"] .stat-value')?.textContent !== '…');
    assert.equal(await stat('uniques'), '4', 'u0, u1, u2 and visitor-9');
    assert.equal(await stat('revenue'), '42.5');

    const list = (name: string): Promise<string[]> => page.locator(`[data-list="${name}"] li`).allInnerTexts();
    const rows = (await list('events')).map((r) => r.replace(/\s+/g, ' ').trim());
    assert.ok(rows.includes('Signed Up 6'), rows.join(' | '));
    assert.ok(rows.includes('Order Completed 3'), rows.join(' | '));
    assert.ok(rows.includes(`${HOSTILE} 1`), 'a hostile event name is shown as text');
    assert.deepEqual((await list('pages')).map((r) => r.replace(/\s+/g, ' ').trim()), ['/pricing 3', '/docs 1']);
    assert.deepEqual((await list('referrers')).map((r) => r.replace(/\s+/g, ' ').trim()), ['news.example.org 4']);
    assert.equal(await page.locator('main img').count(), 0, 'no element was created from visitor data');
    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);

    await page.screenshot({ path: artifact('dashboard-overview.png'), fullPage: true });
  });

  test('the explorer charts one event and breaks it down by a configured property', async () => {
    await page.goto(`${sluice.url}/#/explore?event=Signed+Up&range=24h&property=plan`);
    await page.locator('[data-chart="explore"][data-total="6"]').waitFor();
    const rows = (await page.locator('[data-list="breakdown"] li').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
    assert.deepEqual(rows, ['pro 3', 'free 2', 'team 1']);
    await page.screenshot({ path: artifact('dashboard-explore.png'), fullPage: true });
  });

  test('the live tail shows new events as they are stored, as text', async () => {
    await page.goto(`${sluice.url}/#/live`);
    await page.waitForSelector('[data-tail-status="live"]');
    const res = await fetch(`${sluice.url}/v1/track`, {
      method: 'POST',
      body: JSON.stringify({ writeKey: WRITE_KEY, userId: 'u-live', event: `Live ${HOSTILE}`, properties: { note: HOSTILE } }),
    });
    assert.equal(res.status, 200);
    const row = page.locator('[data-table="tail"] tbody tr', { hasText: 'u-live' });
    await row.waitFor();
    assert.match(await row.innerText(), /Live <img src=x onerror="window.__xss=1">/);
    await row.click();
    assert.match(await page.locator('[data-table="tail"] pre').innerText(), /"note": "<img src=x/);
    assert.equal(await page.locator('main img').count(), 0);
    await page.screenshot({ path: artifact('dashboard-live.png'), fullPage: true });
  });

  test('the destinations table shows delivery state', async () => {
    await page.goto(`${sluice.url}/#/destinations`);
    const archive = page.locator('[data-destination="archive"]');
    const crm = page.locator('[data-destination="crm"]');
    await archive.waitFor();
    // The table refreshes every 5 s; wait for both destinations to have settled what was sent so far.
    await eventually('delivery to settle', async () => {
      const d = await query<{ destinations: { name: string; delivered: number; deadLetters: number; lag: number }[] }>('/api/v1/destinations');
      const byName = new Map(d.destinations.map((x) => [x.name, x]));
      return byName.get('archive')!.lag === 0 && byName.get('crm')!.deadLetters > 0 ? d : undefined;
    });
    await page.waitForFunction(() => document.querySelector('[data-destination="crm"] td:nth-child(6)')?.textContent !== '0', undefined, { timeout: 15_000 });
    assert.match(await archive.innerText(), /file/);
    assert.match(await crm.innerText(), /webhook|http/);
    assert.ok(Number((await crm.locator('td').nth(5).innerText()).replace(/\D/g, '')) > 0, 'dead letters are shown');
    await page.screenshot({ path: artifact('dashboard-destinations.png'), fullPage: true });
  });

  test('the install view shows the tracker snippet for this server', async () => {
    await page.goto(`${sluice.url}/#/install`);
    const snippet = await page.locator('[data-snippet="tracker"]').innerText();
    assert.equal(snippet, `<script async src="${sluice.url}/t.js" data-write-key="YOUR_WRITE_KEY"></script>`);
    await page.screenshot({ path: artifact('dashboard-install.png'), fullPage: true });
  });
});
