// Consent state and the CMP readers. Every event carries `context.consent`: the five canonical
// categories, plus the CMP's own codes when read from one. Mappings (README, "Consent"):
// - OneTrust (`OptanonConsent` cookie `groups=C0001:1,...`, `OnetrustActiveGroups`,
//   `OptanonWrapper`, `OneTrustGroupsUpdated`): C0001 → essential, C0002 → analytics,
//   C0003 → functional + personalization, C0004 → marketing (C0005, social media, is kept as its
//   own code).
// - Cookiebot (`window.Cookiebot.consent`, `CookieConsent` cookie, its `CookiebotOnAccept`,
//   `CookiebotOnDecline`, `CookiebotOnConsentReady` events): necessary → essential,
//   preferences → functional + personalization, statistics → analytics, marketing → marketing.
// - IAB TCF v2 (`__tcfapi('addEventListener', 2, ...)`): purpose 1 (store/access) is needed for
//   all of: functional = 1; analytics = 1 + 8 (measure content); marketing = 1 + 3 + 4
//   (personalised ads); personalization = 1 + 5 + 6 (personalised content). gdprApplies false
//   grants everything. The TC string is kept as `tcString`.
import type { ConsentState } from './types';
import { cookieGet } from './storage';
import { listen } from './listen';

export const CATEGORIES = ['essential', 'functional', 'analytics', 'marketing', 'personalization'];

/** The canonical state from (functional, analytics, marketing, personalization); essential is always true. */
export const state = (...v: unknown[]): ConsentState => {
  const s: ConsentState = {};
  CATEGORIES.forEach((c, i) => (s[c] = !i || !!v[i - 1]));
  return s;
};

export function fromOneTrust(groups: string): ConsentState | undefined {
  const on: Record<string, boolean> = {};
  // Either the cookie's "C0001:1,C0002:0" or OnetrustActiveGroups' ",C0001,C0003,".
  for (const g of groups.split(',')) {
    const [k, v] = g.split(':');
    if (k) on[k] = v == null || v == '1';
  }
  return Object.keys(on).length ? { ...state(on.C0003, on.C0002, on.C0004, on.C0003), ...on } : undefined;
}

export function fromCookiebot(c: any): ConsentState {
  return {
    ...state(c.preferences, c.statistics, c.marketing, c.preferences),
    necessary: true,
    preferences: !!c.preferences,
    statistics: !!c.statistics,
  };
}

export function fromTcf(d: any): ConsentState {
  const p = (d.purpose && d.purpose.consents) || {};
  const all = (...n: number[]) => d.gdprApplies === false || n.every((i) => p[i]);
  return { ...state(all(1), all(1, 8), all(1, 3, 4), all(1, 5, 6)), tcString: d.tcString };
}

/** Starts reading the configured CMP(s) ('onetrust' | 'cookiebot' | 'tcf' | 'auto'); calls `set` now and on every change. */
export function watchCmp(which: string, set: (s: ConsentState) => void): void {
  const win = window as any;
  const use = (name: string) => which == name || which == 'auto';
  const on = (ev: string, f: () => unknown) => listen(window, ev, f);
  if (use('onetrust')) {
    const read = () => {
      // Before the visitor chooses, OneTrust reports its defaults (OptanonWrapper runs at load):
      // not an answer. OptanonAlertBoxClosed is set once they have chosen.
      if (!cookieGet('OptanonAlertBoxClosed')) return;
      const g = win.OnetrustActiveGroups || (/groups=([^&]*)/.exec(cookieGet('OptanonConsent') || '') || [])[1];
      const s = g && fromOneTrust(decodeURIComponent(g));
      s && set(s);
    };
    read();
    // OneTrust calls OptanonWrapper on load and after every choice; the page's own one still runs.
    const prev = win.OptanonWrapper;
    win.OptanonWrapper = function (this: unknown) {
      try {
        read();
      } catch {}
      if (typeof prev == 'function') return prev.apply(this, arguments);
    };
    on('OneTrustGroupsUpdated', read);
  }
  if (use('cookiebot')) {
    const read = () => {
      // Before the visitor answers, Cookiebot.consent holds its defaults (all false): not an answer.
      let c = win.Cookiebot && win.Cookiebot.hasResponse !== false && win.Cookiebot.consent;
      const raw = cookieGet('CookieConsent');
      // "-1": the visitor is where no consent is required.
      if (!c && raw == '-1') c = { preferences: 1, statistics: 1, marketing: 1 };
      if (!c && raw) {
        // The cookie is a JS-like object literal, not JSON: read the flags out of it.
        c = {};
        raw.replace(/(\w+):(true|false)/g, (_m, k, v) => ((c[k] = v == 'true'), ''));
      }
      c && set(fromCookiebot(c));
    };
    read();
    ['CookiebotOnConsentReady', 'CookiebotOnAccept', 'CookiebotOnDecline'].forEach((e) => on(e, read));
  }
  if (use('tcf')) {
    const listen = () => {
      if (typeof win.__tcfapi != 'function') return;
      win.__tcfapi('addEventListener', 2, (d: any, ok: boolean) => {
        try {
          if (ok && d && /^(tcloaded|useractioncomplete)$/.test(d.eventStatus)) set(fromTcf(d));
        } catch {}
      });
      return 1;
    };
    // The CMP's own stub usually defines __tcfapi early; if it is late, try again at load.
    listen() || on('load', listen);
  }
}
