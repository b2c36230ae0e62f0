// Hash routes (#/explore?event=…): the server serves only `/`, and a view's state survives a reload or a shared link.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  view: string;
  params: URLSearchParams;
}

function parse(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [view = '', query = ''] = hash.split('?');
  return { view: view || 'overview', params: new URLSearchParams(query) };
}

export function href(view: string, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return `#/${view}${s === '' ? '' : `?${s}`}`;
}

export function navigate(view: string, params: Record<string, string | undefined> = {}, replace = false): void {
  const url = href(view, params);
  if (replace) {
    history.replaceState(null, '', url);
    dispatchEvent(new HashChangeEvent('hashchange'));
  } else location.hash = url;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const update = (): void => setRoute(parse());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
