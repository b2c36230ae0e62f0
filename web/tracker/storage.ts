// First-party storage: localStorage, or a cookie where localStorage is unavailable (disabled, or throws in some
// private modes). Nothing is shared with other sites.
const YEAR_S = 31_536_000;

function cookie(name: string): string | null {
  const m = document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
  return m ? decodeURIComponent(m[1]!) : null;
}

function setCookie(name: string, value: string, maxAge: number): void {
  const secure = location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=${maxAge}; samesite=lax${secure}`;
}

export function load(name: string): string | null {
  try {
    const v = localStorage.getItem(name);
    if (v !== null) return v;
  } catch {
    // fall through to the cookie
  }
  return cookie(name);
}

export function save(name: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(name);
    else localStorage.setItem(name, value);
  } catch {
    setCookie(name, value ?? '', value === null ? 0 : YEAR_S);
    return;
  }
  // A value left in a cookie from a time localStorage failed must not come back after a removal.
  if (value === null && cookie(name) !== null) setCookie(name, '', 0);
}
