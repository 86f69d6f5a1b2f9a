// Consent state. Every event carries `context.consent`: the five canonical categories, plus the
// CMP's own codes when read from one (the readers and watchers are in src/cmp/; README, "Consent").
import type { ConsentState } from './types';

export const CATEGORIES = ['essential', 'functional', 'analytics', 'marketing', 'personalization'];

/** The canonical state from the categories granted (truthy) in `on`; essential is always true. */
export const state = (on: Record<string, unknown> = {}): ConsentState => {
  const s: ConsentState = {};
  for (const c of CATEGORIES) s[c] = c == 'essential' || !!on[c];
  return s;
};
