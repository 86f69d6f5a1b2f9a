// Consent state. Every event carries `context.consent`: the five canonical categories, plus the
// CMP's own codes when read from one (the readers and watchers are in src/cmp/; README, "Consent").
import type { ConsentState } from './types';

export const CATEGORIES = ['essential', 'functional', 'analytics', 'marketing', 'personalization'];

/** The canonical state from (functional, analytics, marketing, personalization); essential is always true. */
export const state = (...v: unknown[]): ConsentState => {
  const s: ConsentState = {};
  CATEGORIES.forEach((c, i) => (s[c] = !i || !!v[i - 1]));
  return s;
};
