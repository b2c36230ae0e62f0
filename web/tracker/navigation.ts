// Single-page-app navigation: history.pushState/replaceState and popstate. A page view is recorded when the path or
// query string changed (hash-only changes are anchors, not pages). The check runs on the next tick so a title the app
// sets right after pushState is the one recorded.
export function onNavigate(cb: (previousUrl: string) => void): void {
  let last = location.href.split('#')[0]!;
  const check = (): void => {
    const now = location.href.split('#')[0]!;
    if (now === last) return;
    const previous = last;
    last = now;
    cb(previous);
  };
  const later = (): void => void setTimeout(check, 0);
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = history[name];
    history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args);
      later();
    };
  }
  addEventListener('popstate', later);
}
