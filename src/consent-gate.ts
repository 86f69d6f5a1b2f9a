// The consent gate: one state machine for consent, platform-free (unit tested in Node as a
// transition table). With `requireConsent` it gates on one category: unknown → granted → denied →
// granted…; without it, it is granted for good. Each input returns the effects the collector must
// execute, as bits (README, "Consent", has the table):
// - WIPE: storage stops; the collector's stored identity is removed (its queue once delivered);
// - RENEW: into or out of a denial: held events dropped, a new identity in memory;
// - ENABLE: storage starts (the stored identity restored, unless a reset or a wipe came while
//   storage was off: src/identity.ts; held events sent);
// - UPDATE: one consent_update is sent (a withdrawal's carries the anonymousId it had and the
//   consent only).
// The gate keeps both views of the state: `categories` (the CMP's codes verbatim, or what the page
// passed) and `canonical` (the five categories).
import type { ConsentState } from './types';
import { CATEGORIES } from './consent';

export const UNKNOWN = 0;
export const GRANTED = 1;
export const DENIED = 2;
export const ENABLE = 1;
export const UPDATE = 4;
export const WIPE = 8;
export const RENEW = 16;

/** What a CMP reader reports: its whole state (its codes replace the earlier ones). */
export interface Reading {
  categories: Record<string, unknown>;
  canonical: ConsentState;
}

export interface Gate {
  /** The gate category ('' when consent is not required). */
  _category: string;
  /** The state last sent as a consent_update (JSON), once known. */
  _sent?: string;
  _state(): number;
  /** Both views: `{ categories, canonical }` (for an event being sent: not a copy). */
  _consent(): Reading;
  /** The canonical view. */
  _canonical(): ConsentState;
  /** The page's consent(state): merged into the state. `cmp`: a CMP's whole Reading. */
  _set(s: any, cmp?: boolean): number;
  /** A late requireConsent (true or a category), or a late CMP (undefined). */
  _require(c?: unknown): number;
}

/** requireConsent → the gate category: true is 'analytics'. */
const gateOf = (c: unknown) => (c === true ? 'analytics' : c ? '' + c : '');

/**
 * @param require  the requireConsent option
 * @param managed  truthy: a CMP or requireConsent is set, unanswered categories are not granted
 * @param lastSent reads the state last sent as a consent_update (storage; only read while granted)
 */
export function createConsentGate(require: unknown, managed: unknown, lastSent: () => string | null): Gate {
  let categories: Record<string, unknown> = {};
  /** The canonical categories answered so far (no prototype: a polluted Object.prototype grants nothing). */
  let given: ConsentState = { __proto__: null } as any;

  const canonical = () => {
    const c: ConsentState = {};
    for (const k of CATEGORIES) c[k] = k == 'essential' || (k in given ? given[k] : !managed);
    return c;
  };

  // Runs a change, and returns the effects of going from the state before to the state after.
  const step = (change: () => void): number => {
    const prev = g._state();
    change();
    const next = g._state();
    // Into or out of a denial (states 0, 1, 2: the sum of two different ones is over 1 only with
    // DENIED): a new identity, so what was set while denied never comes back.
    let fx = prev == next ? 0 : (next == GRANTED ? ENABLE : WIPE) | (prev + next > 1 ? RENEW : 0);
    // An update while granted, and for a withdrawal.
    if (next && (prev == GRANTED || next == GRANTED)) {
      const j = JSON.stringify(g._consent());
      if (j != (g._sent ??= lastSent() || '')) ((fx |= UPDATE), (g._sent = j));
    }
    return fx;
  };

  const g: Gate = {
    _category: gateOf(require),
    // (The gate category is managed: granted only when answered true, or essential.)
    // Own reads only: a category that isn't canonical is never granted.
    _state: () => (!g._category || g._category == 'essential' || given[g._category] ? GRANTED : g._category in given ? DENIED : UNKNOWN),
    // Events are serialized as they are sent: no copy needed.
    _consent: () => ({ categories, canonical: canonical() }),
    _canonical: canonical,
    _set: (s, cmp) =>
      step(() => {
        // (Only the full build reads CMPs: the core never passes `cmp`.)
        if (__FULL__ && cmp) ((categories = s.categories), (given = { __proto__: null } as any), (s = s.canonical));
        for (const k of Object.keys(s)) {
          const v = s[k];
          const c = CATEGORIES.includes(k);
          // Canonical categories are booleans (essential stays true); a page's own codes may be strings.
          if (typeof v == 'boolean' || (!c && typeof v == 'string')) {
            if (c) given[k] = v;
            if (!__FULL__ || !cmp) categories[k] = v;
          }
        }
      }),
    // A late CMP (no category) makes it managed too; a falsy requireConsent can't loosen the gate.
    _require: (c) => step(() => ((managed = true), c && (g._category = gateOf(c)))),
  };
  return g;
}
