// The opt-out switch. An explicit choice (optOut/optIn) is kept and always wins; without one, Do Not Track or Global
// Privacy Control count as an opt-out when the site leaves data-honor-dnt on (the default).
import { load, save } from './storage.js';

const KEY = 'sluice_consent';

function browserSaysNo(): boolean {
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  return nav.doNotTrack === '1' || nav.globalPrivacyControl === true;
}

export function allowed(honorDnt: boolean): boolean {
  const choice = load(KEY);
  if (choice !== null) return choice === 'in';
  return !(honorDnt && browserSaysNo());
}

export function choose(optedIn: boolean): void {
  save(KEY, optedIn ? 'in' : 'out');
}
