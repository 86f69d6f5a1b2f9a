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
 * Calls `page(previousUrl, time)` once per URL change that counts (`time`: when the URL changed).
 * `hash`: hash changes count too. Changes in one task (a push then a redirecting replace) make one
 * page event, for the final URL, a tick later (the router's redirects settle, its title is set).
 * Returns `settle`: the collector calls it before every call, so a pending page event is made at
 * once, before the call that follows the navigation (README, "Single-page apps").
 */
export function watchNavigation(hash: boolean, page: (prev: string, time: number) => void): () => void {
  wrap(history, 'pushState');
  wrap(history, 'replaceState');
  const key = (withSearch: boolean) => location.pathname + (withSearch ? location.search : '') + (hash ? location.hash : '');
  let last: string, lastPath: string, lastFull: string;
  /** The app is at this URL now: later comparisons and referrers start here. */
  const here = () => ((last = location.href), (lastPath = key(false)), (lastFull = key(true)));
  here();
  // When the pending page view's URL changed; 0: none pending.
  let time = 0;
  // Every counted change queues a `fire`; the first to run (or `settle`) makes the page event, for
  // the URL the app is at by then, and the others find nothing pending.
  const fire = () => {
    const t = time;
    const prev = last;
    time = 0;
    if (t && key(true) != lastFull) (here(), page(prev, t));
  };
  const check = (e: Event) => {
    // replaceState counts only when the path (not just the query) changed.
    if ((e as CustomEvent).detail == 'replaceState' ? key(false) != lastPath : key(true) != lastFull) {
      time = Date.now();
      // Deferred a tick so that the router's redirects settle and its new title is set.
      setTimeout(fire, 0);
    } else if (!time) here(); // not a page view, but the app is at this URL now
  };
  listen(window, EVENT, check);
  listen(window, 'popstate', check);
  if (hash) listen(window, 'hashchange', check);
  return fire;
}
