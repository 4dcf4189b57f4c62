import { useEffect, useState } from 'preact/hooks';

/** The three views; the landing one is `changes`. */
export const VIEWS = ['changes', 'etl', 'costs'] as const;
export type View = (typeof VIEWS)[number];

/** Where the page is: the view and its parameters, all in the hash (`#/changes?filterNamespaces=shop`), so a view can be shared. */
export interface Route {
  readonly view: View;
  readonly params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const view = VIEWS.find((v) => v === path) ?? 'changes';
  return { view, params: new URLSearchParams(search) };
}

export function hashOf(view: View, params: URLSearchParams): string {
  const s = params.toString();
  return `#/${view}${s === '' ? '' : `?${s}`}`;
}

const listeners = new Set<() => void>();

/** Replaces the parameters of the current view (no new history entry: typing in a filter is not a step back). */
export function setParams(view: View, update: Readonly<Record<string, string | undefined>>): void {
  const params = new URLSearchParams(parseHash(location.hash).params);
  for (const [k, v] of Object.entries(update)) {
    if (v === undefined || v === '') params.delete(k);
    else params.set(k, v);
  }
  history.replaceState(null, '', hashOf(view, params));
  for (const l of listeners) l();
}

/** The current route, re-rendering on navigation and on setParams. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = (): void => setRoute(parseHash(location.hash));
    listeners.add(update);
    window.addEventListener('hashchange', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('hashchange', update);
    };
  }, []);
  return route;
}
