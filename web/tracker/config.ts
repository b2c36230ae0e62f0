// Reads the tracker's settings from its own <script> tag: the write key, and the Sluice host taken from its src.
export interface TrackerConfig {
  writeKey: string;
  /** Origin of the Sluice server, e.g. https://sluice.example.com. */
  host: string;
  /** Record a page view on load and on every single-page-app navigation. */
  autoPage: boolean;
  /** Treat Do Not Track and Global Privacy Control as an opt-out (until the visitor opts in). */
  honorDnt: boolean;
}

export function readConfig(): TrackerConfig | undefined {
  // currentScript is set while an async classic script runs; the selector covers a script re-executed later.
  const el = (document.currentScript ?? document.querySelector('script[data-write-key]')) as HTMLScriptElement | null;
  const writeKey = el?.dataset.writeKey;
  if (!el || !writeKey) return undefined;
  return {
    writeKey,
    host: new URL(el.src, location.href).origin,
    autoPage: el.dataset.autoPage !== 'false',
    honorDnt: el.dataset.honorDnt !== 'false',
  };
}
