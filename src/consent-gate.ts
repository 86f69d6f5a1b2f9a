// The consent gate: one state machine for consent, platform-free (unit tested in Node as a
// transition table). With `requireConsent` it gates on one category: unknown → granted → denied →
// granted…; without it, it is granted for good. Each input returns the effects the collector must
// execute, as bits (README, "Consent", has the table):
// - WIPE: storage stops; the collector's stored identity is removed (its queue once delivered);
// - RENEW: into or out of a denial: held events dropped, a new identity in memory;
// - ENABLE: storage starts (identity restored from storage unless FRESH; held events sent);
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
export const FRESH = 2;
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
  _state(): number;
  /** Both views: `{ categories, canonical }` (a new object each time). */
  _consent(): Reading;
  /** The canonical view. */
  _canonical(): ConsentState;
  /** The page's consent(state): merged into the state. `cmp`: a CMP's whole Reading. */
  _set(s: any, cmp?: boolean): number;
  /** A late requireConsent (true or a category), or a late CMP (undefined). */
  _require(c?: unknown): number;
  /** reset() while storage is off: the grant must not bring the stored user back. */
  _reset(): void;
}

/** requireConsent → the gate category: true is 'analytics'. */
const gateOf = (c: unknown) => (c === true ? 'analytics' : c ? '' + c : '');

/**
 * @param require  the requireConsent option
 * @param managed  a CMP or requireConsent is set: unanswered categories are not granted
 * @param lastSent reads the state last sent as a consent_update (storage; only read while granted)
 */
export function createConsentGate(require: unknown, managed: boolean, lastSent: () => string | null): Gate {
  let categories: Record<string, unknown> = {};
  /** The canonical categories answered so far. */
  let given: ConsentState = {};
  let fresh = false;
  let sent: string | undefined;

  const canonical = () => {
    const c: ConsentState = {};
    for (const k of CATEGORIES) c[k] = k == 'essential' || (k in given ? given[k] : !managed);
    return c;
  };

  // Effects of going from `prev` to the current state.
  const move = (prev: number): number => {
    const next = g._state();
    const j = JSON.stringify(g._consent());
    // Into or out of a denial: a new identity (what was set while denied never comes back).
    let fx = prev != next && (prev == DENIED || next == DENIED) ? RENEW : 0;
    if (next == GRANTED && prev != GRANTED) (fx |= ENABLE | (fresh ? FRESH : 0)), (fresh = false), (sent = undefined);
    if (next == GRANTED || (prev == GRANTED && next == DENIED)) {
      if (sent === undefined) sent = lastSent() || '';
      if (j != sent) (fx |= UPDATE), (sent = j);
    }
    if (prev != next && next != GRANTED) (fx |= WIPE), (fresh = true);
    return fx;
  };

  const g: Gate = {
    _category: gateOf(require),
    _state: () => (!g._category ? GRANTED : g._category in given || g._category == 'essential' ? (canonical()[g._category] ? GRANTED : DENIED) : UNKNOWN),
    _consent: () => ({ categories: { ...categories }, canonical: canonical() }),
    _canonical: canonical,
    _set(s, cmp) {
      const prev = g._state();
      if (cmp) (categories = { ...s.categories }), (given = {}), (s = s.canonical);
      for (const k in s) {
        const v = s[k];
        const c = CATEGORIES.indexOf(k) >= 0;
        // Canonical categories are booleans (essential stays true); a page's own codes may be strings.
        if (typeof v == 'boolean' || (!c && typeof v == 'string')) {
          if (c) given[k] = v;
          if (!cmp) categories[k] = v;
        }
      }
      return move(prev);
    },
    _require(c) {
      const prev = g._state();
      // A late CMP (no category) makes it managed too; a falsy requireConsent can't loosen the gate.
      if (c) g._category = gateOf(c);
      managed = true;
      return move(prev);
    },
    _reset() {
      if (g._state() != GRANTED) fresh = true;
    },
  };
  return g;
}
