// The events of the rollups benchmark: a site's traffic over 30 days, as a deterministic function of the event's
// number, so every process (the state builder, the log appender, the checker) sees the same 10 million events
// without storing them. Page views (~2,000 paths, Zipf-like, referrers and UTM campaigns on some), track calls (a
// dozen names, revenue on orders and subscriptions, a payment method to break orders down by) and a few identifies,
// from ~200,000 people (120,000 signed in, the rest anonymous), more in the day than at night.
//
// fields(i) gives what the rollups read from event i; item(i) the message a browser SDK would send for it, which the
// log appender passes through Sluice's ingest code. The two must agree on every counted key: the checker compares
// what the real consumer counted with what fields() predicts.

export interface ModelParams {
  /** Events over the whole period. */
  events: number;
  /** Hours of data, ending at endHour (exclusive, hours since the epoch). */
  hours: number;
  endHour: number;
  /** People: ids 0..users-1; ids below knownUsers are signed in (userId), the others anonymous. */
  users: number;
  knownUsers: number;
}

export const SOURCE = 'web';
const HOUR_MS = 3_600_000;
const HOST = 'shop.example.com';

export const TRACK_NAMES = [
  'Product Viewed',
  'Product Added',
  'Cart Viewed',
  'Checkout Started',
  'Order Completed',
  'Signed Up',
  'Logged In',
  'Search Performed',
  'Video Played',
  'Coupon Applied',
  'Product Removed',
  'Subscription Started',
] as const;
const TRACK_WEIGHTS = [30, 12, 10, 6, 4, 3, 10, 12, 6, 2, 3, 2];
export const ORDER = 4;
export const SUBSCRIPTION = 11;
const SUBSCRIPTION_CENTS = [900, 2900, 9900];

/** The breakdown the benchmark configures: orders by payment method (a few without one). */
export const BREAKDOWN = { event: 'Order Completed', property: 'payment_method', max_values: 50 } as const;
export const PAYMENT_METHODS = ['card', 'paypal', 'apple_pay', 'google_pay', 'bank_transfer', 'gift_card'] as const;

export const PATH_COUNT = 2_000;
const SECTIONS = ['blog', 'products', 'docs', 'help', 'collections'];
/** Path k: a few top pages, then articles, products and docs. Already normalized (as the rollups store paths). */
export function pathOf(k: number): string {
  const top = ['/', '/pricing', '/about', '/blog', '/products', '/docs', '/signup', '/login', '/cart', '/checkout'];
  if (k < top.length) return top[k]!;
  const section = SECTIONS[k % SECTIONS.length]!;
  return `/${section}/${section === 'docs' ? `guide-${k % 7}/` : ''}item-${k}`;
}

/** External referrers, as browsers send them; the rollups count the host, lower case, without www. */
const REFERRERS = [
  'https://www.google.com/',
  'https://t.co/x8Kq2',
  'https://www.facebook.com/',
  'https://news.ycombinator.com/item?id=4211',
  'https://www.bing.com/search?q=tote',
  'https://duckduckgo.com/',
  'https://www.reddit.com/r/bags/',
  'https://www.linkedin.com/feed/',
  'https://L.Instagram.com/',
  'https://www.youtube.com/watch?v=abc',
  'https://github.com/sluice',
  'https://search.yahoo.com/search?p=bags',
  ...Array.from({ length: 48 }, (_, k) => `https://blog${k}.example.net/post/${k}`),
];
export const REFERRER_HOSTS = REFERRERS.map((r) => new URL(r).hostname.toLowerCase().replace(/^www\./, ''));
export const CAMPAIGNS = Array.from({ length: 25 }, (_, k) => (k < 5 ? ['spring-sale', 'black-friday', 'newsletter', 'retargeting', 'launch'][k]! : `campaign-${k}`));
const MEDIUMS = ['email', 'cpc', 'social'];

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
];

/** A 32-bit integer hash (xorshift-multiply), for reproducible draws: u(i, salt) is uniform in [0, 1). */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}
function u(i: number, salt: number): number {
  return mix(Math.imul(i, 0x9e3779b1) ^ mix(salt * 0x85ebca6b + (i >>> 24))) / 4294967296;
}

/** Zipf-like over 0..n-1: P(k) ≈ ln((k+2)/(k+1)) / ln(n+1), so item 0 is ~10% at n = 2,000. */
function zipf(x: number, n: number): number {
  return Math.min(n - 1, Math.floor(Math.exp(x * Math.log(n + 1))) - 1);
}

const TRACK_CUMULATIVE = (() => {
  const total = TRACK_WEIGHTS.reduce((a, b) => a + b, 0);
  let acc = 0;
  return TRACK_WEIGHTS.map((w) => (acc += w) / total);
})();

export const KIND_PAGE = 0;
export const KIND_TRACK = 1;
export const KIND_IDENTIFY = 2;

/** What the rollups read from one event. Reused between calls (fields() fills one object): copy what you keep. */
export interface Fields {
  /** Milliseconds since the epoch. */
  time: number;
  kind: number;
  /** Track name index, or -1. */
  name: number;
  user: number;
  /** Page views: path index; referrer index into REFERRERS, -1 direct, -2 a page of the site itself; campaign or -1. */
  path: number;
  referrer: number;
  campaign: number;
  /** Revenue in cents on orders and subscriptions, else 0. */
  cents: number;
  /** Orders: index into PAYMENT_METHODS, or -1 when the property is missing. */
  payment: number;
}

/**
 * Events per hour: a daily cycle (peak at 15:00 UTC, trough three times lower) and quieter weekends. Returns the
 * number of the first event of each hour (1-based) and one past the last, so hour h holds events starts[h]..starts[h+1]-1.
 */
export function hourStarts(p: ModelParams): Float64Array {
  const weights: number[] = [];
  const firstHour = p.endHour - p.hours;
  for (let h = 0; h < p.hours; h++) {
    const hour = firstHour + h;
    const ofDay = hour % 24;
    const weekday = (Math.floor(hour / 24) + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    weights.push((1 + 0.5 * Math.sin((2 * Math.PI * (ofDay - 9)) / 24)) * (weekday === 0 || weekday === 6 ? 0.8 : 1));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const starts = new Float64Array(p.hours + 1);
  let acc = 0;
  starts[0] = 1;
  for (let h = 0; h < p.hours; h++) {
    acc += weights[h]!;
    starts[h + 1] = 1 + Math.round((p.events * acc) / total);
  }
  starts[p.hours] = p.events + 1;
  return starts;
}

/** The model with its hour layout, for drawing events by number. */
export class Model {
  readonly starts: Float64Array;
  readonly firstHour: number;
  private readonly f: Fields = { time: 0, kind: 0, name: -1, user: 0, path: -1, referrer: -1, campaign: -1, cents: 0, payment: -1 };
  /** The hour index (0-based) of the last event drawn, to find the next one's hour without a search. */
  private h = 0;

  constructor(readonly p: ModelParams) {
    this.starts = hourStarts(p);
    this.firstHour = p.endHour - p.hours;
  }

  /** Hour index (0-based) of event i. */
  hourIndex(i: number): number {
    let h = this.h;
    if (i < this.starts[h]! || i >= this.starts[h + 1]!) {
      let lo = 0;
      let hi = this.p.hours - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.starts[mid]! <= i) lo = mid;
        else hi = mid - 1;
      }
      h = lo;
      this.h = h;
    }
    return h;
  }

  fields(i: number): Fields {
    const f = this.f;
    const h = this.hourIndex(i);
    const first = this.starts[h]!;
    const inHour = this.starts[h + 1]! - first;
    f.time = (this.firstHour + h) * HOUR_MS + Math.floor(((i - first + 0.5) * HOUR_MS) / inHour);
    const kind = u(i, 1);
    f.kind = kind < 0.45 ? KIND_PAGE : kind < 0.98 ? KIND_TRACK : KIND_IDENTIFY;
    // Activity is skewed: low ids are the regulars (density ∝ 1/√id); every id shows up over the month.
    f.user = Math.floor(this.p.users * u(i, 2) ** 2);
    if (f.kind === KIND_IDENTIFY) f.user %= this.p.knownUsers;
    f.name = -1;
    f.path = -1;
    f.referrer = -1;
    f.campaign = -1;
    f.cents = 0;
    f.payment = -1;
    if (f.kind === KIND_PAGE) {
      f.path = zipf(u(i, 3), PATH_COUNT);
      const r = u(i, 4);
      f.referrer = r < 0.4 ? -1 : r < 0.55 ? -2 : zipf(u(i, 5), REFERRERS.length);
      if (u(i, 6) < 0.12) f.campaign = zipf(u(i, 7), CAMPAIGNS.length);
    } else if (f.kind === KIND_TRACK) {
      const x = u(i, 8);
      let n = 0;
      while (TRACK_CUMULATIVE[n]! <= x) n++;
      f.name = n;
      if (n === ORDER) {
        f.cents = 500 + Math.floor(u(i, 9) * 49_500);
        const m = u(i, 10);
        f.payment = m < 0.08 ? -1 : Math.floor(((m - 0.08) / 0.92) * PAYMENT_METHODS.length);
      } else if (n === SUBSCRIPTION) {
        f.cents = SUBSCRIPTION_CENTS[Math.floor(u(i, 9) * SUBSCRIPTION_CENTS.length)]!;
      }
    }
    return f;
  }

  /** The id the rollups count for a person: userId when signed in, else anonymousId. */
  static userId(user: number): string {
    return `user_${user}`;
  }

  static anonymousId(user: number): string {
    const a = mix(user + 1).toString(16).padStart(8, '0');
    const b = mix(user ^ 0x5bd1e995).toString(16).padStart(8, '0');
    return `${a}-${b.slice(0, 4)}-4${b.slice(4, 7)}-a${user.toString(16).padStart(7, '0')}`;
  }

  countedId(user: number): string {
    return user < this.p.knownUsers ? Model.userId(user) : Model.anonymousId(user);
  }

  /** Event i as analytics.js would send it in a batch (timestamp as ISO; the appender supplies sentAt). */
  item(i: number, messageId: string): Record<string, unknown> {
    const f = this.fields(i);
    const ids: Record<string, unknown> = { anonymousId: Model.anonymousId(f.user) };
    if (f.user < this.p.knownUsers) ids.userId = Model.userId(f.user);
    const timestamp = new Date(f.time).toISOString();
    const library = { name: 'analytics.js', version: 'npm:next-1.72.0' };
    const userAgent = USER_AGENTS[f.user % USER_AGENTS.length]!;
    const locale = 'en-US';
    // The page the event happened on: for page views the one viewed, for the rest one of the site's pages.
    const path = pathOf(f.path >= 0 ? f.path : (mix(i) % 40) + 10);
    const campaign = f.campaign >= 0 ? { name: CAMPAIGNS[f.campaign]!, source: 'newsletter', medium: MEDIUMS[f.campaign % MEDIUMS.length]! } : undefined;
    const search = campaign === undefined ? '' : `?utm_source=${campaign.source}&utm_medium=${campaign.medium}&utm_campaign=${campaign.name}`;
    const url = `https://${HOST}${path}${search}`;
    const referrer = f.referrer >= 0 ? REFERRERS[f.referrer]! : f.referrer === -2 ? `https://${HOST}${pathOf(mix(i + 1) % 60)}` : '';
    const title = `${path === '/' ? 'Home' : path.split('/').pop()} | Shop`;
    const page = { path, referrer, search, title, url };
    if (f.kind === KIND_PAGE) {
      const context: Record<string, unknown> = { library, page, userAgent, locale };
      if (campaign !== undefined) context.campaign = campaign;
      return { type: 'page', messageId, ...ids, timestamp, properties: { ...page }, context };
    }
    const context = { library, page: { ...page, referrer: '' }, userAgent, locale };
    if (f.kind === KIND_IDENTIFY) {
      return { type: 'identify', messageId, ...ids, timestamp, traits: { email: `user${f.user}@example.com`, plan: f.user % 5 === 0 ? 'pro' : 'free' }, context };
    }
    const name = TRACK_NAMES[f.name]!;
    const properties: Record<string, unknown> = { product_id: `sku-${1000 + (mix(i + 2) % 977)}`, category: SECTIONS[f.name % SECTIONS.length] };
    if (f.name === ORDER) {
      properties.order_id = `o-${i}`;
      properties.revenue = f.cents / 100;
      properties.currency = 'USD';
      if (f.payment >= 0) properties.payment_method = PAYMENT_METHODS[f.payment];
    } else if (f.name === SUBSCRIPTION) {
      properties.revenue = f.cents / 100;
      properties.currency = 'USD';
      properties.plan = f.cents === 900 ? 'starter' : f.cents === 2900 ? 'pro' : 'business';
    }
    return { type: 'track', messageId, ...ids, event: name, timestamp, properties, context };
  }
}

/** Revenue as the rollups store it: millionths, rounded per event as they round it. */
export function revenueUnits(cents: number): number {
  return Math.round((cents / 100) * 1_000_000);
}
