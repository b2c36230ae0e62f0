// The browser tracker in headless Chromium, on a page served from another origin than Sluice (so CORS is exercised):
// page views with UTM parameters and a single-page-app navigation, a custom track, the beacon on page hide, the
// opt-out switch and Do Not Track. What arrived is read back through the admin API.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Browser, browserSkipReason, eventually, launchBrowser, signIn } from '../helpers/browser.js';
import { allEvents, type ServerProcess, startServer } from '../helpers/server-process.js';

type Event = Record<string, unknown> & { context: Record<string, unknown>; properties?: Record<string, unknown> };

const skip = browserSkipReason();

/** A site on its own origin whose every page loads t.js from Sluice. */
function startSite(sluiceUrl: string, writeKey: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (path === '/no-tracker') return void res.end('<!doctype html><title>No tracker</title>');
    res.end(`<!doctype html><html><head><title>Landing</title>
<script async src="${sluiceUrl}/t.js" data-write-key="${writeKey}"></script></head>
<body><h1>Shop</h1></body></html>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://localhost:${(server.address() as AddressInfo).port}` })));
}

describe('browser tracker (t.js)', { skip }, () => {
  let sluice: ServerProcess;
  let site: { server: Server; origin: string };
  let browser: Browser;

  before(async () => {
    sluice = await startServer();
    site = await startSite(sluice.url, sluice.writeKey);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    site?.server.close();
    assert.equal(await sluice?.stop(), 0, `graceful stop exits 0; output:\n${sluice?.output()}`);
  });

  async function trackerEvents(): Promise<Event[]> {
    const all = await allEvents(sluice);
    return all.map((e) => e.event as Event).filter((e) => (e.context.library as { name?: string } | undefined)?.name === 'sluice.js');
  }

  async function waitForEvents(what: string, match: (e: Event) => boolean, n = 1): Promise<Event[]> {
    return eventually(what, async () => {
      const found = (await trackerEvents()).filter(match);
      return found.length >= n ? found : undefined;
    });
  }

  async function openPage(path: string, options: { referer?: string } = {}): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${site.origin}${path}`, options);
    await page.waitForFunction(() => typeof (window as { sluice?: { version?: string } }).sluice?.version === 'string');
    return { page, problems };
  }

  test('page views (with UTM and an SPA navigation) and a custom track arrive, cross-origin', async () => {
    const { page, problems } = await openPage('/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&ref=1', { referer: 'https://news.example.org/post/7' });
    const batches = page.waitForResponse((r) => r.url() === `${sluice.url}/v1/batch`);

    await page.evaluate(() => {
      history.pushState({}, '', '/pricing');
      document.title = 'Pricing';
    });
    await page.evaluate(() => (window as unknown as { sluice: { track(e: string, p: object): void } }).sluice.track('Signed Up', { plan: 'pro', seats: 3 }));

    const response = await batches;
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['access-control-allow-origin'], site.origin, 'Sluice answers the site’s origin');

    const pages = await waitForEvents('two page views', (e) => e.type === 'page', 2);
    const [landing, pricing] = pages.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
    const [track] = await waitForEvents('the track call', (e) => e.type === 'track' && e.event === 'Signed Up');

    assert.equal(landing!.properties!.path, '/landing');
    assert.equal(landing!.properties!.title, 'Landing');
    assert.equal(landing!.properties!.url, `${site.origin}/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&ref=1`);
    assert.equal(landing!.properties!.search, '?utm_source=newsletter&utm_medium=email&utm_campaign=spring&ref=1');
    assert.match(String(landing!.properties!.referrer), /^https:\/\/news\.example\.org\//);
    assert.deepEqual(landing!.context.campaign, { source: 'newsletter', medium: 'email', name: 'spring' });
    assert.deepEqual(landing!.context.page, landing!.properties);

    assert.equal(pricing!.properties!.path, '/pricing');
    assert.equal(pricing!.properties!.title, 'Pricing', 'the title set right after pushState is the one recorded');
    assert.equal(pricing!.properties!.referrer, landing!.properties!.url, 'an SPA view’s referrer is the previous page');

    assert.deepEqual(track!.properties, { plan: 'pro', seats: 3 });
    assert.equal((track!.context.page as { path: string }).path, '/pricing');
    const ids = new Set([landing, pricing, track].map((e) => e!.anonymousId));
    assert.equal(ids.size, 1, 'one anonymousId for the visitor');
    const stored = await page.evaluate(() => localStorage.getItem('sluice_aid'));
    assert.equal(stored, landing!.anonymousId, 'kept in first-party localStorage');
    assert.equal(typeof (track!.context as { userAgent?: unknown }).userAgent, 'string');
    assert.deepEqual(problems, [], 'no console errors (a CORS failure would show here)');
    await page.close();
  });

  test('identify sticks to later events; a track right before leaving the page arrives by beacon', async () => {
    const { page } = await openPage('/account');
    // With fetch gone, only navigator.sendBeacon can deliver (Playwright does not report an unloading page's beacons).
    await page.evaluate(() => (window.fetch = () => Promise.reject(new Error('fetch is disabled in this test'))));
    await page.evaluate(() => {
      const s = (window as unknown as { sluice: { identify(id: string, t: object): void; track(e: string): void } }).sluice;
      s.identify('user-42', { email: 'ada@example.com' });
      s.track('Left Early');
    });
    await page.goto('about:blank'); // pagehide before the 1 s batching timer fires
    const [left] = await waitForEvents('the track sent on page hide', (e) => e.event === 'Left Early');
    assert.equal(left!.userId, 'user-42');
    const [identify] = await waitForEvents('the identify', (e) => e.type === 'identify' && e.userId === 'user-42');
    assert.deepEqual(identify!.traits, { email: 'ada@example.com' });
    await page.close();
  });

  test('optOut stops tracking across page loads and forgets the ids; optIn starts again', async () => {
    const { page } = await openPage('/optout');
    const [first] = await waitForEvents('the first page view', (e) => e.type === 'page' && (e.properties?.path as string) === '/optout');
    await page.evaluate(() => {
      const s = (window as unknown as { sluice: { optOut(): void; track(e: string): void } }).sluice;
      s.optOut();
      s.track('Hidden While Out');
    });
    await page.reload();
    await page.waitForFunction(() => typeof (window as { sluice?: { version?: string } }).sluice?.version === 'string');
    assert.equal(await page.evaluate(() => localStorage.getItem('sluice_aid')), null, 'the anonymousId is forgotten');
    await page.evaluate(() => {
      const s = (window as unknown as { sluice: { optIn(): void; track(e: string): void; flush(): void } }).sluice;
      s.optIn();
      s.track('Visible Again');
      s.flush();
    });
    const [back] = await waitForEvents('the track after optIn', (e) => e.event === 'Visible Again');
    assert.notEqual(back!.anonymousId, first!.anonymousId, 'a new anonymousId after opting back in');
    const all = await trackerEvents();
    assert.equal(all.filter((e) => e.event === 'Hidden While Out').length, 0);
    assert.equal(all.filter((e) => e.type === 'page' && e.properties?.path === '/optout').length, 1, 'no page view while opted out');
    await page.close();
  });

  test('the dashboard shows the tracked pages, referrer and campaign', async () => {
    // The rollups count asynchronously: wait until the query API has the SPA view.
    await eventually('the rollups to count the page views', async () => {
      const res = await fetch(`${sluice.url}/api/v1/query/top-pages?since=24h`, { headers: { authorization: `Bearer ${sluice.adminToken}` } });
      const body = (await res.json()) as { items: { path: string }[] };
      return body.items.some((i) => i.path === '/pricing') ? body : undefined;
    });
    const page = await browser.context.newPage();
    await signIn(page, sluice.url, sluice.adminToken);
    const list = async (name: string): Promise<string> => {
      const el = page.locator(`[data-list="${name}"]`);
      await el.waitFor();
      return el.innerText();
    };
    const pages = await list('pages');
    for (const path of ['/landing', '/pricing', '/account', '/optout']) assert.match(pages, new RegExp(`${path}\\s+1`));
    assert.match(await list('referrers'), /news\.example\.org\s+1/);
    assert.match(await list('campaigns'), /spring\s+1/);
    await page.close();
  });

  test('Do Not Track counts as an opt-out until the visitor opts in', async () => {
    const page = await browser.context.newPage();
    // A string, not a function: tsx's helpers (__name) would not exist inside the page.
    await page.addInitScript({ content: "Object.defineProperty(Navigator.prototype, 'doNotTrack', { get() { return '1'; } });" });
    // A fresh visitor: forget the choice stored by the earlier tests, on a page of the site without the tracker.
    await page.goto(`${site.origin}/no-tracker`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${site.origin}/dnt`);
    await page.waitForFunction(() => typeof (window as { sluice?: { version?: string } }).sluice?.version === 'string');
    assert.equal(await page.evaluate(() => navigator.doNotTrack), '1');
    await page.evaluate(() => {
      const s = (window as unknown as { sluice: { optIn(): void; track(e: string): void; flush(): void } }).sluice;
      s.track('Sent Under DNT');
      s.optIn();
      s.track('Consented Under DNT');
      s.flush();
    });
    await waitForEvents('the track after consent', (e) => e.event === 'Consented Under DNT');
    const all = await trackerEvents();
    assert.equal(all.filter((e) => e.event === 'Sent Under DNT').length, 0);
    assert.equal(all.filter((e) => e.properties?.path === '/dnt').length, 0, 'no automatic page view under DNT');
    await page.close();
  });
});
