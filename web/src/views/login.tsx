// Sign in with the admin token. It is checked against the server before it is kept.
import { useState } from 'preact/hooks';
import { ApiError, apiGet } from '../lib/api.js';

export function Login({ onToken, notice }: { onToken: (token: string) => void; notice?: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const t = token.trim();
    if (t === '') return;
    setBusy(true);
    try {
      await apiGet('/api/v1/destinations', {}, t);
      onToken(t);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That token was refused.' : `Could not reach Sluice: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="panel login-box" onSubmit={submit}>
        <div class="brand">Sluice</div>
        <label>
          Admin token
          <input type="password" name="token" autoComplete="current-password" autoFocus value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        {error !== undefined && <p class="error">{error}</p>}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p class="muted small">Printed at start-up as "admin token", or admin_token in sluice.yaml.</p>
      </form>
    </main>
  );
}
