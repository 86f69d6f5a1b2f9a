// The canonical consent view (README, "Consent") as the CMP reader tests write it: essential is
// always true; the other four in their documented order.
export const canon = (f: boolean, a: boolean, m: boolean, p: boolean) => ({
  essential: true,
  functional: f,
  analytics: a,
  marketing: m,
  personalization: p,
});
export const NONE = canon(false, false, false, false);
export const ALL = canon(true, true, true, true);
