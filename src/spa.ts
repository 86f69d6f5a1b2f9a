// Client-side navigation. history.pushState/replaceState are wrapped once per page, however many
// collectors or stubs there are: the wrapper only calls the original (same arguments, same return
// value, same exceptions) and then fires a `datafly:navigate` event on window that collectors
// listen to. Which changes are a new page (README, "Single-page apps"): pushState and popstate
// when path or query change; replaceState when the path changes; hashchange when the option is on.

import { listen } from './listen';

const EVENT = 'datafly:navigate';
const MARK = '__datafly';

function wrap(h: History, name: 'pushState' | 'replaceState'): void {
  const orig = h[name] as any;
  if (!orig || orig[MARK]) return;
  const f = function (this: History) {
    const r = orig.apply(this, arguments);
    try {
      dispatchEvent(new CustomEvent(EVENT, { detail: name }));
    } catch {}
    return r;
  } as any;
  f[MARK] = 1;
  h[name] = f;
}

/**
 * Calls `page(previousUrl)` once per URL change that counts. `hash`: hash changes count too.
 * Changes in one task (a push then a redirecting replace) make one page event, for the final URL.
 */
export function watchNavigation(hash: boolean, page: (prev: string) => void): void {
  wrap(history, 'pushState');
  wrap(history, 'replaceState');
  const key = (withSearch: boolean) => location.pathname + (withSearch ? location.search : '') + (hash ? location.hash : '');
  let last = location.href;
  let lastPath = key(false);
  let lastFull = key(true);
  let timer: any;
  const check = (e: Event) => {
    // replaceState counts only when the path (not just the query) changed.
    const full = (e as CustomEvent).detail == 'replaceState' ? key(false) != lastPath : key(true) != lastFull;
    if (!full) {
      // Not a page view, but the app is at this URL now: later comparisons and referrers start here.
      if (!timer) (last = location.href), (lastPath = key(false)), (lastFull = key(true));
      return;
    }
    clearTimeout(timer);
    // Deferred a tick so that the router's redirects settle and its new title is set.
    timer = setTimeout(() => {
      timer = 0;
      if (key(true) == lastFull) return;
      const prev = last;
      last = location.href;
      lastPath = key(false);
      lastFull = key(true);
      page(prev);
    }, 0);
  };
  listen(window, EVENT, check);
  listen(window, 'popstate', check);
  if (hash) listen(window, 'hashchange', check);
}
