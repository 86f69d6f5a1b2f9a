// Osano: `window.Osano.cm.getConsent()` and the ConsentObject its events pass
// (developers.osano.com/cmp/javascript-api/developer-documentation-consent-javascript-api):
// `{ESSENTIAL: 'ACCEPT', STORAGE: 'ACCEPT'|'DENY', ANALYTICS, MARKETING, PERSONALIZATION,
// OPT_OUT}`. The same record is what Osano stores in the `osano_consentmanager` localStorage item
// and cookie; Osano encrypts it there, and its own reader tries JSON first, so a plain-JSON record
// is read and an encrypted one is not an answer (the watcher then waits for `Osano.cm`).
// Mapping: ESSENTIAL → essential, STORAGE → functional, ANALYTICS → analytics,
// MARKETING → marketing unless OPT_OUT (do not sell/share) is ACCEPT, PERSONALIZATION →
// personalization. Codes are kept verbatim as booleans (ACCEPT → true).
import { reading, type Reading } from './reading';

const CODES = ['ESSENTIAL', 'STORAGE', 'ANALYTICS', 'MARKETING', 'PERSONALIZATION', 'OPT_OUT'];

export const readOsano = (c: any): Reading | undefined => {
  // Unparsable, or not an object (`in` throws): not an answer.
  try {
    if (typeof c == 'string') c = JSON.parse(c);
    const on: Record<string, boolean> = {};
    for (const k of CODES) if (k in c) on[k] = c[k] == 'ACCEPT';
    return Object.keys(on).length
      ? reading(on, {
          functional: on.STORAGE,
          analytics: on.ANALYTICS,
          marketing: on.MARKETING && !on.OPT_OUT,
          personalization: on.PERSONALIZATION,
        })
      : undefined;
  } catch {}
};
