// Cookiebot: `window.Cookiebot.consent` or the `CookieConsent` cookie, a JS-like object literal
// (`{stamp:'...',necessary:true,preferences:false,statistics:true,marketing:false,method:'explicit',
// ver:1,utc:...,region:'de'}`), or "-1" where no consent is required (Cookiebot docs,
// www.cookiebot.com/en/developer: "Cookiebot.consent", "The CookieConsent cookie").
// Mapping: necessary → essential, preferences → functional + personalization,
// statistics → analytics, marketing → marketing.
import { reading, type Reading } from './reading';

/** The flags in a `CookieConsent` cookie value; "-1" (no consent required) grants all. */
export function parseCookieConsent(raw?: string | null): Record<string, boolean> | undefined {
  if (!raw) return;
  if (raw == '-1') return { preferences: true, statistics: true, marketing: true };
  const c: Record<string, boolean> = {};
  raw.replace(/(\w+):(true|false)/g, (_m, k, v) => ((c[k] = v == 'true'), ''));
  return c;
}

export function readCookiebot(c: any): Reading {
  const on = { necessary: true, preferences: !!c.preferences, statistics: !!c.statistics, marketing: !!c.marketing };
  return reading(on, { functional: on.preferences, analytics: on.statistics, marketing: on.marketing, personalization: on.preferences });
}
