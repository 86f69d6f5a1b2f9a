// Installs the collector on the page's global and replays what the stub queued.
//
// - Nothing starts before the document is parsed: until DOMContentLoaded (or at once when it has
//   passed) every call queues, so an init() in any of the page's own scripts, wherever the HTML
//   put it, applies before anything is stored or sent. user() answers from storage meanwhile, as
//   the stub's does.
// - Strict call order: queued calls replay first, in order, each with its own time and URL. Calls
//   made while the replay runs (a getter or toJSON in a queued object that calls _df again) join
//   the end of the same queue, so they keep their place. Only the ANSWERED methods answer at once.
// - A queued entry that is not a call ([method, arguments, time, url]) is skipped with a debug
//   warning: pages push null, holes and other snippets' formats into queues.
// - `ready` callbacks run once the replay is done; later ones run at once.
// - init() after the start goes to the collector like any call (it applies what it still can).
// - Loading twice (two d.js, the stub plus a script tag, the npm package plus the stub) installs
//   one collector: a global that is already a collector is returned as it is.
import type { Options } from './types';
import { createCollector, type Collector } from './collector';
import { LIBRARY } from './event';
import { isPlainObject } from './sanitize';
import { readJSON } from './storage';
import { KEY as STORED_USER } from './identity';
import { listen } from './listen';
import { log } from './log';
import { ANSWERED, METHODS, type Call } from './methods';
import { loadChunk, type ChunkName, type Chunks } from './load-chunk';
import { CHUNK_WAIT } from './limits';

/** A real collector (not the stub's Proxy, whose every property is a function). */
export const isCollector = (g: any): boolean => typeof g?.version == 'string';

export function install(w: any, base: Options): any {
  const name = base.global || '_df';
  const current = w[name];
  if (isCollector(current)) return current;
  // The page view (and campaign, consent, navigation watching) start where the stub started: at
  // its first call, or when d.js came.
  let first: any = [0, 0, Date.now(), location.href];
  let backlog: Call[] = [];
  const queued: Call[] = [];
  const waiting: (() => void)[] = [];
  let c: Collector | undefined;
  let replaying = true;
  // What start() gathered for go(): the options, and how many queued entries were skipped.
  let opts: Options;
  let bad = 0;

  const run = (f: unknown) => {
    try {
      (f as () => void)();
    } catch (e) {
      log.warn('ready callback failed: ' + e);
    }
  };

  const exec = ([m, args, time, url]: Call): unknown =>
    m == 'ready'
      ? typeof args[0] == 'function' && (replaying ? (waiting[waiting.length] = args[0] as () => void) : run(args[0]))
      : c!._call(m, args, time, url);

  const api: any = { version: LIBRARY.version };
  // Every name a site may call exists on every build (the core build answers the full build's
  // injectTag/removeTag with a debug warning), so no call can throw "is not a function".
  for (const m of METHODS) {
    const answers = ANSWERED.indexOf(m) >= 0;
    api[m] = function () {
      try {
        const call: Call = [m, arguments, Date.now(), location.href];
        if (!c && m == 'user') return (!base.requireConsent && readJSON(STORED_USER)) || {};
        // Before the start every call waits; during the replay, every state-changing one.
        if (replaying && !(c && answers)) return void (backlog[backlog.length] = call);
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

  function start() {
    opts = { ...base };
    let i: any;
    // Every call so far: the stub's (or those in a page's own plain array on the global), then
    // those made since. init() calls configure the collector; the rest replay in order.
    for (const q of [].concat(current ? current.q || current : [], backlog as any) as any[])
      try {
        // A call is [method name, arguments, a number time within this page view (10 s of clock
        // slack; no lower bound where timeOrigin is missing: Safari 14), this page's URL or one of
        // its origin]. Skipped: null, a hole, ['ready'], another snippet's format, a forged time or
        // URL (README, "Install on a site"), and (below) a hostile init object.
        if (!(
          typeof q[0] == 'string' &&
          q[1].length >= 0 &&
          q[2] === +q[2] &&
          !(q[2] < performance?.timeOrigin - 1e4) &&
          q[2] < Date.now() + 1e4 &&
          typeof q[3] == 'string' &&
          (q[3] == location.href || !q[3].indexOf(location.origin + '/'))
        ))
          throw 0;
        if (q[2] < first[2]) first = q;
        // requireConsent can be tightened, never loosened (a falsy one keeps the earlier one).
        q[0] == 'init'
          ? isPlainObject((i = q[1][0])) && (opts = { ...opts, ...i, requireConsent: (i.requireConsent as any) || opts.requireConsent })
          : (queued[queued.length] = q);
      } catch {
        bad++;
      }
    backlog = queued;
    // The full build's chunks for the options set by now (src/load-chunk.ts) come first, within
    // CHUNK_WAIT, so that the page view starts as if they were built in: the CMP's stored answer
    // read at the start (a returning visitor's events are made with their identity), the first
    // event with its vendor IDs and link token. Calls keep queueing meanwhile. The collector says
    // in debug mode what did not come.
    const need =
      __FULL__ && ([opts.cmp && 'cmp', opts.vendorIds?.length && 'ids', opts.crossDomain && 'link'].filter(Boolean) as ChunkName[]);
    if (!need || !need.length) return go();
    const chunks: Partial<Chunks> = {};
    let left = need.length;
    let started = 0;
    const end = () => started++ || go({ ...chunks });
    setTimeout(end, CHUNK_WAIT);
    // Leaving the page meanwhile starts it at once: what was queued is stored and goes with the
    // unload plan (hidden comes before pagehide, whose own dispatch is too late for the collector's).
    listen(document, 'visibilitychange', () => document.hidden && end());
    listen(window, 'pagehide', end);
    for (const n of need) loadChunk(n, opts.nonce, (m: any) => ((chunks[n] = m), --left || end()));
  }

  function go(chunks?: Partial<Chunks>) {
    c = createCollector(opts, chunks);
    try {
      // A CMP or a locked-down history API that throws must not leave the replay unfinished.
      c._start(first[2], first[3]);
    } catch {}
    for (let i = 0; i < backlog.length; i++)
      try {
        exec(backlog[i]);
      } catch {
        bad++;
      }
    if (bad) log.warn('skipped ' + bad + ' malformed queued calls');
    backlog.length = 0;
    replaying = false;
    waiting.forEach(run);
  }
  document.readyState == 'loading' ? listen(document, 'DOMContentLoaded', start) : start();
  return api;
}
