// Installs the collector on the page's global and replays what the stub queued.
//
// - Strict call order: queued calls replay first, in order, each with its own time and URL. Calls
//   made while the replay runs (a getter or toJSON in a queued object that calls _df again) join
//   the end of the same queue, so they keep their place.
// - `ready` callbacks run once the replay is done; later ones run at once.
// - Loading twice (two d.js, the stub plus a script tag, the npm package plus the stub) installs
//   one collector: a global that is already a collector is returned as it is.
import type { Options } from '../src/types';
import { createCollector } from '../src/collector';
import { LIBRARY } from '../src/event';
import { isPlainObject } from '../src/sanitize';
import { log } from '../src/log';

/** [method, arguments, time, url]: what the stub queued for each call. */
type Call = [string, ArrayLike<unknown>, number, string];

/** A real collector (not the stub's Proxy, whose every property is a function). */
export const isCollector = (g: any): boolean => !!g && typeof g.version == 'string';

export function install(w: any, base: Options): any {
  const name = base.global || '_df';
  const current = w[name];
  if (isCollector(current)) return current;
  const queued: Call[] = (current && Array.isArray(current.q) && current.q) || [];

  // The stub may have queued init({...}) calls: their options apply before anything starts.
  let opts: Options = { ...base };
  for (const c of queued)
    try {
      // A hostile options object (throwing getters, a revoked Proxy) is skipped, not fatal.
      if (c[0] == 'init' && isPlainObject(c[1][0])) opts = { ...opts, ...(c[1][0] as Partial<Options>) };
    } catch {}

  const c = createCollector(opts);
  const backlog: Call[] = [];
  const waiting: (() => void)[] = [];
  let replaying = true;

  const run = (f: unknown) => {
    try {
      (f as () => void)();
    } catch (e) {
      log.warn('ready callback failed: ' + e);
    }
  };

  const exec = ([m, args, time, url]: Call): unknown => {
    if (m == 'ready') return typeof args[0] == 'function' && (replaying ? (waiting[waiting.length] = args[0] as () => void) : run(args[0]));
    if (m == 'init' && replaying) return;
    return c._call(m, args, time, url);
  };

  const api: any = { version: LIBRARY.version };
  // Every name a site may call exists on every build (the core build answers the full build's
  // injectTag/removeTag with a debug warning), so no call can throw "is not a function".
  for (const m of c._methods.concat('ready', 'init', 'injectTag', 'removeTag')) {
    api[m] = function () {
      try {
        const call: Call = [m, arguments, Date.now(), location.href];
        // During the replay, every state-changing call waits its turn; getters answer at once.
        if (replaying && !/^(get|user|flush|inj|rem)/.test(m)) return void (backlog[backlog.length] = call);
        return exec(call);
      } catch {}
    };
  }
  w[name] = api;
  // Code that kept the stub (`const df = window._df` before d.js came) reaches the real methods
  // too: the stub's Proxy has no set trap, so these land on its target, which its get reads first.
  if (current)
    try {
      for (const m in api) current[m] = api[m];
    } catch {}

  // The page view (and campaign, consent, navigation watching) start where the stub started:
  // before anything it queued.
  const first = queued[0];
  try {
    // A CMP or a locked-down history API that throws must not leave the replay unfinished.
    c._start(first ? first[2] : Date.now(), first ? first[3] : location.href);
  } catch {}
  for (const q of queued) backlog[backlog.length] = q;
  for (let i = 0; i < backlog.length; i++) exec(backlog[i]);
  backlog.length = 0;
  replaying = false;
  waiting.forEach(run);
  return api;
}
