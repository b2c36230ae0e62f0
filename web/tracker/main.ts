// The browser tracker served at /t.js: automatic page views (single-page apps included), sluice.track/identify/page,
// a first-party anonymousId, batching to /v1/batch, and an opt-out. See docs/tracker.md.
import { readConfig } from './config.js';
import { allowed, choose } from './consent.js';
import { onNavigate } from './navigation.js';
import { browserContext, campaign, pageInfo, uuid } from './page-context.js';
import { load, save } from './storage.js';
import { createTransport } from './transport.js';

type Props = Record<string, unknown>;
interface Stub {
  q?: [string, ArrayLike<unknown>][];
}

const VERSION = '1.0.0';
const ANON = 'sluice_aid';
const USER = 'sluice_uid';

const w = window as unknown as { sluice?: Stub & Props };
const config = readConfig();
if (typeof w.sluice?.version === 'string') {
  // t.js included twice: the first copy already tracks this page.
} else if (config === undefined) {
  // eslint-disable-next-line no-console -- the only way to tell a site owner the snippet is incomplete
  console.warn('sluice: add data-write-key to the <script> tag of t.js');
} else {
  const { honorDnt } = config;
  const transport = createTransport(`${config.host}/v1/batch`, config.writeKey);
  let referrer = document.referrer;

  const anonymousId = (): string => {
    let id = load(ANON);
    if (id === null) save(ANON, (id = uuid()));
    return id;
  };

  const send = (message: Props): void => {
    if (!allowed(honorDnt)) return;
    const page = pageInfo(referrer);
    const userId = load(USER);
    transport.add({
      ...message,
      messageId: uuid(),
      anonymousId: anonymousId(),
      ...(userId === null ? {} : { userId }),
      timestamp: new Date().toISOString(),
      context: { ...browserContext(), page, campaign: campaign(page.search), library: { name: 'sluice.js', version: VERSION } },
    });
  };

  const api = {
    version: VERSION,
    track(event: string, properties?: Props): void {
      send({ type: 'track', event, properties: properties ?? {} });
    },
    page(name?: string, properties?: Props): void {
      const { path, referrer: ref, search, title, url } = pageInfo(referrer);
      send({ type: 'page', ...(name ? { name } : {}), properties: { path, referrer: ref, search, title, url, ...properties } });
    },
    identify(userId?: string | Props, traits?: Props): void {
      if (typeof userId === 'object') [userId, traits] = [undefined, userId];
      if (userId !== undefined && allowed(honorDnt)) save(USER, String(userId));
      send({ type: 'identify', traits: traits ?? {} });
    },
    /** Stops tracking in this browser and forgets its ids; kept across visits. */
    optOut(): void {
      choose(false);
      transport.clear();
      save(ANON, null);
      save(USER, null);
    },
    optIn(): void {
      choose(true);
    },
    /** Forgets the user (e.g. on log-out): a new anonymousId from now on. */
    reset(): void {
      save(ANON, null);
      save(USER, null);
    },
    flush(): void {
      transport.flush();
    },
  };

  const queued = w.sluice?.q ?? [];
  w.sluice = api;
  for (const [method, args] of queued) (api as unknown as Record<string, (...a: unknown[]) => void>)[method]?.(...Array.from(args));

  const leave = (): void => transport.flush(true);
  addEventListener('pagehide', leave);
  addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && leave());
  if (config.autoPage) {
    api.page();
    onNavigate((previousUrl) => {
      referrer = previousUrl;
      api.page();
    });
  }
}
