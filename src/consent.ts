// Consent state and the CMP readers. Every event carries `context.consent`: the five canonical
// categories, plus the CMP's own codes when read from one. Mappings (README, "Consent"):
// - OneTrust (`OptanonConsent` cookie `groups=C0001:1,...`, `OptanonWrapper`, `OneTrustGroupsUpdated`):
//   C0001 → essential, C0002 → analytics, C0003 → functional + personalization, C0004 → marketing
//   (C0005, social media, is kept as its own code).
// - Cookiebot (`CookieConsent` cookie, `window.Cookiebot.consent`, its `CookiebotOnAccept`,
//   `CookiebotOnDecline`, `CookiebotOnConsentReady` events): necessary → essential,
//   preferences → functional + personalization, statistics → analytics, marketing → marketing.
// - IAB TCF v2 (`__tcfapi('addEventListener', 2, ...)`): purpose 1 (store/access) is needed for
//   all of: functional = 1; analytics = 1 + 8 (measure content); marketing = 1 + 3 + 4
//   (personalised ads); personalization = 1 + 5 + 6 (personalised content). gdprApplies false
//   grants everything. The TC string is kept as `tcString`.
import type { ConsentState } from './types';
import { cookieGet } from './storage';

export const CATEGORIES = ['essential', 'functional', 'analytics', 'marketing', 'personalization'] as const;

type Listener = (s: ConsentState) => void;

const win = window as any;

export function fromOneTrust(groups: string): ConsentState | undefined {
  const on: Record<string, boolean> = {};
  // Either the cookie's "C0001:1,C0002:0" or OnetrustActiveGroups' ",C0001,C0003,".
  for (const g of groups.split(',')) {
    const [k, v] = g.split(':');
    if (k) on[k] = v === undefined || v == '1';
  }
  if (!Object.keys(on).length) return;
  return {
    essential: true,
    functional: !!on.C0003,
    analytics: !!on.C0002,
    marketing: !!on.C0004,
    personalization: !!on.C0003,
    ...on,
  };
}

export function fromCookiebot(c: Record<string, unknown>): ConsentState {
  const p = !!c.preferences;
  return {
    essential: true,
    functional: p,
    analytics: !!c.statistics,
    marketing: !!c.marketing,
    personalization: p,
    necessary: true,
    preferences: p,
    statistics: !!c.statistics,
  };
}

export function fromTcf(d: any): ConsentState {
  if (d.gdprApplies === false) return { essential: true, functional: true, analytics: true, marketing: true, personalization: true };
  const p = (d.purpose && d.purpose.consents) || {};
  const all = (...n: number[]) => n.every((i) => !!p[i]);
  return {
    essential: true,
    functional: all(1),
    analytics: all(1, 8),
    marketing: all(1, 3, 4),
    personalization: all(1, 5, 6),
    tcString: d.tcString,
  };
}

/** Starts reading the configured CMP(s); calls `set` now (if known) and on every change. */
export function watchCmp(which: string, set: Listener): void {
  const any = which == 'auto';
  const on = (ev: string, f: () => void) => addEventListener(ev, () => { try { f(); } catch {} });
  if (any || which == 'onetrust') {
    const read = () => {
      const groups = win.OnetrustActiveGroups || (/groups=([^&]*)/.exec(cookieGet('OptanonConsent') || '') || [])[1];
      const s = groups && fromOneTrust(decodeURIComponent(groups));
      if (s) set(s);
    };
    read();
    // OneTrust calls OptanonWrapper on load and after every choice; keep the page's own one.
    const prev = win.OptanonWrapper;
    win.OptanonWrapper = function (this: unknown) {
      try { read(); } catch {}
      if (typeof prev == 'function') return prev.apply(this, arguments);
    };
    on('OneTrustGroupsUpdated', read);
  }
  if (any || which == 'cookiebot') {
    const read = () => {
      let c = win.Cookiebot && win.Cookiebot.consent;
      if (!c) {
        // The cookie is a JS-like object literal, not JSON: read the flags out of it.
        const raw = cookieGet('CookieConsent');
        if (!raw || raw == '-1') return raw == '-1' && set(fromCookiebot({ preferences: 1, statistics: 1, marketing: 1 }));
        c = {};
        raw.replace(/(preferences|statistics|marketing):(true|false)/g, (_m: string, k: string, v: string) => ((c[k] = v == 'true'), ''));
      }
      set(fromCookiebot(c));
    };
    read();
    for (const e of ['CookiebotOnConsentReady', 'CookiebotOnAccept', 'CookiebotOnDecline']) on(e, read);
  }
  if (any || which == 'tcf') {
    const listen = () => {
      if (typeof win.__tcfapi != 'function') return false;
      win.__tcfapi('addEventListener', 2, (d: any, ok: boolean) => {
        if (ok && d && (d.eventStatus == 'tcloaded' || d.eventStatus == 'useractioncomplete')) set(fromTcf(d));
      });
      return true;
    };
    // The CMP's own stub usually defines __tcfapi early; if it is late, try again at load.
    if (!listen()) on('load', listen);
  }
}
