// The admin token, kept in this browser's localStorage and sent as a Bearer token. The dashboard has no cookies, so
// a request from another site can never carry it (no CSRF).
const KEY = 'sluice_admin_token';

export function loadToken(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token lives only in memory for this tab
  }
}
