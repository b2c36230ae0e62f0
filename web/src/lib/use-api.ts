// A GET against the API as component state: refetched when the path or params change, or every refreshMs.
import { useEffect, useState } from 'preact/hooks';
import { apiGet, type Params } from './api.js';

export interface ApiState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

export function useApi<T>(path: string | null, params: Params = {}, refreshMs = 0, refreshKey = 0): ApiState<T> {
  const [state, setState] = useState<ApiState<T>>({ data: undefined, error: undefined, loading: path !== null });
  const key = path === null ? '' : `${path}?${JSON.stringify(params)}`;

  useEffect(() => {
    if (path === null) {
      setState({ data: undefined, error: undefined, loading: false });
      return;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (): void => {
      setState((s) => ({ ...s, loading: true }));
      apiGet<T>(path, params).then(
        (data) => live && setState({ data, error: undefined, loading: false }),
        (error: Error) => live && setState((s) => ({ data: s.data, error, loading: false })),
      ).finally(() => {
        if (live && refreshMs > 0) timer = setTimeout(load, refreshMs);
      });
    };
    load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // params are compared through `key`: the object itself is new on every render.
  }, [key, refreshMs, refreshKey]);

  return state;
}
