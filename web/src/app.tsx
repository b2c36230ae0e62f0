// The dashboard shell: sign-in gate, navigation, and one view per hash route.
import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from './lib/api.js';
import { loadToken, saveToken } from './lib/auth.js';
import { useRoute } from './lib/route.js';
import { Destinations } from './views/destinations.js';
import { Explorer } from './views/explorer.js';
import { Install } from './views/install.js';
import { LiveTail } from './views/live-tail.js';
import { Login } from './views/login.js';
import { Overview } from './views/overview.js';

const NAV: [view: string, label: string][] = [
  ['overview', 'Overview'],
  ['explore', 'Explore'],
  ['live', 'Live'],
  ['destinations', 'Destinations'],
  ['install', 'Install'],
];

export function App() {
  const [token, setToken] = useState(loadToken);
  const [notice, setNotice] = useState<string>();
  const route = useRoute();

  useEffect(
    () =>
      onUnauthorized(() => {
        saveToken(null);
        setToken(null);
        setNotice('The server no longer accepts the saved token; sign in again.');
      }),
    [],
  );

  if (token === null) {
    return (
      <Login
        notice={notice}
        onToken={(t) => {
          saveToken(t);
          setNotice(undefined);
          setToken(t);
        }}
      />
    );
  }

  const { view, params } = route;
  return (
    <>
      <header class="top-bar">
        <a class="brand" href="#/overview">
          Sluice
        </a>
        <nav>
          {NAV.map(([v, label]) => (
            <a key={v} href={`#/${v}`} class={v === view ? 'on' : ''} aria-current={v === view ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          class="quiet"
          onClick={() => {
            saveToken(null);
            setToken(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main class="page" key={view}>
        {view === 'explore' ? (
          <Explorer params={params} />
        ) : view === 'live' ? (
          <LiveTail params={params} />
        ) : view === 'destinations' ? (
          <Destinations />
        ) : view === 'install' ? (
          <Install />
        ) : (
          <Overview params={params} />
        )}
      </main>
    </>
  );
}
