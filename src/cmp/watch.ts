// Watches the configured CMP(s) in the page (full build only) and reports each answer of the
// visitor's as a whole reading: at start, and on every change. Nothing is added to `window`
// (OneTrust's `OptanonWrapper` is wrapped only once OneTrust is there); a CMP that appears late
// (after `load`, or a collector started after `load` by a tag manager) is looked for every 250 ms
// for 10 s after start and again after `load`. README, "Consent".
import type { Options } from '../types';
import type { Reading } from './reading';
import { cookieGet, lsGet } from '../storage';
import { listen } from '../listen';
import { oneTrustGroups, readOneTrust } from './onetrust';
import { parseCookieConsent, readCookiebot } from './cookiebot';
import { readTcf } from './tcf';
import { DIDOMI_MAP, readDidomi, readDidomiToken } from './didomi';
import { readOsano } from './osano';
import { readCustom } from './custom';

export type CmpName = 'onetrust' | 'cookiebot' | 'tcf' | 'didomi' | 'osano' | 'custom' | 'auto';

/** Starts reading `which` ('auto': every one of them found); calls `set` now and on every change. */
export function watchCmp(which: string, set: (r: Reading) => void, o: Partial<Options> = {}): void {
  const win = window as any;
  const auto = which == 'auto';
  const use = (name: string) => which == name || auto;
  const on = (ev: string, f: (e: any) => unknown) => listen(window, ev, f);
  // Finders return truthy once their CMP is found (and hooked); the others are polled. Nothing a
  // CMP hands us can throw into the page.
  const found = (f: () => unknown) => {
    try {
      return f();
    } catch {}
  };
  // A reader's answer, if it is one.
  const put = (f: () => Reading | undefined | false | '' | 0 | null) =>
    found(() => {
      const r = f();
      r && set(r);
    });
  const map = o.consentSource?.map;
  let pending: (() => unknown)[] = [];
  const seek = (f: () => unknown) => found(f) || (pending[pending.length] = f);
  // Tries the pending finders now and then every 250 ms, 40 times (10 s).
  const poll = (n = 40) => {
    pending = pending.filter((f) => !found(f));
    if (n) setTimeout(poll, 250, n - 1);
  };

  if (use('onetrust')) {
    // Before the visitor chooses, OneTrust reports its defaults (OptanonWrapper runs at load):
    // not an answer. OptanonAlertBoxClosed is set once they have chosen.
    const read = () =>
      put(() => {
        const g = cookieGet('OptanonAlertBoxClosed') && (win.OnetrustActiveGroups || oneTrustGroups(cookieGet('OptanonConsent')));
        return g && readOneTrust(g);
      });
    read();
    on('OneTrustGroupsUpdated', read);
    // OneTrust calls OptanonWrapper on load and after every choice; the page's own one still runs.
    seek(() => {
      if (auto && !win.OneTrust && !win.Optanon) return;
      const prev = win.OptanonWrapper;
      win.OptanonWrapper = function (this: unknown) {
        read();
        if (typeof prev == 'function') return prev.apply(this, arguments);
      };
      read();
      return 1;
    });
  }

  if (use('cookiebot')) {
    const read = () =>
      put(() => {
        // Before the visitor answers, Cookiebot.consent holds its defaults (all false): not an answer.
        const c = (win.Cookiebot?.hasResponse !== false && win.Cookiebot?.consent) || parseCookieConsent(cookieGet('CookieConsent'));
        return c && readCookiebot(c);
      });
    read();
    ['CookiebotOnConsentReady', 'CookiebotOnAccept', 'CookiebotOnDecline'].forEach((e) => on(e, read));
  }

  if (use('tcf')) {
    const got = (d: unknown, ok: unknown) => ok && put(() => readTcf(d));
    seek(() => {
      if (typeof win.__tcfapi == 'function') return (win.__tcfapi('addEventListener', 2, got), 1);
      // In a frame: the CMP of a parent frame answers through postMessage to the frame that hosts
      // its `__tcfapiLocator` frame (TCF v2.2 CMP API, "How can vendors that use iframes call the CMP API").
      for (let f = win; f != win.top;) {
        f = f.parent;
        let loc;
        try {
          loc = f.frames.__tcfapiLocator;
        } catch {}
        if (loc) {
          const callId = 'df' + Math.random();
          on('message', (e) => {
            let j = e.data;
            if (e.source != f) return;
            if (typeof j == 'string') j = JSON.parse(j);
            const r = j?.__tcfapiReturn;
            if (r?.callId == callId) got(r.returnValue, r.success);
          });
          f.postMessage({ __tcfapiCall: { command: 'addEventListener', version: 2, callId } }, '*');
          return 1;
        }
      }
    });
  }

  if (use('didomi')) {
    put(() => readDidomiToken(cookieGet('didomi_token') || lsGet('didomi_token'), map));
    // The SDK calls what is pushed on `didomiOnReady` once ready (at once when it already is),
    // and registers what is pushed on `didomiEventListeners` (developers.didomi.io/cmp/web-sdk/
    // reference/events; `Didomi.on` otherwise). Both arrays are the page's (or the SDK's): the
    // collector never creates them.
    const attach = (D?: any) =>
      found(() => {
        D = D || win.Didomi;
        const read = () =>
          put(() =>
            D.isConsentRequired?.() === false
              ? readDidomi({ purposes: { enabled: Object.keys(DIDOMI_MAP) } })
              : !D.shouldConsentBeCollected?.() && readDidomi(D.getCurrentUserStatus(), map),
          );
        read();
        const l = win.didomiEventListeners;
        // The page's own Didomi queue: its documented `push`, not Array.prototype.push.
        // eslint-disable-next-line no-restricted-properties
        typeof l?.push == 'function' ? l.push({ event: 'consent.changed', listener: read }) : D.on('consent.changed', read);
      });
    seek(() => {
      const ready = win.didomiOnReady;
      // The page's own didomiOnReady queue, as Didomi documents it (not Array.prototype.push).
      // eslint-disable-next-line no-restricted-properties
      if (typeof ready?.push == 'function') return (ready.push(attach), 1);
      if (win.Didomi?.getCurrentUserStatus) return (attach(), 1);
    });
  }

  if (use('osano')) {
    put(() => readOsano(lsGet('osano_consentmanager') || cookieGet('osano_consentmanager')));
    seek(() => {
      const cm = win.Osano?.cm;
      if (typeof cm?.addEventListener != 'function') return;
      // osano-cm-initialized passes undefined until the visitor has answered.
      let answered = 0;
      const read = (c?: unknown) => answered && put(() => readOsano(c || cm.getConsent()));
      cm.addEventListener('osano-cm-initialized', (c: unknown) => c && ((answered = 1), read(c)));
      cm.addEventListener('osano-cm-consent-saved', (c: unknown) => ((answered = 1), read(c)));
      cm.addEventListener('osano-cm-consent-changed', () => read());
      return 1;
    });
  }

  const src = o.consentSource;
  if (src && use('custom')) {
    // No events to follow: re-read when the stored value changes (checked every second, and on
    // `storage` from other tabs).
    let last: unknown;
    const read = () => {
      const raw = (src.cookie && cookieGet(src.cookie)) || (src.localStorage && lsGet(src.localStorage));
      if (raw != last) ((last = raw), put(() => readCustom(raw, src)));
    };
    read();
    setInterval(read, 1000);
    on('storage', read);
  }

  if (pending.length) {
    poll();
    if (document.readyState != 'complete') on('load', () => poll());
  }
}
