// What a message says about where it was sent from: the page (Segment's context.page), UTM parameters as
// context.campaign, and the browser.
export interface PageInfo {
  path: string;
  referrer: string;
  search: string;
  title: string;
  url: string;
}

// utm_campaign is the campaign's name in Segment's spec; the others keep their own name.
const UTM: Record<string, string> = { utm_campaign: 'name', utm_source: 'source', utm_medium: 'medium', utm_term: 'term', utm_content: 'content' };

export function pageInfo(referrer: string): PageInfo {
  return {
    path: location.pathname,
    referrer,
    search: location.search,
    title: document.title,
    url: location.href.split('#')[0]!,
  };
}

export function campaign(search: string): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  new URLSearchParams(search).forEach((value, key) => {
    const name = UTM[key];
    if (name !== undefined && value !== '') (out ??= {})[name] = value;
  });
  return out;
}

export function browserContext(): Record<string, unknown> {
  let timezone: string | undefined;
  try {
    timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    // very old browsers: leave it out
  }
  return { userAgent: navigator.userAgent, locale: navigator.language, screen: { width: screen.width, height: screen.height }, timezone };
}

/** A random v4 UUID; crypto.randomUUID exists only on secure origins, getRandomValues everywhere. */
export function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let h = '';
  for (let i = 0; i < 16; i++) h += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + (b[i]! + 0x100).toString(16).slice(1);
  return h;
}
